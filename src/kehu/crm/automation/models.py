"""Rules (a trigger, conditions, actions), the log of each time a rule ran, the record
of each customer a rule acted on for an event (so that it never acts twice on the same
event), and the notifications a rule sends to users."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class Rule(models.Model):
    """What to do (``actions``) to which customers (``conditions``, a customer-list
    filter) when something happens (``trigger`` with its ``trigger_params``). The JSON
    fields are checked by :func:`kehu.crm.automation.actions.create_rule` and
    ``update_rule`` against the trigger's and each action's parameters."""

    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    #: a ready-made rule's stable name (blank for a rule a user made)
    key = models.SlugField(max_length=50, blank=True, db_default="")
    enabled = models.BooleanField(_("enabled"), default=False)
    trigger = models.CharField(_("trigger"), max_length=30)
    trigger_params = models.JSONField(_("trigger parameters"), default=dict, blank=True)
    conditions = models.JSONField(_("conditions"), default=dict, blank=True)
    actions = models.JSONField(_("actions"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("rule")
        verbose_name_plural = _("rules")
        constraints = [
            models.UniqueConstraint(
                fields=["key"], condition=~models.Q(key=""), name="rule_key_unique"
            )
        ]
        indexes = [models.Index(fields=["enabled", "trigger"], name="rule_enabled_idx")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("automation:rule", args=[self.pk])

    def display_name(self) -> str:
        """The name in the active language: a ready-made rule's English name is a msgid
        (``ready_made.py``); a name a user wrote is shown as written."""
        return gettext(self.name) if self.key else self.name

    def display_description(self) -> str:
        return gettext(self.description) if self.key and self.description else self.description


class RuleRun(models.Model):
    """One evaluation of a rule: what set it off, how many customers matched, were
    acted on, were skipped (acted on for this event before) or failed."""

    rule = models.ForeignKey(
        Rule, verbose_name=_("rule"), on_delete=models.CASCADE, related_name="runs"
    )
    #: what set the run off: "analysis run #12", "sweep", "schedule 2026-12-03 08:00"
    event = models.CharField(_("event"), max_length=120)
    value_run = models.ForeignKey(
        "intelligence.ValueRun",
        verbose_name=_("analysis run"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    dry_run = models.BooleanField(_("dry run"), default=False)
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    n_matched = models.PositiveIntegerField(_("matched"), default=0)
    n_acted = models.PositiveIntegerField(_("acted on"), default=0)
    n_skipped = models.PositiveIntegerField(_("already done"), default=0)
    n_failed = models.PositiveIntegerField(_("failed"), default=0)
    error = models.TextField(_("error"), blank=True)
    #: a dry run's would-be hits (customer, event, reason), capped: it writes no hit
    preview = models.JSONField(default=list, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("rule run")
        verbose_name_plural = _("rule runs")
        indexes = [models.Index(fields=["rule", "-started_at"], name="rulerun_rule_idx")]

    def __str__(self) -> str:
        return f"{self.rule_id}@{self.started_at:%Y-%m-%d %H:%M}"

    def event_text(self) -> str:
        """What set the run off, in the active language."""
        if self.event.startswith("schedule:"):
            slot = self.event.removeprefix("schedule:").replace("T", " ")
            return gettext("schedule of %(slot)s") % {"slot": slot}
        if self.value_run_id is not None or self.event.startswith("analysis"):
            return gettext("analysis run #%(n)s") % {"n": self.value_run_id or "?"}
        return gettext("records checked")


class RuleHit(models.Model):
    """A customer a rule acted on for one event: the unique (rule, customer, event)
    is what keeps a rule from acting twice on the same event."""

    rule = models.ForeignKey(
        Rule, verbose_name=_("rule"), on_delete=models.CASCADE, related_name="hits"
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="rule_hits",
    )
    event_key = models.CharField(_("event"), max_length=120)
    run = models.ForeignKey(
        RuleRun, verbose_name=_("rule run"), on_delete=models.CASCADE, related_name="hits"
    )
    #: why the rule acted: {"text": msgid, "params": {...}}, shown in the reader's language
    reason = models.JSONField(_("reason"), default=dict)
    #: what was done: [{"kind": "activity", "id": 12}, {"kind": "tag", "name": "vip"}, ...]
    done = models.JSONField(_("done"), default=list)
    error = models.TextField(_("error"), blank=True)
    acted_at = models.DateTimeField(_("when"))

    class Meta:
        ordering = ["-acted_at", "-id"]
        verbose_name = _("rule hit")
        verbose_name_plural = _("rule hits")
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "customer", "event_key"], name="rulehit_once_per_event"
            )
        ]
        indexes = [models.Index(fields=["run"], name="rulehit_run_idx")]

    def __str__(self) -> str:
        return f"{self.rule_id}/{self.customer_id}/{self.event_key}"


class Notification(models.Model):
    """A message to a user (a rule's "notify" action), unread until opened."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    text = models.CharField(_("text"), max_length=500)
    link = models.CharField(_("link"), max_length=300, blank=True)
    rule = models.ForeignKey(
        Rule,
        verbose_name=_("rule"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notifications",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["user", "read_at", "-created_at"], name="notification_user_idx")
        ]

    def __str__(self) -> str:
        return self.text[:60]
