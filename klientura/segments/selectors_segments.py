"""Reading segments: the list, one segment, its members (with the indicator values that put them there)
and its history of joins and leaves.

Segments themselves are visible to whoever has segments.view_segment; their members and changes are
narrowed to the partners the reader may see (partner_scope), so a manager looking at a company-wide
segment sees only their own clients in it. Each page is a keyset page with a fixed number of queries.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.utils import timezone

from klientura.accounts.access import partner_scope
from klientura.core.errors import NotFound
from klientura.core.pagination import Page, keyset_page
from klientura.parties import list_filters
from klientura.parties.models import Counterparty, Partner

from .models import Segment, SegmentChange, SegmentMember

VIEW = "segments.view_segment"
MEMBER_ORDERING = ["name", "id"]
CHANGE_ORDERING = ["-at", "-id"]


@dataclass
class MemberFilters:
    tag_ids: list[int] = field(default_factory=list)
    tags_mode: str = "any"  # any | all


@dataclass
class ChangeFilters:
    kind: str = ""  # "" | joined | left
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None


def segments_visible(*, actor) -> QuerySet:
    """Every segment for those with the right to see segments; nothing for anybody else."""
    if not actor.has_perm(VIEW):
        return Segment.objects.none()
    return Segment.objects.select_related("author").order_by("name", "id")


def segment_get(*, actor, segment_id) -> Segment:
    """Missing and not allowed look the same: 404."""
    if not actor.has_perm(VIEW):
        raise NotFound()
    segment = Segment.objects.select_related("author").filter(pk=segment_id).first()
    if segment is None:
        raise NotFound()
    return segment


def _with_tags(queryset: QuerySet, filters: MemberFilters) -> QuerySet:
    if not filters.tag_ids:
        return queryset
    return list_filters.with_tags(queryset, filters.tag_ids, filters.tags_mode)


def segment_members(*, actor, segment: Segment, filters: MemberFilters | None = None) -> QuerySet:
    """The stored members the actor may see, with joined_at, the first INN and the indicator values
    (columns "ind_<n>", see compiler.indicator_columns)."""
    from .compiler import indicator_values

    membership = SegmentMember.objects.filter(segment_id=segment.pk, partner_id=OuterRef("pk"))
    inn = (
        Counterparty.objects.filter(partners=OuterRef("pk")).exclude(inn="").order_by("pk").values("inn")[:1]
    )
    partners = partner_scope(Partner.objects.filter(Exists(membership), merged_into__isnull=True), actor)
    partners = _with_tags(partners, filters or MemberFilters())
    partners = partners.annotate(
        joined_at=Subquery(membership.values("joined_at")[:1]), inn=Subquery(inn)
    ).select_related("manager", "region")
    partners = indicator_values(segment.rules, partners, today=timezone.localdate())
    return partners.prefetch_related("tags")


def segment_members_page(
    *,
    actor,
    segment: Segment,
    cursor: str | None = None,
    limit: int = 50,
    filters: MemberFilters | None = None,
) -> Page:
    return keyset_page(
        segment_members(actor=actor, segment=segment, filters=filters),
        ordering=MEMBER_ORDERING,
        cursor=cursor,
        limit=limit,
    )


def indicator_columns(segment: Segment) -> list[tuple[str, str]]:
    from .compiler import indicator_columns as columns

    return [(name, str(label)) for name, label in columns(segment.rules)]


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def segment_changes_page(
    *,
    actor,
    segment: Segment,
    filters: ChangeFilters | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page:
    """Who joined and who left, newest first; dates are days in the server's time zone, both included."""
    filters = filters or ChangeFilters()
    changes = partner_scope(SegmentChange.objects.filter(segment_id=segment.pk), actor, "partner__")
    if filters.kind in ("joined", "left"):
        changes = changes.filter(joined=filters.kind == "joined")
    if filters.date_from:
        changes = changes.filter(at__gte=_day_start(filters.date_from))
    if filters.date_to:
        changes = changes.filter(at__lt=_day_start(filters.date_to + datetime.timedelta(days=1)))
    changes = changes.select_related("partner", "partner__manager")
    return keyset_page(changes, ordering=CHANGE_ORDERING, cursor=cursor, limit=limit)


def segment_choices(*, actor) -> list[tuple[int, str]]:
    """(id, name) of all segments, for the rule builder's "in segment" condition."""
    if not actor.has_perm(VIEW):
        return []
    return list(Segment.objects.order_by("name").values_list("pk", "name"))
