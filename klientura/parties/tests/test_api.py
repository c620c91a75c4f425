"""The clients API through HTTP with bearer tokens: registration, duplicates, access, bulk changes,
merge, the registry lookup and the lists' pagination."""

import json
import random

import pytest
from django.test import override_settings

from klientura.accounts.services import api_token_create
from klientura.core.models import AuditAction, AuditEntry
from klientura.parties import identifiers
from klientura.parties.models import (
    BankAccount,
    BusinessRegion,
    ContactInfo,
    ContactPerson,
    Counterparty,
    CustomField,
    Partner,
    Tag,
)
from klientura.parties.tests.registry_server import (
    MODE_SERVER_ERROR,
    RegistryServer,
    legal_party_payload,
)

pytestmark = pytest.mark.django_db

INN = "7707083893"
KPP = "773601001"
OTHER_INN = "7728168971"
MISSING_ID = 10**12

RNG = random.Random(20240601)
BIK = identifiers.make_bik(RNG)
ACCOUNT = identifiers.make_bank_account(RNG, BIK)


class ApiClient:
    """Django's test client speaking JSON with one user's bearer token."""

    def __init__(self, client, user):
        _token, key = api_token_create(actor=user, name="tests")
        self.client = client
        self.user = user
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {key}", "HTTP_ACCEPT_LANGUAGE": "en"}

    def get(self, path, params=None):
        return self.client.get("/api/v1" + path, data=params or {}, **self.headers)

    def post(self, path, body=None, *, raw=None):
        data = raw if raw is not None else json.dumps(body or {})
        return self.client.post("/api/v1" + path, data=data, content_type="application/json", **self.headers)

    def patch(self, path, body):
        return self.client.patch(
            "/api/v1" + path, data=json.dumps(body), content_type="application/json", **self.headers
        )


@pytest.fixture
def api(client):
    return lambda user: ApiClient(client, user)


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch):
    # A proxy from the environment would swallow the registry requests meant for 127.0.0.1.
    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)


def registration(**overrides) -> dict:
    body = {
        "name": "",
        "kind": "client",
        "phones": ["+7 912 345 67 89"],
        "emails": ["Info@Romashka.example"],
        "counterparty": {
            "kind": "legal",
            "short_name": 'ООО "Ромашка"',
            "full_name": 'Общество с ограниченной ответственностью "Ромашка"',
            "inn": INN,
            "kpp": KPP,
            "bik": BIK,
            "bank_account": ACCOUNT,
            "bank_name": "Банк",
        },
        "contact": {
            "last_name": "Иванова",
            "first_name": "Мария",
            "position": "Директор",
            "phone": "+7 (495) 123-45-67",
            "email": "maria@romashka.example",
        },
    }
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(body.get(key), dict):
            body[key] = {**body[key], **value}
        else:
            body[key] = value
    return body


def simple_client(name: str, phone: str) -> dict:
    """A client without a counterparty: only a name and a phone."""
    return {"name": name, "phones": [phone]}


def counts() -> tuple[int, ...]:
    return (
        Partner.objects.count(),
        Counterparty.objects.count(),
        ContactPerson.objects.count(),
        ContactInfo.objects.count(),
        BankAccount.objects.count(),
    )


def error_of(response) -> dict:
    body = response.json()
    assert set(body) == {"error"}, body
    assert {"code", "message", "fields"} <= set(body["error"]), body
    return body["error"]


# --- registration ----------------------------------------------------------------------------


