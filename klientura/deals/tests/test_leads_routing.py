"""Routing of leads: each condition field and operator, the strategies, absences, the queue, and the
existing client's own manager. Leads go through lead_submit, as they do from every channel."""

import datetime
import itertools

import pytest
from django.utils import timezone, translation

from klientura.accounts.services_absences import absence_add
from klientura.catalog.models import ProductGroup
from klientura.core.errors import ValidationFailed
from klientura.interactions.tests.factories import client_with_contact
from klientura.parties.models import BusinessRegion, InformationSource

from ..models import DealStatus
from ..models_leads import Lead, LeadStatus, RoutingRule
from ..routing_words import rules_in_words, trace_lines
from .factories import make_deal
from .factories_leads import default_kind, lead_admin, rule, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(departments):
    departments.kind = default_kind()
    departments.admin = lead_admin()
    return departments


def _away(team, user, days=3):
    today = timezone.localdate()
    return absence_add(
        actor=team.admin,
        user_id=user.pk,
        starts_on=today,
        ends_on=today + datetime.timedelta(days=days),
        reason="Отпуск",
    )


def _facts(lead) -> list[str]:
    return [fact["fact"] for fact in lead.routing_trace]


# --- conditions: each field and operator ---------------------------------------------------------


@pytest.fixture
def refs(db):
    groups = {"furniture": ProductGroup.objects.create(name="Мебель")}
    groups["beds"] = ProductGroup.objects.create(name="Кровати", parent=groups["furniture"])
    groups["bunk"] = ProductGroup.objects.create(name="Двухъярусные", parent=groups["beds"])
    groups["lamps"] = ProductGroup.objects.create(name="Светильники")
    return {
        "moscow": BusinessRegion.objects.create(name="Москва"),
        "tver": BusinessRegion.objects.create(name="Тверь"),
        "kazan": BusinessRegion.objects.create(name="Казань"),
        "ads": InformationSource.objects.create(name="Реклама"),
        "friends": InformationSource.objects.create(name="Рекомендация"),
        **groups,
    }


# (condition with names of refs for ids, fields of a matching lead, fields of a lead that does not match)
CASES = [
    ({"field": "region", "op": "eq", "value": "moscow"}, {"region_id": "moscow"}, {"region_id": "tver"}),
    (
        {"field": "region", "op": "in", "value": ["moscow", "tver"]},
        {"region_id": "tver"},
        {"region_id": "kazan"},
    ),
    ({"field": "region", "op": "eq", "value": "moscow"}, {"region_id": "moscow"}, {}),
    ({"field": "channel", "op": "eq", "value": "web_form"}, {"channel": "web_form"}, {"channel": "api"}),
    (
        {"field": "channel", "op": "in", "value": ["email", "api"]},
        {"channel": "email"},
        {"channel": "web_form"},
    ),
    ({"field": "source", "op": "eq", "value": "ads"}, {"source_id": "ads"}, {"source_id": "friends"}),
    ({"field": "source", "op": "in", "value": ["ads", "friends"]}, {"source_id": "friends"}, {}),
    ({"field": "amount", "op": "gte", "value": "100000"}, {"amount": "100000"}, {"amount": "99999.99"}),
    ({"field": "amount", "op": "lte", "value": "50 000"}, {"amount": "50000"}, {"amount": "50000.01"}),
    ({"field": "amount", "op": "eq", "value": "7500,50"}, {"amount": "7500.50"}, {"amount": "7500"}),
    ({"field": "amount", "op": "gte", "value": "0"}, {"amount": "0"}, {}),
    (
        {"field": "product_group", "op": "within", "value": "furniture"},
        {"product_group_id": "bunk"},
        {"product_group_id": "lamps"},
    ),
    (
        {"field": "product_group", "op": "within", "value": "beds"},
        {"product_group_id": "beds"},
        {"product_group_id": "furniture"},
    ),
    (
        {"field": "custom.city", "op": "eq", "value": "Казань"},
        {"custom": {"city": "  казань "}},
        {"custom": {"city": "Казань-2"}},
    ),
    (
        {"field": "custom.utm_campaign", "op": "contains", "value": "beds"},
        {"custom": {"utm_campaign": "spring-BEDS-2026"}},
        {"custom": {"utm_source": "beds"}},
    ),
    (
        {"field": "custom.size", "op": "in", "value": "S, M"},
        {"custom": {"size": "m"}},
        {"custom": {"size": "XL"}},
    ),
    (
        {"field": "company", "op": "eq", "value": "ооо ромашка"},
        {"company": "ООО Ромашка"},
        {"company": "ООО Ромашка-2"},
    ),
    (
        {"field": "company", "op": "contains", "value": "мебель"},
        {"company": "Мир Мебели и мебель"},
        {"company": "Стулья"},
    ),
    (
        {"field": "email_domain", "op": "eq", "value": "romashka.ru"},
        {"email": "ivan@Romashka.ru"},
        {"email": "ivan@romashka.ru.evil.test"},
    ),
    (
        {"field": "email_domain", "op": "contains", "value": "gov"},
        {"email": "a@mos.gov.test"},
        {"phone": "+79161234567"},
    ),
]


