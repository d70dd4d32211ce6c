"""Why an import quarantines a row: each reason once, as the English text the pipeline
stores (built in DuckDB SQL, or in Python) and as a page shows it in the user's language.

The stored text stays English: the quarantine CSV, the command line and jobs imported
before a reason was translated all read it. A page phrases it again with :func:`shown`,
which matches the stored text against each reason's pattern (made from the same
template the pipeline wrote it from, so the two cannot drift), translates the reason and
the field label or choices in it, and leaves text it does not know as it was stored.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from django.utils import translation
from django.utils.translation import gettext_noop

if TYPE_CHECKING:
    from kehu.crm.integration.fields import Field

PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def literal(text: str) -> str:
    """``text`` as a SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


class Reason:
    """``template``: the English text with a ``%(name)s`` for each part that varies; it
    is also the msgid of the reason's translation."""

    def __init__(self, template: str) -> None:
        self.template = template
        pieces = PLACEHOLDER.split(template)  # text, name, text, name, ..., text
        self.texts, self.names = pieces[0::2], pieces[1::2]
        groups = [f"(?P<{name}>.*?)" for name in self.names] + [""]
        self.pattern = re.compile(
            "".join(re.escape(t) + g for t, g in zip(self.texts, groups, strict=True)), re.S
        )

    def text(self, **parts: object) -> str:
        """The reason as stored, from Python values."""
        return self.template % parts

    def sql(self, **parts: str) -> str:
        """SQL that builds the reason as stored; ``parts`` are SQL expressions (fixed
        text: :func:`literal`)."""
        terms = []
        for text, name in zip(self.texts, [*self.names, None], strict=True):
            terms += [literal(text)] if text else []
            terms += [parts[name]] if name else []
        return "(" + " || ".join(terms) + ")"

    def shown(self, parts: dict[str, str]) -> str:
        """The reason in the active language (as stored where it has no translation)."""
        phrase = translation.gettext(self.template)
        if phrase == self.template:
            return self.template % parts
        return phrase % {k: PARTS.get(k, _as_is)(v, parts) for k, v in parts.items()}


# -- a record's field (contacts, products, interactions, tickets, opportunities) --------
MISSING = Reason(gettext_noop("%(field)s: missing"))
NOT_AN_EMAIL = Reason(gettext_noop('%(field)s: "%(value)s" is not an email address'))
TOO_LONG = Reason(gettext_noop("%(field)s: longer than %(most)s characters"))
NO_CUSTOMER = Reason(
    gettext_noop(
        '%(field)s: no customer "%(value)s" in the CRM (by id, code or email): import the '
        "customers first, or fix the reference"
    )
)
NO_ORDER = Reason(
    gettext_noop(
        '%(field)s: no order "%(value)s" in the CRM: import the orders first, or fix the number'
    )
)
NO_USER = Reason(
    gettext_noop(
        '%(field)s: no user "%(value)s" (by user name or email): add the user, or leave the '
        "column unmapped"
    )
)
NO_INVOICE = Reason(
    gettext_noop(
        '%(field)s: no invoice "%(value)s" in the CRM: import the invoices first, or fix the number'
    )
)
NOT_ONE_OF = Reason(gettext_noop('%(field)s: "%(value)s" is not one of: %(allowed)s'))
#: what a yes/no field takes, in :data:`NOT_ONE_OF`
YES_OR_NO = gettext_noop("yes or no")
NOT_A_NUMBER = Reason(gettext_noop('%(field)s: "%(value)s" is not a number'))
TOO_LARGE = Reason(gettext_noop("%(field)s: %(value)s is too large (the most is %(most)s)"))
NOT_WHOLE = Reason(gettext_noop("%(field)s: %(value)s is not a whole number"))
BELOW = Reason(gettext_noop("%(field)s: %(value)s is below %(low)s"))
ABOVE = Reason(gettext_noop("%(field)s: %(value)s is above %(high)s"))
NOT_A_DATE = Reason(gettext_noop('%(field)s: "%(value)s" is not a date'))
IN_THE_FUTURE = Reason(
    gettext_noop(
        '%(field)s: "%(value)s" is more than %(days)s days in the future: if it is right, '
        "confirm future dates (--allow-future-dates, or the box in the wizard)"
    )
)

# -- an invoice or a payment --------------------------------------------------------------
DUE_BEFORE_ISSUE = Reason(gettext_noop('due date "%(due)s" is before the issue date "%(issued)s"'))
TERMS_MISMATCH = Reason(
    gettext_noop(
        'due date "%(due)s" is not the issue date plus the payment terms (%(days)s days): '
        "give one of the two"
    )
)
ORDER_INVOICED = Reason(
    gettext_noop('order "%(order)s" is invoiced already, by invoice %(invoice)s')
)
ORDER_OF_ANOTHER_CUSTOMER = Reason(
    gettext_noop('order "%(order)s" is an order of another customer')
)
INVOICE_NOT_PAYABLE = Reason(
    gettext_noop('invoice "%(value)s" is a draft or void: payments go on open invoices')
)
PAID_IN_THE_FUTURE = Reason(gettext_noop('payment date "%(value)s" is in the future'))