def test_register_by_inn_creates_the_client_with_its_counterparty_and_contact(api, departments):
    manager = api(departments.north_a)

    response = manager.post("/partners", registration())

    assert response.status_code == 201, response.content
    card = response.json()
    assert card["name"] == 'ООО "Ромашка"'
    assert card["manager"]["id"] == departments.north_a.pk
    assert card["main_phone"] == "+7 912 345 67 89"
    assert card["main_email"] == "info@romashka.example"
    [counterparty] = card["counterparties"]
    assert (counterparty["inn"], counterparty["kpp"]) == (INN, KPP)
    assert counterparty["bank_accounts"][0]["bik"] == BIK
    assert counterparty["bank_accounts"][0]["account"] == ACCOUNT
    [contact] = card["contacts"]
    assert contact["full_name"] == "Иванова Мария"
    assert {i["normalized"] for i in contact["contact_infos"]} == {"+74951234567", "maria@romashka.example"}
    assert {(i["kind"], i["normalized"]) for i in card["contact_infos"]} == {
        ("phone", "+79123456789"),
        ("email", "info@romashka.example"),
    }
    partner = Partner.objects.get(pk=card["id"])
    assert partner.manager == departments.north_a
    assert partner.counterparties.get().bank_accounts.get().account == ACCOUNT
    assert manager.get(f"/partners/{partner.pk}").json() == card


def test_the_same_inn_again_is_a_conflict_until_the_candidate_is_confirmed(api, departments):
    manager = api(departments.north_a)
    first = manager.post("/partners", registration()).json()
    before = counts()

    again = registration(name="Ромашка-2", phones=[], emails=[], contact=None)
    refused = manager.post("/partners", again)

    assert refused.status_code == 409
    error = error_of(refused)
    assert error["code"] == "duplicates_found"
    [candidate] = error["candidates"]
    assert candidate["partner_id"] == first["id"]
    assert candidate["visible"] is True
    assert any(reason.startswith("same INN") for reason in candidate["reasons"]), candidate
    assert counts() == before

    confirmed = manager.post("/partners", {**again, "confirmed_duplicate_ids": [first["id"]]})

    assert confirmed.status_code == 201, confirmed.content
    assert confirmed.json()["id"] != first["id"]
    assert Counterparty.objects.filter(inn=INN).count() == 2


def test_a_duplicate_is_found_by_a_phone_typed_differently(api, departments):
    manager = api(departments.north_a)
    first = manager.post("/partners", simple_client("Альфа", "+7 912 345 67 89")).json()

    refused = manager.post("/partners", simple_client("Бета Плюс", "8 (912) 345-67-89"))

    assert refused.status_code == 409
    [candidate] = error_of(refused)["candidates"]
    assert candidate["partner_id"] == first["id"]
    assert "same phone +79123456789" in candidate["reasons"]


def test_a_duplicate_led_by_someone_unseen_is_reported_without_opening_it(api, departments):
    api(departments.south_a).post("/partners", simple_client("Альфа", "+7 912 345 67 89"))

    refused = api(departments.north_a).post("/partners", simple_client("Бета Плюс", "89123456789"))

    [candidate] = error_of(refused)["candidates"]
    assert candidate["visible"] is False
    assert candidate["name"] == "Альфа"


def test_check_duplicates_lists_candidates_and_saves_nothing(api, departments):
    manager = api(departments.north_a)
    first = manager.post("/partners", registration()).json()
    before = counts()

    response = manager.post("/partners/check-duplicates", registration(name="Другое имя"))

    assert response.status_code == 200
    [candidate] = response.json()["candidates"]
    assert candidate["partner_id"] == first["id"]
    assert counts() == before
    clean = manager.post("/partners/check-duplicates", simple_client("Совсем новый", "+7 913 000 11 22"))
    assert clean.json() == {"candidates": []}


def test_check_duplicates_needs_the_right_to_register(api, departments):
    response = api(departments.nobody).post("/partners/check-duplicates", registration())

    assert response.status_code == 403
    assert error_of(response)["code"] == "forbidden"


def test_skipping_the_duplicate_check_needs_its_own_right(api, departments):
    api(departments.north_a).post("/partners", registration())
    before = counts()
    body = registration(name="Ромашка-дубль", skip_duplicate_check=True)

    refused = api(departments.north_a).post("/partners", body)

    assert refused.status_code == 403
    assert counts() == before
    assert api(departments.admin).post("/partners", body).status_code == 201


