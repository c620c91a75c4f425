"""The sales funnel and deal effectiveness reports, and the deals behind each of their figures.

The figures come from funnel_sql (one statement per report, or per period for effectiveness); this
module decides whose work the actor may look at, resolves the names, and shapes the few grouped
rows. Whose work: a sales manager their own, a head of sales the members of the departments they
head, a director, administrator or marketer everyone's (`accounts.access.user_scope`); the
manager and department filters narrow that further, never widen it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from klientura.accounts.access import require_perm, sees_all_partners, user_scope
from klientura.accounts.models import Department, User
from klientura.accounts.roles import HEAD_OF_SALES, SALES_MANAGER
from klientura.core.errors import NotFound, ValidationFailed
from klientura.core.money import ZERO
from klientura.core.pagination import Page, keyset_page

from . import funnel_sql
from .access import deal_access_q
from .funnel_sql import HistoryScope
from .models import Deal, DealKind, DealKindMode, LossReason, SalesStage

PERMISSION = "deals.view_deal_reports"
DRILL_ORDERING = ["-amount", "-id"]
MAX_PERIOD_DAYS = 366 * 10


@dataclass
class ReportFilters:
    date_from: datetime.date
    date_to: datetime.date  # included
    kind_id: int | None = None  # None: the default kind (funnel) or every kind (effectiveness)
    manager_id: int | None = None
    department_id: int | None = None


def _day_start(day: datetime.date) -> datetime.datetime:
    """Midnight in the reader's time zone: a period is the reader's days, not UTC's."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _check_period(filters: ReportFilters) -> None:
    if filters.date_to < filters.date_from:
        raise ValidationFailed(
            _("The end of the period is before its start."),
            fields={"date_to": [_("The end of the period is before its start.")]},
        )
    if (filters.date_to - filters.date_from).days > MAX_PERIOD_DAYS:
        raise ValidationFailed(
            _("The period is too long."), fields={"date_from": [_("Choose a period of ten years at most.")]}
        )


def _department_tree(department_id: int) -> list[int]:
    """The department and all its sub-departments (a small tree, walked level by level)."""
    ids, frontier = {department_id}, {department_id}
    while frontier:
        frontier = set(Department.objects.filter(parent_id__in=frontier).values_list("id", flat=True)) - ids
        ids |= frontier
    return sorted(ids)


def _managers(actor, filters: ReportFilters) -> QuerySet | None:
    """Ids of the users whose deals count; None when that is everyone (also deals without a manager)."""
    if sees_all_partners(actor) and not filters.manager_id and not filters.department_id:
        return None
    users = user_scope(User.objects.all(), actor)
    if filters.manager_id:
        users = users.filter(pk=filters.manager_id)
    if filters.department_id:
        users = users.filter(department_id__in=_department_tree(filters.department_id))
    return users.order_by().values("id")


def _scope(actor, filters: ReportFilters, kind_id: int | None, now, stages=()) -> HistoryScope:
    return HistoryScope(
        start=_day_start(filters.date_from),
        end=_day_start(filters.date_to + datetime.timedelta(days=1)),
        now=now or timezone.now(),
        kind_id=kind_id,
        managers=_managers(actor, filters),
        positions=tuple((stage.pk, stage.position) for stage in stages),
    )


def report_kinds() -> list[DealKind]:
    return list(DealKind.objects.filter(is_active=True).order_by("-is_default", "name"))


def funnel_kind(kind_id: int | None) -> DealKind | None:
    """The chosen kind, else the default one, else the first active one (None when there are none)."""
    if kind_id:
        kind = DealKind.objects.filter(pk=kind_id).first()
        if kind is None:
            raise NotFound(_("No such deal kind."))
        return kind
    return DealKind.objects.filter(is_active=True).order_by("-is_default", "name").first()


def report_managers(*, actor) -> QuerySet:
    """Sales users whose figures the actor may see, for the filters."""
    users = user_scope(User.objects.filter(is_active=True), actor)
    users = users.filter(Q(groups__name__in=[SALES_MANAGER, HEAD_OF_SALES]) | Q(pk=actor.pk)).distinct()
    return users.order_by("last_name", "first_name", "id")


def report_departments(*, actor) -> list[Department]:
    users = user_scope(User.objects.all(), actor)
    return list(Department.objects.filter(pk__in=users.values("department_id")).order_by("name"))


