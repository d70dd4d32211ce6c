"""Turn a customer's identifying fields into search terms, and a query into prefixes.

A term is a lower-cased word; Chinese names (no spaces between words) also index the
given name without its one-character surname, so that "伟" finds "张伟"."""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"[\w@.+-]+", re.UNICODE)
_CJK = re.compile(r"[\u3400-\u9fff]")
MAX_TERM_LENGTH = 200


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold().strip()


def _words(text: str) -> list[str]:
    return [w.strip(".-+") for w in _WORD.findall(normalise(text)) if w.strip(".-+")]


def terms_for(name: str, code: str = "", email: str = "", phone: str = "") -> set[str]:
    """All terms under which a customer can be found."""
    terms: set[str] = set(_words(name))
    compact_name = normalise(name)
    if compact_name:
        terms.add(compact_name)
        if _CJK.match(compact_name) and len(compact_name) >= 2:
            terms.add(compact_name[1:])
    if code:
        terms.add(normalise(code))
    if email:
        terms.add(normalise(email))
    digits = re.sub(r"\D", "", phone)
    if len(digits) >= 4:
        terms.add(digits)
    return {t[:MAX_TERM_LENGTH] for t in terms if t}


PHONE_PUNCTUATION = (" ", "-", "+", "(", ")", ".", "/")


def contact_key(query: str) -> tuple[str, str] | None:
    """What a one-word query can find on a contact: ``("email", prefix)`` for a word with
    an ``@`` or a dot, ``("phone", digits)`` for a phone number, else ``None`` (names are found on
    the customer's own terms)."""
    prefixes = query_prefixes(query)
    if len(prefixes) != 1:
        return None
    word = prefixes[0]
    if "@" in word or "." in word:  # an address, or the start of one ("li.na")
        return ("email", word)
    if word.isascii() and word.isdigit() and len(word) >= 4:
        return ("phone", word)
    return None


def query_prefixes(query: str) -> list[str]:
    """The words of a search query, longest first (the most selective drives the index)."""
    words = _words(query)
    digits = re.sub(r"\D", "", query)
    if len(digits) >= 4 and not re.search(r"[^\d\s()+-]", query):
        words = [digits]
    return sorted(set(words), key=len, reverse=True)
