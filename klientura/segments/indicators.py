"""The indicators a segment rule can test: what each one means, which operators and values it takes.

This module is the single description of the rule language; `rules.py` validates against it and
offers it to the UI, and the SQL of each indicator lives in `indicators_money.py` (orders, shipments,
receivables, deals) and `indicators_contacts.py` (events and the partner's own classifiers).

Periods: `{"days": N}` means the last N days including today and the day exactly N days ago
(an order dated `today − N` is "in the last N days", one dated `today − N − 1` is not);
`{"date_from": ..., "date_to": ...}` is a closed range of dates, either end may be left open.
"""

import operator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import DateField, Func, IntegerField, Value
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from klientura.parties.models import CustomFieldKind, PartnerKind, Zone

MAX_PERIOD_DAYS = 36600

OPERATOR_LABELS = {
    "gt": _("more than"),
    "gte": _("at least"),
    "lt": _("less than"),
    "lte": _("at most"),
    "eq": _("equals"),
    "neq": _("does not equal"),
    "contains": _("contains"),
    "empty": _("is empty"),
    "not_empty": _("is filled in"),
    "in": _("is one of"),
    "not_in": _("is none of"),
    "any": _("has any of"),
    "all": _("has all of"),
    "none": _("has none of"),
    "is": pgettext_lazy("rule operator", "is"),
}

COMPARISONS = ("gt", "gte", "lt", "lte")
COMPARE = {"gt": operator.gt, "gte": operator.ge, "lt": operator.lt, "lte": operator.le}
# The complement of each comparison: "not (x > v)" is "x <= v" for the non-NULL values we compare.
INVERSE = {"gt": "lte", "gte": "lt", "lt": "gte", "lte": "gt"}

CUSTOM_OPERATORS = {
    CustomFieldKind.TEXT: ("eq", "neq", "contains", "empty", "not_empty"),
    CustomFieldKind.NUMBER: ("eq", "neq", "gte", "lte", "empty", "not_empty"),
    CustomFieldKind.DATE: ("eq", "neq", "gte", "lte", "empty", "not_empty"),
    CustomFieldKind.CHOICE: ("eq", "neq", "empty", "not_empty"),
}
# Operators that test presence only and take no value.
VALUELESS = ("empty", "not_empty")


@dataclass(frozen=True)
class Indicator:
    code: str
    label: str
    section: str  # sales | deals | contacts | classifiers: how the UI groups the list
    value_kind: str  # money | int | ids | choices | bool | none | custom
    operators: tuple[str, ...] = ()
    period: bool = False  # takes params days | date_from/date_to
    ids_of: str = ""  # for value_kind "ids": tag | region | user | segment
    allow_null: bool = False  # "ids" may hold null (the manager: "no manager")
    choices: tuple = field(default=())  # for value_kind "choices": the enum class's choices
    help: str = ""
    # What the composition report shows for the indicator: money | int | date ("" = nothing).
    shows: str = ""


def _money(code, label, help_text, *, section="sales", period=False) -> Indicator:
    return Indicator(code, label, section, "money", COMPARISONS, period=period, help=help_text, shows="money")


def _count(code, label, help_text) -> Indicator:
    return Indicator(code, label, "deals", "int", COMPARISONS, period=True, help=help_text, shows="int")