def test_giving_a_new_client_to_someone_else_needs_the_right_to_reassign(api, departments):
    body = {**simple_client("Для коллеги", "+7 913 555 44 33"), "manager_id": departments.north_b.pk}
    before = counts()

    refused = api(departments.north_a).post("/partners", body)

    assert refused.status_code == 403
    assert error_of(refused)["code"] == "forbidden"
    assert counts() == before
    created = api(departments.north_head).post("/partners", body)
    assert created.status_code == 201, created.content
    assert created.json()["manager"]["id"] == departments.north_b.pk


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"counterparty": {"inn": "7707083894"}}, "counterparty.inn"),
        ({"counterparty": {"inn": "77070838"}}, "counterparty.inn"),
        ({"counterparty": {"kpp": "77360100"}}, "counterparty.kpp"),
        ({"counterparty": {"bik": "123456789"}}, "counterparty.bik"),
        ({"counterparty": {"bank_account": "40702810000000000000"}}, "counterparty.bank_account"),
        ({"counterparty": {"ogrn": "1027700132196"}}, "counterparty.ogrn"),
        ({"counterparty": {"kind": "corporation"}}, "counterparty.kind"),
        ({"phones": ["12345"]}, "phones"),
        ({"emails": ["not-an-email"]}, "emails"),
        ({"contact": {"phone": "+7 000"}}, "contact.phone"),
        ({"contact": {"email": "maria@"}}, "contact.email"),
        ({"contact": {"last_name": "", "first_name": ""}}, "contact.last_name"),
        ({"kind": "friend"}, "kind"),
        ({"region_id": MISSING_ID}, "region_id"),
        ({"custom": {"no_such_field": "x"}}, "custom.no_such_field"),
        ({"name": "x" * 301}, "name"),
        ({"unexpected": 1}, "unexpected"),
    ],
)
def test_invalid_registration_names_the_field_and_saves_nothing(api, departments, overrides, field):
    before = counts()

    response = api(departments.north_a).post("/partners", registration(**overrides))

    assert response.status_code == 422, response.content
    error = error_of(response)
    assert error["code"] == "validation_error"
    assert field in error["fields"], error
    assert all(isinstance(m, str) and m for m in error["fields"][field])
    assert counts() == before


def test_all_invalid_fields_are_reported_at_once(api, departments):
    body = registration(counterparty={"inn": "1234567890", "kpp": "1"}, phones=["0"], emails=["@"])

    response = api(departments.north_a).post("/partners", body)

    assert response.status_code == 422
    assert {"counterparty.inn", "counterparty.kpp", "phones", "emails"} <= set(error_of(response)["fields"])


@pytest.mark.parametrize("raw", ['{"name": "Ромашка", ', "not json at all", "\xff\xfe"])
def test_a_malformed_body_answers_in_the_error_format(api, departments, raw):
    before = counts()

    response = api(departments.north_a).post("/partners", raw=raw)

    assert response.status_code in (400, 422), response.content
    assert error_of(response)["message"]
    assert counts() == before


def test_a_body_of_the_wrong_shape_is_422(api, departments):
    response = api(departments.north_a).post("/partners", raw=json.dumps(["a", "list"]))

    assert response.status_code in (400, 422)
    error_of(response)


def test_without_a_token_the_api_answers_401_in_the_error_format(client, departments):
    response = client.get("/api/v1/partners", HTTP_AUTHORIZATION="Bearer kl_wrong")

    assert response.status_code == 401
    assert error_of(response)["code"] == "not_authenticated"


# --- access ----------------------------------------------------------------------------------


