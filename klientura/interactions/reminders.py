"""Reminders: the periodic job that fires due reminders exactly once, and the reminder e-mail.

Exactly once. Claiming a reminder, marking it fired and creating its notification happen in one
transaction:
- on PostgreSQL the claim is SELECT ... FOR UPDATE SKIP LOCKED, so two workers take disjoint batches
  and neither waits for the other; a row another worker has just fired fails the re-check of
  `fired_at IS NULL` and is left out;
- on SQLite the connection opens every transaction with BEGIN IMMEDIATE (settings), so the claim's read
  already holds the database's write lock and a second worker reads only after the first committed.
A worker killed mid-batch never commits: the database rolls the claim back and the next run fires those
reminders. The notification's unique link to its reminder is the last guard: a second firing would fail
instead of notifying twice.
"""

import datetime
import functools
import logging
import os
import smtplib
import socket
import zoneinfo

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from .models import OPEN_STATUSES, Notification, Reminder

log = logging.getLogger(__name__)

# Enough batches to drain a backlog (a worker that was down for a while) in one run, but bounded so one
# run never hogs a worker; the next beat picks up whatever is left.
MAX_BATCHES = 25


def _worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:150]


def _user_zone(user) -> datetime.tzinfo:
    try:
        return zoneinfo.ZoneInfo(user.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        return timezone.get_default_timezone()


def _user_language(user) -> str:
    codes = {code for code, _name in settings.LANGUAGES}
    return user.language if user.language in codes else settings.LANGUAGE_CODE


def _start_text(event, user) -> str:
    if event.start_at is None:
        return ""
    moment = timezone.localtime(event.start_at, _user_zone(user))
    return _("Starts at %(when)s") % {"when": formats.date_format(moment, "SHORT_DATETIME_FORMAT")}


def _who_text(event) -> str:
    people = [event.partner.name if event.partner_id else "", str(event.contact) if event.contact_id else ""]
    people_text = ", ".join(p for p in people if p)
    return f"{event.get_kind_display()} · {people_text}" if people_text else str(event.get_kind_display())


def reminder_text(reminder: Reminder) -> tuple[str, str]:
    """The notification's title and body in the user's language, times in the user's time zone:
    "! Call about the order" / "Phone call · Romashka LLC, Ivan Ivanov" / "Starts at 12.05.2026 14:00"."""
    event, user = reminder.event, reminder.user
    with translation.override(_user_language(user)):
        title = f"{event.importance_mark} {event.title}".strip()
        lines = [_who_text(event), _start_text(event, user)]
        return title[:300], "\n".join(line for line in lines if line)


def _skip_reason(reminder: Reminder) -> str:
    """Why a due reminder must not notify, or "" when it should."""
    if reminder.event.status not in OPEN_STATUSES:
        return f"event {reminder.event.status}"
    if not reminder.user.is_active:
        return "user inactive"
    return ""


def _claim(*, now: datetime.datetime, batch: int) -> list[Reminder]:
    # `of` keeps the lock on the reminder rows only: the joined event and partner stay free for their
    # users, and PostgreSQL refuses FOR UPDATE on the nullable side of the partner/contact outer joins.
    # SQLite has no row locks and Django ignores select_for_update there (see the module's docstring).
    due = (
        Reminder.objects.filter(fired_at__isnull=True, remind_at__lte=now)
        .select_related("event", "event__partner", "event__contact", "user")
        .select_for_update(skip_locked=True, of=("self",))
        .order_by("remind_at", "id")
    )
    return list(due[:batch])


@transaction.atomic
def _fire_batch(*, now: datetime.datetime, batch: int) -> tuple[int, int]:
    """Claims and fires one batch; returns (claimed, notified)."""
    claimed = _claim(now=now, batch=batch)
    worker = _worker_name()
    skipped: dict[str, list[int]] = {}
    to_notify = []
    for reminder in claimed:
        reason = _skip_reason(reminder)
        if reason:
            skipped.setdefault(reason, []).append(reminder.pk)
        else:
            to_notify.append(reminder)
    # A reminder of a closed event (or of someone who left) is marked fired without a notification: left
    # unfired it would be claimed again on every run, and if the event were reopened later a stale
    # reminder would pop up long after its moment. Reopening the event asks for a new reminder.
    for reason, ids in skipped.items():
        Reminder.objects.filter(pk__in=ids).update(fired_at=now, fired_by=f"{worker} skipped: {reason}")
    Reminder.objects.filter(pk__in=[r.pk for r in to_notify]).update(fired_at=now, fired_by=worker)
    Notification.objects.bulk_create([_notification_for(r) for r in to_notify])
    from . import tasks  # tasks.py imports this module when it loads; importing it here avoids the cycle

    for reminder in to_notify:
        if reminder.by_email:
            transaction.on_commit(functools.partial(tasks.reminder_email.delay, reminder.pk))
    return len(claimed), len(to_notify)


def _notification_for(reminder: Reminder) -> Notification:
    title, body = reminder_text(reminder)
    return Notification(
        user_id=reminder.user_id,
        event_id=reminder.event_id,
        reminder_id=reminder.pk,
        title=title,
        body=body,
        url=reverse("interactions:event_card", args=[reminder.event_id]),
    )


def reminders_fire_due(*, now: datetime.datetime | None = None, batch: int = 200) -> int:
    """Fires every reminder that is due, each exactly once; returns how many notifications it made.

    Each batch is its own short transaction, so locks are held for one batch only and a crash loses at
    most the batch in hand (which the next run fires)."""
    now = now or timezone.now()
    notified = 0
    for _round in range(MAX_BATCHES):
        claimed, made = _fire_batch(now=now, batch=batch)
        notified += made
        if claimed < batch:
            break
    if notified:
        log.info("fired %d reminders", notified)
    return notified


# --- The e-mail --------------------------------------------------------------------------------------


class ReminderEmailNotSent(Exception):
    """The mail server surely did not take the letter (it refused to connect or answered 4xx):
    the claim is given back and the task may try again later."""


def _claim_email(reminder_id) -> datetime.datetime | None:
    """Marks the reminder's letter as sent before sending it; returns the mark, or None when the letter
    is not to be sent (already sent or being sent by another worker, no e-mail wanted, event closed...).

    One UPDATE ... WHERE emailed_at IS NULL is atomic on both databases, so of two deliveries of the
    task (a retry, a redelivery after a worker restart, two workers) only one gets the row."""
    stamp = timezone.now()
    claimed = (
        Reminder.objects.filter(
            pk=reminder_id,
            by_email=True,
            fired_at__isnull=False,
            emailed_at__isnull=True,
            user__is_active=True,
            event__status__in=OPEN_STATUSES,
        )
        .exclude(user__email="")
        .update(emailed_at=stamp)
    )
    return stamp if claimed else None


def _release_email(reminder_id, stamp) -> None:
    Reminder.objects.filter(pk=reminder_id, emailed_at=stamp).update(emailed_at=None)


def _site_url(path: str) -> str:
    return f"{getattr(settings, 'SITE_URL', '').rstrip('/')}{path}"


def reminder_message(reminder: Reminder) -> EmailMessage:
    """The letter in the user's language, times in the user's time zone."""
    event, user = reminder.event, reminder.user
    title, body = reminder_text(reminder)
    with translation.override(_user_language(user)):
        parts = [title, body]
        if event.content:
            parts.append(event.content)
        parts.append(
            _("Open the event: %(url)s")
            % {"url": _site_url(reverse("interactions:event_card", args=[event.pk]))}
        )
        parts.append(_("You receive this letter because you asked for a reminder by e-mail in Klientura."))
        subject = _("Reminder: %(title)s") % {"title": title}
    # Auto-Submitted (RFC 3834) keeps out-of-office robots from answering a machine's letter.
    headers = {"Auto-Submitted": "auto-generated", "X-Klientura-Reminder": str(reminder.pk)}
    return EmailMessage(subject=subject, body="\n\n".join(parts), to=[user.email], headers=headers)


def reminder_email_send(*, reminder_id) -> bool:
    """Sends the reminder's letter at most once; returns whether it went out.

    The claim (`emailed_at`) is committed before the letter goes, so no retry or second delivery of the
    task can send it again. What happens when SMTP fails:
    - the server cannot be reached, or refuses the sender/recipients/data with a 4xx (temporary) reply:
      nothing was delivered, so the claim is given back and ReminderEmailNotSent makes the task retry;
    - a 5xx (permanent) refusal: nothing was delivered and retrying will not help; the claim is given
      back (so `emailed_at` stays honest) and the failure is logged; the in-app notification stands;
    - the connection breaks or times out after the letter was handed over: the server may have taken it,
      so the claim is kept and a warning logged — one lost reminder e-mail is better than two.
    A worker killed between the claim and the send loses that one letter the same way.
    """
    stamp = _claim_email(reminder_id)
    if stamp is None:
        return False
    reminder = Reminder.objects.select_related("event", "event__partner", "event__contact", "user").get(
        pk=reminder_id
    )
    message = reminder_message(reminder)
    connection = get_connection(fail_silently=False)
    try:
        connection.open()
    except (OSError, smtplib.SMTPException) as exc:
        _release_email(reminder_id, stamp)
        raise ReminderEmailNotSent(f"reminder {reminder_id}: cannot reach the mail server: {exc}") from exc
    try:
        message.connection = connection
        message.send()
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPResponseException) as exc:
        _refused(reminder_id, stamp, exc)
        return False
    except (OSError, smtplib.SMTPException):
        log.warning("reminder %s: the mail server dropped the connection; not sending again", reminder_id)
        return False
    finally:
        _close_quietly(connection)
    return True


def _close_quietly(connection) -> None:
    # The letter's fate is decided by then; a failed QUIT must not turn a sent letter into a failed task.
    try:
        connection.close()
    except (OSError, smtplib.SMTPException):
        log.warning("the mail server did not take QUIT politely", exc_info=True)


def _refused(reminder_id, stamp, exc: smtplib.SMTPException) -> None:
    _release_email(reminder_id, stamp)
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _reply in exc.recipients.values()]
    else:
        codes = [exc.smtp_code]
    if any(400 <= code < 500 for code in codes):
        raise ReminderEmailNotSent(
            f"reminder {reminder_id}: the mail server asks to try later: {exc}"
        ) from exc
    log.error("reminder %s: the mail server refused the letter: %s", reminder_id, exc)
