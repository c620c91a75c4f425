"""Leads in a real browser: a head of sales sets up a routing rule with the condition rows, a visitor
sends the form embedded in a frame on the company's site (and a site not listed cannot frame it), and
the head reads on the lead card which rule gave it to whom. Screenshots land in var/screenshots/."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect

from klientura.accounts.tests.factories import department_pair
from klientura.parties.models import BusinessRegion
from klientura.web.tests.test_browser import shoot, sign_in

from ..models_leads import Lead, LeadStatus, RoutingRule
from .factories_leads import default_kind, lead_admin, lead_form

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


class _Site:
    """A web site on a loopback port of its own (another origin than the live server's), whose
    pages embed the lead form: a real server, because Chromium lets only local pages frame a local one."""

    def __init__(self):
        self.form_url = ""
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # the http.server API names it so
                body = (
                    '<!doctype html><meta charset="utf-8"><h1>Мебель</h1>'
                    # As the snippet of the web forms page: the referrer policy lets the form see the page.
                    f'<iframe id="lead" src="{site.form_url}" style="width:600px;height:700px" '
                    'referrerpolicy="no-referrer-when-downgrade"></iframe>'
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def sites():
    made = [_Site(), _Site()]
    yield made
    for site in made:
        site.server.shutdown()
        site.server.server_close()


def test_a_rule_made_in_the_browser_routes_a_lead_from_the_framed_form(live_server, new_page, sites):
    site = sites[0]
    team = department_pair()
    default_kind()
    moscow = BusinessRegion.objects.create(name="Москва")
    form = lead_form(actor=lead_admin(), name="Сайт: заявка", allowed_origins=[site.origin])
    page = new_page()
    sign_in(page, live_server, team.north_head)

    # The head makes a rule: leads whose company contains "мебель" go to north_b.
    page.goto(f"{live_server.url}/deals/leads/rules/new/")
    page.fill("#id_name", "Мебельщики")
    row = page.locator("[data-testid=condition-row]").first
    row.locator("[data-role=field]").select_option("company")
    expect(row.locator("[data-value=region]")).to_be_hidden()
    row.locator("[data-role=op]").select_option("contains")
    row.locator("[data-value=text]").fill("мебель")
    expect(page.locator("[data-testid=condition-row]")).to_have_count(2)  # a blank row to add another
    second = page.locator("[data-testid=condition-row]").nth(1)
    second.locator("[data-role=field]").select_option("region")
    expect(second.locator("[data-value=text]")).to_be_hidden()
    second.locator("[data-value=region]").select_option(str(moscow.pk))
    second.locator("[data-role=remove]").click()
    page.get_by_label(str(team.north_b)).check()
    shoot(page, "leads-rule-edit")
    with page.expect_navigation():
        page.click("[data-testid=save]")
    expect(page.locator("[data-testid=rule-row]")).to_contain_text("мебель")
    shoot(page, "leads-rules")
    rule = RoutingRule.objects.get()
    assert rule.conditions == [{"field": "company", "op": "contains", "value": "мебель"}]

    # A visitor of the company's site sends the framed form.
    site.form_url = f"{live_server.url}/deals/form/{form.key}/"
    visitor = new_page()
    visitor.goto(f"{site.origin}/contacts")
    frame = visitor.frame_locator("#lead")
    frame.locator("#id_person_name").fill("Анна Смирнова")
    frame.locator("#id_company").fill("Фабрика «Мебель-Люкс»")
    frame.locator("#id_phone").fill("+7 916 555-12-34")
    frame.locator("#id_message").fill("Нужны 20 кроватей")
    frame.locator("#id_consent").check()
    shoot(visitor, "leads-public-form")
    visitor.wait_for_timeout(2200)  # a person takes more than two seconds; the token knows
    frame.locator("[data-testid=send]").click()
    expect(frame.locator("[data-testid=public-message]")).to_contain_text("Спасибо")
    shoot(visitor, "leads-public-form-sent")
    lead = Lead.objects.get()
    assert (lead.status, lead.assigned_to, lead.rule) == (LeadStatus.ASSIGNED, team.north_b, rule)
    assert lead.page_url == f"{site.origin}/contacts"

    # The head finds it in the list and reads why it went to north_b.
    page.goto(f"{live_server.url}/deals/leads/?tab=all")
    expect(page.locator("[data-testid=lead-row]")).to_have_count(1)
    shoot(page, "leads-list")
    page.goto(f"{live_server.url}/deals/leads/{lead.pk}/")
    expect(page.locator("[data-testid=lead-manager]")).to_contain_text(str(team.north_b))
    expect(page.locator("[data-testid=lead-routing] [data-fact=rule_matched]")).to_contain_text("Мебельщики")
    expect(page.locator("[data-testid=lead-deal] a")).to_be_visible()
    shoot(page, "leads-card")


def test_a_site_not_listed_cannot_frame_the_form(live_server, new_page, sites):
    listed, stranger = sites
    default_kind()
    form = lead_form(actor=lead_admin(), allowed_origins=[listed.origin])
    stranger.form_url = f"{live_server.url}/deals/form/{form.key}/"
    page = new_page()
    blocked = []
    page.on(
        "console", lambda message: blocked.append(message.text) if "frame-ancestors" in message.text else None
    )

    page.goto(f"{stranger.origin}/")
    page.wait_for_timeout(500)

    assert blocked, "Chromium should report the frame-ancestors refusal"
    expect(page.frame_locator("#lead").locator("[data-testid=public-lead-form]")).to_have_count(0)
