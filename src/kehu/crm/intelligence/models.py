"""Value runs and their results: every run's scores per customer (the history) and each
customer's current scores (denormalised, indexed for the customer list's filters and
sorts)."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kehu.crm.model_fields import user_field


class ValueRun(models.Model):
    """One computation of the value engine over every customer in the database."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    requested_by = user_field(_("requested by"), related_name="value_runs")
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    progress_text = models.CharField(max_length=200, blank=True)
    progress_percent = models.PositiveSmallIntegerField(default=0)
    analysis_settings = models.JSONField(default=dict, blank=True)
    analysis_models = models.JSONField(default=dict, blank=True)
    overview = models.JSONField(default=dict, blank=True)
    n_customers = models.PositiveIntegerField(_("customers scored"), default=0)
    n_prospects = models.PositiveIntegerField(default=0)
    n_transactions = models.PositiveIntegerField(default=0)
    #: what the data-mining steps found: segmentation, churn model, flags, forecasts
    mining = models.JSONField(default=dict, blank=True)
    scheduled = models.BooleanField(_("scheduled"), default=False)
    error = models.TextField(blank=True)
    #: the process executing the run (kehu.crm.processes.runner): a killed run is seen
    #: at once on this machine instead of after STALE_AFTER without progress
    runner = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("value run")
        verbose_name_plural = _("value runs")
        indexes = [models.Index(fields=["status", "-id"], name="valuerun_status_idx")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.status}"

    def get_absolute_url(self) -> str:
        return reverse("intelligence:run", args=[self.pk])

    @property
    def duration_s(self) -> float | None:
        if self.started_at is None or self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE


class Scores(models.Model):
    """The value profile of one customer, as the value engine computes it."""

    frequency = models.IntegerField(_("repeat purchases"), null=True)
    days_since_last = models.IntegerField(_("days since last purchase"), null=True)
    total_spend = models.FloatField(_("total spend"), null=True)
    r_score = models.PositiveSmallIntegerField("R", null=True)
    f_score = models.PositiveSmallIntegerField("F", null=True)
    m_score = models.PositiveSmallIntegerField("M", null=True)
    rfm_segment = models.CharField(_("RFM segment"), max_length=40, blank=True)
    p_alive = models.FloatField(_("P(alive)"), null=True)
    expected_purchases = models.FloatField(_("expected purchases"), null=True)
    predicted_clv = models.FloatField(_("predicted CLV"), null=True)
    value_score = models.FloatField(_("value score"), null=True)
    tier = models.CharField(_("tier"), max_length=20, blank=True)
    abc_class = models.CharField(_("ABC class"), max_length=1, blank=True)
    lifecycle_stage = models.CharField(_("lifecycle stage"), max_length=20, blank=True)
    loyalty_stage = models.CharField(_("loyalty stage"), max_length=20, blank=True)
    margin = models.FloatField(_("margin"), null=True)
    satisfaction = models.FloatField(_("satisfaction"), null=True)
    segment = models.PositiveSmallIntegerField(_("segment"), null=True)
    churn_risk = models.FloatField(_("churn risk"), null=True)
    n_flags = models.PositiveSmallIntegerField(_("deviation flags"), null=True)

    class Meta:
        abstract = True


SCORE_FIELDS = [f.name for f in Scores._meta.local_fields]


class CustomerValue(Scores):
    """A customer's scores in one run: the history behind "how it moved"."""

    run = models.ForeignKey(
        ValueRun, on_delete=models.CASCADE, related_name="values", db_index=False
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="values", db_index=False
    )

    class Meta:
        verbose_name = _("customer value")
        verbose_name_plural = _("customer values")
        constraints = [
            models.UniqueConstraint(fields=["run", "customer"], name="customervalue_run_customer")
        ]
        indexes = [models.Index(fields=["customer", "run"], name="customervalue_customer_idx")]

    def __str__(self) -> str:
        return f"{self.customer_id}@{self.run_id}"


