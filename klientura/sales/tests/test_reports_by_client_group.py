"""The receivables and gross-profit reports narrowed to a group of clients: tags (any or all of them)
and a segment, in the selectors, in the pages, and never through a segment the reader may not see."""

from datetime import timedelta

import pytest
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from klientura.accounts.tests.factories import TEST_PASSWORD
from klientura.parties.list_filters import ClientGroup
from klientura.parties.models import Tag
from klientura.sales import selectors_reports
from klientura.sales.inputs import ShipmentInput
from klientura.sales.services_fulfilment import shipment_create
from klientura.sales.services_orders import order_confirm, order_create
from klientura.sales.tests.factories import AgreementFactory, order_input
from klientura.segments import services_segments
from klientura.segments.tests.segment_helpers import SUPPLIERS, make_segment


@pytest.fixture
def tags(db):
    return Tag.objects.create(name="Опт"), Tag.objects.create(name="VIP")


@pytest.fixture
def owing(departments, client_of, products, organization, tags):
    """Three clients of one manager, each owing 100 overdue: wholesale, wholesale + VIP, untagged
    (a supplier that also buys)."""
    manager = departments.north_a
    wholesale, vip = tags
    past = timezone.localdate() - timedelta(days=10)
    agreement = AgreementFactory(payment_schedule=[{"base": "order", "percent": "100", "days": 0}])
    clients = {
        "wholesale": client_of(manager, name="Опт-Один"),
        "both": client_of(manager, name="Опт-VIP"),
        "plain": client_of(manager, name="Поставщик-Покупатель", kind="supplier"),
    }
    clients["wholesale"].tags.add(wholesale)
    clients["both"].tags.add(wholesale, vip)
    for partner in clients.values():
        order = order_create(
            actor=manager,
            data=order_input(partner, products[:1], 1, agreement_id=agreement.pk, date=past),
        )
        order_confirm(actor=manager, order_id=order.pk, on=past)
        shipment_create(actor=manager, order_id=order.pk, data=ShipmentInput(date=past))
    return clients


def _owing_names(actor, group):
    rows = selectors_reports.receivables_by_partner(actor=actor, on=timezone.localdate(), group=group)
    return {row["partner"].name for row in rows}


def test_receivables_of_clients_with_any_or_all_of_the_tags(departments, owing, tags):
    wholesale, vip = tags
    head = departments.north_head
    assert _owing_names(head, ClientGroup()) == {"Опт-Один", "Опт-VIP", "Поставщик-Покупатель"}
    assert _owing_names(head, ClientGroup(tag_ids=[wholesale.pk, vip.pk])) == {"Опт-Один", "Опт-VIP"}
    assert _owing_names(head, ClientGroup(tag_ids=[wholesale.pk, vip.pk], tags_mode="all")) == {"Опт-VIP"}
    by_manager = selectors_reports.receivables_by_manager(
        actor=head, on=timezone.localdate(), group=ClientGroup(tag_ids=[vip.pk])
    )
    everyone = selectors_reports.receivables_by_manager(actor=head, on=timezone.localdate())
    assert by_manager[0]["overdue_sum"] * 3 == everyone[0]["overdue_sum"] > 0


def test_receivables_of_the_members_of_a_segment(departments, owing):
    head = departments.north_head
    suppliers = make_segment(head, name="Поставщики", rules=SUPPLIERS)
    services_segments.segment_refresh(actor=head, segment_id=suppliers.pk)
    assert _owing_names(head, ClientGroup(segment_ids=[suppliers.pk])) == {"Поставщик-Покупатель"}


def test_a_hidden_segment_in_the_query_string_is_ignored(departments, owing):
    suppliers = make_segment(departments.north_head, name="Поставщики", rules=SUPPLIERS)
    query = QueryDict(f"segment={suppliers.pk}&segment=oops&tag=-3&tags_mode=all")
    assert ClientGroup.from_query(query, actor=departments.north_head).segment_ids == [suppliers.pk]
    seen_by_nobody = ClientGroup.from_query(query, actor=departments.nobody)
    assert seen_by_nobody == ClientGroup(tags_mode="all") and not seen_by_nobody


def test_profit_of_a_group_of_clients(departments, owing, tags):
    _wholesale, vip = tags
    today = timezone.localdate()
    everyone = selectors_reports.ProfitFilters(date_from=today - timedelta(days=30), date_to=today)
    only_vip = selectors_reports.ProfitFilters(
        date_from=everyone.date_from, date_to=today, group_by="partner", clients=ClientGroup(tag_ids=[vip.pk])
    )
    total = selectors_reports.profit_report(actor=departments.director, filters=everyone)[0]
    vip_rows = selectors_reports.profit_report(actor=departments.director, filters=only_vip)
    assert [row["order__partner__name"] for row in vip_rows] == ["Опт-VIP"]
    assert vip_rows[0]["profit"] * 3 == total["profit"] and total["shipments"] == 3


def test_the_report_pages_filter_by_tag_and_say_so_when_the_group_owes_nothing(
    client, departments, owing, tags
):
    _wholesale, vip = tags
    client.login(username=departments.north_head.username, password=TEST_PASSWORD)
    page = client.get(reverse("sales:receivables"), {"tag": vip.pk}).content.decode()
    assert escape("Опт-VIP") in page and escape("Опт-Один") not in page
    assert 'data-testid="tag-filter"' in page
    nobody_tagged = Tag.objects.create(name="Пусто")
    empty = client.get(reverse("sales:receivables"), {"tag": nobody_tagged.pk}).content.decode()
    assert 'data-testid="empty-state"' in empty and "в этой группе" in empty
    profit = client.get(reverse("sales:profit"), {"tag": vip.pk, "group_by": "partner"}).content.decode()
    assert escape("Опт-VIP") in profit and escape("Опт-Один") not in profit
