"""The composition report in XLSX: the members the reader may see, indicator columns, formulas neutralised."""

import io

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from klientura.core.models import AuditEntry
from klientura.parties.models import Counterparty, Tag
from klientura.segments.services_segments import segment_refresh

from .segment_helpers import make_segment

pytestmark = pytest.mark.django_db

RULES = {
    "op": "and",
    "items": [
        {"indicator": "partner_kind", "operator": "in", "value": ["client"]},
        {"indicator": "overdue_amount", "operator": "lte", "value": "100"},
    ],
}


def _sheet(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return [[cell.value for cell in row] for row in book.active.iter_rows()]


@pytest.fixture
def segment(departments, make_partner):
    evil = make_partner(kind="client", manager=departments.north_a, name='=HYPERLINK("http://evil","x")')
    other = make_partner(kind="client", manager=departments.south_a, name="Бета")
    counterparty = Counterparty.objects.create(
        kind="legal", full_name="ООО Бета", short_name="Бета", inn="7707083893"
    )
    counterparty.partners.add(other)
    other.tags.add(Tag.objects.create(name="Кровати"))
    segment = make_segment(departments.marketer, rules=RULES)
    segment_refresh(actor=None, segment_id=segment.pk)
    segment.evil, segment.other = evil, other
    return segment


def test_export_neutralises_formulas_and_carries_the_indicator_columns(departments, segment):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(departments.marketer)
    rows = _sheet(client.get(reverse("segments:segment_export", args=[segment.pk])))
    header, *data = rows
    assert header[:6] == ["Client", "INN", "Manager", "Region", "Zone", "Tags"]
    assert header[-1] == "Joined" and len(header) == 8  # one indicator with a value: the overdue amount
    assert {row[0] for row in data} == {'\'=HYPERLINK("http://evil","x")', "Бета"}
    beta = next(row for row in data if row[0] == "Бета")
    assert beta[1] == "7707083893" and beta[5] == "Кровати" and beta[6] == 0 and beta[7] is not None
    assert AuditEntry.objects.filter(object_id=str(segment.pk), comment__contains="XLSX").exists()


def test_export_holds_only_the_partners_the_reader_sees(departments, segment):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(departments.south_a)
    _header, *data = _sheet(client.get(reverse("segments:segment_export", args=[segment.pk])))
    assert [row[0] for row in data] == ["Бета"]
