"""What managers are told about their partners sliding towards red and the exchange: the in-app
notification of the night and the e-mail digest, each in the manager's own language.

The digest is sent at most once per warning, like the reminder letters (interactions/reminders.py):
the warnings are claimed (emailed_at set) in their own committed UPDATE before the letter goes, so a
retry or a second worker finds nothing to send; when the server surely did not take the letter
(unreachable, or a refusal) the claim is given back and the next night's run tries again.
"""

import datetime
import logging
import smtplib

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db.models import Count, F
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from klientura.interactions.models import Notification
from klientura.parties.models import Zone

from .models import WarningKind, ZoneWarning

log = logging.getLogger(__name__)


def _language(user) -> str:
    codes = {code for code, _name in settings.LANGUAGES}
    return user.language if user.language in codes else settings.LANGUAGE_CODE


def _date(day: datetime.date) -> str:
    return formats.date_format(day, "SHORT_DATE_FORMAT")


def no_contact_text(months: int, last_contact: datetime.date | None) -> str:
    """The reason a partner went to the exchange, in the current language."""
    if last_contact is None:
        return ngettext(
            "No contact for more than %(months)d month", "No contact for more than %(months)d months", months
        ) % {"months": months}
    return ngettext(
        "No contact for more than %(months)d month (last: %(date)s)",
        "No contact for more than %(months)d months (last: %(date)s)",
        months,
    ) % {"months": months, "date": _date(last_contact)}


def _kind_line(kind: str, count: int, days: int) -> str:
    if kind == WarningKind.RED:
        text = ngettext(
            "%(count)d client will turn red within %(days)d days",
            "%(count)d clients will turn red within %(days)d days",
            count,
        )
    else:
        text = ngettext(
            "%(count)d client will go to the exchange within %(days)d days",
            "%(count)d clients will go to the exchange within %(days)d days",
            count,
        )
    return text % {"count": count, "days": days}


def _list_url(manager_id: int, kinds: dict) -> str:
    # Partners about to turn red are yellow today; those about to leave for the exchange are red.
    query = {"manager": manager_id}
    if len(kinds) == 1:
        query["zone"] = Zone.YELLOW if WarningKind.RED in kinds else Zone.RED
    return f"{reverse('parties:partner_list')}?{urlencode(query)}"


def notifications_create(*, warned_at: datetime.datetime, days: int) -> int:
    """One notification per manager summarising the warnings recorded at `warned_at` (tonight's)."""
    counts: dict[int, dict[str, int]] = {}
    rows = (
        ZoneWarning.objects.filter(warned_at=warned_at).values("manager_id", "kind").annotate(n=Count("id"))
    )
    for row in rows.order_by():
        counts.setdefault(row["manager_id"], {})[row["kind"]] = row["n"]
    users = get_user_model().objects.filter(pk__in=counts, is_active=True)
    notes = []
    for user in users:
        kinds = counts[user.pk]
        with translation.override(_language(user)):
            lines = [_kind_line(kind, kinds[kind], days) for kind in WarningKind.values if kind in kinds]
            body = _("Contact them now to keep them yours.")
            notes.append(
                Notification(
                    user=user, title="; ".join(lines)[:300], body=body, url=_list_url(user.pk, kinds)
                )
            )
    Notification.objects.bulk_create(notes)
    return len(notes)


# --- The e-mail digest ---------------------------------------------------------------------------


def _mailable(today: datetime.date):
    """Warnings not mailed yet, still due, about partners the manager still leads."""
    return ZoneWarning.objects.filter(
        emailed_at__isnull=True,
        due_on__gte=today,
        manager__is_active=True,
        partner__on_exchange=False,
        partner__merged_into__isnull=True,
    ).exclude(manager__email="")


def managers_to_mail(*, today: datetime.date) -> list[int]:
    rows = _mailable(today).filter(partner__manager_id=F("manager_id"))
    return sorted(set(rows.values_list("manager_id", flat=True)))


def _claim(manager_id: int, today: datetime.date) -> datetime.datetime | None:
    stamp = timezone.now()
    ids = _mailable(today).filter(manager_id=manager_id, partner__manager_id=manager_id).values("pk")
    claimed = ZoneWarning.objects.filter(pk__in=ids, emailed_at__isnull=True).update(emailed_at=stamp)
    return stamp if claimed else None


def _release(manager_id: int, stamp: datetime.datetime) -> None:
    ZoneWarning.objects.filter(manager_id=manager_id, emailed_at=stamp).update(emailed_at=None)


def _site_url(path: str) -> str:
    return f"{getattr(settings, 'SITE_URL', '').rstrip('/')}{path}"


def digest_message(*, user, warnings: list[ZoneWarning]) -> EmailMessage:
    """The letter in the manager's language: one line per partner, soonest first."""
    with translation.override(_language(user)):
        lines = []
        for warning in warnings:
            when = _date(warning.due_on)
            if warning.kind == WarningKind.RED:
                text = _("%(name)s will turn red on %(date)s") % {"name": warning.partner.name, "date": when}
            else:
                text = _("%(name)s will go to the exchange on %(date)s") % {
                    "name": warning.partner.name,
                    "date": when,
                }
            if warning.partner.last_contact_on:
                text += " · " + _("last contact %(date)s") % {"date": _date(warning.partner.last_contact_on)}
            lines.append(
                f"— {text}\n  {_site_url(reverse('parties:partner_card', args=[warning.partner_id]))}"
            )
        parts = [
            _("These clients of yours have had no contact for a long time:"),
            "\n".join(lines),
            _("A call, a letter or a sale keeps a client green."),
            _("You receive this letter because you lead these clients in Klientura."),
        ]
        subject = ngettext(
            "Klientura: %(count)d client needs your attention",
            "Klientura: %(count)d clients need your attention",
            len(warnings),
        ) % {"count": len(warnings)}
    headers = {"Auto-Submitted": "auto-generated", "X-Klientura-Zone-Digest": str(user.pk)}
    return EmailMessage(subject=subject, body="\n\n".join(parts), to=[user.email], headers=headers)


def digest_send(*, manager_id: int, today: datetime.date) -> bool:
    """Mail the manager the warnings not mailed yet; returns whether a letter went out.

    The claim is committed before sending (this runs outside any transaction), so it is never sent
    twice; a refusal or an unreachable server gives the claim back. A connection lost after the letter
    was handed over keeps the claim: one lost digest is better than two."""
    stamp = _claim(manager_id, today)
    if stamp is None:
        return False
    user = get_user_model().objects.get(pk=manager_id)
    warnings = list(
        ZoneWarning.objects.filter(manager_id=manager_id, emailed_at=stamp)
        .select_related("partner")
        .order_by("due_on", "partner__name", "pk")
    )
    message = digest_message(user=user, warnings=warnings)
    connection = get_connection(fail_silently=False)
    try:
        connection.open()
        message.connection = connection
        message.send()
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPResponseException, smtplib.SMTPConnectError) as exc:
        _release(manager_id, stamp)
        log.warning("zone digest for user %s not sent: %s", manager_id, exc)
        return False
    except (OSError, smtplib.SMTPException) as exc:
        if not _handed_over(message):
            _release(manager_id, stamp)
        log.warning("zone digest for user %s: the mail server failed: %s", manager_id, exc)
        return False
    finally:
        try:
            connection.close()
        except (OSError, smtplib.SMTPException):
            log.warning("the mail server did not take QUIT politely", exc_info=True)
    return True


def _handed_over(message: EmailMessage) -> bool:
    # The letter's connection is set just before sending; without an open SMTP socket nothing was sent.
    connection = message.connection
    return bool(getattr(connection, "connection", None))
