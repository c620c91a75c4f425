"""Reads of the coloured zones for heads of sales: the board, its trend, the week's moves, the client
exchange pool and one partner's zone history.

Whose partners: a head of sales the members of the departments they head (and themselves), a director
or an administrator everyone's (`accounts.access.user_scope`), always behind
segments.view_zone_dashboard. The exchange pool is open to every sales user (`partner_access_q` lets
anyone in a sales role see a partner on the exchange). Every figure is one grouped query over the
partner rows, the snapshots or the releases: a fixed number of queries whatever the number of clients.

A partner released to the exchange loses its manager (manager_id NULL), so a manager's "exchange"
figure is the partners released from them that nobody has taken back yet (ExchangeRelease), and the
nightly snapshots (which count led partners) give the green, yellow and red trend.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery

from klientura.accounts.access import (
    headed_department_ids,
    partner_access_q,
    require_perm,
    sees_all_partners,
    user_scope,
)
from klientura.accounts.models import Department, User
from klientura.accounts.roles import HEAD_OF_SALES, SALES_MANAGER
from klientura.core.errors import Forbidden
from klientura.core.pagination import Page, keyset_page
from klientura.parties.models import Partner, Zone
from klientura.parties.selectors import PartnerFilters, partner_get, partners_filtered

from .models import ExchangeRelease, ZoneChange, ZoneSnapshot

DASHBOARD_PERM = "segments.view_zone_dashboard"
TAKE_PERM = "segments.take_from_exchange"
ZONES = (Zone.GREEN, Zone.YELLOW, Zone.RED, Zone.EXCHANGE)
# Better is lower: a move to a lower rank is an improvement.
RANK = {Zone.GREEN: 0, Zone.YELLOW: 1, Zone.RED: 2, Zone.EXCHANGE: 3}
MOVES_ORDERING = ["-at", "-id"]
POOL_ORDERING = ["name", "id"]
MAX_WEEKS = 52


def week_start(day: datetime.date) -> datetime.date:
    """The Monday of the ISO week of `day`."""
    return day - datetime.timedelta(days=day.weekday())


# --- Whose work ----------------------------------------------------------------------------------


def _department_tree(department_id: int) -> list[int]:
    ids, frontier = {department_id}, {department_id}
    while frontier:
        frontier = set(Department.objects.filter(parent_id__in=frontier).values_list("id", flat=True)) - ids
        ids |= frontier
    return sorted(ids)


def scoped_managers(*, actor, manager_id: int | None = None, department_id: int | None = None) -> QuerySet:
    """The users whose partners the actor may count; the filters narrow it, never widen it."""
    require_perm(actor, DASHBOARD_PERM)
    users = user_scope(User.objects.all(), actor)
    if manager_id:
        users = users.filter(pk=manager_id)
    if department_id:
        users = users.filter(department_id__in=_department_tree(department_id))
    return users


def dashboard_departments(*, actor) -> QuerySet:
    """Departments offered as a filter: all for those who see everyone, the headed ones for a head."""
    require_perm(actor, DASHBOARD_PERM)
    if sees_all_partners(actor):
        return Department.objects.order_by("name")
    return Department.objects.filter(pk__in=headed_department_ids(actor)).order_by("name")


# --- The board -----------------------------------------------------------------------------------


@dataclass
class BoardRow:
    manager: User | None
    counts: dict = field(default_factory=dict)  # zone -> partners
    new_on_exchange: int = 0  # released from this manager this week and still on the exchange
    delta: dict = field(default_factory=dict)  # zone -> change since last week (None: no snapshot)

    @property
    def total(self) -> int:
        return sum(self.counts.get(z, 0) for z in ZONES)

    @property
    def green_share(self) -> int | None:
        """Per cent of green among the manager's zoned partners (the exchange counts as lost)."""
        return round(100 * self.counts.get(Zone.GREEN, 0) / self.total) if self.total else None

    @property
    def cells(self) -> list[dict]:
        """Each zone's count with its change; "good" when green grew or another zone shrank."""
        return [
            {
                "zone": z,
                "count": self.counts.get(z, 0),
                "delta": self.delta.get(z),
                "mood": _mood(z, self.delta.get(z)),
            }
            for z in ZONES
        ]


