"""The deals API: the same services and rules as the web, in the API's one error format."""

from decimal import Decimal

import pytest

from klientura.deals.models import Deal, DealStageChange
from klientura.interactions.tests.api_client import ApiClient, assert_error
from klientura.parties.tests.factories import PartnerFactory

from .factories import (
    STAGES_WITH_CONDITIONS,
    contact_of,
    contact_role,
    demand_reason,
    kind_non_process,
    kind_strict,
    loss_reason,
    make_deal,
    make_order,
    partner_role,
    stage_named,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(departments):
    return departments


@pytest.fixture
def api(client, team):
    return ApiClient(client, team.north_a)


@pytest.fixture
def partner(team):
    return PartnerFactory(manager=team.north_a)


def test_create_and_read_a_deal(api, partner):
    kind = kind_strict(is_default=True)
    response = api.post(
        "/deals",
        {
            "partner_id": partner.pk,
            "title": "Кухни",
            "amount": "150000.5",
            "expected_close_date": "2030-06-30",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"].startswith("СД") and body["amount"] == "150000.50"
    assert body["stage"]["name"] == "Qualification" and body["status"] == "in_progress"
    assert body["kind"] == {"id": kind.pk, "name": kind.name}
    assert body["manager"]["username"] == "north_a" and body["can_edit"] is True
    moves = {m["stage_id"]: m for m in body["moves"]}
    assert moves[stage_named(kind, "Needs analysis").pk]["allowed"] is True
    assert moves[stage_named(kind, "Proposal").pk]["reason"] == (
        "Stages cannot be skipped in a strict process: move to «Needs analysis» first."
    )
    assert api.get(f"/deals/{body['id']}").json()["title"] == "Кухни"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "X", "amount": "-1"}, "amount"),
        ({"title": "X", "amount": "abc"}, "amount"),
        ({"title": "X", "probability": 101}, "probability"),
        ({"title": "X", "currency": "XYZ"}, "currency"),
        ({"title": "X", "manger_id": 1}, "manger_id"),
        ({}, "title"),
    ],
)
def test_create_refuses_bad_input(api, partner, body, field):
    kind_strict(is_default=True)
    error = assert_error(api.post("/deals", {"partner_id": partner.pk, **body}), 422, "validation_error")
    assert field in error["fields"]
    assert not Deal.objects.exists()


def test_list_filters_and_pages(api, team, partner):
    kind = kind_strict()
    deals = [make_deal(manager=team.north_a, partner=partner, kind=kind) for _ in range(3)]
    make_deal(manager=team.south_a)
    first = api.get("/deals", {"limit": 2}).json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    second = api.get("/deals", {"limit": 2, "cursor": first["next_cursor"]}).json()
    assert {d["id"] for d in first["items"] + second["items"]} == {d.pk for d in deals}
    assert second["items"][0]["amount"] == "100000.00"
    assert api.get("/deals", {"status": "won"}).json()["items"] == []
    assert_error(api.get("/deals", {"status": "maybe"}), 422, "validation_error")


def test_others_deals_are_not_found(api, team):
    deal = make_deal(manager=team.south_a)
    assert_error(api.get(f"/deals/{deal.pk}"), 404, "not_found")
    assert_error(api.get(f"/deals/{deal.pk}/history"), 404, "not_found")
    assert_error(api.send("patch", f"/deals/{deal.pk}", {"amount": "1"}), 404, "not_found")
    assert_error(api.get("/deals/999999999"), 404, "not_found")


def test_patch_changes_only_what_is_sent(api, team, partner):
    deal = make_deal(manager=team.north_a, partner=partner, expected_close_date="2030-01-01")
    response = api.send("patch", f"/deals/{deal.pk}", {"amount": 2500})
    assert response.status_code == 200, response.content
    deal.refresh_from_db()
    assert deal.amount == Decimal("2500") and str(deal.expected_close_date) == "2030-01-01"
    error = assert_error(
        api.send("patch", f"/deals/{deal.pk}", {"manager_id": team.north_b.pk}), 422, "validation_error"
    )
    assert error["fields"]["manager_id"] == ["You cannot hand this deal to that manager."]
    reader = ApiClient(api.client, team.director)
    assert_error(reader.send("patch", f"/deals/{deal.pk}", {"amount": 1}), 403, "forbidden")
    assert Deal.objects.get(pk=deal.pk).manager == team.north_a


def test_moves_follow_the_kinds_rules(api, team, partner):
    kind = kind_strict(stages=STAGES_WITH_CONDITIONS)
    deal = make_deal(manager=team.north_a, partner=partner, kind=kind)
    analysis, proposal = stage_named(kind, "Needs analysis"), stage_named(kind, "Proposal")
    error = assert_error(
        api.post(f"/deals/{deal.pk}/move", {"stage_id": proposal.pk}), 422, "stage_move_refused"
    )
    assert error["message"] == "Stages cannot be skipped in a strict process: move to «Needs analysis» first."
    error = assert_error(
        api.post(f"/deals/{deal.pk}/move", {"stage_id": analysis.pk}), 422, "stage_move_refused"
    )
    assert error["message"] == "Stage «Needs analysis» cannot be entered: the deal needs a contact person."
    assert DealStageChange.objects.filter(deal=deal).count() == 1
    api.send("patch", f"/deals/{deal.pk}", {"contact_id": contact_of(partner).pk})
    body = api.post(f"/deals/{deal.pk}/move", {"stage_id": analysis.pk, "comment": "Выяснили"}).json()
    assert body["stage"]["name"] == "Needs analysis" and body["probability"] == 30
    history = api.get(f"/deals/{deal.pk}/history").json()
    assert [(h["from_stage"], h["to_stage"]["name"], h["comment"]) for h in history][1] == (
        {"id": stage_named(kind, "Qualification").pk, "name": "Qualification", "position": 10},
        "Needs analysis",
        "Выяснили",
    )
    assert history[1]["changed_by"]["username"] == "north_a"


