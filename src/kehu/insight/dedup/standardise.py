"""Customer fields in the forms the comparisons need, computed column-wise.

- ``name_key``: the name lowercased, without punctuation, spaces or company suffixes
  (``Ltd``, ``Co.``, ``Inc``, ``有限公司``, ``集团``, ...), Chinese characters written in
  pinyin, so that ``上海华东贸易有限公司``, ``Shanghai Huadong Trading Co., Ltd.`` and
  ``shanghai huadong maoyi`` come close and ``王芳`` equals ``Wang Fang``.
- ``name_sorted``: the same with its words sorted (``Fang Wang`` = ``Wang Fang``).
- ``email``: lowercased; ``email_user``: the part before ``@``. A role mailbox
  (``info@``, ``sales@``, ... see :data:`ROLE_MAILBOXES`) is a company's, often on
  records of different customers, so it is not compared: it goes to ``mailbox`` and
  ``email`` is left empty.
- ``phone``: digits only, without the international prefix (``+86``, ``0086``, ``+1``)
  and the trunk ``0``; ``phone_tail``: its last 8 digits (the local number).
- ``city``, ``address_key``: lowercased, pinyin, letters and digits only.
"""

from __future__ import annotations

import re
from functools import cache

import numpy as np
import pandas as pd

LATIN_SUFFIXES = (
    r"\b(co|company|corp|corporation|inc|incorporated|llc|ltd|limited|plc|gmbh|group|"
    r"partners|holdings|trading co)\b\.?"
)
CHINESE_SUFFIXES = r"(股份有限公司|有限责任公司|集团有限公司|有限公司|集团|公司)$"
CJK = re.compile(r"[\u3400-\u9fff]")
COLUMNS = ("unique_id", "name", "email", "phone", "city", "address")
#: User parts of email addresses that a company, not a person, uses.
ROLE_MAILBOXES = frozenset(
    [
        "info",
        "sales",
        "contact",
        "office",
        "admin",
        "service",
        "support",
        "hello",
        "mail",
        "enquiries",
        "enquiry",
        "inquiry",
        "inquiries",
        "orders",
        "order",
        "team",
        "marketing",
        "hr",
        "finance",
        "accounts",
        "accounting",
        "billing",
        "noreply",
        "no-reply",
        "kefu",
        "xiaoshou",
        "webmaster",
        "post",
        "shop",
    ]
)


@cache
def _pinyin_table(chars: str) -> dict[int, str]:
    from pypinyin import Style, lazy_pinyin

    return {ord(c): " " + lazy_pinyin(c, style=Style.NORMAL)[0] + " " for c in chars}


def to_pinyin(values: pd.Series) -> pd.Series:
    """Return the text with Chinese characters replaced by their pinyin.

    Chinese characters replaced by their pinyin (one dictionary lookup per distinct
    character of the column, then ``str.translate``).
    """
    text = values.fillna("").astype(str)
    chars = "".join(sorted(set("".join(CJK.findall("".join(text.unique()))))))
    if not chars:
        return text
    return text.str.translate(_pinyin_table(chars))


def _words(values: pd.Series) -> pd.Series:
    lowered = to_pinyin(values).str.lower()
    return lowered.str.replace(r"[^0-9a-z]+", " ", regex=True).str.strip()


def name_words(names: pd.Series) -> pd.Series:
    """Names as lists of lowercase words, company suffixes removed."""
    trimmed = names.fillna("").astype(str).str.strip()
    trimmed = trimmed.str.replace(CHINESE_SUFFIXES, "", regex=True)
    words = _words(trimmed)
    return words.str.replace(LATIN_SUFFIXES, " ", regex=True).str.split().str.join(" ")


def phone_digits(phones: pd.Series) -> pd.Series:
    """Phone numbers as digits only, without international or country prefixes."""
    digits = phones.fillna("").astype(str).str.replace(r"\D", "", regex=True)
    digits = digits.str.replace(r"^00", "", regex=True)
    digits = digits.where(~(digits.str.startswith("86") & (digits.str.len() >= 12)), digits.str[2:])
    digits = digits.where(
        ~(digits.str.startswith("1") & (digits.str.len() == 11) & ~digits.str.match(r"^1[3-9]")),
        digits.str[1:],
    )
    return digits.str.replace(r"^0", "", regex=True)


def standardise(records: pd.DataFrame) -> pd.DataFrame:
    """Return the comparison columns for ``records``.

    Return the comparison columns for ``records`` (``unique_id`` and any of ``name, email, phone,
    city, address``; absent ones count as unknown). Empty values become NULL. An ``owner`` column is
    carried through unchanged.
    """
    n = len(records)

    def column(name: str) -> pd.Series:
        if name in records:
            return records[name].reset_index(drop=True)
        return pd.Series([""] * n, dtype=object)

    words = name_words(column("name"))
    email = column("email").fillna("").astype(str).str.strip().str.lower()
    user = email.str.split("@").str[0]
    role = user.isin(ROLE_MAILBOXES) & email.str.contains("@", regex=False)
    phone = phone_digits(column("phone"))
    out = pd.DataFrame(
        {
            "unique_id": column("unique_id").to_numpy(),
            "name_key": words.str.replace(" ", "", regex=False),
            "name_sorted": words.str.split().apply(sorted).str.join(""),
            "email": email.where(~role, ""),
            "email_user": user.where(~role, ""),
            "mailbox": email.where(role, ""),
            "phone": phone,
            "phone_tail": phone.str[-8:],
            "city": _words(column("city")).str.replace(" ", "", regex=False),
            "address_key": _words(column("address")).str.replace(" ", "", regex=False),
        }
    )
    for name in out.columns.drop("unique_id"):
        out[name] = out[name].replace("", np.nan)
    if "owner" in records:  # carried through for the decision, not compared
        out["owner"] = records["owner"].reset_index(drop=True).to_numpy(dtype=object)
    return out
