"""One user's calendar as iCalendar text (RFC 5545), for Google, Outlook, Thunderbird to subscribe to.

Written by hand rather than with a library: the format is small, and what matters — escaping, folding
lines at 75 octets without splitting a UTF-8 character, UTC times — is easier to test here than to
configure elsewhere (the tests read the feed back with the `icalendar` package).

Decisions: events from 90 days back on, at most MAX_FEED_EVENTS of them; cancelled events are left
out (a subscribed calendar drops an event that disappears from the feed, while several clients would
still draw one marked STATUS:CANCELLED); an event without an end lasts DEFAULT_LENGTH; records
without a planned time are not in the feed (there is nothing to schedule).
"""

import datetime
import re

from django.db.models import Prefetch
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Event, EventStatus, Reminder
from .selectors import events_visible
from .selectors_calendar import calendar_owner_q

FEED_DAYS_BACK = 90
MAX_FEED_EVENTS = 2000
DEFAULT_LENGTH = datetime.timedelta(minutes=30)
MAX_LINE_OCTETS = 75
PRODID = "-//Klientura//Klientura CRM//RU"
# Stable event UIDs, whatever host name the subscriber used.
UID_DOMAIN = "klientura.calendar"
# RFC 5545 priorities: 1 is the highest, 9 the lowest, 5 medium.
PRIORITY = {"high": 1, "normal": 5, "low": 9}
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def escape_text(value: str) -> str:
    """A TEXT value: backslash, semicolon and comma escaped, line breaks as \\n, no control characters."""
    value = str(value).replace("\r\n", "\n").replace("\r", "\n")
    value = _CONTROL.sub("", value)
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\n", "\\n")


def fold(line: str) -> str:
    """Split a content line into pieces of at most 75 octets, each continuation starting with a space;
    a multi-byte character is never cut."""
    if len(line.encode()) <= MAX_LINE_OCTETS:
        return line
    pieces, current, size, limit = [], [], 0, MAX_LINE_OCTETS
    for char in line:
        width = len(char.encode())
        if size + width > limit:
            pieces.append("".join(current))
            current, size, limit = [], 0, MAX_LINE_OCTETS - 1  # the leading space takes one octet
        current.append(char)
        size += width
    pieces.append("".join(current))
    return "\r\n ".join(pieces)


def utc_stamp(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


def feed_events(*, user, now=None) -> list[Event]:
    """The user's events for the feed (responsible or taking part, what the user may see): one query
    for the events and one for their pending reminders."""
    since = (now or timezone.now()) - datetime.timedelta(days=FEED_DAYS_BACK)
    pending = Reminder.objects.filter(user_id=user.pk, fired_at__isnull=True).order_by("remind_at")
    events = (
        events_visible(actor=user)
        .filter(calendar_owner_q([user.pk]), start_at__isnull=False)
        .exclude(status=EventStatus.CANCELLED)
        .annotate(last_moment=Coalesce("end_at", "start_at"))
        .filter(last_moment__gte=since)
        .select_related("partner", "contact")
        .prefetch_related(Prefetch("reminders", queryset=pending, to_attr="pending_reminders"))
        .order_by("start_at", "id")
    )
    return list(events[:MAX_FEED_EVENTS])


def _summary(event: Event) -> str:
    return f"{event.importance_mark} {event.title}".strip()


def _description(event: Event) -> str:
    lines = [f"{_('Kind')}: {event.get_kind_display()}", f"{_('Status')}: {event.get_status_display()}"]
    if event.partner_id:
        lines.append(f"{_('Client')}: {event.partner.name}")
    if event.contact_id:
        lines.append(f"{_('Contact person')}: {event.contact}")
    if event.content.strip():
        lines += ["", event.content.strip()]
    if event.result.strip():
        lines += ["", f"{_('Result')}: {event.result.strip()}"]
    return "\n".join(lines)


def _alarm_lines(event: Event, summary: str) -> list[str]:
    lines = []
    for reminder in getattr(event, "pending_reminders", []):
        if reminder.minutes_before is not None:
            trigger = f"TRIGGER;RELATED=START:-PT{reminder.minutes_before}M"
        else:
            trigger = f"TRIGGER;VALUE=DATE-TIME:{utc_stamp(reminder.remind_at)}"
        lines += [
            "BEGIN:VALARM",
            "ACTION:DISPLAY",
            f"DESCRIPTION:{escape_text(summary)}",
            trigger,
            "END:VALARM",
        ]
    return lines


def event_lines(event: Event, *, card_url: str) -> list[str]:
    summary = _summary(event)
    end = event.end_at or event.start_at + DEFAULT_LENGTH
    lines = [
        "BEGIN:VEVENT",
        f"UID:event-{event.pk}@{UID_DOMAIN}",
        f"DTSTAMP:{utc_stamp(event.updated_at)}",
        f"LAST-MODIFIED:{utc_stamp(event.updated_at)}",
        f"DTSTART:{utc_stamp(event.start_at)}",
        f"DTEND:{utc_stamp(end)}",
        f"SUMMARY:{escape_text(summary)}",
        f"DESCRIPTION:{escape_text(_description(event))}",
        f"CATEGORIES:{escape_text(event.get_kind_display())}",
        f"URL:{card_url}",
        "STATUS:CONFIRMED",
        "TRANSP:OPAQUE",
        f"PRIORITY:{PRIORITY.get(event.importance, 5)}",
    ]
    return [*lines, *_alarm_lines(event, summary), "END:VEVENT"]


def calendar_text(*, user, events: list[Event], card_url) -> str:
    """The whole VCALENDAR; `card_url(event)` gives the absolute link to the event's card."""
    name = _("Klientura: %(name)s") % {"name": user.get_full_name() or user.username}
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
        "REFRESH-INTERVAL;VALUE=DURATION:PT15M",
        "X-PUBLISHED-TTL:PT15M",
    ]
    for event in events:
        lines += event_lines(event, card_url=card_url(event))
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