_emails = itertools.count(1)


def _resolve(value, refs):
    if isinstance(value, list):
        return [_resolve(v, refs) for v in value]
    return refs[value].pk if isinstance(value, str) and value in refs else value


def _lead_fields(fields: dict, refs) -> dict:
    fields = {
        name: _resolve(value, refs) if name.endswith("_id") else value for name, value in fields.items()
    }
    fields.setdefault("email", f"client{next(_emails)}@example.test")
    return fields


@pytest.mark.parametrize(("condition", "matching", "other"), CASES)
def test_a_condition_routes_the_leads_that_meet_it_and_queues_the_rest(
    team, refs, condition, matching, other
):
    value = condition["value"]
    if condition["field"] in ("region", "source", "product_group"):
        value = _resolve(value, refs)
    rule([team.north_a], name="Условие", conditions=[{**condition, "value": value}])

    hit = submit(**_lead_fields(matching, refs))
    miss = submit(**_lead_fields(other, refs))

    assert (hit.status, hit.assigned_to) == (LeadStatus.ASSIGNED, team.north_a)
    assert hit.routing_trace[0]["fact"] == "rule_matched"
    assert hit.routing_trace[0]["conditions"][0]["field"] == condition["field"]
    assert (miss.status, miss.assigned_to, miss.deal) == (LeadStatus.QUEUED, None, None)
    assert _facts(miss) == ["rule_not_matched", "no_rule"]


def test_every_condition_of_a_rule_must_hold(team, refs):
    rule(
        [team.north_a],
        conditions=[
            {"field": "region", "op": "eq", "value": refs["moscow"].pk},
            {"field": "amount", "op": "gte", "value": "100000"},
        ],
    )

    both = submit(region_id=refs["moscow"].pk, amount="150000")
    one = submit(region_id=refs["moscow"].pk, amount="1000")

    assert both.assigned_to == team.north_a
    assert one.status == LeadStatus.QUEUED
    assert one.routing_trace[0]["condition"]["field"] == "amount"


@pytest.mark.parametrize(
    ("conditions", "field", "expected"),
    [
        ([{"field": "colour", "op": "eq", "value": "red"}], "conditions.0.field", "Unknown field “colour”."),
        ([{"field": "amount", "op": "contains", "value": "1"}], "conditions.0.op", "cannot be used with"),
        ([{"field": "region", "op": "gt", "value": 1}], "conditions.0.op", "cannot be used with"),
        ([{"field": "custom.a b", "op": "eq", "value": "x"}], "conditions.0.field", "Unknown field"),
        ([{"field": "amount", "op": "gte", "value": "много"}], "conditions.0.value", "Enter an amount"),
        ([{"field": "region", "op": "eq", "value": 999999}], "conditions.0.value", "no longer exists"),
        ([{"field": "channel", "op": "eq", "value": "fax"}], "conditions.0.value", "Choose a channel"),
        ([{"field": "company", "op": "eq", "value": ""}], "conditions.0.value", "Enter the text"),
        (["region=1"], "conditions.0.field", "needs a field"),
        ("region=1", "conditions", "as a list"),
    ],
)
def test_a_rule_with_a_bad_condition_is_refused_and_nothing_is_saved(team, conditions, field, expected):
    with translation.override("en"), pytest.raises(ValidationFailed) as refused:
        rule([team.north_a], conditions=conditions, actor=team.admin)

    assert expected in " ".join(refused.value.fields[field])
    assert RoutingRule.objects.count() == 0


def test_a_rule_needs_sales_managers(team):
    with translation.override("en"), pytest.raises(ValidationFailed) as refused:
        rule([team.director], actor=team.admin)

    assert "manager_ids" in refused.value.fields
    assert RoutingRule.objects.count() == 0


