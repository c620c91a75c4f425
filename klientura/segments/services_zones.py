"""Writes of the coloured zones and the client exchange (Цветные зоны, Биржа клиентов).

Semantics. Every partner with a lead manager has a zone, by the calendar months between its LAST
CONTACT date L and today T, both local dates of the company's time zone. The administrator sets the
thresholds in ZoneSettings (one row; defaults 1 / 5 / 6 months, warnings 7 days ahead):

    green     L > T − 1 month                     (under a month)
    yellow    T − 5 months < L ≤ T − 1 month      (exactly one month is already yellow)
    red       T − 6 months ≤ L ≤ T − 5 months     (exactly 5 months is red; exactly 6 is still red)
    exchange  L < T − 6 months                    (more than 6 months)

"T − n months" is computed in Python (dateutil, clamped to the month's end: 31 August − 6 months is
28 February), so SQL only compares dates; zone_rules.py is the one place that decides.

LAST CONTACT (Partner.last_contact_on) is the latest of: a done event with the partner (at ≤ now, its
local date), an order that became a sale (not a quote, not cancelled: its confirmation day, else its
date), a shipment, and the day the partner was taken from the exchange or, failing all of them, the day
it was registered — so a new client starts green, not on the exchange. A fact dated after today counts
as today.

A partner on the exchange is in the exchange zone and stays there when someone contacts it (a letter
through the exchange does not give it to anyone); it leaves only when a manager takes it. A partner with
neither a manager nor a place on the exchange has no zone ("").

How it stays current:
- `zones_touch` runs inside the transaction of every recorded contact (events, letters, confirmed
  orders, shipments announce it through parties.activity): the partner is green again at once;
- `zones_recompute`, the nightly job, recomputes everything in a fixed number of statements, records
  each change (ZoneChange) and each release to the exchange (ExchangeRelease: who had it, its last
  contact, why), and writes today's per-manager counts (ZoneSnapshot) for the trend;
- `zone_warnings_send` then warns managers about partners about to turn red or to go to the exchange.
"""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from klientura.accounts.access import partner_access_q, require_perm
from klientura.accounts.models import User
from klientura.core.audit import audit_log, model_update
from klientura.core.errors import Conflict, NotFound, ValidationFailed
from klientura.core.models import AuditAction
from klientura.parties.models import Partner, Zone
from klientura.parties.selectors import partner_get

from . import zone_warnings
from .models import ExchangeRelease, WarningKind, ZoneChange, ZoneSettings
from .zone_rules import MAX_MONTHS, MAX_WARN_DAYS, Thresholds, day_end, local_today, zone_settings_get
from .zone_sql import ZoneStatements

TAKE_PERM = "segments.take_from_exchange"
SETTINGS_PERM = "segments.change_zonesettings"
# ExchangeRelease.reason is stored as a code and rendered in the reader's language (release_reason_text).
REASON_NO_CONTACT = "no_contact:{months}"
REASON_UNRECORDED = "unrecorded"

__all__ = [
    "exchange_given",
    "exchange_take",
    "release_reason_text",
    "zone_settings_get",
    "zone_settings_update",
    "zone_warnings_send",
    "zones_recompute",
    "zones_touch",
]


def _statements(today: datetime.date) -> ZoneStatements:
    # Facts recorded after the end of `today` do not count yet (matters when a past day is recomputed).
    now = timezone.now()
    return ZoneStatements(
        today=today, now=now, thresholds=Thresholds.current(), facts_until=min(now, day_end(today))
    )


# --- Contact: the partner is green again ---------------------------------------------------------


@transaction.atomic
def zones_touch(*, partner_ids, on: datetime.date) -> None:
    """A contact with these partners on `on`: last_contact_on = max(stored, on), the zone recomputed and
    its change recorded. Runs in the caller's transaction (three statements whatever the number)."""
    ids = sorted({int(pk) for pk in partner_ids if pk})
    if not ids:
        return
    statements = _statements(local_today())
    statements.last_contact_touch(ids, on)
    if statements.zone_changes_record(ids):
        statements.zones_update(ids)


# --- The nightly recompute -----------------------------------------------------------------------


