"""A campaign's personal message for one customer: its template (English or Chinese)
filled with the customer's own data and their next-best products with the reason for
each, the links in it tracked, an open pixel and an unsubscribe link added.

Templates use Django's template language on plain data only (no model objects, so a
template cannot reach anything but what is listed here)::

    {{ customer.name }} {{ customer.greeting_name }} {{ customer.code }} {{ customer.city }}
    {{ customer.tier }} {{ owner.name }} {{ owner.email }} {{ campaign.name }}
    {% for product in products %}{{ product.name }}: {{ product.reason }}{% endfor %}

The unsubscribe link is added below every message; a template need not write it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template import Context, Engine, Template
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from kehu.crm.catalog.models import Product
from kehu.crm.customers.models import Customer
from kehu.crm.intelligence import labels
from kehu.crm.intelligence.mining_labels import recommendation_reason
from kehu.crm.intelligence.models import CustomerInsight
from kehu.crm.marketing.models import Campaign
from kehu.crm.marketing.tokens import link_token, member_token

ENGINE = Engine(autoescape=False)
URL = re.compile(r"https?://[^\s<>\"')\]]+")
CJK = re.compile(r"[\u3400-\u9fff]")
CHINESE_COUNTRIES = {"china", "cn", "中国", "hong kong", "香港", "macau", "澳门", "taiwan", "台湾"}
N_PRODUCTS = 3


@dataclass
class Message:
    language: str
    subject: str
    text: str
    html: str = ""
    headers: dict[str, str] = field(default_factory=dict)


def language_for(customer: Customer) -> str:
    """``zh-hans`` for a customer in a Chinese-speaking place or with a Chinese name,
    ``en`` otherwise."""
    if customer.country.strip().lower() in CHINESE_COUNTRIES or CJK.search(customer.name):
        return "zh-hans"
    return "en"


@lru_cache(maxsize=64)
def compiled(text: str) -> Template:
    """A template parsed once however many messages it fills."""
    return ENGINE.from_string(text)


# tags that reach outside the message (other templates, tag libraries)
OUTSIDE_TAGS = re.compile(r"{%-?\s*(include|extends|load|ssi|debug)\b")
SAMPLE = {
    "customer": {"name": "A", "greeting_name": "A", "code": "C1", "city": "", "tier": ""},
    "owner": {"name": "", "email": ""},
    "campaign": {"name": ""},
    "products": [{"name": "P", "sku": "S", "reason": "R"}],
}


def check_template(text: str, what: str) -> None:
    """A template that does not parse, reaches outside the message or fails on a
    sample customer is a ValidationError naming the field: it would otherwise stop a
    send half-way."""
    if match := OUTSIDE_TAGS.search(text):
        message = _("A message cannot use {%% %(tag)s %%}.") % {"tag": match.group(1)}
        raise ValidationError({what: message})
    try:
        compiled(text).render(Context(SAMPLE))
    except Exception as e:  # a template can fail in many ways; each is the user's to fix
        message = _("This template does not work: %(error)s") % {"error": e}
        raise ValidationError({what: message}) from e


def templates_of(campaign: Campaign, language: str) -> tuple[str, str]:
    """The subject and body in ``language``, or in the other language when this one is
    left blank."""
    en, zh = (campaign.subject_en, campaign.body_en), (campaign.subject_zh, campaign.body_zh)
    first, second = (zh, en) if language == "zh-hans" else (en, zh)
    return first if first[1].strip() else second


def next_best_products(customers: Sequence[Customer]) -> dict[int, list[dict[str, str]]]:
    """Each customer's top products to offer with the reason, in the active language:
    two queries for any number of customers."""
    insights = CustomerInsight.objects.filter(customer__in=[c.pk for c in customers]).only(
        "customer_id", "recommendations"
    )
    wanted: dict[int, list[dict[str, Any]]] = {
        i.customer_id: list(i.recommendations)[:N_PRODUCTS] for i in insights
    }
    ids = {r["product_id"] for rs in wanted.values() for r in rs} | {
        r["because_of"] for rs in wanted.values() for r in rs if r.get("because_of")
    }
    products = Product.objects.in_bulk(ids) if ids else {}
    out: dict[int, list[dict[str, str]]] = {}
    for customer_id, recommendations in wanted.items():
        rows = []
        for r in recommendations:
            product = products.get(r["product_id"])
            if product is None:
                continue
            reason = recommendation_reason({**r, "because": products.get(r.get("because_of"))})
            rows.append({"name": product.name, "sku": product.sku, "reason": reason})
        out[customer_id] = rows
    return out


def _context(
    campaign: Campaign, customer: Customer, products: list[dict[str, str]]
) -> dict[str, Any]:
    contact = next(iter(customer.contacts.all()), None) if hasattr(customer, "contacts") else None
    tier = getattr(getattr(customer, "score", None), "tier", "") or ""
    owner = customer.owner
    return {
        "customer": {
            "name": customer.name,
            "greeting_name": contact.name if contact is not None else customer.name,
            "code": customer.code,
            "city": customer.city,
            "tier": str(labels.label(tier)) if tier else "",
        },
        "owner": {
            "name": (owner.get_full_name() or owner.get_username()) if owner else "",
            "email": owner.email if owner else "",
        },
        "campaign": {"name": campaign.name},
        "products": products,
    }


def site_url(path: str) -> str:
    return f"{settings.KEHU_SITE_URL}{path}"


@lru_cache(maxsize=8)
def _route(name: str) -> str:
    return reverse(name, args=["TOKEN"])


def tracking_url(name: str, token: str) -> str:
    """The site's absolute URL of a tracking route (``marketing:click``, ...) for a
    token; the route is resolved once, not once per message."""
    return site_url(_route(name).replace("TOKEN", token))


def _tracked(text: str, member_id: int | None) -> str:
    if member_id is None:
        return text
    return URL.sub(
        lambda m: tracking_url("marketing:click", link_token(member_id, m.group(0))),
        text,
    )


def _html(text: str, member_id: int | None, unsubscribe: str) -> str:
    escaped = html.escape(text)
    linked = URL.sub(lambda m: f'<a href="{m.group(0)}">{m.group(0)}</a>', escaped)
    paragraphs = "".join(f"<p>{p.replace(chr(10), '<br>')}</p>" for p in linked.split("\n\n"))
    pixel = (
        f'<img src="{tracking_url("marketing:open", member_token(member_id))}" '
        'width="1" height="1" alt="">'
        if member_id is not None
        else ""
    )
    label = html.escape(_("Unsubscribe"))
    footer = f'<p style="font-size:small"><a href="{unsubscribe}">{label}</a></p>'
    return f"<html><body>{paragraphs}{footer}{pixel}</body></html>"


def render(
    campaign: Campaign,
    customer: Customer,
    *,
    member_id: int | None = None,
    products: list[dict[str, str]] | None = None,
    language: str | None = None,
) -> Message:
    """The message ``customer`` gets (``member_id`` None for a preview: links are not
    tracked and the unsubscribe link is a placeholder)."""
    language = language or language_for(customer)
    with translation.override(language):
        if products is None:
            products = next_best_products([customer]).get(customer.pk, [])
        subject_template, body_template = templates_of(campaign, language)
        context = Context(_context(campaign, customer, products))
        subject = " ".join(compiled(subject_template).render(context).split())
        body = compiled(body_template).render(context).strip()
        unsubscribe = (
            tracking_url("marketing:unsubscribe", member_token(member_id))
            if member_id is not None
            else tracking_url("marketing:unsubscribe", "preview")
        )
        text = f"{_tracked(body, member_id)}\n\n--\n{_('Unsubscribe')}: {unsubscribe}\n"
        tracked_html = _html(_tracked(body, member_id), member_id, unsubscribe)
    headers = {
        "List-Unsubscribe": f"<{unsubscribe}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    return Message(language, subject, text, tracked_html, headers)


def render_many(campaign: Campaign, members: Iterable[tuple[int, Customer]]) -> dict[int, Message]:
    """Messages for ``(member id, customer)`` pairs, with the products fetched once."""
    pairs = list(members)
    products = next_best_products([c for _, c in pairs])
    return {
        member_id: render(
            campaign, customer, member_id=member_id, products=products.get(customer.pk, [])
        )
        for member_id, customer in pairs
    }


def default_templates(goal: str) -> dict[str, str]:
    """A starting message for a new campaign of ``goal``, in both languages."""
    en_lines = {
        Campaign.Goal.WIN_BACK: "We miss you, {{ customer.greeting_name }}",
        Campaign.Goal.RETENTION: "Thank you, {{ customer.greeting_name }}",
        Campaign.Goal.CROSS_SELL: "Picked for you, {{ customer.greeting_name }}",
        Campaign.Goal.UP_SELL: "Something better for you, {{ customer.greeting_name }}",
        Campaign.Goal.EVENT: "You are invited, {{ customer.greeting_name }}",
        Campaign.Goal.SURVEY: "How did we do, {{ customer.greeting_name }}?",
    }
    zh_lines = {
        Campaign.Goal.WIN_BACK: "{{ customer.greeting_name }}，好久不见",
        Campaign.Goal.RETENTION: "{{ customer.greeting_name }}，感谢您一直以来的支持",
        Campaign.Goal.CROSS_SELL: "{{ customer.greeting_name }}，为您精选",
        Campaign.Goal.UP_SELL: "{{ customer.greeting_name }}，为您推荐升级之选",
        Campaign.Goal.EVENT: "{{ customer.greeting_name }}，诚邀您参加",
        Campaign.Goal.SURVEY: "{{ customer.greeting_name }}，请评价我们的服务",
    }
    body_en = (
        "Dear {{ customer.greeting_name }},\n\n"
        "{% if products %}We think you will like:\n"
        "{% for product in products %}- {{ product.name }} ({{ product.reason }})\n{% endfor %}"
        "{% endif %}\nYours,\n{{ owner.name }}"
    )
    body_zh = (
        "尊敬的{{ customer.greeting_name }}：\n\n"
        "{% if products %}为您推荐：\n"
        "{% for product in products %}- {{ product.name }}（{{ product.reason }}）\n{% endfor %}"
        "{% endif %}\n此致\n{{ owner.name }}"
    )
    return {
        "subject_en": en_lines.get(goal, en_lines[Campaign.Goal.RETENTION]),
        "body_en": body_en,
        "subject_zh": zh_lines.get(goal, zh_lines[Campaign.Goal.RETENTION]),
        "body_zh": body_zh,
    }
