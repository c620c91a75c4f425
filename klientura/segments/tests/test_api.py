"""The segments API: a round trip, its errors in the API's format, members and changes by access."""

import pytest

from klientura.interactions.tests.api_client import ApiClient, assert_error
from klientura.segments.models import Segment

pytestmark = pytest.mark.django_db

RULES = {
    "op": "and",
    "items": [
        {"indicator": "partner_kind", "operator": "in", "value": ["client"]},
        {"indicator": "revenue", "operator": "lte", "value": "100000", "params": {"days": 30}},
    ],
}


@pytest.fixture
def api(client, departments):
    return ApiClient(client, departments.marketer)


def test_round_trip(api, departments, make_partner, client):
    mine = make_partner(kind="client", manager=departments.north_a, name="Альфа")
    make_partner(kind="client", manager=departments.south_a, name="Бета")
    make_partner(kind="supplier", name="Гамма")

    created = api.post("/segments", {"name": "Тихие клиенты", "rules": RULES})
    assert created.status_code == 201, created.content
    body = created.json()
    segment_id = body["id"]
    assert body["rules"]["items"][1]["value"] == "100000.00"
    assert body["member_count"] == 0 and body["refreshed_at"] is None

    count = api.post("/segments/preview-count", {"rules": RULES})
    assert count.json() == {"count": 2}

    refreshed = api.post(f"/segments/{segment_id}/refresh")
    assert refreshed.status_code == 200, refreshed.content
    assert refreshed.json()["joined"] == 2 and refreshed.json()["member_count"] == 2

    members = api.get(f"/segments/{segment_id}/members").json()
    assert [c["name"] for c in members["columns"]] == ["ind_1"]
    assert [m["partner"]["name"] for m in members["items"]] == ["Альфа", "Бета"]
    assert members["items"][0]["values"]["ind_1"] == "0.00"
    assert members["items"][0]["joined_at"]

    manager_view = ApiClient(client, departments.north_a).get(f"/segments/{segment_id}/members").json()
    assert [m["partner"]["id"] for m in manager_view["items"]] == [mine.pk]

    changes = api.get(f"/segments/{segment_id}/changes", {"kind": "joined"}).json()
    assert len(changes["items"]) == 2 and all(c["joined"] for c in changes["items"])
    assert api.get(f"/segments/{segment_id}/changes", {"kind": "left"}).json()["items"] == []

    patched = api.send(
        "patch", f"/segments/{segment_id}", {"refresh_mode": "scheduled", "schedule": "0 6 * * 1"}
    )
    assert patched.status_code == 200, patched.content
    assert patched.json()["next_refresh_at"] and patched.json()["name"] == "Тихие клиенты"
    assert [s["id"] for s in api.get("/segments").json()] == [segment_id]
    assert api.get(f"/segments/{segment_id}").json()["schedule"] == "0 6 * * 1"

    assert api.send("delete", f"/segments/{segment_id}").status_code == 204
    assert not Segment.objects.exists()


def test_indicators_are_listed(api):
    catalogue = api.get("/segments/indicators").json()
    codes = {item["code"] for item in catalogue}
    assert {"no_orders", "overdue_amount", "tag", "segment", "custom"} <= codes


def test_errors(api, departments, client):
    bad = api.post("/segments", {"name": "X", "rules": {"op": "and", "items": [{"indicator": "nope"}]}})
    error = assert_error(bad, 422, "validation_error")
    assert "rules" in error["fields"]
    cron = api.post(
        "/segments", {"name": "X", "rules": RULES, "refresh_mode": "scheduled", "schedule": "daily"}
    )
    assert "schedule" in assert_error(cron, 422, "validation_error")["fields"]
    assert_error(api.post("/segments", {"name": "X", "rules": RULES, "extra": 1}), 422, "validation_error")
    assert not Segment.objects.exists()

    segment_id = api.post("/segments", {"name": "X", "rules": RULES}).json()["id"]
    duplicate = api.post("/segments", {"name": "x", "rules": RULES})
    assert "name" in assert_error(duplicate, 422, "validation_error")["fields"]
    assert_error(api.get(f"/segments/{segment_id + 99}"), 404, "not_found")

    nobody = ApiClient(client, departments.nobody)
    assert_error(nobody.get(f"/segments/{segment_id}"), 404, "not_found")
    assert_error(nobody.get(f"/segments/{segment_id}/members"), 404, "not_found")
    assert_error(nobody.get("/segments"), 403, "forbidden")
    manager = ApiClient(client, departments.north_a)
    assert_error(manager.send("patch", f"/segments/{segment_id}", {"name": "Y"}), 403, "forbidden")
    assert_error(manager.post(f"/segments/{segment_id}/refresh"), 403, "forbidden")
    assert Segment.objects.get().name == "X"