def test_conditions_are_shown_in_words(team, refs):
    made = rule(
        [team.north_a],
        conditions=[
            {"field": "region", "op": "in", "value": [refs["moscow"].pk, refs["tver"].pk]},
            {"field": "amount", "op": "gte", "value": "100000"},
            {"field": "custom.city", "op": "contains", "value": "Каз"},
        ],
    )

    with translation.override("en"):
        words = rules_in_words([made])[made.pk]

    assert words == [
        "Region is one of Москва, Тверь",
        "Expected amount is at least 100,000",
        "Custom field “city” contains “Каз”",
    ]


# --- strategies ------------------------------------------------------------------------------------


def test_round_robin_gives_six_leads_to_three_managers_two_each_in_turn(team):
    managers = [team.north_a, team.north_b, team.south_a]
    rule(managers, strategy="round_robin")

    leads = [submit(email=f"c{i}@example.test") for i in range(6)]

    order = sorted(managers, key=lambda m: m.pk)
    assert [lead.assigned_to for lead in leads] == order * 2
    assert RoutingRule.objects.get().last_assigned == order[-1]
    with translation.override("en"):
        lines = [line["text"] for line in trace_lines(leads[1].routing_trace)]
    assert lines[-1] == (
        f"In turn: the previous lead of this rule went to {order[0]}, so now it is {order[1]}"
    )


def test_round_robin_skips_an_absent_manager_and_keeps_the_turn_fair(team):
    managers = sorted([team.north_a, team.north_b, team.south_a], key=lambda m: m.pk)
    rule(managers)
    _away(team, managers[1])

    leads = [submit() for _ in range(4)]

    assert [lead.assigned_to for lead in leads] == [managers[0], managers[2], managers[0], managers[2]]
    absent = [fact for fact in leads[0].routing_trace if fact["fact"] == "absent"]
    assert [fact["manager_id"] for fact in absent] == [managers[1].pk]
    with translation.override("en"):
        lines = [line["text"] for line in trace_lines(leads[0].routing_trace)]
    assert any(line.startswith(f"{managers[1]} is skipped: away until") for line in lines)


def test_least_open_picks_the_manager_with_the_fewest_deals_in_progress(team):
    for _ in range(3):
        make_deal(manager=team.north_a)
    make_deal(manager=team.north_b)
    for _ in range(2):
        make_deal(manager=team.south_a)
    for _ in range(4):  # closed deals do not count
        make_deal(manager=team.north_b, status=DealStatus.WON)
    rule([team.north_a, team.north_b, team.south_a], strategy="least_open")

    lead = submit()

    assert lead.assigned_to == team.north_b
    chosen = lead.routing_trace[-1]
    assert (chosen["strategy"], chosen["open_deals"], chosen["tie"]) == ("least_open", 1, False)
    with translation.override("en"):
        text = trace_lines(lead.routing_trace)[-1]["text"]
    assert text.startswith(f"{team.north_b} has 1 open deal, the fewest among those available")


def test_least_open_ties_go_to_fewer_leads_today_then_the_lower_id(team):
    managers = sorted([team.north_a, team.north_b], key=lambda m: m.pk)
    rule(managers, strategy="least_open")

    first = submit()
    second = submit()  # the first got a lead and its deal: one open deal more
    for deal_owner in managers:
        make_deal(manager=deal_owner)
    third = submit()

    assert first.assigned_to == managers[0]
    assert second.assigned_to == managers[1]
    # Both have 2 open deals now, and one lead each today: the lower id wins.
    assert third.assigned_to == managers[0]
    assert third.routing_trace[-1]["tie"] is True


def test_least_open_counts_in_one_query(team, django_assert_max_num_queries):
    from ..routing import workload

    with django_assert_max_num_queries(1):
        load = workload([team.north_a.pk, team.north_b.pk, team.south_a.pk])

    assert load == {team.north_a.pk: (0, 0), team.north_b.pk: (0, 0), team.south_a.pk: (0, 0)}


# --- absences, the order of rules, the queue -----------------------------------------------------------


