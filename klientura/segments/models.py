"""Segments by rules, the coloured zones of client attention and the client exchange.

A segment's rules are JSON (see `rules.py`) compiled into one SQL query; its members are stored with
the time they were computed, and every join and leave is kept. A partner's zone and its last contact
live on the partner row (parties.Partner.zone, zone_since, last_contact_on) so lists need no join;
this app is the only one that writes them, and it records each zone change and each release to the
exchange here.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from klientura.core.models import BaseModel
from klientura.parties.models import Partner, Zone


class RefreshMode(models.TextChoices):
    MANUAL = "manual", _("By hand")
    SCHEDULED = "scheduled", _("On a schedule")


class Segment(BaseModel):
    """A set of partners defined by rules over money facts, contacts and classifiers (Сегмент)."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    description = models.TextField(_("description"), blank=True, default="")
    rules = models.JSONField(_("rules"), default=dict)
    refresh_mode = models.CharField(
        _("refresh"), max_length=10, choices=RefreshMode.choices, default=RefreshMode.MANUAL
    )
    # Five cron fields (minute hour day-of-month month day-of-week) in the server's time zone.
    schedule = models.CharField(_("schedule"), max_length=100, blank=True, default="")
    next_refresh_at = models.DateTimeField(_("next refresh"), null=True, blank=True, db_index=True)
    refreshed_at = models.DateTimeField(_("refreshed"), null=True, blank=True)
    member_count = models.PositiveIntegerField(_("members"), default=0)
    refresh_error = models.TextField(_("last refresh error"), blank=True, default="")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="segments",
    )

    class Meta:
        verbose_name = _("segment")
        verbose_name_plural = _("segments")
        ordering = ["name"]
        permissions = [("refresh_segment", _("Can refresh segments"))]

    def __str__(self) -> str:
        return self.name


class SegmentMember(models.Model):
    """A partner in a segment as of the segment's last refresh."""

    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="members")
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="segment_memberships")
    joined_at = models.DateTimeField(_("joined"))
    computed_at = models.DateTimeField(_("computed"))

    class Meta:
        verbose_name = _("segment member")
        verbose_name_plural = _("segment members")
        constraints = [
            models.UniqueConstraint(fields=["segment", "partner"], name="segment_member_unique"),
        ]
        indexes = [models.Index(fields=["partner", "segment"], name="segment_member_partner_idx")]

    def __str__(self) -> str:
        return f"{self.segment_id}: {self.partner_id}"


class SegmentChange(models.Model):
    """A partner joined or left a segment at a refresh: the marketer sees who came and went."""

    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="changes")
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="segment_changes")
    joined = models.BooleanField(_("joined"))
    at = models.DateTimeField(_("when"))

    class Meta:
        verbose_name = _("segment change")
        verbose_name_plural = _("segment changes")
        indexes = [models.Index(fields=["segment", "-at", "-id"], name="segment_change_idx")]

    def __str__(self) -> str:
        return f"{self.segment_id}: {self.partner_id} {'+' if self.joined else '-'}"


class ZoneSettings(BaseModel):
    """The administrator's zone thresholds, in calendar months since the last contact (one row).

    green: under `yellow_after_months`; yellow: from it to under `red_after_months`; red: from
    `red_after_months` up to and including `exchange_after_months`; exchange: more than that.
    """

    yellow_after_months = models.PositiveSmallIntegerField(_("yellow after, months"), default=1)
    red_after_months = models.PositiveSmallIntegerField(_("red after, months"), default=5)
    exchange_after_months = models.PositiveSmallIntegerField(_("to the exchange after, months"), default=6)
    warn_days = models.PositiveSmallIntegerField(_("warn managers, days ahead"), default=7)

    class Meta:
        verbose_name = _("zone settings")
        verbose_name_plural = _("zone settings")
        permissions = [
            ("view_zone_dashboard", _("Can see the zone dashboard of managers")),
            ("take_from_exchange", _("Can take clients from the exchange")),
        ]

    def __str__(self) -> str:
        return f"{self.yellow_after_months}/{self.red_after_months}/{self.exchange_after_months}"


class ZoneChange(models.Model):
    """A partner moved from one zone to another on a day (from "" when it first got a zone)."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="zone_changes")
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_zone = models.CharField(_("from"), max_length=8, choices=Zone.choices, blank=True)
    to_zone = models.CharField(_("to"), max_length=8, choices=Zone.choices, blank=True)
    changed_on = models.DateField(_("date"))
    at = models.DateTimeField(_("when"))

    class Meta:
        verbose_name = _("zone change")
        verbose_name_plural = _("zone changes")
        indexes = [
            models.Index(fields=["partner", "-at", "-id"], name="zone_change_partner_idx"),
            models.Index(fields=["changed_on", "manager"], name="zone_change_day_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.partner_id}: {self.from_zone} → {self.to_zone} {self.changed_on}"


class ZoneSnapshot(models.Model):
    """How many partners a manager had in a zone on a day, written by the nightly job: the trend."""

    day = models.DateField(_("date"))
    manager = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    zone = models.CharField(_("zone"), max_length=8, choices=Zone.choices)
    partners = models.PositiveIntegerField(_("partners"))

    class Meta:
        verbose_name = _("zone snapshot")
        verbose_name_plural = _("zone snapshots")
        constraints = [
            models.UniqueConstraint(fields=["day", "manager", "zone"], name="zone_snapshot_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.manager_id} {self.zone}: {self.partners}"


class ExchangeRelease(BaseModel):
    """A partner detached from its manager after a long silence and put on the exchange, and who
    took it back (Биржа клиентов)."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="exchange_releases")
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("manager who had it"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    last_contact_on = models.DateField(_("last contact"), null=True, blank=True)
    released_on = models.DateField(_("on the exchange since"))
    reason = models.CharField(_("reason"), max_length=300)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("taken by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    taken_at = models.DateTimeField(_("taken at"), null=True, blank=True)

    class Meta:
        verbose_name = _("release to the exchange")
        verbose_name_plural = _("releases to the exchange")
        indexes = [models.Index(fields=["partner", "-released_on"], name="exchange_release_partner_idx")]


class WarningKind(models.TextChoices):
    RED = "red", _("About to turn red")
    EXCHANGE = "exchange", _("About to go to the exchange")


class ZoneWarning(models.Model):
    """A manager was warned that a partner is about to change zone on `due_on`; one row per warning,
    so a retried or a second nightly run never warns twice."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="+")
    manager = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8, choices=WarningKind.choices)
    due_on = models.DateField()
    warned_at = models.DateTimeField()
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["partner", "kind", "due_on"], name="zone_warning_unique"),
        ]
        indexes = [models.Index(fields=["manager", "emailed_at"], name="zone_warning_mail_idx")]

    def __str__(self) -> str:
        return f"{self.partner_id}: {self.kind} {self.due_on}"
