"""A CSV file's text encoding: told from its start, or named; a UTF-8 copy for DuckDB."""

from __future__ import annotations

import gzip

import pytest

from kehu.insight.errors import InputError
from kehu.insight.text_encoding import (
    SAMPLE_BYTES,
    check_encoding,
    detect_encoding,
    text_encoding,
    write_utf8_copy,
)

CHINESE = "客户,日期,金额\n张三,2024-01-05,10\n李四,2024-02-05,20\n"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (CHINESE.encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + CHINESE.encode("utf-8"), "utf-8"),
        (CHINESE.encode("utf-16"), "utf-16"),
        # three short lines read as cleanly in Korean's cp949, which charset-normalizer
        # names first: GB18030 is the one meant
        (CHINESE.encode("gbk"), "gb18030"),
        ("单号,商品\nA1,茶杯\nA1,茶壶\nA2,茶叶\n".encode("gbk"), "gb18030"),  # "johab"
        ((CHINESE * 40).encode("gb18030"), "gb18030"),
        (("客戶,日期\n" + "陳大文,2024-01-05\n" * 30).encode("big5"), "big5"),
        # Korean with enough text to tell is Korean (the CRM's import read it so before)
        (("消费,流失\n" + "0.5,是\n0.7,否\n" * 100).encode("gbk"), "gb18030"),
        (
            ("고객번호,날짜\n" + "김민수,2024-01-05\n이영희,2024-01-06\n" * 80).encode("euc_kr"),
            "cp949",
        ),
    ],
)
def test_the_encoding_is_told_from_the_start_of_the_file(tmp_path, data, expected):
    path = tmp_path / "orders.csv"
    path.write_bytes(data)
    assert detect_encoding(path) == expected
    gzipped = tmp_path / "orders.csv.gz"
    gzipped.write_bytes(gzip.compress(data))
    assert detect_encoding(gzipped) == expected


def test_a_named_encoding_is_checked_and_used(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_bytes(CHINESE.encode("gbk"))
    assert text_encoding(path, "GBK") == "gbk"
    assert text_encoding(path) == "gb18030"
    with pytest.raises(InputError, match="unknown text encoding 'klingon'"):
        check_encoding("klingon")
    with pytest.raises(InputError, match="cannot read 'missing.csv'"):
        text_encoding(tmp_path / "missing.csv")


def test_the_utf8_copy_holds_the_same_text(tmp_path):
    text = CHINESE + "王五,2024-03-05,30\n" * (SAMPLE_BYTES // 10)  # several chunks
    source = tmp_path / "orders.csv.gz"
    source.write_bytes(gzip.compress(text.encode("gb18030")))
    copy = write_utf8_copy(source, "gb18030", tmp_path / "copy.csv")
    assert copy.read_text(encoding="utf-8") == text


def test_bytes_not_in_the_encoding_are_one_plain_error(tmp_path):
    source = tmp_path / "orders.csv"
    source.write_bytes(b"ok\n" * 1000 + b"caf\xe9\n")
    expected = r"orders.csv is not valid utf-8 text near byte 3,003: name its encoding"
    with pytest.raises(InputError, match=expected):
        write_utf8_copy(source, "utf-8", tmp_path / "copy.csv")