# ------------------------------------------------------------------------------------- the funnel


@dataclass
class Figure:
    count: int = 0
    amount: Decimal = ZERO

    def add(self, count: int, amount: Decimal) -> None:
        self.count += int(count or 0)
        self.amount += amount


@dataclass
class ReasonLine:
    reason_id: int | None
    name: str
    figure: Figure


@dataclass
class StageLine:
    stage: SalesStage | None  # None: the totals (deals created in the period)
    entered: Figure = field(default_factory=Figure)
    converted: Figure = field(default_factory=Figure)
    won: Figure = field(default_factory=Figure)
    lost: Figure = field(default_factory=Figure)
    open: Figure = field(default_factory=Figure)
    lost_by_reason: list[ReasonLine] = field(default_factory=list)
    days_sum: float = 0.0
    stays: int = 0
    is_last: bool = False

    @property
    def stage_id(self) -> int | None:
        return self.stage.pk if self.stage else None

    def _share(self, part: Figure) -> float | None:
        return round(part.count * 100 / self.entered.count, 1) if self.entered.count else None

    @property
    def conversion_next(self) -> float | None:
        """Per cent of those who entered that went further; none after the last stage."""
        return None if self.is_last or self.stage is None else self._share(self.converted)

    @property
    def conversion_won(self) -> float | None:
        return self._share(self.won)

    @property
    def avg_days(self) -> float | None:
        return round(self.days_sum / self.stays, 1) if self.stays else None


@dataclass
class FunnelReport:
    kind: DealKind | None
    filters: ReportFilters
    stages: list[StageLine]
    totals: StageLine

    @property
    def has_stages(self) -> bool:
        return bool(self.kind) and self.kind.mode != DealKindMode.NON_PROCESS

    @property
    def is_empty(self) -> bool:
        return not self.totals.entered.count and not any(line.entered.count for line in self.stages)


def _absorb(line: StageLine, row: dict, reasons: dict) -> None:
    """Fold one group of deals (by converted and fate) into the line's figures."""
    count, amount = row["deals"], row["amount"]
    line.entered.add(count, amount)
    if row["converted"]:
        line.converted.add(count, amount)
    if row["fate"]:
        getattr(line, row["fate"]).add(count, amount)
    line.days_sum += row["days_sum"] or 0.0
    line.stays += int(row["stays"] or 0)
    if row["fate"] == "lost":
        reason = reasons.get(row["reason_id"])
        name = reason.name if reason else str(_("No reason given"))
        known = next((r for r in line.lost_by_reason if r.reason_id == row["reason_id"]), None)
        if known is None:
            line.lost_by_reason.append(ReasonLine(row["reason_id"], name, Figure(count, amount)))
        else:
            known.figure.add(count, amount)


def funnel_report(*, actor, filters: ReportFilters, now: datetime.datetime | None = None) -> FunnelReport:
    """Per stage of the kind (in order): deals that entered it in the period, how many went further
    and were won, lost there (by reason), still there, and the average days spent in it."""
    require_perm(actor, PERMISSION)
    _check_period(filters)
    kind = funnel_kind(filters.kind_id)
    totals = StageLine(stage=None)
    if kind is None:
        return FunnelReport(kind=None, filters=filters, stages=[], totals=totals)
    all_stages = list(kind.stages.order_by("position"))
    rows = funnel_sql.funnel_rows(_scope(actor, filters, kind.pk, now, all_stages))
    entered = {row["stage_id"] for row in rows if row["part"] == "stage"}
    stages = [s for s in all_stages if s.is_active or s.pk in entered]
    lines = {stage.pk: StageLine(stage=stage) for stage in stages}
    if stages:
        lines[stages[-1].pk].is_last = True
    reasons = LossReason.objects.in_bulk({row["reason_id"] for row in rows if row["reason_id"]})
    for row in rows:
        line = totals if row["part"] == "total" else lines.get(row["stage_id"])
        if line is not None:
            _absorb(line, row, reasons)
    for line in [*lines.values(), totals]:
        line.lost_by_reason.sort(key=lambda r: (-r.figure.count, r.name))
    return FunnelReport(kind=kind, filters=filters, stages=list(lines.values()), totals=totals)


