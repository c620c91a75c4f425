"""Deals (сделки с клиентами): their kinds, stages and classifiers, and the history of stage moves.

A deal kind decides how a deal moves: strictly through its stages in order (entry conditions
enforced), freely between stages, or with no stages at all (only in progress / won / lost). Every
move is a `DealStageChange` row: the funnel and the time in each stage are computed from them.
Leads, lead forms and routing rules live in models_leads.py (imported at the end).
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from klientura.core.models import BaseModel


class Classifier(BaseModel):
    """A named entry an administrator keeps in a list (roles, reasons)."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    position = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        abstract = True
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class PartnerRole(Classifier):
    class Meta(Classifier.Meta):
        verbose_name = _("partner role")
        verbose_name_plural = _("partner roles")


class ContactRole(Classifier):
    class Meta(Classifier.Meta):
        verbose_name = _("contact role")
        verbose_name_plural = _("contact roles")


class DemandReason(Classifier):
    """Why primary demand was not satisfied (no stock, price too high...)."""

    class Meta(Classifier.Meta):
        verbose_name = _("reason of unsatisfied demand")
        verbose_name_plural = _("reasons of unsatisfied demand")


class LossReason(Classifier):
    class Meta(Classifier.Meta):
        verbose_name = _("reason of loss")
        verbose_name_plural = _("reasons of loss")


class DealKindMode(models.TextChoices):
    STRICT = "strict", _("Strict: stages in order, conditions enforced")
    MANUAL = "manual", _("Manual: any stage, skipping allowed")
    NON_PROCESS = "non_process", _("Non-process: no stages")


