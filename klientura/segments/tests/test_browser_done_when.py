"""Issue 7's acceptance in a real browser: a head of sales builds "no orders for 30 days AND overdue
debt above 100 000 ₽", sees its members with the indicator values and schedules it daily; after the
nightly job the dashboard shows the zones per manager; a partner silent for seven months is on the
exchange, two managers press "Take" on it and exactly one gets it."""

from datetime import timedelta

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone
from playwright.sync_api import expect

from klientura.accounts.tests.factories import department_pair
from klientura.parties.models import Partner, PartnerKind, Zone
from klientura.segments.models import ExchangeRelease, Segment, SegmentMember
from klientura.segments.tasks_zones import zones_nightly
from klientura.web.tests.test_browser import shoot, sign_in

from .test_compiler import at_day, debt, event, partner

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


@pytest.fixture
def world():
    team = department_pair()
    today = timezone.localdate()
    # Ordered 70 days ago, 150 000 overdue for 60 days: silent and in debt.
    team.debtor = partner(name="Альфа-Мебель", kind=PartnerKind.CLIENT, manager=team.north_a)
    debt(team.debtor, (today - timedelta(days=60), "150000.00"))
    # In debt too, but ordered 15 days ago.
    team.recent = partner(name="Бета-Дом", kind=PartnerKind.CLIENT, manager=team.north_a)
    debt(team.recent, (today - timedelta(days=5), "200000.00"))
    # Silent, but owes less than the threshold.
    team.small = partner(name="Гамма-Кухни", kind=PartnerKind.CLIENT, manager=team.north_b)
    debt(team.small, (today - timedelta(days=60), "50000.00"))
    # Nobody has spoken to this one for seven months.
    team.silent = partner(name="Тихая гавань", kind=PartnerKind.CLIENT, manager=team.north_b)
    seven_months_ago = today - relativedelta(months=7)
    event(team.silent, at_day(seven_months_ago))
    # All of them are old clients: registration counts as a contact, so it must predate the facts.
    Partner.objects.update(created_at=at_day(seven_months_ago - timedelta(days=30)))
    return team


def build_the_segment(page, live_server):
    page.goto(f"{live_server.url}/segments/new/")
    page.fill("#id_name", "Молчуны с долгом")
    page.click("[data-testid=add-condition]")
    first = page.locator("[data-testid=condition]").nth(0)
    first.locator("[data-testid=indicator]").select_option("no_orders")
    expect(first.locator("input[type=number]")).to_have_value("30")
    page.click("[data-testid=add-condition] >> nth=0")
    second = page.locator("[data-testid=condition]").nth(1)
    second.locator("[data-testid=indicator]").select_option("overdue_amount")
    second.locator("select").nth(1).select_option("gt")
    second.locator("input[type=number]").fill("100000")
    # Only Альфа: Бета ordered recently, Гамма owes less.
    expect(page.locator("[data-testid=preview-count]")).to_contain_text("1")
    page.click("[data-preset='0 6 * * *']")
    with page.expect_navigation():
        page.click("[data-testid=save-refresh]")


def test_segment_dashboard_and_the_exchange(world, live_server, new_page):
    head = new_page()
    errors = []
    head.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(head, live_server, world.north_head)
    build_the_segment(head, live_server)

    segment = Segment.objects.get(name="Молчуны с долгом")
    assert (segment.refresh_mode, segment.schedule) == ("scheduled", "0 6 * * *")
    assert list(SegmentMember.objects.filter(segment=segment).values_list("partner", flat=True)) == [
        world.debtor.pk
    ]
    member = head.locator(f"[data-testid=member-row][data-partner-id='{world.debtor.pk}']")
    expect(member).to_contain_text("Альфа-Мебель")
    expect(member).to_contain_text("150")  # the overdue amount that put it there
    expect(head.locator("[data-testid=member-row]")).to_have_count(1)
    shoot(head, "done-when-segments-members")

    zones_nightly.apply()  # the nightly job, run in place

    world.silent.refresh_from_db()
    assert (world.silent.on_exchange, world.silent.manager, world.silent.zone) == (True, None, Zone.EXCHANGE)
    release = ExchangeRelease.objects.get(partner=world.silent)
    assert release.manager == world.north_b

    head.goto(f"{live_server.url}/zones/")
    board = head.locator("[data-testid=zone-board]")
    expect(board.locator(f"[data-testid=zone-cell-{world.north_a.pk}-green]")).to_contain_text("1")
    expect(board.locator(f"[data-testid=zone-cell-{world.north_a.pk}-yellow]")).to_contain_text("1")
    expect(board.locator(f"[data-testid=zone-cell-{world.north_b.pk}-yellow]")).to_contain_text("1")
    expect(board.locator(f"[data-testid=zone-cell-{world.north_b.pk}-exchange]")).to_contain_text("1")
    shoot(head, "done-when-zones-dashboard")

    # Two managers of different departments see the same exchange client and press "Take".
    pages = []
    for user in (world.north_a, world.south_a):
        page = new_page()
        sign_in(page, live_server, user)
        page.goto(f"{live_server.url}/zones/exchange/")
        expect(page.locator(f"[data-testid=exchange-row-{world.silent.pk}]")).to_contain_text("Тихая гавань")
        pages.append(page)
    # The first click wins; the second page still shows the button it loaded and gets the message.
    # (Two requests at the very same moment are raced with threads in test_exchange.py.)
    pages[0].click(f"[data-testid=take-{world.silent.pk}]")
    expect(pages[0].locator(f"[data-testid=exchange-row-{world.silent.pk}]")).to_have_count(0)
    pages[1].click(f"[data-testid=take-{world.silent.pk}]")
    expect(pages[1].locator(f"[data-testid=take-refused-{world.silent.pk}]")).to_be_visible()

    world.silent.refresh_from_db()
    assert world.silent.manager == world.north_a and not world.silent.on_exchange
    assert world.silent.zone == Zone.GREEN
    release.refresh_from_db()
    assert release.taken_by == world.north_a
    expect(pages[1].locator(f"[data-testid=take-refused-{world.silent.pk}]")).to_contain_text(
        str(world.north_a)
    )
    shoot(pages[1], "done-when-exchange-lost-race")
    assert errors == []
