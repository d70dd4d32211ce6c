"""Imports: each run (its counts and which batches landed), the rows it set aside with
their reasons, and the column mappings saved for the next file of the same kind."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kehu.crm.model_fields import user_field


class Entity(models.TextChoices):
    CUSTOMERS = "customers", _("Customers")
    ORDERS = "orders", _("Orders with lines")
    CONTACTS = "contacts", _("Contacts")
    PRODUCTS = "products", _("Products")
    INTERACTIONS = "interactions", _("Interactions")
    TICKETS = "tickets", _("Service tickets")
    OPPORTUNITIES = "opportunities", _("Opportunities")
    INVOICES = "invoices", _("Invoices")
    PAYMENTS = "payments", _("Payments")


class ImportJob(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    entity = models.CharField(_("entity"), max_length=20, choices=Entity.choices)
    source_name = models.CharField(_("file"), max_length=300)
    # an uploaded file, kept under var/imports/ for the background run
    source_path = models.CharField(max_length=500, blank=True, editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.RUNNING
    )
    mapping = models.JSONField(_("column mapping"), default=dict)
    rows_in = models.PositiveIntegerField(_("rows in"), default=0)
    imported = models.PositiveIntegerField(_("imported"), default=0)
    merged = models.PositiveIntegerField(_("merged"), default=0)
    quarantined = models.PositiveIntegerField(_("quarantined"), default=0)
    batches_total = models.PositiveIntegerField(_("batches"), default=0)
    batches_landed = models.PositiveIntegerField(_("batches landed"), default=0)
    # created records beside the rows' own (customers and products named by order rows)
    details = models.JSONField(_("details"), default=dict)
    message = models.TextField(_("message"), blank=True)
    created_by = user_field()
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    heartbeat_at = models.DateTimeField(_("last progress"), auto_now=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return f"{self.get_entity_display()} · {self.source_name}"

    def quarantine_reasons(self, limit: int = 20) -> list[tuple[str, int]]:
        """The most common quarantine reasons, with their counts."""
        counts = (
            self.quarantine.values("reason")
            .annotate(n=models.Count("id"))
            .order_by("-n", "reason")[:limit]
        )
        return [(row["reason"], row["n"]) for row in counts]

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.RUNNING

    @property
    def progress_percent(self) -> int:
        if not self.batches_total:
            return 0 if self.is_active else 100
        return int(100 * self.batches_landed / self.batches_total)

    @property
    def accounted(self) -> bool:
        """Every row in is imported, merged or quarantined (true once a run is done)."""
        return self.rows_in == self.imported + self.merged + self.quarantined


class QuarantinedRow(models.Model):
    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="quarantine")
    row_number = models.PositiveIntegerField(_("row"))
    reason = models.CharField(_("reason"), max_length=300)
    data = models.JSONField(_("row"))

    class Meta:
        ordering = ["job", "row_number"]
        verbose_name = _("quarantined row")
        verbose_name_plural = _("quarantined rows")
        indexes = [models.Index(fields=["job", "row_number"], name="quarantine_job_row_idx")]

    def __str__(self) -> str:
        return f"row {self.row_number}: {self.reason}"


class MappingProfile(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    entity = models.CharField(_("entity"), max_length=20, choices=Entity.choices)
    mapping = models.JSONField(_("column mapping"))
    options = models.JSONField(_("options"), default=dict)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("mapping profile")
        verbose_name_plural = _("mapping profiles")

    def __str__(self) -> str:
        return self.name


class DuplicatePair(models.Model):
    """Two customers the deduplication model finds probably the same, waiting for a
    person's decision (or decided)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("To review")
        MERGED = "merged", _("Merged")
        DISTINCT = "distinct", _("Not the same")

    customer_a = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    customer_b = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    probability = models.FloatField(_("match probability"))
    # match weight of each comparison (name, email, phone, city, address): the evidence
    evidence = models.JSONField(_("evidence"), default=dict)
    # how each field compares: {"name": "same", "phone": "differs", ...}
    # (kehu.insight.dedup.decision.Agreement)
    agreement = models.JSONField(_("agreement"), default=dict)
    # why the pair was queued rather than merged (kehu.insight.dedup.decision.Reason)
    reasons = models.JSONField(_("reasons"), default=list)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    decided_by = user_field()
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    found_at = models.DateTimeField(_("found"), auto_now_add=True)

    class Meta:
        ordering = ["-probability", "id"]
        verbose_name = _("possible duplicate")
        verbose_name_plural = _("possible duplicates")
        constraints = [
            models.UniqueConstraint(
                fields=["customer_a", "customer_b"], name="duplicate_pair_unique"
            )
        ]
        indexes = [models.Index(fields=["status", "-probability"], name="duplicate_status_idx")]

    def __str__(self) -> str:
        return f"{self.customer_a_id} ~ {self.customer_b_id} ({self.probability:.3f})"


class CustomerMerge(models.Model):
    """One merge, with what it moved and changed, so that it can be undone."""

    winner = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="merges_won"
    )
    loser = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="merges_lost"
    )
    pair = models.ForeignKey(DuplicatePair, null=True, blank=True, on_delete=models.SET_NULL)
    automatic = models.BooleanField(_("automatic"), default=False)
    # {"app.Model.field": [primary keys moved from the loser to the winner]}
    moved = models.JSONField(default=dict)
    # the winner's fields that were empty and were filled from the loser: their old values
    filled = models.JSONField(default=dict)
    tags_added = models.JSONField(default=list)
    merged_by = user_field()
    merged_at = models.DateTimeField(_("merged"), auto_now_add=True)
    undone_at = models.DateTimeField(_("undone"), null=True, blank=True)

    class Meta:
        ordering = ["-merged_at", "-id"]
        verbose_name = _("customer merge")
        verbose_name_plural = _("customer merges")

    def __str__(self) -> str:
        return f"{self.loser_id} -> {self.winner_id}"