def test_a_client_of_another_department_looks_exactly_like_a_missing_one(api, departments, make_partner):
    partner = make_partner(manager=departments.north_a, name="Северный клиент")
    outsider = api(departments.south_a)

    hidden = outsider.get(f"/partners/{partner.pk}")
    missing = outsider.get(f"/partners/{MISSING_ID}")
    hidden_patch = outsider.patch(f"/partners/{partner.pk}", {"name": "Захвачен"})
    missing_patch = outsider.patch(f"/partners/{MISSING_ID}", {"name": "Захвачен"})

    assert hidden.status_code == missing.status_code == 404
    assert hidden.content == missing.content
    assert error_of(hidden)["code"] == "not_found"
    assert hidden_patch.status_code == missing_patch.status_code == 404
    assert hidden_patch.content == missing_patch.content == hidden.content
    partner.refresh_from_db()
    assert partner.name == "Северный клиент"
    assert partner.pk not in {p["id"] for p in outsider.get("/partners").json()["items"]}
    assert api(departments.nobody).get("/partners").json() == {"items": [], "next_cursor": None}
    # The refused look is on the audit trail, the one for a missing id is not.
    denied = AuditEntry.objects.filter(action=AuditAction.ACCESS_DENIED, actor=departments.south_a)
    assert denied.filter(comment=f"parties.partner #{partner.pk}").exists()


def test_the_head_of_the_department_sees_the_client(api, departments, make_partner):
    partner = make_partner(manager=departments.north_a)

    assert api(departments.north_head).get(f"/partners/{partner.pk}").status_code == 200
    assert api(departments.south_head).get(f"/partners/{partner.pk}").status_code == 404


def test_patch_changes_only_the_fields_sent(api, departments, make_partner):
    region = BusinessRegion.objects.create(name="Урал", timezone="Asia/Yekaterinburg")
    CustomField.objects.create(code="size", name="Размер", kind="number")
    CustomField.objects.create(code="segment", name="Сегмент", kind="choice", choices=["A", "B"])
    partner = make_partner(
        manager=departments.north_a, notes="старое", custom={"segment": "A"}, region=region
    )
    manager = api(departments.north_a)

    response = manager.patch(
        f"/partners/{partner.pk}", {"name": "  Новое имя ", "kind": "prospect", "custom": {"size": "12,5"}}
    )

    assert response.status_code == 200, response.content
    card = response.json()
    assert (card["name"], card["kind"], card["notes"]) == ("Новое имя", "prospect", "старое")
    assert card["region"] == {"id": region.pk, "name": "Урал", "timezone": "Asia/Yekaterinburg"}
    assert card["custom"] == {"segment": "A", "size": 12.5}
    assert {f["code"]: f["value"] for f in card["custom_fields"]} == {"size": 12.5, "segment": "A"}
    partner.refresh_from_db()
    assert partner.name_normalized == "новое имя"
    assert AuditEntry.objects.filter(action=AuditAction.UPDATE, object_id=str(partner.pk)).exists()

    cleared = manager.patch(f"/partners/{partner.pk}", {"custom": {"segment": None}, "notes": None})
    assert cleared.status_code == 200, cleared.content
    assert cleared.json()["custom"] == {"size": 12.5}
    assert cleared.json()["notes"] == ""


def test_patch_moves_the_client_to_another_region(api, departments, make_partner):
    region = BusinessRegion.objects.create(name="Урал", timezone="Asia/Yekaterinburg")
    partner = make_partner(manager=departments.north_a)
    manager = api(departments.north_a)

    moved = manager.patch(f"/partners/{partner.pk}", {"region_id": region.pk})

    assert moved.status_code == 200, moved.content
    assert moved.json()["region"] == {"id": region.pk, "name": "Урал", "timezone": "Asia/Yekaterinburg"}
    cleared = manager.patch(f"/partners/{partner.pk}", {"region_id": None})
    assert cleared.json()["region"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "  "}, "name"),
        ({"kind": "friend"}, "kind"),
        ({"region_id": MISSING_ID}, "region_id"),
        ({"source_id": MISSING_ID}, "source_id"),
        ({"custom": {"unknown": "1"}}, "custom.unknown"),
        ({"manager_id": 1}, "manager_id"),
    ],
)
def test_an_invalid_patch_changes_nothing(api, departments, make_partner, body, field):
    partner = make_partner(manager=departments.north_a, name="Как было")

    response = api(departments.north_a).patch(f"/partners/{partner.pk}", body)

    assert response.status_code == 422, response.content
    assert field in error_of(response)["fields"]
    partner.refresh_from_db()
    assert (partner.name, partner.kind, partner.region_id) == ("Как было", "client", None)


