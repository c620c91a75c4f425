"""Interactions (события): every contact with a client, planned or done, and what hangs off it —
participants, attachments, reminders and the notifications they produce, calendar sharing.

Surveys and mail bookkeeping live in models_surveys.py and models_mail.py (imported at the end so
Django sees them as this app's models).
"""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from klientura.core.models import BaseModel
from klientura.parties.models import ContactPerson, Partner, Tag


class EventKind(models.TextChoices):
    MEETING = "meeting", _("Meeting")
    PLANNED = "planned", _("Planned interaction")
    CALL = "call", _("Phone call")
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")


class Direction(models.TextChoices):
    INCOMING = "incoming", _("Incoming")
    OUTGOING = "outgoing", _("Outgoing")


class EventStatus(models.TextChoices):
    PLANNED = "planned", pgettext_lazy("event status", "Planned")
    IN_PROGRESS = "in_progress", pgettext_lazy("event status", "In progress")
    DONE = "done", pgettext_lazy("event status", "Done")
    CANCELLED = "cancelled", pgettext_lazy("event status", "Cancelled")


OPEN_STATUSES = (EventStatus.PLANNED, EventStatus.IN_PROGRESS)


class Importance(models.TextChoices):
    HIGH = "high", _("High")
    NORMAL = "normal", _("Normal")
    LOW = "low", _("Low")


IMPORTANCE_MARKS = {Importance.HIGH: "!", Importance.NORMAL: "", Importance.LOW: "↓"}