@transaction.atomic
def zones_recompute(*, today: datetime.date | None = None) -> dict:
    """Recompute every partner's last contact and zone, release the newly silent ones to the exchange and
    write today's snapshot. Eight statements whatever the number of partners; a second run the same day
    changes nothing (the snapshot is rewritten with the same counts)."""
    statements = _statements(today or local_today())
    counts = {"last_contact": statements.last_contact_recompute()}
    counts["changed"] = statements.zone_changes_record()
    statements.zones_update()
    reason = REASON_NO_CONTACT.format(months=statements.thresholds.exchange_after_months)
    counts["released"] = statements.releases_record(reason)
    statements.partners_release()
    counts["snapshot"] = statements.snapshot_write()
    return counts


def release_reason_text(release: ExchangeRelease) -> str:
    """Why the partner went to the exchange, in the current language:
    "No contact for more than 6 months (last: 05.03.2026)"."""
    code = release.reason or ""
    if code.startswith("no_contact:"):
        months = int(code.partition(":")[2] or 0)
        return zone_warnings.no_contact_text(months, release.last_contact_on)
    if code == REASON_UNRECORDED:
        return _("Put on the exchange before the reasons were recorded")
    return code


# --- The client exchange -------------------------------------------------------------------------


def _partner_id(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise NotFound() from None


def _refuse_take(actor, partner_id: int):
    """Why nothing was taken: someone else was quicker (a clear message), or there is nothing to take."""
    if Partner.objects.filter(pk=partner_id, on_exchange=True).exists():
        raise NotFound()  # on the exchange but not for this user
    release = (
        ExchangeRelease.objects.filter(partner_id=partner_id, taken_by__isnull=False)
        .select_related("taken_by")
        .order_by("-taken_at", "-pk")
        .first()
    )
    if release is None:
        raise NotFound()
    if release.taken_by_id == actor.pk:
        raise Conflict(_("You have already taken this client."), code="already_taken")
    raise Conflict(
        _("This client has already been taken by «%(name)s».") % {"name": release.taken_by},
        code="already_taken",
    )


def _close_release(*, actor, partner_id: int, before: dict, today, now) -> None:
    release = (
        ExchangeRelease.objects.select_for_update()
        .filter(partner_id=partner_id, taken_by__isnull=True)
        .order_by("-released_on", "-pk")
        .first()
    )
    if release is None:  # put on the exchange by hand or by an import: keep the trail all the same
        release = ExchangeRelease(
            partner_id=partner_id,
            last_contact_on=before["last_contact_on"],
            released_on=before["zone_since"] or today,
            reason=REASON_UNRECORDED,
        )
    release.taken_by, release.taken_at = actor, now
    release.save()


@transaction.atomic
def exchange_take(*, actor, partner_id) -> Partner:
    """One click: the partner leaves the exchange and becomes the actor's, green from today.

    The conditional UPDATE (… WHERE id = %s AND on_exchange) is the arbiter when two managers click at
    once: on PostgreSQL the second waits for the first's row lock, then finds the row no longer on the
    exchange and updates nothing; SQLite serialises writers. The loser gets "already taken by «Name»"."""
    require_perm(actor, TAKE_PERM)
    pk = _partner_id(partner_id)
    before = (
        Partner.objects.filter(partner_access_q(actor), pk=pk, on_exchange=True)
        .values("zone", "zone_since", "last_contact_on")
        .first()
    )
    today, now = local_today(), timezone.now()
    taken = 0
    if before is not None:
        taken = Partner.objects.filter(pk=pk, on_exchange=True, merged_into__isnull=True).update(
            manager=actor,
            on_exchange=False,
            last_contact_on=today,
            zone=Zone.GREEN,
            zone_since=today,
            updated_at=now,
        )
    if not taken:
        _refuse_take(actor, pk)
    _close_release(actor=actor, partner_id=pk, before=before, today=today, now=now)
    ZoneChange.objects.create(
        partner_id=pk,
        manager=actor,
        from_zone=before["zone"] or Zone.EXCHANGE,
        to_zone=Zone.GREEN,
        changed_on=today,
        at=now,
    )
    partner = partner_get(actor=actor, partner_id=pk)
    audit_log(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=partner,
        changes={"manager": [None, str(actor)], "on_exchange": [True, False]},
        comment=_("Taken from the client exchange"),
    )
    return partner


def exchange_given(*, partner_ids, manager_id: int) -> None:
    """Partners on the exchange given to a manager by hand (parties.partner_set_manager, announced through
    parties.activity): their releases are closed as taken by that manager, which is the fact the nightly
    recompute counts from, and the zone turns green now. The partner rows were already updated there."""
    ids = sorted({int(pk) for pk in partner_ids if pk})
    manager = User.objects.filter(pk=manager_id).first()
    if not ids or manager is None:
        return
    today, now = local_today(), timezone.now()
    befores = Partner.objects.filter(pk__in=ids).values("pk", "zone_since", "last_contact_on")
    for before in befores:  # a head's selection in the list: a page at most
        _close_release(actor=manager, partner_id=before["pk"], before=before, today=today, now=now)
    zones_touch(partner_ids=ids, on=today)


# --- Settings ------------------------------------------------------------------------------------

_SETTINGS_FIELDS = ("yellow_after_months", "red_after_months", "exchange_after_months", "warn_days")


def _whole(value, low: int, high: int) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    if str(number) != str(value).strip() and not isinstance(value, int):
        return None  # "1.5", "2e1": not a whole number as typed
    return number if low <= number <= high else None


def _settings_errors(raw: dict) -> tuple[dict, dict]:
    months_text = _("Enter a whole number of months from 1 to %(max)d.") % {"max": MAX_MONTHS}
    values, errors = {}, {}
    for name in _SETTINGS_FIELDS[:3]:
        values[name] = _whole(raw[name], 1, MAX_MONTHS)
        if values[name] is None:
            errors[name] = [months_text]
    values["warn_days"] = _whole(raw["warn_days"], 0, MAX_WARN_DAYS)
    if values["warn_days"] is None:
        errors["warn_days"] = [_("Enter a whole number of days from 0 to %(max)d.") % {"max": MAX_WARN_DAYS}]
    yellow, red, exchange = (values[name] for name in _SETTINGS_FIELDS[:3])
    if yellow is not None and red is not None and red <= yellow:
        errors.setdefault("red_after_months", []).append(_("The red zone must start after the yellow one."))
    if red is not None and exchange is not None and exchange < red:
        errors.setdefault("exchange_after_months", []).append(
            _("The exchange cannot come before the red zone.")
        )
    return values, errors


@transaction.atomic
def zone_settings_update(
    *, actor, yellow_after_months, red_after_months, exchange_after_months, warn_days
) -> ZoneSettings:
    """Change the thresholds (1 ≤ yellow < red ≤ exchange ≤ 36 months, warnings 0–60 days ahead).
    New thresholds start a recompute once committed, so the zones follow at once."""
    require_perm(actor, SETTINGS_PERM)
    raw = dict(
        zip(
            _SETTINGS_FIELDS,
            (yellow_after_months, red_after_months, exchange_after_months, warn_days),
            strict=True,
        )
    )
    values, errors = _settings_errors(raw)
    if errors:
        raise ValidationFailed(fields=errors)
    settings = ZoneSettings.objects.select_for_update().get(pk=zone_settings_get().pk)
    changes = model_update(actor=actor, instance=settings, data=values, fields=list(_SETTINGS_FIELDS))
    if set(changes) - {"warn_days"}:
        from . import tasks_zones  # the tasks module imports this one

        transaction.on_commit(tasks_zones.zones_recompute_now.delay)
    return settings


# --- Warnings ------------------------------------------------------------------------------------


def zone_warnings_send(*, today: datetime.date | None = None) -> int:
    """Warn managers about their partners that will turn red or go to the exchange within warn_days.

    Set-based: one INSERT … SELECT per kind (a partner, kind and due day is warned once, ever), then one
    in-app notification per manager for what is new tonight, then one e-mail digest per manager with an
    e-mail address (each warning mailed at most once, see zone_warnings.digest_send). Returns how many
    new warnings were recorded."""
    today = today or local_today()
    with transaction.atomic():
        statements = _statements(today)
        stamp = statements.now
        made = statements.warnings_record(WarningKind.RED, Zone.RED, (Zone.GREEN, Zone.YELLOW))
        made += statements.warnings_record(
            WarningKind.EXCHANGE, Zone.EXCHANGE, (Zone.GREEN, Zone.YELLOW, Zone.RED)
        )
        if made:
            zone_warnings.notifications_create(warned_at=stamp, days=statements.thresholds.warn_days)
    for manager_id in zone_warnings.managers_to_mail(today=today):
        zone_warnings.digest_send(manager_id=manager_id, today=today)
    return made