def test_win_lose_reopen(api, team, partner):
    deal = make_deal(manager=team.north_a, partner=partner, kind=kind_non_process())
    error = assert_error(api.post(f"/deals/{deal.pk}/lose", {}), 422, "validation_error")
    assert error["fields"]["reason_id"] == [
        "There are no reasons of loss yet: an administrator adds them in the deal settings."
    ]
    reason = loss_reason()
    body = api.post(f"/deals/{deal.pk}/lose", {"reason_id": reason.pk, "comment": "Дорого"}).json()
    assert (body["status"], body["loss_reason"]["name"], body["loss_comment"]) == (
        "lost",
        reason.name,
        "Дорого",
    )
    assert body["can_reopen"] is True and body["can_win"] is False
    assert_error(api.post(f"/deals/{deal.pk}/win"), 422, "stage_move_refused")
    assert api.post(f"/deals/{deal.pk}/reopen").json()["status"] == "in_progress"
    body = api.post(f"/deals/{deal.pk}/win", {"comment": "Ура"}).json()
    assert (body["status"], body["probability"]) == ("won", 100)


def test_participants_orders_and_demand(api, team, partner):
    deal = make_deal(manager=team.north_a, partner=partner)
    dealer = PartnerFactory(manager=team.north_a)
    body = api.post(
        f"/deals/{deal.pk}/participants",
        {
            "partner_id": dealer.pk,
            "partner_role_id": partner_role().pk,
            "contact_id": contact_of(dealer).pk,
            "contact_role_id": contact_role().pk,
        },
    )
    assert body.status_code == 201, body.content
    (participant,) = body.json()["participants"]
    assert (
        participant["partner"]["id"] == dealer.pk and participant["contact_role"]["name"] == "Decision maker"
    )
    assert_error(api.post(f"/deals/{deal.pk}/participants", {}), 422, "validation_error")
    assert (
        api.send("delete", f"/deals/{deal.pk}/participants/{participant['id']}").json()["participants"] == []
    )

    quote = make_order(partner=partner)
    body = api.post(f"/deals/{deal.pk}/orders", {"order_id": quote.pk}).json()
    assert [o["number"] for o in body["orders"]] == [quote.number]
    other = make_deal(manager=team.north_a, partner=partner)
    error = assert_error(
        api.post(f"/deals/{other.pk}/orders", {"order_id": quote.pk}), 422, "validation_error"
    )
    assert error["fields"]["order_id"] == [
        f"The order {quote.number} is already linked to the deal {deal.number}."
    ]
    foreign = make_order(partner=PartnerFactory(manager=team.north_a))
    error = assert_error(
        api.post(f"/deals/{deal.pk}/orders", {"order_id": foreign.pk}), 422, "validation_error"
    )
    assert "another client" in error["fields"]["order_id"][0]
    assert api.send("delete", f"/deals/{deal.pk}/orders/{quote.pk}").json()["orders"] == []

    body = api.post(
        f"/deals/{deal.pk}/demand-lines",
        {
            "description": "Шкаф-купе",
            "quantity": "2",
            "amount": "30000",
            "is_satisfied": False,
            "reason_id": demand_reason().pk,
        },
    ).json()
    (line,) = body["demand_lines"]
    assert (line["quantity"], line["amount"], line["reason"]["name"]) == ("2.000", "30000.00", "Out of stock")
    error = assert_error(
        api.post(f"/deals/{deal.pk}/demand-lines", {"description": "X", "is_satisfied": False}),
        422,
        "validation_error",
    )
    assert error["fields"]["reason_id"] == ["Say why the demand was not satisfied."]
    assert api.send("delete", f"/deals/{deal.pk}/demand-lines/{line['id']}").json()["demand_lines"] == []
    assert_error(api.send("delete", f"/deals/{deal.pk}/demand-lines/{line['id']}"), 404, "not_found")


def test_kinds_and_classifiers(api):
    kind = kind_strict(is_default=True, win_conditions=["has_confirmed_order"])
    kind_non_process(name="Разовая продажа")
    loss_reason("Дорого")
    kinds = {k["name"]: k for k in api.get("/deal-kinds").json()}
    assert [s["name"] for s in kinds[kind.name]["stages"]] == [
        "Qualification",
        "Needs analysis",
        "Proposal",
        "Negotiation",
    ]
    assert kinds[kind.name]["win_conditions"] == ["has_confirmed_order"] and kinds[kind.name]["is_default"]
    assert kinds["Разовая продажа"]["stages"] == []
    body = api.get("/deal-classifiers").json()
    assert [r["name"] for r in body["loss_reasons"]] == ["Дорого"]
    assert "has_quote" in {c["code"] for c in body["conditions"]}


def test_schema_documents_the_deal_endpoints(client, team):
    client.force_login(team.north_a)
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/deals",
        "/api/v1/deals/{id}",
        "/api/v1/deals/{id}/move",
        "/api/v1/deals/{id}/lose",
        "/api/v1/deals/{id}/history",
        "/api/v1/deal-kinds",
        "/api/v1/deal-classifiers",
    ):
        assert path in paths, path
    assert set(paths["/api/v1/deals/{id}"]) == {"get", "patch"}


def test_without_a_token_nothing_is_shown(client, team):
    make_deal(manager=team.north_a)
    assert_error(client.get("/api/v1/deals"), 401, "not_authenticated")
