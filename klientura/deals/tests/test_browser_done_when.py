"""Issue 6's acceptance in a real browser: a lead sent from the public web form lands with the right
manager and the lead card names the rule; the manager moves the deal through a strict process (a
skipped stage is refused with the reason, nothing changes), loses it with a reason, and the head of
sales finds it in the funnel and the effectiveness report."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from klientura.accounts.tests.factories import department_pair
from klientura.web.tests.test_browser import shoot, sign_in

from ..models import DealStageChange, DealStatus
from ..models_leads import Lead, LeadStatus
from .factories import STAGES_WITH_CONDITIONS, loss_reason, stages_of
from .factories_leads import default_kind, lead_admin, lead_form, rule

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


@pytest.fixture
def world():
    team = department_pair()
    team.kind = default_kind(name="Типовая продажа", stages=STAGES_WITH_CONDITIONS)
    team.stages = stages_of(team.kind)
    team.reason = loss_reason("Выбрали конкурента")
    admin = lead_admin()
    team.form = lead_form(actor=admin, name="Сайт: заявка")
    # A decoy first: leads about kitchens go to south_a; furniture makers to north_b.
    rule(
        [team.south_a],
        name="Кухни",
        actor=admin,
        conditions=[{"field": "company", "op": "contains", "value": "кухн"}],
    )
    team.rule = rule(
        [team.north_b],
        name="Мебельщики",
        actor=admin,
        conditions=[{"field": "company", "op": "contains", "value": "мебель"}],
    )
    return team


def send_the_form(page, live_server, form):
    page.goto(f"{live_server.url}{reverse('deals:lead_form_public', args=[form.key])}")
    page.fill("#id_person_name", "Анна Смирнова")
    page.fill("#id_company", "Фабрика «Мебель-Люкс»")
    page.fill("#id_email", "anna@mebel-lux.test")
    page.fill("#id_phone", "+7 916 555-12-34")
    page.fill("#id_message", "Нужны 20 кроватей для гостиницы")
    page.check("#id_consent")
    page.wait_for_timeout(2200)  # a person takes more than two seconds; the signed token checks it
    page.click("[data-testid=send]")
    expect(page.locator("[data-testid=public-message]")).to_contain_text("Спасибо")


def test_a_web_lead_is_routed_moved_strictly_lost_and_counted(world, live_server, new_page):
    visitor = new_page()
    send_the_form(visitor, live_server, world.form)

    lead = Lead.objects.get()
    assert (lead.status, lead.assigned_to, lead.rule) == (LeadStatus.ASSIGNED, world.north_b, world.rule)
    deal = lead.deal
    assert (deal.manager, deal.kind, deal.stage) == (world.north_b, world.kind, world.stages[0])

    head = new_page()
    sign_in(head, live_server, world.north_head)
    head.goto(f"{live_server.url}{reverse('deals:lead_card', args=[lead.pk])}")
    expect(head.locator("[data-testid=lead-manager]")).to_contain_text(str(world.north_b))
    expect(head.locator("[data-testid=lead-routing] [data-fact=rule_matched]")).to_contain_text("Мебельщики")
    shoot(head, "done-when-deals-lead")

    manager = new_page()
    sign_in(manager, live_server, world.north_b)
    manager.goto(f"{live_server.url}{reverse('deals:deal_card', args=[deal.pk])}")
    expect(manager.locator("[data-testid=deal-stage]")).to_have_text(world.stages[0].name)

    # "Proposal" is two stages ahead: a strict process refuses it and says what comes first.
    manager.select_option("#move-stage", str(world.stages[2].pk))
    with manager.expect_navigation():
        manager.click("[data-testid=move-submit]")
    expect(manager.locator(".alert-danger")).to_contain_text(world.stages[1].name)
    expect(manager.locator("[data-testid=deal-stage]")).to_have_text(world.stages[0].name)
    assert DealStageChange.objects.filter(deal=deal).count() == 1
    shoot(manager, "done-when-deals-refused")

    # The next stage needs a contact person: the lead brought one with the client.
    manager.select_option("#move-stage", str(world.stages[1].pk))
    with manager.expect_navigation():
        manager.click("[data-testid=move-submit]")
    expect(manager.locator("[data-testid=deal-stage]")).to_have_text(world.stages[1].name)

    manager.click("[data-testid=lose]")
    manager.select_option("#lose-reason", str(world.reason.pk))
    manager.fill("#lose-comment", "Купили у соседей дешевле")
    with manager.expect_navigation():
        manager.click("[data-testid=lose-submit]")
    expect(manager.locator("[data-testid=loss]")).to_contain_text("Выбрали конкурента")
    deal.refresh_from_db()
    assert (deal.status, deal.loss_reason) == (DealStatus.LOST, world.reason)
    shoot(manager, "done-when-deals-lost")

    head.goto(f"{live_server.url}{reverse('deals:funnel')}?kind={world.kind.pk}")
    expect(head.locator("[data-testid=total-entered]")).to_contain_text("1")
    expect(head.locator("[data-testid=total-lost]")).to_contain_text("1")
    expect(head.locator("[data-testid=funnel]")).to_contain_text("Выбрали конкурента")
    shoot(head, "done-when-deals-funnel")

    head.goto(f"{live_server.url}{reverse('deals:effectiveness')}")
    row = head.locator("[data-testid=effectiveness] tr", has_text=str(world.north_b))
    expect(row).to_be_visible()
    shoot(head, "done-when-deals-effectiveness")
