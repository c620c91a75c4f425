"""Filters of the client list contributed by other apps (a segment, for one).

The segments app owns membership but the list lives here, and parties may not import segments. An app
registers a function that narrows the partner queryset by the ids picked in the list's filter (it
must keep the query set-based: an Exists or an id subquery, so the list stays one query) and a
function that offers the choices to the actor.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import QuerySet


@dataclass(frozen=True)
class ListFilter:
    narrow: Callable[[QuerySet, list[int]], QuerySet]
    choices: Callable[..., list[tuple[int, str]]]  # choices(actor=) -> [(id, label)]


_filters: dict[str, ListFilter] = {}


def register(name: str, narrow, choices) -> None:
    _filters[name] = ListFilter(narrow=narrow, choices=choices)


def apply(name: str, queryset: QuerySet, ids: list[int]) -> QuerySet:
    """The queryset narrowed by the registered filter, or unchanged when nobody registered one."""
    registered = _filters.get(name)
    if registered is None or not ids:
        return queryset
    return registered.narrow(queryset, ids)


def choices(name: str, *, actor) -> list[tuple[int, str]]:
    registered = _filters.get(name)
    return registered.choices(actor=actor) if registered is not None else []
