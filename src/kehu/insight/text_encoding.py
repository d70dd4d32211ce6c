"""A CSV file's text encoding and delimiter, and a UTF-8 copy for readers of UTF-8 alone.

Spreadsheets on Chinese Windows save CSV as GBK; DuckDB and Spark's text reader take
UTF-8 (DuckDB also UTF-16 and Latin-1). A file is UTF-8 when its start decodes as UTF-8;
otherwise charset-normalizer guesses, and any guess of the GBK family is read as GB18030,
their superset. The CRM's import reads with the same guess.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
from pathlib import Path

from kehu.insight.errors import InputError

__all__ = [
    "CANNOT_TELL",
    "DELIMITERS",
    "SAMPLE_BYTES",
    "check_encoding",
    "detect_encoding",
    "is_utf8",
    "open_bytes",
    "sniff_delimiter",
    "text_sample",
    "text_encoding",
    "undecodable",
    "write_utf8_copy",
]

#: How much of a file's start its encoding is judged on.
SAMPLE_BYTES = 256 * 1024
#: Transcoding reads and writes this much at a time.
CHUNK_BYTES = 1024 * 1024
#: The delimiters a CSV file may use, in the order a tie goes to.
DELIMITERS = (",", ";", "\t", "|")
CANNOT_TELL = (
    "cannot tell the file's text encoding: save it as UTF-8, or name it with "
    "--encoding (e.g. gb18030)"
)
_GBK_FAMILY = ("gbk", "gb2312", "hz", "gb18030", "cp936")
#: Fewer bytes of non-ASCII text than this do not tell Chinese from Korean or Japanese
#: (a header and 是/否, or 华东 in every row): the CRM's users mean GB18030 then.
TOO_LITTLE_TO_TELL = 512
#: Double-byte encodings that Chinese text decodes in too (codecs' names).
_KOREAN = frozenset(codecs.lookup(n).name for n in ("cp949", "euc_kr", "johab", "iso2022_kr"))
_KOREAN_OR_JAPANESE = _KOREAN | frozenset(
    codecs.lookup(name).name
    for name in (
        "shift_jis", "cp932", "euc_jp", "euc_jis_2004", "euc_jisx0213", "shift_jis_2004",
        "shift_jisx0213",
    )
)  # fmt: skip


def open_bytes(path: Path) -> io.BufferedIOBase:
    """Open ``path`` for reading bytes, unpacked when it is gzipped (``.gz``)."""
    return gzip.open(path, "rb") if path.suffix.lower() == ".gz" else path.open("rb")


def is_utf8(name: str) -> bool:
    """Whether the encoding ``name`` (normalised by :func:`check_encoding`) reads as UTF-8."""
    return name in ("utf-8", "ascii")


def check_encoding(name: str) -> str:
    """Return Python's name of the encoding ``name``; :class:`InputError` for an unknown one."""
    try:
        return codecs.lookup(name).name
    except LookupError:
        raise InputError(
            f"unknown text encoding {name!r}: give one such as utf-8, gb18030, big5 or latin-1"
        ) from None


def detect_encoding(path: Path) -> str | None:
    """Return the encoding of ``path``'s text, or None when it cannot be told.

    UTF-8 when the first :data:`SAMPLE_BYTES` decode as UTF-8 (``utf-16`` with its
    byte-order mark), else charset-normalizer's guess; GB18030 for the GBK family, in
    place of a Korean or Japanese guess on too little text to tell
    (:data:`TOO_LITTLE_TO_TELL`) or whose reading looks Chinese (:func:`_chinese_read_as`),
    and where it reads more cleanly than the guess. A short Korean or Japanese file is
    then misread: its encoding must be named (``--encoding cp949``).
    Raises ``OSError``/``EOFError`` when the file cannot be read.
    """
    with open_bytes(path) as f:
        sample = f.read(SAMPLE_BYTES)
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    matches = from_bytes(sample)
    best = matches.best()
    if best is None:
        return None
    best_name = codecs.lookup(best.encoding).name
    if _is_gbk(best_name):
        return "gb18030"
    gbk_reads = any(_is_gbk(m.encoding) for m in matches)
    if gbk_reads and best_name in _KOREAN_OR_JAPANESE:
        too_little = sum(1 for byte in sample if byte > 127) < TOO_LITTLE_TO_TELL
        if too_little or _chinese_read_as(best_name, sample):
            return "gb18030"
    if gbk_reads and any(_is_gbk(m.encoding) and m.chaos < best.chaos for m in matches):
        return "gb18030"
    return best_name


