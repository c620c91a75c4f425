"""Leads (входящие обращения) and the rules that route them to a manager.

A lead arrives from the public web form, the API or the inbound mailbox; it creates or matches a
partner and becomes a deal. Routing rules, tried in order, pick the eligible managers; the strategy
picks one of them. The lead keeps which rule decided and why; a lead no rule matched waits in the
queue of the head of sales.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from klientura.core.models import BaseModel

from .models import Deal, DealKind


class LeadChannel(models.TextChoices):
    WEB_FORM = "web_form", _("Web form")
    API = "api", _("API")
    EMAIL = "email", _("E-mail")
    MANUAL = "manual", _("Entered by hand")


class LeadStatus(models.TextChoices):
    QUEUED = "queued", _("In the queue")
    ASSIGNED = "assigned", _("Assigned")
    REJECTED = "rejected", _("Rejected")


class LeadForm(BaseModel):
    """A public form embedded on the company's site; `key` is the unguessable part of its address."""

    name = models.CharField(_("name"), max_length=200)
    key = models.CharField(_("key"), max_length=40, unique=True)
    kind = models.ForeignKey(
        DealKind,
        verbose_name=_("deal kind"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    source = models.ForeignKey(
        "parties.InformationSource",
        verbose_name=_("information source"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Sites allowed to embed the form in a frame (Content-Security-Policy frame-ancestors).
    allowed_origins = models.JSONField(_("sites allowed to embed it"), default=list, blank=True)
    thank_you = models.CharField(_("thank-you message"), max_length=500, blank=True, default="")
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("lead form")
        verbose_name_plural = _("lead forms")

    def __str__(self) -> str:
        return self.name


class Lead(BaseModel):
    channel = models.CharField(_("channel"), max_length=10, choices=LeadChannel.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=LeadStatus.choices, default=LeadStatus.QUEUED
    )
    form = models.ForeignKey(
        LeadForm,
        verbose_name=_("form"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
    )
    person_name = models.CharField(_("name"), max_length=300, blank=True, default="")
    company = models.CharField(_("company"), max_length=300, blank=True, default="")
    email = models.CharField(_("e-mail"), max_length=254, blank=True, default="")
    phone = models.CharField(_("phone"), max_length=40, blank=True, default="")
    inn = models.CharField(_("INN"), max_length=12, blank=True, default="")
    message = models.TextField(_("message"), blank=True, default="")
    region = models.ForeignKey(
        "parties.BusinessRegion",
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    source = models.ForeignKey(
        "parties.InformationSource",
        verbose_name=_("information source"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    product_group = models.ForeignKey(
        "catalog.ProductGroup",
        verbose_name=_("product group"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    amount = models.DecimalField(_("expected amount"), max_digits=15, decimal_places=2, null=True, blank=True)
    custom = models.JSONField(_("custom fields"), default=dict, blank=True)
    page_url = models.CharField(_("page"), max_length=500, blank=True, default="")
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    # Message-ID of an e-mail lead: the same letter fetched twice makes one lead.
    message_id = models.CharField(max_length=500, null=True, blank=True, unique=True)
    partner = models.ForeignKey(
        "parties.Partner",
        verbose_name=_("partner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
    )
    partner_matched = models.BooleanField(_("matched an existing partner"), default=False)
    contact = models.ForeignKey(
        "parties.ContactPerson",
        verbose_name=_("contact person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    deal = models.OneToOneField(
        Deal, verbose_name=_("deal"), null=True, blank=True, on_delete=models.SET_NULL, related_name="lead"
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    rule = models.ForeignKey(
        "deals.RoutingRule",
        verbose_name=_("routing rule"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
    )
    # Why the lead went where it went, in words a head of sales reads (kept in the user's language
    # at the time of routing is not possible; stored as structured facts, rendered on display).
    routing_trace = models.JSONField(_("routing explanation"), default=list, blank=True)
    assigned_at = models.DateTimeField(_("assigned"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        indexes = [models.Index(fields=["status", "created_at"], name="lead_status_idx")]

    def __str__(self) -> str:
        return self.company or self.person_name or self.email or self.phone


class RoutingStrategy(models.TextChoices):
    ROUND_ROBIN = "round_robin", _("In turn (round-robin)")
    LEAST_OPEN = "least_open", _("The one with the fewest open deals")


class RoutingRule(BaseModel):
    """When every condition holds, the lead goes to one of the rule's managers who is not absent.

    `conditions` is a list of {"field": ..., "op": ..., "value": ...}, all of which must hold; the
    fields and operators are defined in deals.routing.
    """

    name = models.CharField(_("name"), max_length=200)
    position = models.PositiveIntegerField(_("order"), default=0)
    conditions = models.JSONField(_("conditions"), default=list, blank=True)
    strategy = models.CharField(
        _("how to choose"),
        max_length=12,
        choices=RoutingStrategy.choices,
        default=RoutingStrategy.ROUND_ROBIN,
    )
    managers = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("managers"), related_name="+")
    # Round-robin pointer: the manager who got the previous lead (the rule row is locked to move it).
    last_assigned = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")

    def __str__(self) -> str:
        return self.name
