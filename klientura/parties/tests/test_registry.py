"""The registry client against a real loopback HTTP server; no database needed."""

from __future__ import annotations

import os
import socket
import time

import django
import pytest
from django.apps import apps
from django.conf import settings
from django.test import override_settings
from django.utils import translation

from klientura.parties.registry import (
    KIND_INDIVIDUAL,
    KIND_LEGAL,
    RegistryError,
    RegistryNotConfigured,
    RegistryParty,
    RegistryRejected,
    RegistryUnavailable,
    registry_find_party,
    registry_is_configured,
)
from klientura.parties.tests.registry_server import (
    FIND_PARTY_PATH,
    MODE_MALFORMED,
    MODE_QUOTA,
    MODE_SERVER_ERROR,
    MODE_SLOW,
    RegistryServer,
    individual_party_payload,
    legal_party_payload,
)

LEGAL_INN = "7707083893"
LEGAL_KPP = "773601001"
BRANCH_KPP = "540602001"
IP_INN = "500100732259"
UNKNOWN_INN = "7728168971"


def romashka(kpp: str = LEGAL_KPP, *, branch_type: str = "MAIN", address: str = "") -> dict:
    return legal_party_payload(
        inn=LEGAL_INN,
        kpp=kpp,
        ogrn="1027700132195",
        full="Ромашка",
        short="Ромашка",
        address=address or "117312, г Москва, ул Вавилова, д 19",
        manager_name="Иванова Мария Петровна",
        manager_post="Генеральный директор",
        branch_type=branch_type,
    )


def petrov() -> dict:
    return individual_party_payload(
        inn=IP_INN,
        ogrn="304500116000157",
        surname="Петров",
        name="Пётр",
        patronymic="Сергеевич",
        address="г Москва",
    )


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch):
    # A proxy from the environment would swallow requests meant for 127.0.0.1.
    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def server():
    with RegistryServer({LEGAL_INN: romashka(), IP_INN: petrov()}) as running:
        yield running


def find(server: RegistryServer, inn: str, **kwargs) -> RegistryParty | None:
    kwargs.setdefault("token", server.token)
    kwargs.setdefault("timeout", 2.0)
    return registry_find_party(inn=inn, base_url=server.base_url, **kwargs)


def ensure_django() -> None:
    """Settings for rendering messages, whether or not pytest-django has set them up."""
    if os.environ.get("DJANGO_SETTINGS_MODULE"):
        if not apps.ready:
            django.setup()
    elif not settings.configured:
        settings.configure(USE_I18N=False)


def rendered(error: RegistryError) -> str:
    ensure_django()
    with translation.override("en"):
        return str(error.message)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_legal_entity_is_found_and_mapped(server):
    party = find(server, LEGAL_INN)

    assert party == RegistryParty(
        inn=LEGAL_INN,
        kpp=LEGAL_KPP,
        ogrn="1027700132195",
        kind=KIND_LEGAL,
        full_name='Общество с ограниченной ответственностью "Ромашка"',
        short_name='ООО "Ромашка"',
        legal_address="117312, г Москва, ул Вавилова, д 19",
        management_name="Иванова Мария Петровна",
        management_post="Генеральный директор",
        status="active",
    )


def test_individual_entrepreneur_is_named_from_fio(server):
    payload = petrov()
    # Names come from the person, even when the registry leaves the name block empty.
    payload["data"]["name"] = {"full_with_opf": None, "short_with_opf": None, "full": None, "short": None}
    server.parties[IP_INN] = payload

    party = find(server, IP_INN)

    assert party == RegistryParty(
        inn=IP_INN,
        kpp="",
        ogrn="304500116000157",
        kind=KIND_INDIVIDUAL,
        full_name="Индивидуальный предприниматель Петров Пётр Сергеевич",
        short_name="ИП Петров Пётр Сергеевич",
        legal_address="г Москва",
        management_name="",
        management_post="",
        status="active",
    )


def test_liquidated_party_reports_its_status(server):
    server.parties[UNKNOWN_INN] = legal_party_payload(
        UNKNOWN_INN, "772801001", "1037739010891", "Старт", "Старт", "г Москва", "", "", status="LIQUIDATED"
    )

    party = find(server, UNKNOWN_INN)

    assert party is not None
    assert party.status == "liquidated"
    assert party.management_name == ""


def test_unknown_inn_gives_none(server):
    assert find(server, UNKNOWN_INN) is None
    assert server.requests[0].json == {"query": UNKNOWN_INN}


def test_request_body_and_headers_are_as_documented(server):
    find(server, LEGAL_INN)

    [request] = server.requests
    assert request.method == "POST"
    assert request.path == FIND_PARTY_PATH
    assert request.json == {"query": LEGAL_INN}
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["Accept"] == "application/json"
    assert request.headers["Authorization"] == "Token test-token"