def _mood(zone: str, delta: int | None) -> str:
    if not delta:
        return ""
    return "good" if (delta > 0) == (zone == Zone.GREEN) else "bad"


@dataclass
class Board:
    today: datetime.date
    rows: list[BoardRow]
    totals: BoardRow


def zone_board(
    *, actor, today: datetime.date, manager_id: int | None = None, department_id: int | None = None
) -> Board:
    """Per manager the partners in each zone today: one GROUP BY over the partner rows (index
    partner_manager_zone_idx), one over the open releases, one for the managers' names."""
    users = scoped_managers(actor=actor, manager_id=manager_id, department_id=department_id)
    led = (
        Partner.objects.filter(manager__in=users.values("pk"), merged_into__isnull=True)
        .exclude(zone="")
        .values("manager_id", "zone")
        .annotate(n=Count("id"))
        .order_by()
    )
    released = (
        ExchangeRelease.objects.filter(
            manager__in=users.values("pk"), taken_by__isnull=True, partner__on_exchange=True
        )
        .values("manager_id")
        .annotate(
            n=Count("partner_id", distinct=True),
            new=Count("partner_id", distinct=True, filter=Q(released_on__gte=week_start(today))),
        )
        .order_by()
    )
    counts: dict[int, dict] = {}
    for row in led:
        counts.setdefault(row["manager_id"], {})[row["zone"]] = row["n"]
    new: dict[int, int] = {}
    for row in released:
        by_zone = counts.setdefault(row["manager_id"], {})
        by_zone[Zone.EXCHANGE] = by_zone.get(Zone.EXCHANGE, 0) + row["n"]
        new[row["manager_id"]] = row["new"]
    # Every sales user in scope gets a row (an empty one says something too), plus anyone else who
    # leads partners (an administrator, a director).
    managers = (
        users.filter(
            Q(pk__in=list(counts)) | Q(is_active=True, groups__name__in=[SALES_MANAGER, HEAD_OF_SALES])
        )
        .distinct()
        .order_by("last_name", "first_name", "pk")
    )
    rows = [
        BoardRow(manager=m, counts=counts.get(m.pk, {}), new_on_exchange=new.get(m.pk, 0)) for m in managers
    ]
    totals = BoardRow(manager=None)
    for row in rows:
        for zone in ZONES:
            totals.counts[zone] = totals.counts.get(zone, 0) + row.counts.get(zone, 0)
        totals.new_on_exchange += row.new_on_exchange
    return Board(today=today, rows=rows, totals=totals)


def board_deltas(board: Board, trend: Trend) -> None:
    """Week over week: today's counts against the last snapshot of the previous ISO week; for the
    exchange, the partners released this week (a snapshot does not count them: they have no manager)."""
    known = trend.previous_day is not None
    for row in [*board.rows, board.totals]:
        before = trend.previous_totals if row.manager is None else trend.previous.get(row.manager.pk, {})
        for zone in (Zone.GREEN, Zone.YELLOW, Zone.RED):
            row.delta[zone] = row.counts.get(zone, 0) - before.get(zone, 0) if known else None
        row.delta[Zone.EXCHANGE] = row.new_on_exchange


# --- The trend -----------------------------------------------------------------------------------


@dataclass
class Trend:
    weeks: list[datetime.date]  # Mondays, oldest first
    days: list[datetime.date | None]  # the snapshot day that stands for each week
    series: dict  # zone -> [partners or None per week]
    previous_day: datetime.date | None  # last snapshot of the previous week
    previous: dict  # manager id -> zone -> partners on previous_day
    previous_totals: dict  # zone -> partners on previous_day
    ends: list[datetime.date] = field(default_factory=list)  # the day each week's figures are for

    def chart(self) -> dict:
        """Labels are the day each bar stands for: the week's last snapshot, else its end (or today)."""
        return {
            "labels": [d.strftime("%d.%m") for d in self.ends],
            "series": {str(z): v for z, v in self.series.items()},
        }

    @property
    def is_empty(self) -> bool:
        return not any(d for d in self.days)


