"""Subjects (предметы взаимодействия): the records a chain of events is about.

Orders and events are known here; deals and claims register themselves from their own apps (they
depend on this one). A kind tells how to find a record the actor may see, how to name it and where
it opens.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from klientura.core.errors import NotFound


@dataclass(frozen=True)
class SubjectKind:
    label: str  # "app_label.model"
    name: str
    visible: Callable[..., QuerySet]  # visible(actor=) -> the records of this kind the actor may see
    url: Callable[[int], str]  # from the record's id, so lists need not load the record
    title: Callable[[Model], str] = str


_kinds: dict[str, SubjectKind] = {}


def register(kind: SubjectKind) -> None:
    _kinds[kind.label] = kind


def kinds() -> list[SubjectKind]:
    return list(_kinds.values())


def kind_of(label: str) -> SubjectKind:
    try:
        return _kinds[label]
    except KeyError:
        raise NotFound() from None


def label_of(content_type: ContentType) -> str:
    return f"{content_type.app_label}.{content_type.model}"


def subject_get(*, actor, label: str, object_id: int) -> Model:
    """The subject record, or NotFound if it does not exist or the actor may not see it."""
    kind = kind_of(label)
    found = kind.visible(actor=actor).filter(pk=object_id).first()
    if found is None:
        raise NotFound()
    return found


def content_type_for(label: str) -> ContentType:
    app_label, model = label.split(".")
    return ContentType.objects.get_for_model(apps.get_model(app_label, model))


def thread_key_for(label: str, object_id: int) -> str:
    return f"{label}:{object_id}"


@dataclass(frozen=True)
class SubjectView:
    kind_name: str
    title: str
    url: str


def describe_subjects(*, actor, events) -> None:
    """Sets `subject_view` on each event: one query per kind of subject present, not per event.

    A subject the actor may not see is named only by its kind, without a title or a link.
    """
    wanted: dict[str, set[int]] = {}
    for event in events:
        event.subject_view = None
        if event.subject_type_id:
            wanted.setdefault(label_of(event.subject_type), set()).add(event.subject_id)
    found: dict[tuple[str, int], Model] = {}
    for label, ids in wanted.items():
        kind = _kinds.get(label)
        if kind is not None:
            for record in kind.visible(actor=actor).filter(pk__in=ids):
                found[(label, record.pk)] = record
    for event in events:
        if not event.subject_type_id:
            continue
        label = label_of(event.subject_type)
        kind = _kinds.get(label)
        record = found.get((label, event.subject_id))
        if kind is None:
            continue
        if record is None:
            event.subject_view = SubjectView(str(kind.name), "", "")
        else:
            event.subject_view = SubjectView(str(kind.name), kind.title(record), kind.url(record.pk))


def _order_visible(*, actor):
    from klientura.sales.selectors import orders_visible

    return orders_visible(actor=actor)


def _event_visible(*, actor):
    from .selectors import events_visible

    return events_visible(actor=actor)


def _register_builtin() -> None:
    register(
        SubjectKind(
            label="sales.order",
            name=_("Order"),
            visible=_order_visible,
            url=lambda pk: reverse("sales:order_card", args=[pk]),
            title=lambda order: order.number,
        )
    )
    register(
        SubjectKind(
            label="interactions.event",
            name=_("Event"),
            visible=_event_visible,
            url=lambda pk: reverse("interactions:event_card", args=[pk]),
        )
    )


_register_builtin()
