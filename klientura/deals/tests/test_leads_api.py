"""The leads API: submitting (permissions, a lead without contact data), the queue with keyset pages,
a lead with its routing in words, assigning and rejecting, and routing rules."""

import pytest

from klientura.interactions.tests.api_client import ApiClient, assert_error

from ..models_leads import Lead, LeadStatus, RoutingRule
from .factories_leads import default_kind, lead_admin, rule, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(departments):
    default_kind()
    departments.admin = lead_admin()
    return departments


@pytest.fixture
def head(client, team):
    return ApiClient(client, team.north_head)


def test_a_sales_manager_submits_a_lead_and_it_is_routed(client, team):
    rule([team.north_b], name="Все")
    api = ApiClient(client, team.north_a)

    response = api.post(
        "/leads",
        {
            "person_name": "Анна",
            "company": "ООО Берёзка",
            "email": "anna@berezka.test",
            "amount": "150000.50",
            "custom": {"utm_campaign": "beds"},
        },
    )

    assert response.status_code == 201, response.content
    body = response.json()
    lead = Lead.objects.get()
    assert body == {
        "id": lead.pk,
        "status": "assigned",
        "assigned_to": {
            "id": team.north_b.pk,
            "username": "north_b",
            "full_name": team.north_b.get_full_name(),
        },
    }
    assert (lead.channel, lead.custom, str(lead.amount)) == ("api", {"utm_campaign": "beds"}, "150000.50")


def test_a_lead_without_contact_data_is_422_and_nothing_is_saved(client, team):
    api = ApiClient(client, team.north_a)

    error = assert_error(
        api.post("/leads", {"person_name": "Анна", "message": "Позвоните"}), 422, "validation_error"
    )

    assert error["fields"]["email"] == ["Give an e-mail or a phone, so that we can answer."]
    assert error["fields"]["phone"] == ["Give an e-mail or a phone, so that we can answer."]
    assert Lead.objects.count() == 0


def test_unknown_fields_and_bad_shapes_are_refused(client, team):
    api = ApiClient(client, team.north_a)

    assert_error(api.post("/leads", {"email": "a@b.test", "emial": "x"}), 422, "validation_error")
    assert_error(api.post("/leads", {"email": "a@b.test", "amount": "lots"}), 422, "validation_error")
    assert_error(
        api.post("/leads", {"email": "a@b.test", "custom": {"k": {"deep": 1}}}), 422, "validation_error"
    )
    assert_error(api.post("/leads", {"email": "a\x00@b.test"}), 422, "validation_error")
    assert Lead.objects.count() == 0


@pytest.mark.parametrize("who", ["director", "marketer", "nobody"])
def test_submitting_needs_the_right_to_add_deals_or_handle_leads(client, team, who):
    api = ApiClient(client, getattr(team, who))

    assert_error(api.post("/leads", {"email": "a@b.test"}), 403, "forbidden")
    assert Lead.objects.count() == 0


def test_the_queue_comes_in_keyset_pages(head, team):
    for number in range(5):
        submit(email=f"q{number}@x.test")
    rule([team.north_a])
    submit(email="routed@x.test")

    first = head.get("/leads", {"tab": "queue", "limit": 3}).json()
    second = head.get("/leads", {"tab": "queue", "limit": 3, "cursor": first["next_cursor"]}).json()

    emails = [row["email"] for row in first["items"] + second["items"]]
    assert emails == [f"q{n}@x.test" for n in (4, 3, 2, 1, 0)]
    assert second["next_cursor"] is None
    assert {row["status"] for row in first["items"]} == {"queued"}
    everything = head.get("/leads", {"tab": "all"}).json()["items"]
    assert len(everything) == 6
    assert_error(head.get("/leads", {"tab": "queue", "cursor": "garbage!"}), 422, "validation_error")


def test_a_page_of_leads_costs_the_same_whatever_its_size(head, team, django_assert_max_num_queries):
    rule([team.north_a, team.north_b])
    for number in range(12):
        submit(email=f"n{number}@x.test")

    with django_assert_max_num_queries(8):
        body = head.get("/leads", {"limit": 50}).json()

    assert len(body["items"]) == 12


def test_a_manager_sees_only_their_leads_and_no_queue(client, team):
    rule([team.north_a])
    mine = submit(email="mine@x.test")
    rule_b = RoutingRule.objects.get()
    rule_b.is_active = False
    rule_b.save()
    queued = submit(email="queued@x.test")
    api = ApiClient(client, team.north_a)

    assert [row["id"] for row in api.get("/leads", {"tab": "all"}).json()["items"]] == [mine.pk]
    assert api.get("/leads", {"tab": "queue"}).json()["items"] == []
    assert api.get(f"/leads/{mine.pk}").status_code == 200
    assert_error(api.get(f"/leads/{queued.pk}"), 404, "not_found")
    assert_error(ApiClient(client, team.north_b).get(f"/leads/{mine.pk}"), 404, "not_found")