def test_a_rule_whose_managers_are_all_absent_passes_the_lead_to_the_next_rule(team):
    first = rule([team.north_a, team.north_b], name="Север")
    rule([team.south_a], name="Юг")
    _away(team, team.north_a)
    _away(team, team.north_b)

    lead = submit()

    assert lead.assigned_to == team.south_a
    assert lead.rule.name == "Юг"
    assert _facts(lead) == [
        "rule_matched",
        "absent",
        "absent",
        "rule_nobody_available",
        "rule_matched",
        "chosen",
    ]
    with translation.override("en"):
        lines = [line["text"] for line in trace_lines(lead.routing_trace)]
    assert "Nobody of rule “Север” is available: the next rule is tried" in lines
    assert RoutingRule.objects.get(pk=first.pk).last_assigned is None


def test_an_absence_that_ended_yesterday_does_not_count(team):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    absence_add(
        actor=team.admin,
        user_id=team.north_a.pk,
        starts_on=yesterday - datetime.timedelta(days=5),
        ends_on=yesterday,
    )
    rule([team.north_a])

    assert submit().assigned_to == team.north_a


def test_inactive_rules_and_members_without_a_sales_role_are_not_used(team):
    rule([team.north_a], name="Выключено", is_active=False)
    active = rule([team.north_b, team.south_a], name="Включено")
    team.south_a.is_active = False
    team.south_a.save()

    leads = [submit(), submit()]

    assert [lead.assigned_to for lead in leads] == [team.north_b, team.north_b]
    assert all(lead.rule == active for lead in leads)
    assert "not_eligible" in _facts(leads[0])


def test_rules_are_tried_in_their_order(team, refs):
    big = rule(
        [team.north_a], name="Крупные", conditions=[{"field": "amount", "op": "gte", "value": "1000000"}]
    )
    rule([team.north_b], name="Все")

    small, large = submit(amount="10"), submit(amount="5000000")

    assert (small.assigned_to, large.assigned_to) == (team.north_b, team.north_a)
    assert large.rule == big


def test_no_rule_at_all_puts_the_lead_into_the_queue(team):
    lead = submit(company="ООО Новая")

    assert (lead.status, lead.assigned_to, lead.partner, lead.deal) == (LeadStatus.QUEUED, None, None, None)
    assert _facts(lead) == ["no_rule"]
    with translation.override("en"):
        assert trace_lines(lead.routing_trace)[0]["text"] == (
            "No rule applies: the lead waits in the queue of the head of sales"
        )


# --- the existing client's manager -----------------------------------------------------------------------


def test_a_lead_from_an_existing_client_goes_to_its_lead_manager_before_any_rule(team):
    partner, contact = client_with_contact(manager=team.south_a, email="ivanov@romashka.test")
    rule([team.north_a], name="Все")

    lead = submit(email="IVANOV@romashka.test", phone="")

    assert (lead.assigned_to, lead.partner, lead.partner_matched, lead.rule) == (
        team.south_a,
        partner,
        True,
        None,
    )
    assert lead.contact == contact
    assert lead.deal.partner == partner
    assert _facts(lead)[0] == "client_manager"
    with translation.override("en"):
        assert trace_lines(lead.routing_trace)[0]["text"] == (
            f"Existing client {partner.name}: goes to its lead manager {team.south_a}"
        )
    assert RoutingRule.objects.get().last_assigned is None


def test_when_the_clients_manager_is_away_the_rules_decide_and_the_client_is_shared(team):
    partner, _contact = client_with_contact(manager=team.south_a, phone="+7 495 123-45-67")
    rule([team.north_a], name="Все")
    _away(team, team.south_a)

    lead = submit(phone="8 (495) 123-45-67", email="")

    assert lead.assigned_to == team.north_a
    assert (lead.partner, lead.deal.partner, lead.deal.manager) == (partner, partner, team.north_a)
    assert _facts(lead)[:2] == ["client_manager_absent", "rule_matched"]
    assert partner.shares.filter(user=team.north_a).exists()


def test_a_matched_client_nobody_can_hand_over_waits_in_the_queue_and_keeps_the_turn(team):
    partner, _contact = client_with_contact(manager=None, email="orphan@romashka.test")
    made = rule([team.north_a, team.north_b])

    lead = submit(email="orphan@romashka.test")

    assert (lead.status, lead.partner, lead.partner_matched, lead.deal) == (
        LeadStatus.QUEUED,
        partner,
        True,
        None,
    )
    assert _facts(lead)[-1] == "client_not_accessible"
    assert RoutingRule.objects.get(pk=made.pk).last_assigned is None
    assert Lead.objects.count() == 1
