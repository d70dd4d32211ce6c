"""Which input column feeds which field: suggested from the headers (English and
Chinese), editable, and saved as a named profile for the next file."""

from __future__ import annotations

import re

from kehu.crm.integration.fields import FIELDS

__all__ = ["FIELDS", "check_mapping", "suggest_mapping"]


def _key(header: str) -> str:
    return re.sub(r"[\s_\-./()（）#:：]+", "", header).lower()


def suggest_mapping(entity: str, headers: list[str]) -> dict[str, str]:
    """``{field: header}`` for the fields whose name or a synonym matches a header
    (spaces, case and punctuation ignored); each header is used once, best match first."""
    by_key = {_key(h): h for h in headers}
    used: set[str] = set()
    mapping: dict[str, str] = {}
    for field in FIELDS[entity]:
        for synonym in (field.name.replace("_", ""), *field.synonyms):
            header = by_key.get(_key(synonym))
            if header is not None and header not in used:
                mapping[field.name] = header
                used.add(header)
                break
    return mapping


def check_mapping(entity: str, mapping: dict[str, str], headers: list[str]) -> list[str]:
    """Plain-language problems with ``mapping``: unknown fields, columns not in the
    file, required fields without a column. Empty when it can be used."""
    known = {f.name for f in FIELDS[entity]}
    problems = [f"unknown field {name!r}" for name in mapping if name not in known]
    problems += [
        f"column {column!r} (for {name}) is not in the file; its columns are {headers}"
        for name, column in mapping.items()
        if name in known and column not in headers
    ]
    problems += [
        f"no column for the required field {f.name!r} ({f.label}); name it with --map "
        f"{f.name}=COLUMN"
        for f in FIELDS[entity]
        if f.required and f.name not in mapping
    ]
    return problems