# --- bulk tags, manager, sharing -------------------------------------------------------------


def test_bulk_tags_add_and_remove(api, departments, make_partner):
    first, second = (make_partner(manager=departments.north_a) for _ in range(2))
    untouched = make_partner(manager=departments.north_a)
    red, blue = Tag.objects.create(name="Кровати"), Tag.objects.create(name="Новая коллекция")
    manager = api(departments.north_a)
    body = {"partner_ids": [first.pk, second.pk], "tag_ids": [red.pk, blue.pk]}

    added = manager.post("/partners/tags", body)

    assert added.status_code == 200, added.content
    assert added.json() == {"count": 2}
    assert set(first.tags.all()) == set(second.tags.all()) == {red, blue}
    assert not untouched.tags.exists()
    assert manager.post("/partners/tags", body).json() == {"count": 2}  # idempotent
    card = manager.get(f"/partners/{first.pk}").json()
    assert {t["name"] for t in card["tags"]} == {"Кровати", "Новая коллекция"}

    removed = manager.post("/partners/tags", {"partner_ids": [first.pk], "tag_ids": [red.pk], "remove": True})

    assert removed.json() == {"count": 1}
    assert list(first.tags.all()) == [blue]
    assert set(second.tags.all()) == {red, blue}


def test_bulk_tags_with_a_client_not_seen_change_nothing(api, departments, make_partner):
    mine = make_partner(manager=departments.north_a)
    theirs = make_partner(manager=departments.south_a)
    tag = Tag.objects.create(name="VIP")

    response = api(departments.north_a).post(
        "/partners/tags", {"partner_ids": [mine.pk, theirs.pk], "tag_ids": [tag.pk]}
    )

    assert response.status_code == 404
    assert not mine.tags.exists() and not theirs.tags.exists()
    missing_tag = api(departments.north_a).post(
        "/partners/tags", {"partner_ids": [mine.pk], "tag_ids": [MISSING_ID]}
    )
    assert missing_tag.status_code == 422
    assert "tag_ids" in error_of(missing_tag)["fields"]
    empty = api(departments.north_a).post("/partners/tags", {"partner_ids": [], "tag_ids": [tag.pk]})
    assert empty.status_code == 422


def test_a_sales_manager_may_not_change_the_lead_manager_but_the_head_may(api, departments, make_partner):
    partner = make_partner(manager=departments.north_a)
    body = {"manager_id": departments.north_b.pk}

    refused = api(departments.north_a).post(f"/partners/{partner.pk}/manager", body)

    assert refused.status_code == 403
    assert error_of(refused)["code"] == "forbidden"
    partner.refresh_from_db()
    assert partner.manager == departments.north_a

    allowed = api(departments.north_head).post(f"/partners/{partner.pk}/manager", body)

    assert allowed.status_code == 200, allowed.content
    assert allowed.json() == {"count": 1}
    partner.refresh_from_db()
    assert partner.manager == departments.north_b
    unseen = make_partner(manager=departments.south_a)
    assert api(departments.north_head).post(f"/partners/{unseen.pk}/manager", body).status_code == 404
    nobody = api(departments.north_head).post(f"/partners/{partner.pk}/manager", {"manager_id": None})
    assert nobody.status_code == 200
    partner.refresh_from_db()
    assert partner.manager is None