class DealKind(BaseModel):
    name = models.CharField(_("name"), max_length=200, unique=True)
    mode = models.CharField(_("stage control"), max_length=12, choices=DealKindMode.choices)
    description = models.TextField(_("description"), blank=True, default="")
    # Codes from deals.conditions that must hold to mark a deal of this kind won.
    win_conditions = models.JSONField(_("conditions to win"), default=list, blank=True)
    # The kind a lead becomes when nothing else is said (one at most, kept by the services).
    is_default = models.BooleanField(_("default for leads"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("deal kind")
        verbose_name_plural = _("deal kinds")

    def __str__(self) -> str:
        return self.name


class SalesStage(BaseModel):
    """A stage of a kind's sales process; `conditions` are codes from deals.conditions."""

    kind = models.ForeignKey(
        DealKind, verbose_name=_("deal kind"), on_delete=models.CASCADE, related_name="stages"
    )
    name = models.CharField(_("name"), max_length=200)
    position = models.PositiveIntegerField(_("order"))
    probability = models.PositiveSmallIntegerField(
        _("probability, %"), default=0, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    conditions = models.JSONField(_("entry conditions"), default=list, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["kind", "position"]
        verbose_name = _("sales stage")
        verbose_name_plural = _("sales stages")
        constraints = [
            models.UniqueConstraint(fields=["kind", "position"], name="stage_unique_position"),
            models.UniqueConstraint(fields=["kind", "name"], name="stage_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class DealStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", pgettext_lazy("deal", "In progress")
    WON = "won", pgettext_lazy("deal", "Won")
    LOST = "lost", pgettext_lazy("deal", "Lost")


class Deal(BaseModel):
    number = models.CharField(_("number"), max_length=30, unique=True)
    title = models.CharField(_("title"), max_length=300)
    partner = models.ForeignKey(
        "parties.Partner", verbose_name=_("partner"), on_delete=models.PROTECT, related_name="deals"
    )
    contact = models.ForeignKey(
        "parties.ContactPerson",
        verbose_name=_("contact person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deals",
    )
    kind = models.ForeignKey(
        DealKind, verbose_name=_("deal kind"), on_delete=models.PROTECT, related_name="deals"
    )
    stage = models.ForeignKey(
        SalesStage,
        verbose_name=_("stage"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="deals",
    )
    status = models.CharField(
        _("status"), max_length=12, choices=DealStatus.choices, default=DealStatus.IN_PROGRESS
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deals",
    )
    amount = models.DecimalField(_("expected amount"), max_digits=15, decimal_places=2, default=Decimal("0"))
    currency = models.CharField(_("currency"), max_length=3, default="RUB")
    expected_close_date = models.DateField(_("expected close date"), null=True, blank=True)
    probability = models.PositiveSmallIntegerField(
        _("probability, %"), default=0, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    source = models.ForeignKey(
        "parties.InformationSource",
        verbose_name=_("information source"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deals",
    )
    description = models.TextField(_("description"), blank=True, default="")
    stage_entered_at = models.DateTimeField(_("in this stage since"))
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    loss_reason = models.ForeignKey(
        LossReason, verbose_name=_("reason of loss"), null=True, blank=True, on_delete=models.PROTECT
    )
    loss_comment = models.TextField(_("comment on the loss"), blank=True, default="")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("deal")
        verbose_name_plural = _("deals")
        permissions = [
            ("view_deal_reports", _("Can see the sales funnel and deal effectiveness")),
            ("manage_deal_classifiers", _("Can edit deal kinds, stages and deal classifiers")),
            ("manage_leads", _("Can handle the lead queue, lead forms and routing rules")),
        ]
        indexes = [
            models.Index(fields=["status", "stage"], name="deal_status_stage_idx"),
            models.Index(fields=["manager", "status"], name="deal_manager_status_idx"),
            models.Index(fields=["partner", "status"], name="deal_partner_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class DealStageChange(models.Model):
    """One move of a deal: into a stage and/or a status. The first row is the deal's creation.

    `kind` and `manager` are copied from the deal at the moment of the move, so the funnel filters
    without joining deals and a later reassignment does not rewrite history.
    """

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="stage_changes")
    kind = models.ForeignKey(DealKind, on_delete=models.PROTECT, related_name="+")
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_stage = models.ForeignKey(
        SalesStage, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_stage = models.ForeignKey(
        SalesStage, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    from_status = models.CharField(max_length=12, choices=DealStatus.choices, blank=True, default="")
    to_status = models.CharField(max_length=12, choices=DealStatus.choices)
    changed_at = models.DateTimeField(_("when"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    comment = models.CharField(_("comment"), max_length=500, blank=True, default="")

    class Meta:
        ordering = ["changed_at", "id"]
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")
        indexes = [
            models.Index(fields=["deal", "changed_at"], name="stagechange_deal_idx"),
            models.Index(fields=["to_stage", "changed_at"], name="stagechange_stage_idx"),
            models.Index(fields=["changed_at"], name="stagechange_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.deal_id}: {self.from_stage_id} → {self.to_stage_id} ({self.to_status})"


class DealParticipant(BaseModel):
    """Who plays what part in a deal: another partner (a dealer, a designer) and/or a contact person."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="participants")
    partner = models.ForeignKey(
        "parties.Partner",
        verbose_name=_("partner"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deal_participations",
    )
    partner_role = models.ForeignKey(
        PartnerRole, verbose_name=_("partner role"), null=True, blank=True, on_delete=models.PROTECT
    )
    contact = models.ForeignKey(
        "parties.ContactPerson",
        verbose_name=_("contact person"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deal_participations",
    )
    contact_role = models.ForeignKey(
        ContactRole, verbose_name=_("contact role"), null=True, blank=True, on_delete=models.PROTECT
    )
    comment = models.CharField(_("comment"), max_length=300, blank=True, default="")

    class Meta:
        ordering = ["id"]
        verbose_name = _("deal participant")
        verbose_name_plural = _("deal participants")


class DealOrder(BaseModel):
    """A quote or an order made within a deal (an order belongs to one deal at most)."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="order_links")
    order = models.OneToOneField("sales.Order", on_delete=models.CASCADE, related_name="deal_link")

    class Meta:
        ordering = ["id"]
        verbose_name = _("deal document")
        verbose_name_plural = _("deal documents")


class DemandLine(BaseModel):
    """A line of the client's primary demand: what they asked for, and why it was not satisfied."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="demand_lines")
    product = models.ForeignKey(
        "catalog.Product", verbose_name=_("product"), null=True, blank=True, on_delete=models.PROTECT
    )
    description = models.CharField(_("description"), max_length=300, blank=True, default="")
    quantity = models.DecimalField(_("quantity"), max_digits=15, decimal_places=3, default=Decimal("1"))
    amount = models.DecimalField(_("amount"), max_digits=15, decimal_places=2, default=Decimal("0"))
    is_satisfied = models.BooleanField(_("satisfied"), default=True)
    reason = models.ForeignKey(
        DemandReason,
        verbose_name=_("reason of unsatisfied demand"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("demand line")
        verbose_name_plural = _("demand lines")


from .models_leads import Lead, LeadForm, RoutingRule  # noqa: E402,F401