INDICATORS: dict[str, Indicator] = {
    spec.code: spec
    for spec in (
        Indicator(
            "no_orders",
            _("No orders"),
            "sales",
            "none",
            period=True,
            help=_("No order (other than quotes and cancelled ones) dated within the period."),
            shows="date",
        ),
        Indicator(
            "no_shipments",
            _("No shipments"),
            "sales",
            "none",
            period=True,
            help=_("Nothing shipped within the period."),
            shows="date",
        ),
        _money("revenue", _("Revenue"), _("The sum of shipments within the period."), period=True),
        _money("receivable", _("Receivable"), _("What the partner owes now under the payment schedules.")),
        _money("overdue_amount", _("Overdue receivable"), _("What the partner owes past the due dates.")),
        Indicator(
            "overdue_days",
            _("Days overdue"),
            "sales",
            "int",
            COMPARISONS,
            help=_("Days since the oldest unpaid overdue payment date (0 when nothing is overdue)."),
            shows="int",
        ),
        _count("deals_won_count", _("Deals won"), _("The number of deals won within the period.")),
        _money(
            "deals_won_amount",
            _("Amount of deals won"),
            _("The amount of deals won within the period."),
            section="deals",
            period=True,
        ),
        _count("deals_lost_count", _("Deals lost"), _("The number of deals lost within the period.")),
        _money(
            "deals_lost_amount",
            _("Amount of deals lost"),
            _("The amount of deals lost within the period."),
            section="deals",
            period=True,
        ),
        Indicator(
            "last_event_days",
            _("Days since the last interaction"),
            "contacts",
            "int",
            COMPARISONS,
            help=_("Days since the last completed event; a partner never contacted counts as longer ago."),
            shows="int",
        ),
        Indicator("zone", _("Zone"), "contacts", "choices", ("in", "not_in"), choices=tuple(Zone.choices)),
        Indicator("tag", _("Tags"), "classifiers", "ids", ("any", "all", "none"), ids_of="tag"),
        Indicator("region", _("Business region"), "classifiers", "ids", ("in", "not_in"), ids_of="region"),
        Indicator(
            "manager",
            _("Lead manager"),
            "classifiers",
            "ids",
            ("in", "not_in"),
            ids_of="user",
            allow_null=True,
        ),
        Indicator(
            "partner_kind",
            _("Partner kind"),
            "classifiers",
            "choices",
            ("in", "not_in"),
            choices=tuple(PartnerKind.choices),
        ),
        Indicator("custom", _("Additional field"), "classifiers", "custom"),
        Indicator("segment", _("Segment"), "classifiers", "ids", ("in", "not_in"), ids_of="segment"),
        Indicator("on_exchange", _("On the client exchange"), "contacts", "bool", ("is",)),
    )
}


# --- Periods and days --------------------------------------------------------------------------


def period_dates(params: dict, today: date) -> tuple[date | None, date | None]:
    """The first and last day of a normalised period (None = open end)."""
    if params.get("days") is not None:
        return today - timedelta(days=int(params["days"])), today
    return _as_date(params.get("date_from")), _as_date(params.get("date_to"))


def _as_date(value) -> date | None:
    if value in (None, ""):
        return None
    return value if isinstance(value, date) else date.fromisoformat(value)


def day_start(day: date) -> datetime:
    """Midnight at the start of `day` in the current time zone: dates are the user's calendar days."""
    return timezone.make_aware(datetime.combine(day, time.min))


def period_moments(params: dict, today: date) -> tuple[datetime | None, datetime | None]:
    """The period as [start, end) moments, for facts stamped with a time (deals closed at)."""
    first, last = period_dates(params, today)
    return (
        day_start(first) if first else None,
        day_start(last + timedelta(days=1)) if last else None,
    )


def date_range_filter(prefix: str, params: dict, today: date) -> dict:
    first, last = period_dates(params, today)
    filters = {}
    if first:
        filters[f"{prefix}__gte"] = first
    if last:
        filters[f"{prefix}__lte"] = last
    return filters


def moment_range_filter(prefix: str, params: dict, today: date) -> dict:
    start, end = period_moments(params, today)
    filters = {}
    if start:
        filters[f"{prefix}__gte"] = start
    if end:
        filters[f"{prefix}__lt"] = end
    return filters


def zero_matches(op: str, value) -> bool:
    """Whether a partner without any facts (a sum, count or number of days of 0) passes the test."""
    return COMPARE[op](0, value)


@dataclass(frozen=True)
class Context:
    """What the SQL of an indicator depends on besides the rule: the day, the moment, the kinds of
    the additional fields used (read once when compiling, so evaluation stays one query)."""

    today: date
    now: datetime
    custom_kinds: dict = field(default_factory=dict)


class DaysSince(Func):
    """Whole days from a date expression to `today` (NULL stays NULL), on PostgreSQL and SQLite."""

    output_field = IntegerField()

    def __init__(self, expression, today: date):
        super().__init__(expression, Value(today, output_field=DateField()))

    def _parts(self, compiler):
        day_sql, day_params = compiler.compile(self.source_expressions[0])
        today_sql, today_params = compiler.compile(self.source_expressions[1])
        return day_sql, today_sql, [*today_params, *day_params]

    def as_sql(self, compiler, connection, **extra_context):
        day_sql, today_sql, params = self._parts(compiler)
        # PostgreSQL: date minus date is a number of days.
        return f"({today_sql} - {day_sql})", params

    def as_sqlite(self, compiler, connection, **extra_context):
        day_sql, today_sql, params = self._parts(compiler)
        return f"CAST(julianday({today_sql}) - julianday({day_sql}) AS INTEGER)", params