def _chinese_read_as(name: str, sample: bytes) -> bool:
    """Whether ``sample``, which charset-normalizer took for Korean or Japanese, is Chinese.

    Chinese in GBK decodes in Korean's and Japanese's double-byte encodings too, and a
    few lines of it (a header, 是 and 否) are often guessed so. Read in such an encoding,
    Korean is Hangul with hardly a Chinese character, and Japanese has kana; GBK's
    Chinese gives many Chinese characters (Hanja, kanji) and no kana.
    """
    if name not in _KOREAN_OR_JAPANESE:
        return False
    text = sample.decode(name, errors="replace")
    han = sum(1 for c in text if "\u4e00" <= c <= "\u9fff")
    hangul = sum(1 for c in text if "\uac00" <= c <= "\ud7a3")
    kana = sum(1 for c in text if "\u3040" <= c <= "\u30ff")
    if name in _KOREAN:
        return han > 0.05 * (han + hangul)
    return kana < 0.05 * (kana + han)


def _is_gbk(name: str) -> bool:
    return codecs.lookup(name).name in _GBK_FAMILY


def text_encoding(path: Path, given: str | None = None) -> str:
    """Return the encoding to read ``path`` with: ``given`` (checked) or the detected one.

    Raises :class:`InputError` when it cannot be told or the file cannot be read.
    """
    if given:
        return check_encoding(given)
    try:
        found = detect_encoding(path)
    except (OSError, EOFError) as e:
        raise InputError(f"cannot read {path.name!r}: {e}") from None
    if found is None:
        raise InputError(f"{path.name}: {CANNOT_TELL}")
    return found


def write_utf8_copy(path: Path, encoding: str, target: Path) -> Path:
    """Write ``path``'s text (read as ``encoding``, unpacked when gzipped) to ``target`` as UTF-8.

    Streamed a chunk at a time. Bytes that are not ``encoding`` raise :class:`InputError`
    naming about where they are.
    """
    decoder = codecs.getincrementaldecoder(encoding)()
    read = 0
    try:
        with open_bytes(path) as source, target.open("w", encoding="utf-8", newline="") as out:
            while chunk := source.read(CHUNK_BYTES):
                out.write(decoder.decode(chunk))
                read += len(chunk)
            out.write(decoder.decode(b"", final=True))
    except UnicodeDecodeError as e:
        raise undecodable(path.name, encoding, f" near byte {read + e.start:,}") from None
    except (OSError, EOFError) as e:
        raise InputError(f"cannot read {path.name!r}: {e}") from None
    return target


def undecodable(name: str, encoding: str, where: str = "") -> InputError:
    """Return the error of a file ``name`` that is not ``encoding`` text (``where``: where not)."""
    return InputError(
        f"{name} is not valid {encoding} text{where}: name its encoding with --encoding "
        "(e.g. gb18030), or save the file as UTF-8"
    )


def sniff_delimiter(sample: str) -> str:
    """Return the delimiter that splits the sample's first rows most consistently.

    Into more than one column; ties go to the earlier of :data:`DELIMITERS`.
    """
    lines = sample.splitlines(keepends=True)[:-1] or sample.splitlines(keepends=True)
    best, best_score = ",", (0.0, 0)
    for delimiter in DELIMITERS:
        try:
            rows = [r for r in csv.reader(lines[:200], delimiter=delimiter) if r]
        except csv.Error:
            continue
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        same = sum(1 for r in rows if len(r) == width) / len(rows)
        if (same, width) > best_score:
            best, best_score = delimiter, (same, width)
    return best


def text_sample(path: Path, encoding: str) -> str:
    """Return the start of ``path``'s text (:data:`SAMPLE_BYTES`), a byte-order mark dropped."""
    with open_bytes(path) as f:
        data = f.read(SAMPLE_BYTES)
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    return str(decoder.decode(data)).lstrip("\ufeff")
