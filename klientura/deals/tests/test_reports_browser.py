"""The funnel and effectiveness pages in Chromium: Chart.js draws the funnel (a canvas with pixels,
no script errors), a click on a figure opens its deals, and screenshots at desktop and phone width
land in var/screenshots/ for a human to look at."""

import datetime
import zoneinfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from klientura.accounts.tests.factories import department_pair
from klientura.web.browser import PHONE
from klientura.web.tests.test_browser import shoot, sign_in

from ..models import DealStatus
from .factories import kind_strict, loss_reason, stages_of
from .reports_history import History

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]
MSK = zoneinfo.ZoneInfo("Europe/Moscow")
IP, WON, LOST = DealStatus.IN_PROGRESS, DealStatus.WON, DealStatus.LOST


def period() -> str:
    today = timezone.localdate()
    return f"date_from={today - datetime.timedelta(days=60):%Y-%m-%d}&date_to={today:%Y-%m-%d}"


def history():
    """A quarter of deals: most stop early, a few are won, some are lost for two reasons."""
    team = department_pair()
    kind = kind_strict(is_default=True, name="Типовая продажа")
    stages = stages_of(kind)
    reasons = [loss_reason("Дорого"), loss_reason("Ушли к конкуренту")]
    h = History(kind)
    today = timezone.localdate()
    start = datetime.datetime.combine(today - datetime.timedelta(days=40), datetime.time(10), tzinfo=MSK)
    managers = [team.north_a, team.north_b, team.south_a]
    for n in range(36):
        reach = [4, 3, 2, 2, 1, 1, 1, 1, 1][n % 9]
        moves = [(stages[i], IP, start + datetime.timedelta(days=n % 20 + 2 * i)) for i in range(reach)]
        fate = n % 4
        last = moves[-1]
        if fate == 0 and reach == 4:
            moves.append((last[0], WON, last[2] + datetime.timedelta(days=1)))
        elif fate in (1, 2):
            moves.append((last[0], LOST, last[2] + datetime.timedelta(days=1)))
        h.deal(managers[n % 3], 10000 * (n % 7 + 1), moves, reason=reasons[n % 2])
    return team


def test_the_funnel_is_drawn_and_a_figure_opens_its_deals(live_server, new_page):
    team = history()
    page = new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, live_server, team.director)
    page.goto(f"{live_server.url}/deals/reports/funnel/?{period()}")
    canvas = page.locator("#funnel-chart")
    expect(canvas).to_be_visible()
    painted = canvas.evaluate(
        "c => Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data).some(v => v > 0)"
    )
    assert painted and not errors
    shoot(page, "deals-funnel-desktop")
    first = page.locator("[data-testid=funnel] tbody tr").first.locator("[data-testid=drill]").first
    shown = int(first.inner_text())
    first.click()
    expect(page.locator("[data-testid=drill-title]")).to_be_visible()
    expect(page.locator("[data-testid=deal-row]")).to_have_count(shown)
    page.goto(f"{live_server.url}/deals/reports/effectiveness/?{period()}")
    expect(page.locator("[data-testid=effectiveness]")).to_be_visible()
    assert not errors
    shoot(page, "deals-effectiveness-desktop")


def test_screenshots_at_phone_width(live_server, new_page):
    team = history()
    page = new_page(viewport=PHONE)
    sign_in(page, live_server, team.north_head)
    page.goto(f"{live_server.url}/deals/reports/funnel/?{period()}")
    expect(page.locator("#funnel-chart")).to_be_visible()
    shoot(page, "deals-funnel-phone")
    page.goto(f"{live_server.url}/deals/reports/effectiveness/?{period()}")
    expect(page.locator("[data-testid=effectiveness]")).to_be_visible()
    shoot(page, "deals-effectiveness-phone")
