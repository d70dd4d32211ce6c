"""Signed tokens in the links of a campaign message: the open pixel, each tracked link
and the unsubscribe page name the member they were sent to, signed with the site's
secret key, so that nobody can open, click or unsubscribe for someone else, and a
tracked link cannot be turned into a redirect to anywhere (an open redirect)."""

from __future__ import annotations

from django.core import signing

MEMBER_SALT = "kehu.marketing.member"
LINK_SALT = "kehu.marketing.link"


def member_token(member_id: int) -> str:
    return signing.Signer(salt=MEMBER_SALT).sign(str(member_id))


def member_from_token(token: str) -> int | None:
    """The member id a token names, or None for a token that was altered or made up."""
    try:
        value = signing.Signer(salt=MEMBER_SALT).unsign(token)
    except signing.BadSignature:
        return None
    return int(value) if value.isascii() and value.isdigit() else None


def link_token(member_id: int, url: str) -> str:
    return signing.dumps([member_id, url], salt=LINK_SALT, compress=True)


def link_from_token(token: str) -> tuple[int, str] | None:
    """``(member id, target url)`` of a tracked link, or None for a forged one."""
    try:
        member_id, url = signing.loads(token, salt=LINK_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(member_id, int) or not isinstance(url, str):
        return None
    return member_id, url
