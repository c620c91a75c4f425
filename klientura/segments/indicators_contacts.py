"""The SQL of the contact and classifier indicators: the last interaction, zone, tags, region,
manager, partner kind, additional fields, other segments and the client exchange.

Every filter is two-valued (never SQL NULL) so that NOT of a condition or of a group is exactly
"the other partners": Django guards its own nullable columns under negation, and the additional
fields, read out of JSON, are wrapped in a CASE that turns "no such key" into false.
"""

import re
from datetime import timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import BooleanField, Case, Count, Exists, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import TruncDate
from django.utils.translation import gettext

from klientura.core.errors import ValidationFailed
from klientura.interactions.models import Event, EventStatus
from klientura.parties.models import CustomFieldKind, Partner

from .indicators import Context, DaysSince, day_start
from .models import SegmentMember

# --- The last interaction ----------------------------------------------------------------------


def _done_events(ctx: Context):
    return Event.objects.filter(partner_id=OuterRef("pk"), status=EventStatus.DONE, at__lte=ctx.now)


def last_event_days_q(condition: dict, ctx: Context) -> Q:
    """Days since the last done event, by the calendar days of the current time zone.

    "more than N days" is "no event since the start of day today − N"; "at least N" is "none since
    today − N + 1"; a partner never contacted has no event at all, so it is "longer ago" than any N.
    """
    operator, days = condition["operator"], int(condition["value"])
    since_day = ctx.today - timedelta(days=days if operator in ("gt", "lte") else days - 1)
    recent = Exists(_done_events(ctx).filter(at__gte=day_start(since_day)))
    return Q(~recent) if operator in ("gt", "gte") else Q(recent)


def last_event_days_value(condition: dict, ctx: Context):
    last = _done_events(ctx).order_by("-at").annotate(day=TruncDate("at")).values("day")[:1]
    return DaysSince(Subquery(last), ctx.today)


# --- The partner's classifiers -----------------------------------------------------------------


def _in_or_not(condition: dict, q: Q) -> Q:
    return ~q if condition["operator"] == "not_in" else q


def zone_q(condition: dict, ctx: Context) -> Q:
    return _in_or_not(condition, Q(zone__in=condition["value"]))


def partner_kind_q(condition: dict, ctx: Context) -> Q:
    return _in_or_not(condition, Q(kind__in=condition["value"]))


def region_q(condition: dict, ctx: Context) -> Q:
    # Django guards the nullable column under NOT: "not in A" keeps the partners without a region.
    return _in_or_not(condition, Q(region_id__in=condition["value"]))


def manager_q(condition: dict, ctx: Context) -> Q:
    ids = [pk for pk in condition["value"] if pk is not None]
    q = Q(manager_id__in=ids) if ids else Q(pk__in=[])
    if None in condition["value"]:
        q |= Q(manager__isnull=True)
    return _in_or_not(condition, q)


def on_exchange_q(condition: dict, ctx: Context) -> Q:
    return Q(on_exchange=bool(condition["value"]))


def tag_q(condition: dict, ctx: Context) -> Q:
    ids = condition["value"]
    through = Partner.tags.through
    if condition["operator"] == "all":
        holding_all = (
            through.objects.filter(tag_id__in=ids)
            .order_by()
            .values("partner_id")
            .annotate(tags=Count("tag_id", distinct=True))
            .filter(tags=len(set(ids)))
            .values("partner_id")
        )
        return Q(pk__in=holding_all)
    holding_any = Exists(through.objects.filter(partner_id=OuterRef("pk"), tag_id__in=ids))
    return Q(~holding_any) if condition["operator"] == "none" else Q(holding_any)


def segment_q(condition: dict, ctx: Context) -> Q:
    """Membership as stored at the referenced segments' last refresh."""
    member = Exists(
        SegmentMember.objects.filter(partner_id=OuterRef("pk"), segment_id__in=condition["value"])
    )
    return _in_or_not(condition, Q(member))


# --- Additional fields (Partner.custom JSON) ---------------------------------------------------


def _custom_test(code: str, operator: str, kind: str, value) -> Q:
    # rules.py admits only codes without "__", so the code is one JSON key, not a path.
    key = f"custom__{code}"
    if operator in ("gte", "lte"):
        return Q(**{f"{key}__{operator}": _custom_operand(kind, value)})
    if kind != CustomFieldKind.TEXT:
        return Q(**{key: _custom_operand(kind, value)})
    # Texts match regardless of case, as people type them differently. SQLite folds the case of
    # ASCII letters only in LIKE, so there the match is a Python regular expression (Cyrillic too).
    if connection.vendor == "sqlite":
        pattern = re.escape(str(value))
        return Q(**{f"{key}__iregex": pattern if operator == "contains" else f"^{pattern}$"})
    return Q(**{f"{key}__{'icontains' if operator == 'contains' else 'iexact'}": str(value)})


def _custom_operand(kind: str, value):
    # Numbers are stored as JSON numbers, dates as ISO strings, texts and choices as strings.
    if kind == CustomFieldKind.NUMBER:
        return float(Decimal(str(value)))
    return str(value)


def _true_when(condition) -> Q:
    """A JSON test made two-valued: a missing key or a JSON null is false, never NULL."""
    return Q(Case(When(condition, then=Value(True)), default=Value(False), output_field=BooleanField()))


def custom_q(condition: dict, ctx: Context) -> Q:
    code = condition["params"]["field"]
    kind = ctx.custom_kinds.get(code)
    if kind is None:
        raise ValidationFailed(fields={"rules": [_unknown_field(code)]})
    present = Q(custom__has_key=code)
    operator = condition["operator"]
    if operator in ("empty", "not_empty"):
        return ~present if operator == "empty" else present
    test = _true_when(present & _custom_test(code, operator, kind, condition["value"]))
    return ~test if operator == "neq" else test


def _unknown_field(code: str) -> str:
    return gettext("Unknown additional field «%(code)s».") % {"code": code}


FILTERS = {
    "last_event_days": last_event_days_q,
    "zone": zone_q,
    "tag": tag_q,
    "region": region_q,
    "manager": manager_q,
    "partner_kind": partner_kind_q,
    "custom": custom_q,
    "segment": segment_q,
    "on_exchange": on_exchange_q,
}

VALUES = {"last_event_days": last_event_days_value}
