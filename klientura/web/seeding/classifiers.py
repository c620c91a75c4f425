"""The demo's classifiers: business regions, information sources, tags and custom fields."""

from __future__ import annotations

from dataclasses import dataclass

from klientura.core.fake_ru import REGIONS
from klientura.parties.models import BusinessRegion, CustomField, CustomFieldKind, InformationSource, Tag

SOURCES = ("Сайт", "Рекомендация", "Выставка", "Холодный звонок", "Реклама Яндекс", "2ГИС")
TAGS = (
    ("VIP", "#dc3545"),
    ("Оптовик", "#0d6efd"),
    ("Новая коллекция", "#198754"),
    ("Кровати", "#6f42c1"),
    ("Тендер", "#fd7e14"),
)
SEGMENT_SIZES = ("малый", "средний", "крупный")
CUSTOM_FIELDS = (
    {
        "code": "segment_size",
        "name": "Размер бизнеса",
        "kind": CustomFieldKind.CHOICE,
        "choices": list(SEGMENT_SIZES),
        "position": 1,
    },
    {"code": "employees", "name": "Число сотрудников", "kind": CustomFieldKind.NUMBER, "position": 2},
)


@dataclass(frozen=True)
class Classifiers:
    region_ids: dict[str, int]  # by region name
    source_ids: tuple[int, ...]
    tag_ids: tuple[int, ...]


def classifiers_ensure() -> Classifiers:
    """Create what is missing (names are unique) and return the ids the client rows point at."""
    regions = {
        r.name: BusinessRegion.objects.get_or_create(name=r.name, defaults={"timezone": r.timezone})[0].pk
        for r in REGIONS
    }
    sources = tuple(InformationSource.objects.get_or_create(name=name)[0].pk for name in SOURCES)
    tags = tuple(Tag.objects.get_or_create(name=name, defaults={"color": c})[0].pk for name, c in TAGS)
    for field in CUSTOM_FIELDS:
        CustomField.objects.get_or_create(code=field["code"], defaults=field)
    return Classifiers(region_ids=regions, source_ids=sources, tag_ids=tags)