def _drill_page(actor, sql: str, params: list, *, cursor: str | None, limit: int) -> Page:
    """The deals of a figure the actor may open, a keyset page at a time (the figure's own SQL as a
    subquery: the list cannot disagree with the number)."""
    deals = (
        Deal.objects.filter(deal_access_q(actor))
        .filter(pk__in=RawSQL(sql, params))  # noqa: S611 - funnel_sql builds it; values are parameters
        .select_related("partner", "manager", "stage", "kind", "loss_reason")
    )
    with funnel_sql.report_session():
        return keyset_page(deals, ordering=DRILL_ORDERING, cursor=cursor, limit=limit)


def funnel_deals(
    *,
    actor,
    filters: ReportFilters,
    figure: str,
    stage_id: int | None = None,
    reason_id: int | None = None,
    cursor: str | None = None,
    limit: int = 50,
    now: datetime.datetime | None = None,
) -> Page:
    """The deals behind one figure of `funnel_report` (a stage's, or the totals' without a stage)."""
    require_perm(actor, PERMISSION)
    _check_period(filters)
    if figure not in funnel_sql.FIGURES:
        raise ValidationFailed(fields={"figure": [_("Unknown figure.")]})
    kind = funnel_kind(filters.kind_id)
    if kind is None:  # nothing to list, but a tampered cursor is still refused like everywhere else
        return keyset_page(Deal.objects.none(), ordering=DRILL_ORDERING, cursor=cursor, limit=limit)
    stages = list(kind.stages.all())
    if stage_id and stage_id not in {stage.pk for stage in stages}:
        raise NotFound(_("No such stage."))
    sql, params = funnel_sql.funnel_deal_ids(
        _scope(actor, filters, kind.pk, now, stages), figure=figure, stage_id=stage_id, reason_id=reason_id
    )
    return _drill_page(actor, sql, params, cursor=cursor, limit=limit)


# ------------------------------------------------------------------------------------- effectiveness


@dataclass
class Effect:
    """One manager's (or everyone's) figures for one period."""

    open: Figure = field(default_factory=Figure)  # in progress at the period's end
    won: Figure = field(default_factory=Figure)
    lost: Figure = field(default_factory=Figure)
    cycle_days: float = 0.0  # days from creation to winning, summed over the deals won

    def absorb(self, row: dict) -> None:
        for name in ("open", "won", "lost"):
            getattr(self, name).add(row[name], row[f"{name}_amount"])
        self.cycle_days += row["cycle_days"] or 0.0

    def merge(self, other: Effect) -> None:
        for name in ("open", "won", "lost"):
            mine, theirs = getattr(self, name), getattr(other, name)
            mine.add(theirs.count, theirs.amount)
        self.cycle_days += other.cycle_days

    @property
    def win_rate(self) -> float | None:
        closed = self.won.count + self.lost.count
        return round(self.won.count * 100 / closed, 1) if closed else None

    @property
    def avg_cycle(self) -> float | None:
        return round(self.cycle_days / self.won.count, 1) if self.won.count else None

    @property
    def avg_size(self) -> Decimal | None:
        return (self.won.amount / self.won.count).quantize(Decimal("0.01")) if self.won.count else None


# (key, label, how to read it off an Effect, whether more is better)
METRICS = (
    ("open_count", _("In progress"), lambda e: e.open.count, None),
    ("open_amount", _("In progress, amount"), lambda e: e.open.amount, None),
    ("won_count", _("Won"), lambda e: e.won.count, True),
    ("won_amount", _("Won, amount"), lambda e: e.won.amount, True),
    ("lost_count", _("Lost"), lambda e: e.lost.count, False),
    ("lost_amount", _("Lost, amount"), lambda e: e.lost.amount, False),
    ("win_rate", _("Win rate, %"), lambda e: e.win_rate, True),
    ("avg_cycle", _("Average cycle, days"), lambda e: e.avg_cycle, False),
    ("avg_size", _("Average deal size"), lambda e: e.avg_size, True),
)