class Event(BaseModel):
    """One interaction with a client (Событие).

    The subject (предмет) is any record — an order, a deal, a claim or another event — referenced by
    content type and id, because deals and claims are apps that depend on this one, not the other way.
    `thread_key` names the chain an event belongs to ("sales.order:42", "event:17"): all events about
    one subject, or replying to one another, share it, so a thread is one indexed lookup.
    """

    kind = models.CharField(_("kind"), max_length=10, choices=EventKind.choices)
    direction = models.CharField(
        _("direction"), max_length=10, choices=Direction.choices, default=Direction.OUTGOING
    )
    status = models.CharField(
        _("status"), max_length=12, choices=EventStatus.choices, default=EventStatus.PLANNED
    )
    importance = models.CharField(
        _("importance"), max_length=8, choices=Importance.choices, default=Importance.NORMAL
    )
    title = models.CharField(_("topic"), max_length=300)
    content = models.TextField(_("content"), blank=True, default="")
    result = models.TextField(_("result"), blank=True, default="")
    # Empty only for incoming mail nobody has sorted yet (the "unsorted" inbox).
    partner = models.ForeignKey(
        Partner,
        verbose_name=_("partner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="events",
    )
    contact = models.ForeignKey(
        ContactPerson,
        verbose_name=_("contact person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="events",
    )
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="responsible_events",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="authored_events",
    )
    start_at = models.DateTimeField(_("start"), null=True, blank=True)
    end_at = models.DateTimeField(_("end"), null=True, blank=True)
    time_spent_minutes = models.PositiveIntegerField(_("time spent, minutes"), null=True, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    # Where lists and the card's history place the event: its planned start, or when it was recorded.
    at = models.DateTimeField(_("date"))
    subject_type = models.ForeignKey(
        ContentType,
        verbose_name=_("subject type"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    subject_id = models.BigIntegerField(_("subject id"), null=True, blank=True)
    thread_key = models.CharField(max_length=64, blank=True, default="")
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="events")
    # E-mail and SMS details: addresses as typed/received, ids that join replies into threads.
    email_from = models.CharField(_("from"), max_length=500, blank=True, default="")
    email_to = models.TextField(_("to"), blank=True, default="")
    email_cc = models.TextField(_("copy"), blank=True, default="")
    message_id = models.CharField(max_length=500, null=True, blank=True, unique=True)
    in_reply_to = models.CharField(max_length=500, blank=True, default="")
    references = models.TextField(blank=True, default="")
    mail_uid = models.CharField(_("mailbox id"), max_length=200, blank=True, default="")
    # Attachments the fetch job did not keep (too large), with their sizes, so nobody thinks them lost.
    skipped_attachments = models.JSONField(_("attachments not kept"), default=list, blank=True)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        permissions = [
            ("sort_mail", _("Can sort incoming mail that matched no client")),
            ("view_event_reports", _("Can view interaction reports")),
        ]
        indexes = [
            models.Index(fields=["responsible", "status", "start_at"], name="event_responsible_idx"),
            models.Index(fields=["partner", "-at", "-id"], name="event_partner_idx"),
            models.Index(fields=["-at", "-id"], name="event_at_idx"),
            models.Index(fields=["thread_key", "at"], name="event_thread_idx"),
            models.Index(fields=["subject_type", "subject_id"], name="event_subject_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_at__isnull=True)
                | Q(start_at__isnull=True)
                | Q(end_at__gte=models.F("start_at")),
                name="event_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def importance_mark(self) -> str:
        return IMPORTANCE_MARKS.get(self.importance, "")

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class EventParticipant(BaseModel):
    """Someone else taking part: a user, a contact person, or a name typed in (linked to a contact later)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="event_participations",
    )
    contact = models.ForeignKey(
        ContactPerson, null=True, blank=True, on_delete=models.CASCADE, related_name="event_participations"
    )
    name = models.CharField(_("name"), max_length=300, blank=True, default="")
    email = models.CharField(_("e-mail"), max_length=254, blank=True, default="")

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False) | Q(contact__isnull=False) | ~Q(name=""),
                name="participant_is_someone",
            ),
            models.UniqueConstraint(fields=["event", "user"], name="participant_user_once"),
            models.UniqueConstraint(fields=["event", "contact"], name="participant_contact_once"),
        ]

    def __str__(self) -> str:
        if self.user_id:
            return self.user.get_full_name() or self.user.username
        if self.contact_id:
            return str(self.contact)
        return self.name


def attachment_path(instance, filename: str) -> str:
    return f"events/{instance.event_id}/{filename}"


class EventAttachment(BaseModel):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=500)
    name = models.CharField(_("name"), max_length=300)
    content_type = models.CharField(max_length=200, blank=True, default="")
    size = models.PositiveBigIntegerField(_("size"), default=0)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.name


class Reminder(BaseModel):
    """A reminder of an event to a user, fired exactly once by the periodic job (see reminders.py)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="reminders")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminders")
    remind_at = models.DateTimeField(_("remind at"))
    minutes_before = models.PositiveIntegerField(_("minutes before the start"), null=True, blank=True)
    by_email = models.BooleanField(_("also by e-mail"), default=False)
    fired_at = models.DateTimeField(_("fired at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)
    fired_by = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        indexes = [
            models.Index(fields=["remind_at"], name="reminder_due_idx", condition=Q(fired_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.event} @ {self.remind_at:%Y-%m-%d %H:%M}"


class Notification(BaseModel):
    """What the bell shows. One per fired reminder at most (the unique reminder link makes a second
    firing fail instead of notifying twice)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("text"), blank=True, default="")
    url = models.CharField(max_length=500, blank=True, default="")
    event = models.ForeignKey(
        Event, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    reminder = models.OneToOneField(
        Reminder, null=True, blank=True, on_delete=models.SET_NULL, related_name="notification"
    )
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["user", "read_at", "-created_at"], name="notification_user_idx")]

    def __str__(self) -> str:
        return self.title


class CalendarGrant(BaseModel):
    """The owner lets the grantee see (or also change) the events in the owner's calendar."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_grants"
    )
    grantee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_grants_received"
    )
    can_edit = models.BooleanField(_("may change events"), default=False)

    class Meta:
        verbose_name = _("calendar access")
        verbose_name_plural = _("calendar access")
        constraints = [
            models.UniqueConstraint(fields=["owner", "grantee"], name="calendar_grant_once"),
            models.CheckConstraint(condition=~Q(owner=models.F("grantee")), name="calendar_grant_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.owner} → {self.grantee}"


class CalendarFeed(BaseModel):
    """A secret link to a user's events as iCalendar; only the hash of the token is kept."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    prefix = models.CharField(max_length=12)
    token_hash = models.CharField(max_length=64, unique=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return f"{self.user} · {self.prefix}…"


from .models_mail import MailboxState  # noqa: E402,F401
from .models_surveys import Survey, SurveyAnswer, SurveyQuestion, SurveyTemplate  # noqa: E402,F401
