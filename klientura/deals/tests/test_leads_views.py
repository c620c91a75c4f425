"""Lead pages: the list with its tabs, the card with the routing explanation, assigning and rejecting
from the card, web forms, routing rules and absences — status codes, who may open what (404), and
that a refused post changes nothing."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from klientura.accounts.models import Absence
from klientura.accounts.tests.factories import TEST_PASSWORD

from ..models_leads import Lead, LeadForm, LeadStatus, RoutingRule
from .factories_leads import default_kind, lead_admin, lead_form, rule, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(departments):
    default_kind()
    departments.admin = lead_admin()
    return departments


def _as(client, user):
    client.login(username=user.username, password=TEST_PASSWORD)
    return client


def test_the_head_sees_the_queue_first_with_its_count(client, team):
    queued = submit(company="ООО Очередь")
    rule([team.north_a])
    submit(company="ООО Распределена")

    response = _as(client, team.north_head).get(reverse("deals:lead_list"))

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="deals-menu"' in html
    assert html.count('data-testid="lead-row"') == 1
    assert "ООО Очередь" in html and 'data-testid="queue-count">1<' in html
    assert reverse("deals:lead_card", args=[queued.pk]) in html
    all_tab = client.get(reverse("deals:lead_list") + "?tab=all")
    assert all_tab.content.decode().count('data-testid="lead-row"') == 2


def test_a_manager_sees_only_their_leads_and_no_queue_tab(client, team):
    rule([team.north_a])
    mine = submit(company="ООО Моя")
    RoutingRule.objects.update(is_active=False)
    submit(company="ООО Чужая")

    response = _as(client, team.north_a).get(reverse("deals:lead_list"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "ООО Моя" in html and "ООО Чужая" not in html
    assert 'data-tab="queue"' not in html
    assert client.get(reverse("deals:lead_list") + "?tab=queue").status_code == 404
    assert client.get(reverse("deals:lead_card", args=[mine.pk])).status_code == 200


def test_the_list_pages_with_a_bounded_number_of_queries(client, team, django_assert_max_num_queries):
    rule([team.north_a, team.north_b])
    for number in range(12):
        submit(company=f"ООО Клиент {number}")
    _as(client, team.admin)

    # Session, user, permissions, the page of leads (one query), the queue's count, the forms and
    # managers for the filters: the same whatever the number of leads.
    with django_assert_max_num_queries(10):
        response = client.get(reverse("deals:lead_list") + "?tab=all")

    assert response.content.decode().count('data-testid="lead-row"') == 12


def test_the_card_explains_the_routing_and_links_the_client_and_deal(client, team):
    rule([team.north_a], name="Крупные", conditions=[{"field": "amount", "op": "gte", "value": "100000"}])
    lead = submit(company="ООО Крупная", amount="500000")

    response = _as(client, team.north_a).get(reverse("deals:lead_card", args=[lead.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-fact="rule_matched"' in html and "Крупные" in html
    assert reverse("parties:partner_card", args=[lead.partner_id]) in html
    assert reverse("deals:deal_card", args=[lead.deal_id]) in html
    assert 'data-testid="lead-assign"' not in html


@pytest.mark.parametrize("who", ["north_b", "south_a", "nobody"])
def test_a_lead_one_may_not_see_is_404(client, team, who):
    rule([team.north_a])
    lead = submit()

    response = _as(client, getattr(team, who)).get(reverse("deals:lead_card", args=[lead.pk]))

    assert response.status_code == 404


def test_the_head_assigns_from_the_card(client, team):
    lead = submit(company="ООО Ручная")
    _as(client, team.north_head)

    card = client.get(reverse("deals:lead_card", args=[lead.pk]))
    response = client.post(reverse("deals:lead_assign", args=[lead.pk]), {"manager": team.north_b.pk})

    assert 'data-testid="lead-assign"' in card.content.decode()
    assert response.status_code == 302
    lead.refresh_from_db()
    assert (lead.status, lead.assigned_to, lead.deal.manager) == (
        LeadStatus.ASSIGNED,
        team.north_b,
        team.north_b,
    )


def test_a_bad_assignment_shows_the_card_again_and_changes_nothing(client, team):
    lead = submit()
    _as(client, team.north_head)

    response = client.post(reverse("deals:lead_assign", args=[lead.pk]), {"manager": team.director.pk})

    assert response.status_code == 422
    assert Lead.objects.get().status == LeadStatus.QUEUED


def test_a_manager_cannot_assign_or_reject(client, team):
    rule([team.north_a])
    lead = submit()
    _as(client, team.north_a)

    assert (
        client.post(reverse("deals:lead_assign", args=[lead.pk]), {"manager": team.north_b.pk}).status_code
        == 404
    )
    assert client.post(reverse("deals:lead_reject", args=[lead.pk]), {"reason": "спам"}).status_code == 404
    assert Lead.objects.get().assigned_to == team.north_a


def test_the_head_rejects_spam_with_a_reason(client, team):
    lead = submit()
    _as(client, team.north_head)

    empty = client.post(reverse("deals:lead_reject", args=[lead.pk]), {"reason": ""})
    done = client.post(reverse("deals:lead_reject", args=[lead.pk]), {"reason": "Спам"})

    assert (empty.status_code, done.status_code) == (422, 302)
    assert Lead.objects.get().status == LeadStatus.REJECTED


# --- web forms --------------------------------------------------------------------------------------------


def test_forms_are_listed_with_the_embed_snippet(client, team):
    form = lead_form(actor=team.admin, name="Сайт")
    _as(client, team.north_head)

    response = client.get(reverse("deals:lead_forms"))

    html = response.content.decode()
    assert response.status_code == 200
    assert (
        "&lt;iframe src=&quot;http://testserver/deals/form/" in html
        or '&lt;iframe src="http://testserver' in html
    )
    assert form.key in html
    assert 'data-copy="embed-' in html


def test_a_form_is_created_and_a_bad_site_is_refused(client, team):
    _as(client, team.north_head)

    bad = client.post(
        reverse("deals:lead_form_new"), {"name": "Сайт", "allowed_origins": "https://a.ru/page"}
    )
    good = client.post(
        reverse("deals:lead_form_new"),
        {
            "name": "Сайт",
            "allowed_origins": "https://a.ru\nhttps://b.ru",
            "thank_you": "Спасибо",
            "is_active": "on",
        },
    )

    assert bad.status_code == 422
    assert 'data-testid="error-allowed_origins"' in bad.content.decode()
    assert good.status_code == 302
    assert LeadForm.objects.get().allowed_origins == ["https://a.ru", "https://b.ru"]


@pytest.mark.parametrize(
    "name", ["deals:lead_forms", "deals:routing_rules", "deals:lead_form_new", "deals:routing_rule_new"]
)
def test_forms_and_rules_are_404_for_managers(client, team, name):
    assert _as(client, team.north_a).get(reverse(name)).status_code == 404


# --- routing rules ------------------------------------------------------------------------------------------


def test_rules_are_listed_in_order_with_conditions_in_words(client, team):
    rule([team.north_a], name="Крупные", conditions=[{"field": "amount", "op": "gte", "value": "1000000"}])
    rule([team.north_b], name="Все")

    html = (
        _as(client, team.north_head)
        .get(reverse("deals:routing_rules"), HTTP_ACCEPT_LANGUAGE="en")
        .content.decode()
    )

    assert html.index("Крупные") < html.index("Все")
    assert html.count('data-testid="rule-row"') == 2


def test_a_rule_is_made_from_condition_rows(client, team):
    _as(client, team.north_head)
    response = client.post(
        reverse("deals:routing_rule_new"),
        {
            "name": "Казань, крупные",
            "strategy": "least_open",
            "managers": [team.north_a.pk, team.north_b.pk],
            "is_active": "on",
            "cond-0-field": "amount",
            "cond-0-op": "gte",
            "cond-0-value": "100000",
            "cond-1-field": "custom",
            "cond-1-key": "city",
            "cond-1-op": "in",
            "cond-1-value": "Казань, Иннополис",
            "cond-2-field": "channel",
            "cond-2-op": "in",
            "cond-2-channel": ["web_form", "email"],
            "cond-3-field": "",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    made = RoutingRule.objects.get()
    assert made.conditions == [
        {"field": "amount", "op": "gte", "value": "100000.00"},
        {"field": "custom.city", "op": "in", "value": ["Казань", "Иннополис"]},
        {"field": "channel", "op": "in", "value": ["email", "web_form"]},
    ]
    assert made.strategy == "least_open"
    edit = client.get(reverse("deals:routing_rule_edit", args=[made.pk]))
    assert edit.content.decode().count('data-testid="condition-row"') == 4


def test_a_rule_with_a_bad_row_is_shown_again_and_not_saved(client, team):
    _as(client, team.north_head)

    response = client.post(
        reverse("deals:routing_rule_new"),
        {
            "name": "X",
            "strategy": "round_robin",
            "managers": [team.north_a.pk],
            "cond-0-field": "amount",
            "cond-0-op": "contains",
            "cond-0-value": "1",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 422
    assert 'data-testid="condition-error"' in response.content.decode()
    assert "Condition 1:" in response.content.decode()
    assert RoutingRule.objects.count() == 0


def test_rules_move_up_and_are_deleted(client, team):
    first = rule([team.north_a], name="A")
    second = rule([team.north_a], name="B")
    _as(client, team.north_head)

    client.post(reverse("deals:routing_rules_reorder"), {"move": second.pk, "direction": "up"})
    assert list(RoutingRule.objects.values_list("name", flat=True)) == ["B", "A"]
    client.post(reverse("deals:routing_rule_delete", args=[first.pk]))
    assert list(RoutingRule.objects.values_list("name", flat=True)) == ["B"]


# --- absences ------------------------------------------------------------------------------------------------


def test_a_head_records_and_removes_an_absence_of_a_member(client, team):
    _as(client, team.north_head)
    today = timezone.localdate()

    page = client.get(reverse("deals:absences"))
    added = client.post(
        reverse("deals:absences"),
        {
            "user": team.north_a.pk,
            "starts_on": today.isoformat(),
            "ends_on": (today + datetime.timedelta(days=7)).isoformat(),
            "reason": "Отпуск",
        },
    )
    listed = client.get(reverse("deals:absences"))
    absence = Absence.objects.get()
    removed = client.post(reverse("deals:absence_remove", args=[absence.pk]))

    assert (page.status_code, added.status_code, removed.status_code) == (200, 302, 302)
    assert "Отпуск" in listed.content.decode()
    assert Absence.objects.count() == 0


def test_a_bad_absence_is_refused_and_someone_elses_member_is_not_offered(client, team):
    _as(client, team.north_head)
    today = timezone.localdate()

    reversed_dates = client.post(
        reverse("deals:absences"),
        {
            "user": team.north_a.pk,
            "starts_on": today.isoformat(),
            "ends_on": (today - datetime.timedelta(days=1)).isoformat(),
        },
    )
    foreign = client.post(
        reverse("deals:absences"),
        {"user": team.south_a.pk, "starts_on": today.isoformat(), "ends_on": today.isoformat()},
    )

    assert (reversed_dates.status_code, foreign.status_code) == (422, 422)
    assert Absence.objects.count() == 0


def test_absences_are_404_for_a_manager(client, team):
    assert _as(client, team.north_a).get(reverse("deals:absences")).status_code == 404


def test_lead_pages_need_a_login(client, team):
    response = client.get(reverse("deals:lead_list"))

    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]