def zone_trend(
    *,
    actor,
    today: datetime.date,
    weeks: int = 12,
    manager_id: int | None = None,
    department_id: int | None = None,
) -> Trend:
    """Partners per zone at the end of each of the last `weeks` ISO weeks (this one included), from the
    nightly snapshots (the week's last snapshot day) and, for the exchange, from the releases (at the
    end of the week, or today for this one)."""
    weeks = max(1, min(int(weeks), MAX_WEEKS))
    users = scoped_managers(actor=actor, manager_id=manager_id, department_id=department_id)
    this_monday = week_start(today)
    mondays = [this_monday - datetime.timedelta(weeks=weeks - 1 - i) for i in range(weeks)]
    prev_monday = this_monday - datetime.timedelta(weeks=1)  # the week the arrows compare with
    start = min(mondays[0], prev_monday)
    per_manager = list(
        ZoneSnapshot.objects.filter(day__gte=start, day__lte=today, manager__in=users.values("pk"))
        .values_list("day", "manager_id", "zone", "partners")
        .order_by()
    )
    last_day: dict[datetime.date, datetime.date] = {}
    for day, *_rest in per_manager:
        monday = week_start(day)
        last_day[monday] = max(day, last_day.get(monday, day))
    series = {z: [None] * weeks for z in ZONES}
    previous_day = last_day.get(prev_monday)
    previous: dict[int, dict] = {}
    previous_totals: dict = {}
    index = {m: i for i, m in enumerate(mondays)}
    for day, manager_pk, zone, partners in per_manager:
        monday = week_start(day)
        if day != last_day[monday]:
            continue
        if monday == prev_monday:
            previous.setdefault(manager_pk, {})[zone] = partners
            previous_totals[zone] = previous_totals.get(zone, 0) + partners
        if monday in index and zone in series:
            i = index[monday]
            series[zone][i] = (series[zone][i] or 0) + partners
    days = [last_day.get(m) for m in mondays]
    for zone in (Zone.GREEN, Zone.YELLOW, Zone.RED):  # a snapshot day with no row for a zone means 0
        series[zone] = [(n or 0) if d else None for n, d in zip(series[zone], days, strict=True)]
    ends = [_week_end(m, today) for m in mondays]
    series[Zone.EXCHANGE] = _exchange_series(users, ends)
    ends = [d or end for d, end in zip(days, ends, strict=True)]
    return Trend(mondays, days, series, previous_day, previous, previous_totals, ends)


def _week_end(monday: datetime.date, today: datetime.date) -> datetime.date:
    return min(monday + datetime.timedelta(days=6), today)


def _exchange_series(users: QuerySet, days: list[datetime.date]) -> list[int]:
    """Partners released from these managers and still on the exchange at the end of each day: one
    query with a conditional count per week."""
    figures = {
        f"w{i}": Count(
            "id",
            filter=Q(released_on__lte=day) & (Q(taken_at__isnull=True) | Q(taken_at__date__gt=day)),
        )
        for i, day in enumerate(days)
    }
    found = ExchangeRelease.objects.filter(manager__in=users.values("pk")).aggregate(**figures)
    return [found[f"w{i}"] or 0 for i in range(len(days))]


# --- The moves -----------------------------------------------------------------------------------

_WORSE = (
    Q(to_zone=Zone.YELLOW, from_zone=Zone.GREEN)
    | Q(to_zone=Zone.RED, from_zone__in=[Zone.GREEN, Zone.YELLOW])
    | Q(to_zone=Zone.EXCHANGE, from_zone__in=[Zone.GREEN, Zone.YELLOW, Zone.RED])
)


def _moves(*, actor, since: datetime.date, manager_id=None, department_id=None) -> QuerySet:
    users = scoped_managers(actor=actor, manager_id=manager_id, department_id=department_id)
    qs = ZoneChange.objects.filter(changed_on__gte=since).exclude(from_zone="").exclude(to_zone="")
    if not (sees_all_partners(actor) and not manager_id and not department_id):
        qs = qs.filter(manager__in=users.values("pk"))
    # Only partners the reader may still open (one taken by another department disappears).
    return qs.filter(partner_access_q(actor, "partner__"), partner__merged_into__isnull=True)


