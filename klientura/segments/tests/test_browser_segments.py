"""The rule builder in Chromium: a head of sales builds "no orders for 30 days AND overdue debt above
100 000", watches the live count, schedules it daily, saves and refreshes, and sees the members."""

import pytest
from playwright.sync_api import expect

from klientura.accounts.tests.factories import department_pair
from klientura.parties.tests.factories import PartnerFactory
from klientura.segments.models import Segment
from klientura.web.tests.test_browser import shoot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def _pick(row, indicator):
    row.locator("[data-testid=indicator]").select_option(indicator)


def test_a_head_of_sales_builds_and_schedules_a_segment(live_server, new_page):
    team = department_pair()
    PartnerFactory(kind="client", manager=team.north_a, name="Альфа")
    PartnerFactory(kind="supplier", manager=team.north_a, name="Бета")
    page = new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, live_server, team.north_head)
    page.goto(f"{live_server.url}/segments/new/")
    page.fill("#id_name", "Молчуны с долгом")

    page.click("[data-testid=add-condition]")
    _pick(page.locator("[data-testid=condition]").nth(0), "partner_kind")
    page.locator("[data-testid=condition]").nth(0).locator("select[multiple]").select_option(["client"])
    expect(page.locator("[data-testid=preview-count]")).to_contain_text("1")

    page.click("[data-testid=add-condition] >> nth=0")
    second = page.locator("[data-testid=condition]").nth(1)
    _pick(second, "no_orders")
    expect(second.locator("input[type=number]")).to_have_value("30")

    page.click("[data-testid=add-group] >> nth=0")
    page.locator("[data-testid=group]").nth(1).locator("[data-testid=add-condition]").click()
    third = page.locator("[data-testid=condition]").nth(2)
    _pick(third, "overdue_amount")
    third.locator("select").nth(1).select_option("gt")
    third.locator("input[type=number]").fill("100000")
    expect(page.locator("[data-testid=preview-count]")).to_contain_text("0")

    page.click("[data-preset='0 6 * * *']")
    expect(page.locator("#id_schedule")).to_have_value("0 6 * * *")
    shoot(page, "segments-builder")
    with page.expect_navigation():
        page.click("[data-testid=save-refresh]")

    segment = Segment.objects.get(name="Молчуны с долгом")
    assert segment.refresh_mode == "scheduled" and segment.next_refresh_at is not None
    indicators = [c.get("indicator") for c in segment.rules["items"]]
    assert indicators[:2] == ["partner_kind", "no_orders"]
    assert segment.rules["items"][2]["items"][0]["value"] == "100000.00"
    expect(page.locator("[data-testid=segment-name]")).to_have_text("Молчуны с долгом")
    shoot(page, "segments-members")
    assert errors == []


def test_opening_a_segments_rules_shows_how_many_match_them_now(live_server, new_page):
    from klientura.segments.tests.segment_helpers import make_segment

    team = department_pair()
    for name in ("Альфа", "Гамма"):
        PartnerFactory(kind="client", manager=team.north_a, name=name)
    PartnerFactory(kind="supplier", manager=team.north_a, name="Бета")
    segment = make_segment(team.north_head)
    page = new_page()
    sign_in(page, live_server, team.north_head)
    page.goto(f"{live_server.url}/segments/{segment.pk}/edit/")
    expect(page.locator("[data-testid=preview-count]")).to_contain_text("2")