class CustomerScore(Scores):
    """A customer's current scores (from the latest finished run), one row per customer,
    so that the customer list filters and sorts on them through an index; ``customer``
    is the tie-breaker of every sort."""

    customer = models.OneToOneField(
        "customers.Customer", on_delete=models.CASCADE, primary_key=True, related_name="score"
    )
    run = models.ForeignKey(ValueRun, on_delete=models.CASCADE, related_name="+", db_index=False)

    class Meta:
        verbose_name = _("customer score")
        verbose_name_plural = _("customer scores")
        indexes = [
            models.Index(fields=["tier", "customer"], name="score_tier_idx"),
            models.Index(fields=["rfm_segment", "customer"], name="score_segment_idx"),
            models.Index(fields=["lifecycle_stage", "customer"], name="score_lifecycle_idx"),
            models.Index(fields=["p_alive", "customer"], name="score_p_alive_idx"),
            models.Index(fields=["predicted_clv", "customer"], name="score_clv_idx"),
            models.Index(fields=["value_score", "customer"], name="score_value_idx"),
            models.Index(
                fields=["segment", "-predicted_clv", "customer"], name="score_cluster_idx"
            ),
            models.Index(fields=["churn_risk", "customer"], name="score_churn_idx"),
            models.Index(fields=["n_flags", "customer"], name="score_flags_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.tier}"


class Segment(models.Model):
    """A behavioural segment found by a run. ``key`` persists across runs while the
    segment does (kehu.insight.segments); the name is the suggested one."""

    run = models.ForeignKey(ValueRun, on_delete=models.CASCADE, related_name="segments")
    key = models.PositiveSmallIntegerField(_("segment"))
    name = models.CharField(_("name"), max_length=100)
    name_key = models.CharField(max_length=40)
    name_detail = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(_("customers"))
    share = models.FloatField(_("share of customers"))
    value_share = models.FloatField(_("share of value"))
    traits = models.JSONField(default=list)
    medians = models.JSONField(default=dict)

    class Meta:
        ordering = ["run", "key"]
        verbose_name = _("segment")
        verbose_name_plural = _("segments")
        constraints = [models.UniqueConstraint(fields=["run", "key"], name="segment_run_key")]

    def __str__(self) -> str:
        return f"{self.key}: {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("intelligence:segment", args=[self.key])


class SegmentName(models.Model):
    """The name a user gave a segment, by its key: a segment keeps its key from run to
    run while it stays mostly the same customers (kehu.insight.segments), so the name
    is kept with it; a segment that changes too much gets a new key and its suggested
    name again."""

    key = models.PositiveSmallIntegerField(_("segment"), unique=True)
    name = models.CharField(_("name"), max_length=100)
    renamed_by = user_field(_("renamed by"), related_name="+")
    renamed_at = models.DateTimeField(_("renamed"), auto_now=True)

    class Meta:
        verbose_name = _("segment name")
        verbose_name_plural = _("segment names")

    def __str__(self) -> str:
        return f"{self.key}: {self.name}"


class CustomerInsight(models.Model):
    """The latest run's explanations for one customer: why the churn risk is what it
    is, the products to offer next, and how the customer departs from their own
    pattern. Replaced as a whole with the scores."""

    customer = models.OneToOneField(
        "customers.Customer", on_delete=models.CASCADE, primary_key=True, related_name="insight"
    )
    run = models.ForeignKey(ValueRun, on_delete=models.CASCADE, related_name="+", db_index=False)
    churn_reasons = models.JSONField(default=list)
    recommendations = models.JSONField(default=list)
    flags = models.JSONField(default=list)

    class Meta:
        verbose_name = _("customer insight")
        verbose_name_plural = _("customer insights")

    def __str__(self) -> str:
        return f"{self.customer_id}@{self.run_id}"


class AnalysisSchedule(models.Model):
    """When the analysis runs by itself (one row). ``kehu scheduler`` (started by
    ``kehu serve``) starts a run when one is due."""

    class Every(models.TextChoices):
        OFF = "off", _("Off")
        DAILY = "daily", _("Every day")
        WEEKLY = "weekly", _("Every week (Monday)")

    every = models.CharField(
        _("run the analysis"), max_length=10, choices=Every.choices, default=Every.DAILY
    )
    at_hour = models.PositiveSmallIntegerField(
        _("at hour"), default=2, validators=[MinValueValidator(0), MaxValueValidator(23)]
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("analysis schedule")

    def __str__(self) -> str:
        return f"{self.every} at {self.at_hour:02d}:00"