# -- an order line -----------------------------------------------------------------------
NO_ORDER_NUMBER = Reason(gettext_noop("missing order number"))
NO_ORDER_DATE = Reason(gettext_noop("missing order date"))
ORDER_DATE_NOT_A_DATE = Reason(gettext_noop('order date "%(value)s" is not a date'))
ORDER_DATE_IN_THE_FUTURE = Reason(
    gettext_noop(
        'order date "%(value)s" is more than %(days)s days in the future: if it is right, '
        "confirm future dates (--allow-future-dates, or the box in the wizard)"
    )
)
NO_CUSTOMER_ID = Reason(gettext_noop("missing customer id"))
NO_PRODUCT_CODE = Reason(gettext_noop("missing product code"))
NO_QUANTITY = Reason(gettext_noop("missing quantity"))
QUANTITY_NOT_A_NUMBER = Reason(gettext_noop('quantity "%(value)s" is not a number'))
QUANTITY_ZERO = Reason(gettext_noop("quantity is 0"))
QUANTITY_TOO_LARGE = Reason(gettext_noop("quantity %(value)s is too large"))
NO_UNIT_PRICE = Reason(gettext_noop("missing unit price"))
PRICE_NOT_A_NUMBER = Reason(gettext_noop('unit price "%(value)s" is not a number'))
NEGATIVE_PRICE = Reason(gettext_noop("negative unit price %(value)s"))
PRICE_TOO_LARGE = Reason(gettext_noop("unit price %(value)s is too large"))
OTHER_CUSTOMER = Reason(
    gettext_noop("order %(order)s belongs to customer %(customer)s (row %(row)s)")
)
OTHER_SIGN = Reason(
    gettext_noop("quantity sign differs from the first line of order %(order)s (row %(row)s)")
)

# -- a customer --------------------------------------------------------------------------
NO_NAME = Reason(gettext_noop("missing name"))
NOTHING_TO_MATCH = Reason(gettext_noop("no customer id and no email to match the row on"))
EMAIL_NOT_AN_EMAIL = Reason(gettext_noop('email "%(value)s" is not an email address'))
NOT_A_KIND = Reason(gettext_noop('kind "%(value)s" is neither company nor person'))

# -- a line of a text file ---------------------------------------------------------------
TOO_WIDE = Reason(
    gettext_noop(
        "the row has %(cells)s cells but the header has %(columns)s columns (%(extra)s "
        "non-empty cells past the last column): an unquoted delimiter in a value? quote the "
        "value"
    )
)
TOO_WIDE_BY_ONE = Reason(
    gettext_noop(
        "the row has %(cells)s cells but the header has %(columns)s columns (%(extra)s "
        "non-empty cell past the last column): an unquoted delimiter in a value? quote the "
        "value"
    )
)

#: Every reason, the most fixed text first: a stored text is read as the first that fits.
REASONS = sorted(
    (v for v in dict(globals()).values() if isinstance(v, Reason)),
    key=lambda r: -sum(map(len, r.texts)),
)


#: Reasons of the row checks of entities that apps above integration register
#: (:func:`kehu.crm.integration.entities.register_entity`), read after kehu's own.
REGISTERED: list[Reason] = []


def shown(stored: str | None) -> str | None:
    """A stored reason in the active language; text no reason fits, as stored."""
    if not stored:
        return stored
    for reason in (*REASONS, *REGISTERED):
        match = reason.pattern.fullmatch(stored)
        if match:
            return reason.shown(match.groupdict())
    return stored


@functools.cache
def _fields_by_label() -> dict[str, list[Field]]:
    """The import fields by their English label (as the pipeline writes it)."""
    from kehu.crm.integration.fields import FIELDS  # the models: not for the file readers

    by_label: dict[str, list[Field]] = {}
    with translation.override("en"):
        for fields in FIELDS.values():
            for field in fields:
                by_label.setdefault(str(field.label), []).append(field)
    return by_label


def _as_is(value: str, parts: dict[str, str]) -> str:
    return value


def _field(label: str, parts: dict[str, str]) -> str:
    """A field's English label in the active language."""
    fields = _fields_by_label().get(label)
    return str(fields[0].label) if fields else label


def _allowed(allowed: str, parts: dict[str, str]) -> str:
    """The values a choice field takes (``open, won, lost``), as their labels."""
    if allowed == YES_OR_NO:
        return translation.gettext(YES_OR_NO)
    values = allowed.split(", ")
    for field in _fields_by_label().get(parts.get("field", ""), []):
        choices = field.choices.choices if field.choices is not None else []
        if [value for value, _label in choices] == values:
            separator = translation.pgettext("list separator", ", ")
            return separator.join(str(label) for _value, label in choices)
    return allowed


PARTS: dict[str, Callable[[str, dict[str, str]], str]] = {"field": _field, "allowed": _allowed}