def test_sharing_lets_a_colleague_open_the_client(api, departments, make_partner):
    partner = make_partner(manager=departments.north_a)
    colleague = api(departments.south_a)
    assert colleague.get(f"/partners/{partner.pk}").status_code == 404

    shared = api(departments.north_a).post(
        f"/partners/{partner.pk}/share", {"user_id": departments.south_a.pk}
    )

    assert shared.status_code == 200, shared.content
    assert shared.json() == {"partner_id": partner.pk, "user_id": departments.south_a.pk}
    assert colleague.get(f"/partners/{partner.pk}").status_code == 200
    refused = api(departments.north_b).post(
        f"/partners/{partner.pk}/share", {"user_id": departments.north_b.pk}
    )
    assert refused.status_code == 404  # north_b does not see north_a's client at all


# --- merge -----------------------------------------------------------------------------------


def test_merge_moves_everything_to_the_survivor_and_hides_the_duplicate(api, departments):
    manager = api(departments.north_a)
    tag_a, tag_b = Tag.objects.create(name="A"), Tag.objects.create(name="B")
    survivor = manager.post("/partners", registration(tag_ids=[tag_a.pk])).json()
    other_inn = identifiers.make_inn10(random.Random(7))
    merged = manager.post(
        "/partners",
        {
            "name": "Лютик",
            "phones": ["+7 913 111 22 33"],
            "tag_ids": [tag_b.pk],
            "counterparty": {"short_name": "ООО Лютик", "inn": other_inn},
            "contact": {"last_name": "Петров", "email": "petrov@lutik.example"},
        },
    ).json()

    refused = manager.post("/partners/merge", {"survivor_id": survivor["id"], "merged_id": merged["id"]})
    assert refused.status_code == 403

    response = api(departments.north_head).post(
        "/partners/merge", {"survivor_id": survivor["id"], "merged_id": merged["id"]}
    )

    assert response.status_code == 200, response.content
    card = response.json()
    assert card["id"] == survivor["id"]
    assert {c["inn"] for c in card["counterparties"]} == {INN, other_inn}
    assert {c["full_name"] for c in card["contacts"]} == {"Иванова Мария", "Петров"}
    assert "+79131112233" in {i["normalized"] for i in card["contact_infos"]}
    assert {t["name"] for t in card["tags"]} == {"A", "B"}
    assert manager.get(f"/partners/{merged['id']}").status_code == 404
    listed = {p["id"] for p in manager.get("/partners").json()["items"]}
    assert listed == {survivor["id"]}
    assert Partner.objects.get(pk=merged["id"]).merged_into_id == survivor["id"]


def test_merging_a_client_with_itself_is_refused(api, departments, make_partner):
    partner = make_partner(manager=departments.north_a)

    response = api(departments.north_head).post(
        "/partners/merge", {"survivor_id": partner.pk, "merged_id": partner.pk}
    )

    assert response.status_code == 422
    assert "merged_id" in error_of(response)["fields"]


# --- the registry ----------------------------------------------------------------------------


def romashka() -> dict:
    return legal_party_payload(
        inn=INN,
        kpp=KPP,
        ogrn="1027700132195",
        full="Ромашка",
        short="Ромашка",
        address="117312, г Москва, ул Вавилова, д 19",
        manager_name="Иванова Мария Петровна",
        manager_post="Генеральный директор",
    )


@pytest.fixture
def registry_server():
    with (
        RegistryServer({INN: romashka()}) as server,
        override_settings(REGISTRY_BASE_URL=server.base_url, REGISTRY_TOKEN=server.token, REGISTRY_TIMEOUT=5),
    ):
        yield server


def test_the_registry_fills_the_requisites_by_inn(api, departments, registry_server):
    response = api(departments.north_a).get("/registry/party", {"inn": f" {INN} "})

    assert response.status_code == 200, response.content
    party = response.json()
    assert party["inn"] == INN
    assert party["kpp"] == KPP
    assert party["ogrn"] == "1027700132195"
    assert party["kind"] == "legal"
    assert party["counterparty_kind"] == "legal"
    assert party["short_name"] == 'ООО "Ромашка"'
    assert party["management_name"] == "Иванова Мария Петровна"
    assert party["status"] == "active"
    assert registry_server.requests[-1].json == {"query": INN}