def test_a_lead_shows_its_routing_in_words(head, team):
    rule([team.north_a], name="Крупные", conditions=[{"field": "amount", "op": "gte", "value": "100000"}])
    lead = submit(amount="250000", company="ООО Крупная")

    body = head.get(f"/leads/{lead.pk}").json()

    assert body["assigned_to"]["id"] == team.north_a.pk
    assert body["rule"] == {"id": lead.rule_id, "name": "Крупные"}
    assert body["deal"]["id"] == lead.deal_id
    assert body["partner"] == {"id": lead.partner_id, "name": "ООО Крупная"}
    assert body["amount"] == "250000.00"
    assert body["routing"][0] == {
        "fact": "rule_matched",
        "text": "Rule “Крупные” applies",
        "details": ["Expected amount is at least 100,000 — the lead says 250,000"],
    }
    assert body["routing"][-1]["text"] == f"In turn: {team.north_a} is first in the rule's list"
    assert body["routing_trace"][0]["rule_id"] == lead.rule_id


def test_the_head_assigns_and_rejects_queued_leads(head, team):
    first, second = submit(email="one@x.test"), submit(email="two@x.test")

    assigned = head.post(f"/leads/{first.pk}/assign", {"manager_id": team.north_b.pk})
    rejected = head.post(f"/leads/{second.pk}/reject", {"reason": "Спам"})
    again = head.post(f"/leads/{first.pk}/assign", {"manager_id": team.north_a.pk})

    assert assigned.status_code == 200
    assert assigned.json()["assigned_to"]["id"] == team.north_b.pk
    assert (
        assigned.json()["routing"][-1]["text"] == f"Assigned by hand by {team.north_head} to {team.north_b}"
    )
    assert rejected.json()["status"] == "rejected"
    assert_error(again, 409, "conflict")
    assert Lead.objects.get(pk=first.pk).assigned_to == team.north_b


def test_a_manager_cannot_assign(client, team):
    lead = submit()

    assert_error(
        ApiClient(client, team.north_a).post(f"/leads/{lead.pk}/assign", {"manager_id": team.north_a.pk}),
        403,
        "forbidden",
    )
    assert Lead.objects.get().status == LeadStatus.QUEUED


def test_routing_rules_are_listed_created_changed_reordered_and_deleted(head, team):
    created = head.post(
        "/routing-rules",
        {
            "name": "Москва",
            "strategy": "least_open",
            "manager_ids": [team.north_a.pk, team.north_b.pk],
            "conditions": [{"field": "custom.city", "op": "in", "value": ["Москва", "МО"]}],
        },
    )
    other = head.post("/routing-rules", {"name": "Все", "manager_ids": [team.south_a.pk]})

    assert created.status_code == 201, created.content
    body = created.json()
    assert body["conditions_text"] == ["Custom field “city” is one of “Москва”, “МО”"]
    assert [m["id"] for m in body["managers"]] == sorted([team.north_a.pk, team.north_b.pk])
    changed = head.put(
        f"/routing-rules/{body['id']}", {"name": "Москва и МО", "manager_ids": [team.north_a.pk]}
    )
    assert changed.json()["name"] == "Москва и МО" and changed.json()["conditions"] == []
    order = head.post("/routing-rules/order", {"rule_ids": [other.json()["id"], body["id"]]})
    assert [r["name"] for r in order.json()] == ["Все", "Москва и МО"]
    assert head.send("delete", f"/routing-rules/{other.json()['id']}").status_code == 204
    assert [r["name"] for r in head.get("/routing-rules").json()] == ["Москва и МО"]


def test_a_rule_with_an_unknown_field_or_operator_is_refused_naming_it(head, team):
    error = assert_error(
        head.post(
            "/routing-rules",
            {
                "name": "X",
                "manager_ids": [team.north_a.pk],
                "conditions": [
                    {"field": "amount", "op": "gte", "value": "1"},
                    {"field": "colour", "op": "eq", "value": "red"},
                ],
            },
        ),
        422,
        "validation_error",
    )

    assert error["fields"] == {"conditions.1.field": ["Unknown field “colour”."]}
    assert RoutingRule.objects.count() == 0


def test_rules_are_for_those_who_handle_leads(client, team):
    api = ApiClient(client, team.north_a)

    assert_error(api.get("/routing-rules"), 403, "forbidden")
    assert_error(
        api.post("/routing-rules", {"name": "X", "manager_ids": [team.north_a.pk]}), 403, "forbidden"
    )
    assert RoutingRule.objects.count() == 0
