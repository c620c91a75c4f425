"""Compile validated segment rules (see rules.py) into one SQL query over partners.

Each condition becomes a Q built from Exists / grouped `pk__in` subqueries or the partner's own
columns (indicators_money.py, indicators_contacts.py); groups combine them with & and |, NOT with ~.
All conditions are two-valued, so NOT of anything is exactly the complement. Nothing is evaluated
while compiling except, when the rules test additional fields, one read of their kinds.
"""

import operator
from datetime import date, datetime
from functools import reduce

from django.db.models import Q, QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext

from klientura.core.errors import ValidationFailed
from klientura.parties.models import CustomField, Partner

from . import indicators_contacts, indicators_money
from .indicators import INDICATORS, Context, period_dates
from .rules import conditions_of

FILTERS = {**indicators_money.FILTERS, **indicators_contacts.FILTERS}
VALUES = {**indicators_money.VALUES, **indicators_contacts.VALUES}


def segment_partners(rules: dict, *, today: date, now: datetime | None = None) -> QuerySet:
    """The partners (buyers and suppliers alike, merged ones excluded, no access scope) matching the
    rules, as one lazy query."""
    ctx = _context(rules, today=today, now=now)
    return Partner.objects.filter(merged_into__isnull=True).filter(_node_q(rules, ctx))


def rules_q(rules: dict, *, today: date, now: datetime | None = None) -> Q:
    """The rules as a Q over Partner, to combine with other filters (the client list, a preview)."""
    return _node_q(rules, _context(rules, today=today, now=now))


def _context(rules: dict, *, today: date, now: datetime | None) -> Context:
    if not rules or not rules.get("items"):
        raise ValidationFailed(fields={"rules": [gettext("Add at least one condition.")]})
    codes = {c["params"]["field"] for c in conditions_of(rules) if c.get("indicator") == "custom"}
    kinds = dict(CustomField.objects.filter(code__in=codes).values_list("code", "kind")) if codes else {}
    return Context(today=today, now=now or timezone.now(), custom_kinds=kinds)


def _node_q(node: dict, ctx: Context) -> Q:
    if "items" in node:
        parts = [_node_q(item, ctx) for item in node["items"]]
        q = reduce(operator.or_ if node["op"] == "or" else operator.and_, parts)
    else:
        builder = FILTERS.get(node.get("indicator"))
        if builder is None:
            message = gettext("Unknown indicator «%(code)s».") % {"code": node.get("indicator")}
            raise ValidationFailed(fields={"rules": [message]})
        q = builder(node, ctx)
    return ~q if node.get("negate") else q


# --- The composition report: the values that put a member in the segment --------------------


def _valued(rules: dict) -> list[dict]:
    return [c for c in conditions_of(rules) if c["indicator"] in VALUES]


def indicator_values(
    rules: dict, partners: QuerySet, *, today: date, now: datetime | None = None
) -> QuerySet:
    """`partners` annotated with ind_1, ind_2… — one per money or time indicator of the rules in order
    of appearance (a sum, a count, days, or the date of the last order/shipment). Correlated
    subqueries: meant for one page of members."""
    ctx = Context(today=today, now=now or timezone.now())
    annotations = {
        f"ind_{n}": VALUES[condition["indicator"]](condition, ctx)
        for n, condition in enumerate(_valued(rules), start=1)
    }
    return partners.annotate(**annotations) if annotations else partners


def indicator_columns(rules: dict) -> list[tuple[str, str]]:
    """[(annotation name, column heading)] matching indicator_values."""
    return [(f"ind_{n}", _heading(condition)) for n, condition in enumerate(_valued(rules), start=1)]


HEADINGS = {
    "no_orders": lambda: gettext("Last order"),
    "no_shipments": lambda: gettext("Last shipment"),
}


def _heading(condition: dict) -> str:
    spec = INDICATORS[condition["indicator"]]
    label = HEADINGS[spec.code]() if spec.code in HEADINGS else str(spec.label)
    if not spec.period or spec.code in HEADINGS:
        return label
    return f"{label}, {_period_text(condition['params'])}"


def _period_text(params: dict) -> str:
    if params.get("days") is not None:
        return gettext("last %(days)s days") % {"days": params["days"]}
    first, last = period_dates(params, timezone.localdate())
    shown = [formats.date_format(d, "SHORT_DATE_FORMAT") if d else "…" for d in (first, last)]
    return " – ".join(shown)