def test_the_registry_answers_404_for_an_unknown_inn(api, departments, registry_server):
    response = api(departments.north_a).get("/registry/party", {"inn": OTHER_INN})

    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_the_registry_unavailable_is_503(api, departments, registry_server):
    registry_server.mode = MODE_SERVER_ERROR

    response = api(departments.north_a).get("/registry/party", {"inn": INN})

    assert response.status_code == 503
    assert error_of(response)["code"] == "registry_unavailable"


def test_the_registry_refusing_the_key_is_502(api, departments, registry_server):
    with override_settings(REGISTRY_TOKEN="wrong-token"):
        response = api(departments.north_a).get("/registry/party", {"inn": INN})

    assert response.status_code == 502
    error = error_of(response)
    assert error["code"] == "registry_rejected"
    assert "REGISTRY_TOKEN" in error["message"]


def test_the_registry_not_configured_is_409_with_a_clear_message(api, departments):
    with override_settings(REGISTRY_TOKEN=""):
        response = api(departments.north_a).get("/registry/party", {"inn": INN})

    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "registry_not_configured"
    assert "not configured" in error["message"]
    assert "REGISTRY_TOKEN" in error["message"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"inn": "7707083894"}, "inn"),
        ({"inn": "12ab"}, "inn"),
        ({"inn": INN, "kpp": "77"}, "kpp"),
        ({}, "inn"),
    ],
)
def test_the_registry_checks_the_inn_first(api, departments, registry_server, params, field):
    response = api(departments.north_a).get("/registry/party", params)

    assert response.status_code == 422
    assert field in error_of(response)["fields"]
    assert registry_server.requests == []


# --- lists -----------------------------------------------------------------------------------


