"""Demo zones and segments: the coloured zones computed by the nightly job from the seeded orders,
shipments and events (long-silent clients go to the exchange), and a few segments a head of sales
and a marketer would keep, built and refreshed through the real services.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from django.db import transaction
from django.db.models import F

from klientura.accounts.models import User
from klientura.interactions.models import Event, EventStatus
from klientura.parties.models import Partner
from klientura.sales.models import OrderStatus
from klientura.segments.models import Segment
from klientura.web.seeding.context import SeedContext


def _period(days: int) -> dict:
    return {"days": days}


def _condition(indicator: str, operator: str | None = None, value=None, **params) -> dict:
    return {"indicator": indicator, "negate": False, "operator": operator, "value": value, "params": params}


# (name, description, rules, refresh schedule or ""): what a 1C user keeps as segments.
DEMO_SEGMENTS = (
    (
        "Молчуны с долгом",
        "Нет заказов 30 дней и просроченный долг больше 100 000 ₽ — позвонить до конца недели.",
        {
            "op": "and",
            "items": [
                _condition("no_orders", **_period(30)),
                _condition("overdue_amount", "gt", "100000"),
            ],
        },
        "0 6 * * *",
    ),
    (
        "Крупные покупатели года",
        "Отгружено больше чем на 1 000 000 ₽ за последние 365 дней.",
        {"op": "and", "items": [_condition("revenue", "gte", "1000000", **_period(365))]},
        "0 6 * * 1",
    ),
    (
        "Остывающие клиенты",
        "Жёлтая или красная зона и больше 60 дней без взаимодействий.",
        {
            "op": "and",
            "items": [
                _condition("zone", "in", ["yellow", "red"]),
                _condition("last_event_days", "gt", 60),
            ],
        },
        "",
    ),
    (
        "Поставщики без отгрузок",
        "Поставщики, которым мы ничего не отгружали за год.",
        {
            "op": "and",
            "items": [
                _condition("partner_kind", "in", ["supplier"]),
                _condition("no_shipments", **_period(365)),
            ],
        },
        "",
    ),
)


def _author() -> User | None:
    return (
        User.objects.filter(username="head1").first()
        or User.objects.filter(username="admin").first()
        or User.objects.filter(is_superuser=True).first()
    )


def segments_ensure(author: User) -> Counter:
    """The demo segments that are missing, saved and refreshed through the services."""
    from klientura.segments.services_segments import segment_create, segment_refresh

    counts = Counter()
    existing = set(Segment.objects.values_list("name", flat=True))
    for name, description, rules, schedule in DEMO_SEGMENTS:
        if name in existing:
            continue
        data = {
            "name": name,
            "description": description,
            "rules": rules,
            "refresh_mode": "scheduled" if schedule else "manual",
            "schedule": schedule,
        }
        with transaction.atomic():
            segment = segment_create(actor=author, data=data)
        segment_refresh(actor=author, segment_id=segment.pk)
        counts["segments"] += 1
    return counts


# Of the clients that never ordered, every SILENT_EVERY-th has its conversations moved this many days
# back, so the demo has cooling (red) clients and some that the nightly job sends to the exchange.
SILENT_EVERY = 12
# The demo base was registered six weeks ago: a client nobody has talked to since is yellow.
REGISTERED_DAYS_AGO = 45
SILENT_SHIFTS = {0: 145, 1: 200}


def _history_aged(ctx: SeedContext) -> int:
    """Registration long ago (bulk_create stamps "now", and registration counts as a contact for a client
    without facts), then a few never-ordering clients made silent. Set-based updates, whatever the size."""
    Partner.objects.filter(created_at__gte=ctx.now).update(created_at=ctx.now - timedelta(days=REGISTERED_DAYS_AGO))
    buyers = Partner.objects.filter(
        orders__status__in=[OrderStatus.CONFIRMED, OrderStatus.IN_FULFILMENT, OrderStatus.CLOSED]
    ).values("pk")
    # Clients with a survey keep their dates: its answers are stamped with the event's.
    surveyed = Partner.objects.filter(events__survey__isnull=False).values("pk")
    quiet = (
        Partner.objects.filter(manager__isnull=False)
        .exclude(pk__in=buyers)
        .exclude(pk__in=surveyed)
        .values_list("pk", flat=True)
    )
    moved = 0
    for remainder, days in SILENT_SHIFTS.items():
        ids = [pk for pk in quiet if pk % SILENT_EVERY == remainder]
        back = timedelta(days=days)
        moved += Event.objects.filter(partner_id__in=ids, status=EventStatus.DONE).update(
            at=F("at") - back,
            start_at=F("start_at") - back,
            end_at=F("end_at") - back,
            done_at=F("done_at") - back,
            created_at=F("created_at") - back,
        )
    return moved


def segments_seed(*, ctx: SeedContext, with_segments: bool = False) -> Counter:
    """Zones first (segments may use them), with the dashboard's trend of the last 12 weeks taken from
    the seeded history, then, if asked, the segments: like the leads, they go through the services
    and so write the audit trail, which a plain seed does not."""
    from klientura.segments.services_zones import zones_recompute
    from klientura.segments.zone_history import zones_trend_backfill

    counts = Counter()
    _history_aged(ctx)
    zoned = zones_recompute(today=ctx.today)
    counts["released to the exchange"] += zoned.get("released", 0)
    counts["zone trend weeks from history"] += len(zones_trend_backfill(weeks=12, today=ctx.today))
    author = _author()
    if with_segments and author is not None:
        counts.update(segments_ensure(author))
    return counts