def test_kpp_is_sent_and_picks_the_branch(server):
    server.parties[LEGAL_INN] = [
        romashka(),
        romashka(BRANCH_KPP, branch_type="BRANCH", address="г Новосибирск, ул Серебренниковская, д 20"),
    ]

    party = find(server, LEGAL_INN, kpp=BRANCH_KPP)

    assert server.requests[0].json == {"query": LEGAL_INN, "kpp": BRANCH_KPP}
    assert party is not None
    assert party.kpp == BRANCH_KPP
    assert party.legal_address == "г Новосибирск, ул Серебренниковская, д 20"


def test_without_kpp_the_head_office_is_chosen(server):
    server.parties[LEGAL_INN] = [romashka(BRANCH_KPP, branch_type="BRANCH"), romashka()]

    party = find(server, LEGAL_INN)

    assert party is not None
    assert party.kpp == LEGAL_KPP


def test_wrong_token_is_rejected(server):
    with pytest.raises(RegistryRejected) as caught:
        find(server, LEGAL_INN, token="not-the-token")

    assert caught.value.status_code == 401
    assert rendered(caught.value) == "The registry refused the access key: check REGISTRY_TOKEN."


def test_quota_exhausted_is_rejected(server):
    server.mode = MODE_QUOTA

    with pytest.raises(RegistryRejected) as caught:
        find(server, LEGAL_INN)

    assert caught.value.status_code == 429
    assert "limit" in rendered(caught.value)


def test_server_error_means_unavailable(server):
    server.mode = MODE_SERVER_ERROR

    with pytest.raises(RegistryUnavailable) as caught:
        find(server, LEGAL_INN)

    assert caught.value.status_code == 500
    assert caught.value.__cause__ is None


def test_slow_registry_times_out_as_unavailable(server):
    server.mode = MODE_SLOW
    server.delay = 0.6
    started = time.monotonic()

    with pytest.raises(RegistryUnavailable) as caught:
        find(server, LEGAL_INN, timeout=0.2)

    assert time.monotonic() - started < 0.55
    assert "in time" in rendered(caught.value)


def test_malformed_json_means_unavailable(server):
    server.mode = MODE_MALFORMED

    with pytest.raises(RegistryUnavailable):
        find(server, LEGAL_INN)


def test_answer_without_suggestions_list_means_unavailable(server):
    server.answer = lambda body: (200, ["not", "a", "registry", "answer"])

    with pytest.raises(RegistryUnavailable):
        find(server, LEGAL_INN)


def test_closed_port_means_unavailable():
    with pytest.raises(RegistryUnavailable) as caught:
        registry_find_party(
            inn=LEGAL_INN, base_url=f"http://127.0.0.1:{closed_port()}", token="test-token", timeout=1.0
        )

    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__


@pytest.mark.parametrize("token", ["", "   "])
def test_no_token_is_not_configured_and_sends_nothing(server, token):
    with pytest.raises(RegistryNotConfigured) as caught:
        find(server, LEGAL_INN, token=token)

    assert server.requests == []
    assert rendered(caught.value) == "The registry lookup is not configured: set REGISTRY_TOKEN."


@pytest.mark.parametrize("base_url", ["file:///etc", "ftp://example.org", "suggestions.dadata.ru", ""])
def test_base_url_must_be_http(base_url):
    with pytest.raises(RegistryNotConfigured):
        registry_find_party(inn=LEGAL_INN, base_url=base_url, token="test-token")


@pytest.mark.parametrize("inn", ["", "770708389", "77070838931", "770708389x", "7707 08389", " 7707083893"])
def test_malformed_inn_is_a_programming_error(server, inn):
    with pytest.raises(ValueError, match="10 or 12 digits"):
        find(server, inn)

    assert server.requests == []


def test_malformed_kpp_is_a_programming_error(server):
    with pytest.raises(ValueError, match="kpp"):
        find(server, LEGAL_INN, kpp="77360100")


def test_settings_supply_address_token_and_timeout(server):
    ensure_django()
    with override_settings(REGISTRY_BASE_URL=server.base_url, REGISTRY_TOKEN="", REGISTRY_TIMEOUT=2.0):
        assert not registry_is_configured()
        with pytest.raises(RegistryNotConfigured):
            registry_find_party(inn=LEGAL_INN)
    with override_settings(
        REGISTRY_BASE_URL=server.base_url + "/", REGISTRY_TOKEN=server.token, REGISTRY_TIMEOUT=2.0
    ):
        assert registry_is_configured()
        party = registry_find_party(inn=LEGAL_INN)

    assert party is not None
    assert party.inn == LEGAL_INN
    assert [r.path for r in server.requests] == [FIND_PARTY_PATH]