@dataclass
class Comparison:
    key: str
    label: str
    value: object
    previous: object
    more_is_better: bool | None

    @property
    def delta(self):
        if self.value is None or self.previous is None:
            return None
        delta = self.value - self.previous
        return round(delta, 1) if isinstance(delta, float) else delta

    @property
    def trend(self) -> str:
        """Which way it went: "up", "down", or "" (unchanged, or nothing to compare with)."""
        delta = self.delta
        return "" if not delta else ("up" if delta > 0 else "down")

    @property
    def figure(self) -> str:
        """The drill-down figure of a count ("won" for "won_count"), else ""."""
        return self.key.removesuffix("_count") if self.key.endswith("_count") else ""

    @property
    def good(self) -> bool | None:
        """Whether the change is for the better (None: neither, or no change)."""
        if not self.trend or self.more_is_better is None:
            return None
        return (self.trend == "up") == self.more_is_better


@dataclass
class EffectLine:
    manager: User | None  # None in a row: deals without a manager; in the totals: everyone
    current: Effect = field(default_factory=Effect)
    previous: Effect = field(default_factory=Effect)

    @property
    def manager_id(self) -> int | None:
        return self.manager.pk if self.manager else None

    def metrics(self) -> list[Comparison]:
        return [
            Comparison(key, str(label), read(self.current), read(self.previous), better)
            for key, label, read, better in METRICS
        ]

    def metric(self, key: str) -> Comparison:
        return next(m for m in self.metrics() if m.key == key)


@dataclass
class EffectivenessReport:
    filters: ReportFilters
    previous_from: datetime.date
    previous_to: datetime.date
    kind: DealKind | None
    rows: list[EffectLine]
    totals: EffectLine

    @property
    def is_empty(self) -> bool:
        return not self.rows


def previous_period(filters: ReportFilters) -> tuple[datetime.date, datetime.date]:
    """The period of the same length just before."""
    days = (filters.date_to - filters.date_from).days + 1
    previous_to = filters.date_from - datetime.timedelta(days=1)
    return previous_to - datetime.timedelta(days=days - 1), previous_to


def effectiveness_report(
    *, actor, filters: ReportFilters, now: datetime.datetime | None = None
) -> EffectivenessReport:
    """Per manager: in progress at the period's end, won and lost in it, win rate, average cycle and
    deal size, each beside the previous period of the same length. One statement per period."""
    require_perm(actor, PERMISSION)
    _check_period(filters)
    kind = funnel_kind(filters.kind_id) if filters.kind_id else None
    previous_from, previous_to = previous_period(filters)
    previous = ReportFilters(
        previous_from, previous_to, filters.kind_id, filters.manager_id, filters.department_id
    )
    lines: dict[int | None, EffectLine] = {}
    for period, which in ((filters, "current"), (previous, "previous")):
        for row in funnel_sql.effectiveness_rows(_scope(actor, period, filters.kind_id, now)):
            line = lines.setdefault(row["manager_id"], EffectLine(manager=None))
            getattr(line, which).absorb(row)
    users = User.objects.in_bulk([pk for pk in lines if pk])
    for pk, line in lines.items():
        line.manager = users.get(pk)
    totals = EffectLine(manager=None)
    for line in lines.values():  # a row per manager: a handful
        totals.current.merge(line.current)
        totals.previous.merge(line.previous)
    rows = sorted(lines.values(), key=lambda r: (r.manager is None, str(r.manager or ""), r.manager_id or 0))
    return EffectivenessReport(
        filters=filters,
        previous_from=previous_from,
        previous_to=previous_to,
        kind=kind,
        rows=rows,
        totals=totals,
    )


def effectiveness_deals(
    *,
    actor,
    filters: ReportFilters,
    figure: str,
    manager_id: int | None = None,
    everyone: bool = False,
    cursor: str | None = None,
    limit: int = 50,
    now: datetime.datetime | None = None,
) -> Page:
    """The deals behind one manager's figure of `effectiveness_report` for `filters`' period (the
    deals without a manager when `manager_id` is None; the totals' when `everyone`)."""
    require_perm(actor, PERMISSION)
    _check_period(filters)
    if figure not in funnel_sql.EFFECT_FIGURES:
        raise ValidationFailed(fields={"figure": [_("Unknown figure.")]})
    if filters.kind_id:
        funnel_kind(filters.kind_id)
    sql, params = funnel_sql.effectiveness_deal_ids(
        _scope(actor, filters, filters.kind_id, now), figure=figure, manager_id=manager_id, everyone=everyone
    )
    return _drill_page(actor, sql, params, cursor=cursor, limit=limit)
