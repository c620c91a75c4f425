"""The deals board in Chromium: a card dragged to the next stage of a strict process lands there; dragged
past a stage it is refused, snaps back to its column and the reason is shown; "Lost" asks for the
reason first. Screenshots of the board, the card, the list and the settings at desktop and phone
width land in var/screenshots/ for a human to look at."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from klientura.web.browser import PHONE
from klientura.web.tests.test_browser import shoot, sign_in

from ..models import DealStatus
from .factories import contact_of, demand_reason, make_order
from .views_helpers import deal_of, sales_team

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]
WIDE = {"width": 1600, "height": 900}  # every column of a four-stage kind in sight, nothing to scroll


def drag(page, card, column):
    """Press on the card, move in small steps (SortableJS waits for a real drag), release in the column."""
    box = card.bounding_box()
    target = column.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + 12
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 8, y + 8, steps=4)
    page.mouse.move(target["x"] + target["width"] / 2, target["y"] + 40, steps=20)
    page.mouse.move(target["x"] + target["width"] / 2, target["y"] + 44, steps=2)
    page.mouse.up()


def column(page, stage):
    return page.locator(f".deal-column-body[data-stage-id='{stage.pk}']")


def test_drag_to_the_next_stage_moves_and_a_skipped_stage_snaps_back(live_server, new_page):
    team = sales_team()
    first, second, third, fourth = team.stages
    deal = deal_of(team, title="Кухня для кафе «Уют»", stage=first)
    deal_of(team, title="Стулья для столовой", stage=second)
    page = new_page(viewport=WIDE)
    sign_in(page, live_server, team.north_a)
    page.goto(f"{live_server.url}{reverse('deals:board')}")

    card = page.locator(f"[data-testid=deal-card][data-deal-id='{deal.pk}']")
    expect(column(page, first).locator(f"[data-deal-id='{deal.pk}']")).to_be_visible()
    with page.expect_response(lambda r: f"/deals/{deal.pk}/move/" in r.url) as answer:
        drag(page, card, column(page, second))
    assert answer.value.status == 200
    expect(column(page, second).locator(f"[data-deal-id='{deal.pk}']")).to_be_visible()
    expect(page.locator(f".deal-column[data-stage-id='{second.pk}'] [data-role=count]")).to_have_text("2")
    expect(column(page, first).locator(".deal-column-empty")).to_be_visible()
    deal.refresh_from_db()
    assert deal.stage == second

    with page.expect_response(lambda r: f"/deals/{deal.pk}/move/" in r.url) as answer:
        drag(page, card, column(page, fourth))
    assert answer.value.status == 422
    alert = page.locator("[data-testid=board-alert]")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text(third.name)
    expect(column(page, second).locator(f"[data-deal-id='{deal.pk}']")).to_be_visible()
    expect(column(page, fourth).locator(f"[data-deal-id='{deal.pk}']")).to_have_count(0)
    expect(page.locator(f".deal-column[data-stage-id='{fourth.pk}'] [data-role=count]")).to_have_text("0")
    deal.refresh_from_db()
    assert deal.stage == second and deal.stage_changes.count() == 2
    shoot(page, "deals-board-refused")


def test_lost_asks_for_the_reason_and_the_select_moves_without_dragging(live_server, new_page):
    team = sales_team()
    first, second = team.stages[:2]
    deal = deal_of(team, title="Шкафы для офиса", stage=first)
    page = new_page(viewport=WIDE)
    sign_in(page, live_server, team.north_a)
    page.goto(f"{live_server.url}{reverse('deals:board')}")
    card = page.locator(f"[data-testid=deal-card][data-deal-id='{deal.pk}']")
    lost = page.locator(".deal-column-body[data-target=lost]")

    drag(page, card, lost)  # closed without a reason: the card goes back
    dialog = page.locator("[data-testid=lose-dialog]")
    expect(dialog).to_be_visible()
    page.locator("[data-testid=lose-submit]").click()
    expect(page.locator("#lose-reason")).to_have_class(r"form-select is-invalid")
    dialog.locator(".btn-close").click()
    expect(dialog).to_be_hidden()
    expect(column(page, first).locator(f"[data-deal-id='{deal.pk}']")).to_be_visible()
    deal.refresh_from_db()
    assert deal.status == DealStatus.IN_PROGRESS

    with page.expect_response(lambda r: f"/deals/{deal.pk}/move/" in r.url):
        card.locator("[data-testid=move-select]").select_option(str(second.pk))
    expect(column(page, second).locator(f"[data-deal-id='{deal.pk}']")).to_be_visible()

    drag(page, card, lost)
    expect(dialog).to_be_visible()
    page.locator("#lose-reason").select_option(str(team.reason.pk))
    page.locator("#lose-comment").fill("Выбрали другого поставщика")
    with page.expect_response(lambda r: f"/deals/{deal.pk}/lose/" in r.url) as answer:
        page.locator("[data-testid=lose-submit]").click()
    assert answer.value.status == 200
    expect(lost.locator(f"[data-deal-id='{deal.pk}']")).to_be_visible()
    deal.refresh_from_db()
    assert (deal.status, deal.loss_reason, deal.loss_comment) == (
        DealStatus.LOST,
        team.reason,
        "Выбрали другого поставщика",
    )


def test_screenshots_of_the_deal_pages(live_server, new_page):
    team = sales_team()
    first, second, third, _fourth = team.stages
    contact = contact_of(team.partner, "Петров Пётр Петрович")
    deal = deal_of(team, title="Мебель для гостиницы «Заря»", stage=second, contact=contact, amount="1250000")
    deal.demand_lines.create(description="Кровати двуспальные", quantity=40, amount=800000)
    deal.demand_lines.create(
        description="Тумбы прикроватные",
        quantity=80,
        is_satisfied=False,
        reason=demand_reason("Нет на складе"),
    )
    deal.order_links.create(order=make_order(partner=team.partner, number="КП-000042"))
    for n, stage in enumerate([first, first, second, third, third, third]):
        deal_of(team, title=f"Сделка по заявке №{n + 101}", stage=stage, amount=120000 + n * 35000)
    deal_of(team, title="Выигранная сделка", status=DealStatus.WON)
    board = f"{live_server.url}{reverse('deals:board')}"
    card = f"{live_server.url}{reverse('deals:deal_card', args=[deal.pk])}"

    page = new_page()
    sign_in(page, live_server, team.north_a)
    for name, address in (
        ("board", board + "?closed=1"),
        ("card", card),
        ("list", f"{live_server.url}{reverse('deals:deal_list')}"),
    ):
        page.goto(address)
        expect(page.locator("h1").first).to_be_visible()
        shoot(page, f"deals-{name}")
    phone = new_page(viewport=PHONE)
    sign_in(phone, live_server, team.north_a)
    for name, address in (
        ("board", board),
        ("card", card),
        ("list", f"{live_server.url}{reverse('deals:deal_list')}"),
    ):
        phone.goto(address)
        expect(phone.locator("h1").first).to_be_visible()
        shoot(phone, f"deals-{name}-phone")
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{name} is {width}px wide on a phone"
    admin = new_page()
    sign_in(admin, live_server, team.admin)
    admin.goto(f"{live_server.url}{reverse('deals:kind_edit', args=[team.kind.pk])}")
    shoot(admin, "deals-settings-kind")
    admin.goto(f"{live_server.url}{reverse('deals:settings')}")
    shoot(admin, "deals-settings")
    admin_phone = new_page(viewport=PHONE)
    sign_in(admin_phone, live_server, team.admin)
    admin_phone.goto(f"{live_server.url}{reverse('deals:kind_edit', args=[team.kind.pk])}")
    assert admin_phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shoot(admin_phone, "deals-settings-kind-phone")
