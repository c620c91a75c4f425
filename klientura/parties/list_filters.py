"""Filters by group of clients: tags (any or all of them) and filters contributed by other apps (a
segment, for one), for the client list and for every report over records that hang off a partner.

The segments app owns membership but parties may not import segments. An app registers a function
that narrows a queryset by the ids picked in the filter (it must keep the query set-based: an Exists
or an id subquery, so a list or a report stays one query) and a function that offers the choices to
the actor.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, QuerySet


@dataclass(frozen=True)
class ListFilter:
    narrow: Callable[..., QuerySet]  # narrow(queryset, ids, partner_ref) -> queryset
    choices: Callable[..., list[tuple[int, str]]]  # choices(actor=) -> [(id, label)]


_filters: dict[str, ListFilter] = {}


def register(name: str, narrow, choices) -> None:
    _filters[name] = ListFilter(narrow=narrow, choices=choices)


def partner_ref(path: str) -> str:
    """The column holding the partner's id, for an OuterRef: "pk" on partners, "partner_id" on
    records with path "partner__", "order__partner_id" with "order__partner__"."""
    return f"{path[:-2]}_id" if path else "pk"


def apply(name: str, queryset: QuerySet, ids: list[int], path: str = "") -> QuerySet:
    """The queryset narrowed by the registered filter, or unchanged when nobody registered one."""
    registered = _filters.get(name)
    if registered is None or not ids:
        return queryset
    return registered.narrow(queryset, ids, partner_ref(path))


def choices(name: str, *, actor) -> list[tuple[int, str]]:
    registered = _filters.get(name)
    return registered.choices(actor=actor) if registered is not None else []


def _valid_ids(values) -> list[int]:
    ids = []
    for value in values:
        try:
            number = int(value)
        except (TypeError, ValueError):
            continue
        if number > 0:
            ids.append(number)
    return ids


@dataclass(frozen=True)
class ClientGroup:
    """A group of clients picked in a report: with these tags (any or all) and in these segments."""

    tag_ids: list[int] = field(default_factory=list)
    tags_mode: str = "any"  # any | all
    segment_ids: list[int] = field(default_factory=list)

    @classmethod
    def from_query(cls, get, *, actor) -> "ClientGroup":
        """From a query string (tag=, tags_mode=, segment=); malformed values and segments the actor
        may not see are ignored (so membership of a hidden segment cannot be probed)."""
        segment_ids = _valid_ids(get.getlist("segment"))
        if segment_ids:
            visible = {pk for pk, _label in choices("segment", actor=actor)}
            segment_ids = [pk for pk in segment_ids if pk in visible]
        return cls(
            tag_ids=_valid_ids(get.getlist("tag")),
            tags_mode="all" if get.get("tags_mode") == "all" else "any",
            segment_ids=segment_ids,
        )

    def __bool__(self) -> bool:
        return bool(self.tag_ids or self.segment_ids)

    def narrow(self, queryset: QuerySet, path: str = "") -> QuerySet:
        """Records (partners, or records whose partner is at `path`) of clients in the group."""
        if self.tag_ids:
            queryset = with_tags(queryset, self.tag_ids, self.tags_mode, path)
        return apply("segment", queryset, self.segment_ids, path)


def with_tags(queryset: QuerySet, tag_ids: list[int], mode: str, path: str = "") -> QuerySet:
    """Records whose partner has any (or all) of the tags: one EXISTS per required tag."""
    from .models import Partner

    through = Partner.tags.through
    ref = OuterRef(partner_ref(path))
    if mode == "all":
        for tag_id in tag_ids:
            queryset = queryset.filter(Exists(through.objects.filter(partner_id=ref, tag_id=tag_id)))
        return queryset
    return queryset.filter(Exists(through.objects.filter(partner_id=ref, tag_id__in=tag_ids)))
