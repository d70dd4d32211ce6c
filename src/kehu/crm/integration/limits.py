"""How much an import may read: the bytes a file holds once unpacked and its data rows
(settings ``KEHU_IMPORT_MAX_MB`` and ``KEHU_IMPORT_MAX_ROWS``). A file over a limit is
refused with a message that names the limit, before it can fill memory or the disk."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

MB = 1024 * 1024
#: A spreadsheet is read whole into memory (python-calamine): at most this many cells
#: between its first and its last (about 32 bytes each).
MAX_SHEET_CELLS = 20_000_000


class ReadError(ValueError):
    """The file cannot be read as given; the message says what to fix."""


class LimitError(ReadError):
    """The file is larger than an import may be; the message names the limit."""


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_rows: int

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(
            max_bytes=int(getattr(settings, "KEHU_IMPORT_MAX_MB", 1024)) * MB,
            max_rows=int(getattr(settings, "KEHU_IMPORT_MAX_ROWS", 5_000_000)),
        )

    def too_large(self, name: str, what: str = "unpacks to") -> LimitError:
        return LimitError(
            f"{name!r} {what} more than {self.max_bytes // MB:,} MB, the most an import "
            "may read (setting KEHU_IMPORT_MAX_MB): split the file, or raise the limit"
        )

    def too_many_rows(self, name: str) -> LimitError:
        return LimitError(
            f"{name!r} has more than {self.max_rows:,} rows, the most an import may read "
            "(setting KEHU_IMPORT_MAX_ROWS): split the file, or raise the limit"
        )
