"""The keys in the address of the public web-to-lead form: ``web`` for the company's
general form, ``c<campaign id>-<signature>`` for a campaign's, so that a lead from a
campaign's landing page is counted for that campaign, and nobody can count leads for a
campaign by changing a number in the address."""

from __future__ import annotations

from django.core.signing import Signer

from kehu.crm.marketing.models import Campaign

GENERAL = "web"
SALT = "kehu.leads.form"


def form_key(campaign: Campaign | None) -> str:
    """The key of ``campaign``'s form (the general one for None)."""
    return GENERAL if campaign is None else form_key_for_id(campaign.pk)


def campaign_of(key: str) -> tuple[bool, Campaign | None]:
    """``(valid, campaign)`` for a form key: the general form is valid without one; a
    campaign's key must carry its signature and name a campaign that exists."""
    if key == GENERAL:
        return True, None
    head, _sep, signature = key.partition("-")
    if not head.startswith("c") or not (head[1:].isascii() and head[1:].isdigit()) or not signature:
        return False, None
    if form_key_for_id(int(head[1:])) != key:
        return False, None
    campaign = Campaign.objects.filter(pk=int(head[1:])).first()
    return campaign is not None, campaign


def form_key_for_id(campaign_id: int) -> str:
    return Signer(salt=SALT).sign(f"c{campaign_id}").replace(":", "-", 1)
