"""Choices that more than one app uses: the channels a customer reaches the company on
or buys through, and the roles of the people who work in kehu.

They sit below every app, so that one app can use another's vocabulary without
importing its models: a service ticket arrives on an interaction channel, the analysis
names sales channels, and each app's ``AppConfig`` grants permissions per role while
the app registry is still loading, before any model may be imported. A choice that one
model alone uses stays inside that model, as Django's own apps do.
"""

from __future__ import annotations

from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _


class InteractionChannel(TextChoices):
    """How a conversation with a customer took place (interactions, tickets)."""

    PHONE = "phone", _("Phone")
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")
    FAX = "fax", _("Fax")
    WEB = "web", _("Web")
    CHAT = "chat", _("Chat")
    VISIT = "visit", _("Visit")
    EXHIBITION = "exhibition", _("Exhibition")


class SalesChannel(TextChoices):
    """Where an order was placed (orders, the analysis's channel segments)."""

    WEB = "web", _("Web shop")
    STORE = "store", _("Store")
    PHONE = "phone", _("Phone")
    SALES_REP = "sales_rep", _("Sales representative")
    MARKETPLACE = "marketplace", _("Marketplace")
    EXHIBITION = "exhibition", _("Exhibition")


class Role(TextChoices):
    """The five roles of a small company's CRM (Django groups; see
    :mod:`kehu.crm.accounts.roles`)."""

    ADMIN = "admin", _("Administrator")
    SALES = "sales", _("Sales")
    SERVICE = "service", _("Service")
    MARKETING = "marketing", _("Marketing")
    ANALYST = "analyst", _("Analyst")