def zone_moves(
    *,
    actor,
    since: datetime.date,
    cursor: str | None = None,
    limit: int = 50,
    manager_id: int | None = None,
    department_id: int | None = None,
    direction: str = "",
) -> Page:
    """Zone changes since `since`, newest first, keyset-paginated; direction "better" or "worse"."""
    qs = _moves(actor=actor, since=since, manager_id=manager_id, department_id=department_id)
    if direction == "worse":
        qs = qs.filter(_WORSE)
    elif direction == "better":
        qs = qs.exclude(_WORSE)
    qs = qs.select_related("partner", "manager")
    page = keyset_page(qs, ordering=MOVES_ORDERING, cursor=cursor, limit=limit)
    for change in page.items:
        change.worse = RANK.get(change.to_zone, 0) > RANK.get(change.from_zone, 0)
    return page


def zone_moves_summary(*, actor, since: datetime.date, manager_id=None, department_id=None) -> dict:
    """How many moves were for the better and for the worse (one query)."""
    qs = _moves(actor=actor, since=since, manager_id=manager_id, department_id=department_id)
    found = qs.aggregate(total=Count("id"), worse=Count("id", filter=_WORSE))
    return {"total": found["total"], "worse": found["worse"], "better": found["total"] - found["worse"]}


# --- The exchange pool ---------------------------------------------------------------------------


@dataclass
class PoolFilters:
    q: str = ""
    kind: str = ""
    region_id: int | None = None
    released_by: int | None = None  # the manager who had it


def _require_pool(actor) -> None:
    if not (actor.has_perm(TAKE_PERM) or actor.has_perm(DASHBOARD_PERM)):
        raise Forbidden()


def _pool_queryset(*, actor, filters: PoolFilters) -> QuerySet:
    base = PartnerFilters(q=filters.q, kind=filters.kind, region_id=filters.region_id)
    qs = partners_filtered(actor=actor, filters=base).filter(on_exchange=True)
    if filters.released_by:
        qs = qs.filter(
            Exists(
                ExchangeRelease.objects.filter(
                    partner_id=OuterRef("pk"), manager_id=filters.released_by, taken_by__isnull=True
                )
            )
        )
    return qs


def exchange_pool(
    *, actor, cursor: str | None = None, filters: PoolFilters | None = None, limit: int = 50
) -> Page:
    """Partners on the exchange with their latest release (who had it, since when, why, the last
    contact): one query for the page, one for the releases, whatever the page size."""
    _require_pool(actor)
    latest = ExchangeRelease.objects.filter(partner_id=OuterRef("pk")).order_by("-released_on", "-pk")
    qs = (
        _pool_queryset(actor=actor, filters=filters or PoolFilters())
        .select_related("region")
        .annotate(release_pk=Subquery(latest.values("pk")[:1]))
    )
    page = keyset_page(qs, ordering=POOL_ORDERING, cursor=cursor, limit=limit)
    ids = [p.release_pk for p in page.items if p.release_pk]
    releases = (
        {r.pk: r for r in ExchangeRelease.objects.filter(pk__in=ids).select_related("manager")} if ids else {}
    )
    for partner in page.items:
        partner.release = releases.get(partner.release_pk)
    return page


def exchange_pool_size(*, actor) -> int:
    _require_pool(actor)
    return Partner.objects.filter(partner_access_q(actor), on_exchange=True, merged_into__isnull=True).count()


def exchange_released_by(*, actor) -> QuerySet:
    """Managers who have partners waiting on the exchange (the pool's "who had it" filter)."""
    _require_pool(actor)
    open_releases = ExchangeRelease.objects.filter(taken_by__isnull=True, partner__on_exchange=True)
    return User.objects.filter(pk__in=open_releases.values("manager_id")).order_by("last_name", "first_name")


# --- One partner's history -----------------------------------------------------------------------


@dataclass
class ZoneHistory:
    partner: Partner
    changes: list
    releases: list


def partner_zone_history(*, actor, partner, limit: int = 200) -> ZoneHistory:
    """Zone changes and exchange releases of a partner the actor may see (NotFound otherwise)."""
    partner = partner_get(actor=actor, partner_id=getattr(partner, "pk", partner))
    changes = list(
        ZoneChange.objects.filter(partner=partner).select_related("manager").order_by("-at", "-id")[:limit]
    )
    releases = list(
        ExchangeRelease.objects.filter(partner=partner)
        .select_related("manager", "taken_by")
        .order_by("-released_on", "-pk")[:limit]
    )
    return ZoneHistory(partner=partner, changes=changes, releases=releases)