def test_the_list_pages_with_a_cursor(api, departments, make_partner):
    mine = [make_partner(manager=departments.north_a, name=f"Клиент {i:02d}") for i in range(7)]
    make_partner(manager=departments.south_a, name="Клиент чужой")
    manager = api(departments.north_a)

    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = manager.get("/partners", params).json()
        seen += [p["name"] for p in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert pages == 3
    assert seen == [p.name for p in mine]
    newest_first = manager.get("/partners", {"sort": "-created", "limit": 2}).json()
    assert [p["id"] for p in newest_first["items"]] == [mine[6].pk, mine[5].pk]
    bad = manager.get("/partners", {"cursor": "not-a-cursor"})
    assert bad.status_code == 422
    assert "cursor" in error_of(bad)["fields"]
    assert manager.get("/partners", {"limit": 0}).status_code == 422


def test_the_list_costs_the_same_queries_for_any_page_size(
    api, departments, make_partner, django_assert_max_num_queries
):
    region = BusinessRegion.objects.create(name="Центр")
    tags = [Tag.objects.create(name=f"t{i}") for i in range(3)]
    for i in range(30):
        partner = make_partner(manager=departments.north_a, region=region, name=f"Клиент {i:02d}")
        partner.tags.set(tags)
    manager = api(departments.north_head)
    manager.get("/partners")  # the token's first use is recorded once

    with django_assert_max_num_queries(8) as small_queries:
        small = manager.get("/partners", {"limit": 2})
    with django_assert_max_num_queries(8) as large_queries:
        large = manager.get("/partners", {"limit": 200})

    assert len(small.json()["items"]) == 2
    assert len(large.json()["items"]) == 30
    assert large.json()["items"][0]["region"]["name"] == "Центр"
    assert len(large.json()["items"][0]["tags"]) == 3
    assert len(small_queries.captured_queries) == len(large_queries.captured_queries)


def test_the_list_filters_like_the_web_list(api, departments, make_partner):
    red, blue = Tag.objects.create(name="red"), Tag.objects.create(name="blue")
    region = BusinessRegion.objects.create(name="Юг")
    both = make_partner(manager=departments.north_a, name="Оба тега", region=region)
    both.tags.set([red, blue])
    only_red = make_partner(manager=departments.north_a, name="Красный", kind="prospect")
    only_red.tags.set([red])
    make_partner(manager=departments.north_b, name="Чужой")
    head = api(departments.north_head)

    def names(**params):
        response = head.get("/partners", params)
        assert response.status_code == 200, response.content
        return {p["name"] for p in response.json()["items"]}

    assert names() == {"Оба тега", "Красный", "Чужой"}
    assert names(tag_ids=[red.pk, blue.pk]) == {"Оба тега", "Красный"}
    assert names(tag_ids=[red.pk, blue.pk], tags_mode="all") == {"Оба тега"}
    assert names(kind="prospect") == {"Красный"}
    assert names(region_id=region.pk) == {"Оба тега"}
    assert names(manager_id=departments.north_b.pk) == {"Чужой"}
    assert names(q="красн") == {"Красный"}
    assert head.get("/partners", {"kind": "friend"}).status_code == 422
    assert head.get("/partners", {"sort": "manager"}).status_code == 422


def test_counterparties_and_contacts_lists_show_only_what_is_visible(api, departments):
    north = api(departments.north_a)
    north.post("/partners", registration())
    api(departments.south_a).post(
        "/partners",
        {
            "name": "Южный",
            "counterparty": {"short_name": "ООО Южный", "inn": OTHER_INN},
            "contact": {"last_name": "Сидоров"},
        },
    )

    counterparties = north.get("/counterparties").json()
    assert [c["inn"] for c in counterparties["items"]] == [INN]
    assert counterparties["items"][0]["bank_accounts"][0]["account"] == ACCOUNT
    assert [p["name"] for p in counterparties["items"][0]["partners"]] == ['ООО "Ромашка"']
    assert north.get("/counterparties", {"q": INN[:5]}).json()["items"][0]["inn"] == INN
    assert north.get("/counterparties", {"q": OTHER_INN}).json()["items"] == []
    assert north.get("/counterparties", {"q": "Ромаш"}).json()["items"][0]["inn"] == INN

    contacts = north.get("/contacts").json()
    assert [c["full_name"] for c in contacts["items"]] == ["Иванова Мария"]
    assert north.get("/contacts", {"q": "Сидоров"}).json()["items"] == []
    everyone = api(departments.director).get("/contacts", {"limit": 1}).json()
    assert len(everyone["items"]) == 1 and everyone["next_cursor"]
    second = (
        api(departments.director).get("/contacts", {"limit": 1, "cursor": everyone["next_cursor"]}).json()
    )
    assert second["next_cursor"] is None
    assert {everyone["items"][0]["full_name"], second["items"][0]["full_name"]} == {
        "Иванова Мария",
        "Сидоров",
    }


def test_the_openapi_schema_documents_the_clients_api(client):
    schema = client.get("/api/v1/openapi.json").json()

    paths = schema["paths"]
    for path, methods in {
        "/api/v1/partners": {"get", "post"},
        "/api/v1/partners/{id}": {"get", "patch"},
        "/api/v1/partners/check-duplicates": {"post"},
        "/api/v1/partners/{id}/manager": {"post"},
        "/api/v1/partners/tags": {"post"},
        "/api/v1/partners/{id}/share": {"post"},
        "/api/v1/partners/merge": {"post"},
        "/api/v1/registry/party": {"get"},
        "/api/v1/counterparties": {"get"},
        "/api/v1/contacts": {"get"},
    }.items():
        assert methods <= set(paths[path]), path
    register = paths["/api/v1/partners"]["post"]["responses"]
    assert register["409"]["content"]["application/json"]["schema"]["$ref"].endswith("DuplicatesErrorOut")
    body = schema["components"]["schemas"]["DuplicatesErrorBody"]
    assert {"code", "message", "fields", "candidates"} <= set(body["properties"])
