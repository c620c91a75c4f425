"""The API shell under /api/v1: schema, docs, authentication, CSRF and the one error format."""

import json
import re

import pytest
from django.test import Client

from klientura.accounts import roles
from klientura.accounts.models import ApiToken
from klientura.accounts.services import api_token_create, api_token_revoke
from klientura.segments.models import Segment

pytestmark = pytest.mark.django_db

ME = "/api/v1/me"


@pytest.fixture
def manager(make_user):
    return make_user(roles.SALES_MANAGER, username="ivanov", first_name="Иван", last_name="Иванов")


@pytest.fixture
def token_key(manager):
    _token, key = api_token_create(actor=manager, name="tests")
    return key


def bearer(key: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"code", "message", "fields"}
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["fields"], dict)
    if code:
        assert error["code"] == code
    return error


def schema() -> dict:
    return Client().get("/api/v1/openapi.json").json()


def body_operation() -> tuple[str, str] | None:
    """An operation that changes data and takes a JSON body: (method, path), or None if there is none."""
    for path, operations in sorted(schema()["paths"].items()):
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            if method in ("post", "put", "patch") and "application/json" in content:
                return method, re.sub(r"\{[^}]+\}", "1", path)
    return None


def test_openapi_schema_is_valid_json():
    response = Client().get("/api/v1/openapi.json")

    assert response.status_code == 200
    data = json.loads(response.content)
    assert data["openapi"].startswith("3.")
    assert "/api/v1/me" in data["paths"]
    assert data["info"]["title"] == "Klientura API"


def test_docs_page_for_a_signed_in_user(manager):
    client = Client()
    client.force_login(manager)

    response = client.get("/api/v1/docs")

    assert response.status_code == 200
    assert b"openapi.json" in response.content


def test_me_anonymous_is_401_in_the_error_format():
    error = assert_error(Client().get(ME), 401, "not_authenticated")

    assert error["fields"] == {}


def test_me_with_a_bearer_token(manager, token_key):
    response = Client().get(ME, **bearer(token_key))

    assert response.status_code == 200
    data = response.json()
    assert data["id"] == manager.pk
    assert data["username"] == "ivanov"
    assert data["full_name"] == "Иван Иванов"
    assert data["roles"] == [roles.SALES_MANAGER]
    assert ApiToken.objects.get(user=manager).last_used_at is not None


def test_roles_of_a_superuser_include_administrator(make_user):
    admin = make_user(roles.HEAD_OF_SALES, username="root", is_superuser=True)
    _token, key = api_token_create(actor=admin, name="t")

    assert Client().get(ME, **bearer(key)).json()["roles"] == [roles.ADMINISTRATOR, roles.HEAD_OF_SALES]


@pytest.mark.parametrize(
    "header",
    [
        "Bearer kl_not-a-real-token",
        "Bearer ",
        "Token abc",
        "Bearer " + "kl_" + "x" * 200,
        "Basic Zm9vOmJhcg==",
    ],
)
def test_a_wrong_token_is_401(manager, header):
    assert_error(Client().get(ME, HTTP_AUTHORIZATION=header), 401, "not_authenticated")


def test_a_revoked_token_is_401(manager, token_key):
    api_token_revoke(actor=manager, token_id=ApiToken.objects.get(user=manager).pk)

    assert_error(Client().get(ME, **bearer(token_key)), 401, "not_authenticated")


def test_a_disabled_users_token_is_401(manager, token_key):
    manager.is_active = False
    manager.save()

    assert_error(Client().get(ME, **bearer(token_key)), 401, "not_authenticated")


def test_session_auth_works_for_get(manager):
    client = Client(enforce_csrf_checks=True)
    client.force_login(manager)

    response = client.get(ME)

    assert response.status_code == 200
    assert response.json()["username"] == "ivanov"


def test_a_disabled_users_session_is_401(manager):
    client = Client()
    client.force_login(manager)
    manager.is_active = False
    manager.save()

    assert_error(client.get(ME), 401)


def test_session_post_without_csrf_token_is_refused(manager):
    operation = body_operation()
    if operation is None:
        pytest.fail("no API operation takes a JSON body")
    method, path = operation
    client = Client(enforce_csrf_checks=True)
    client.force_login(manager)

    refused = getattr(client, method)(path, data={}, content_type="application/json")

    assert_error(refused, 403, "forbidden")
    # The same request with the token from the page passes the CSRF check (whatever the body then gets).
    client.get("/")
    allowed = getattr(client, method)(
        path, data={}, content_type="application/json", HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value
    )
    assert allowed.status_code != 403


def test_a_bearer_post_needs_no_csrf_token(manager, token_key):
    operation = body_operation()
    if operation is None:
        pytest.fail("no API operation takes a JSON body")
    method, path = operation
    client = Client(enforce_csrf_checks=True)

    response = getattr(client, method)(path, data={}, content_type="application/json", **bearer(token_key))

    assert response.status_code not in (401, 403)


@pytest.mark.parametrize("body", ["{not json", '{"name": ', "\x00\x01", "[1, 2"])
def test_malformed_json_is_refused_in_the_error_format(manager, token_key, body):
    operation = body_operation()
    if operation is None:
        pytest.fail("no API operation takes a JSON body")
    method, path = operation

    response = getattr(Client(), method)(
        path, data=body, content_type="application/json", **bearer(token_key)
    )

    assert response.status_code in (400, 422)
    assert_error(response, response.status_code)


@pytest.mark.parametrize("path", ["/api/v1/nope", "/api/v1/nope/", "/api/v1/", "/api/v1/me/extra"])
def test_unknown_api_route_is_404_in_the_error_format(manager, token_key, path):
    assert_error(Client().get(path, **bearer(token_key)), 404, "not_found")


def test_unknown_api_route_is_404_for_anonymous_too():
    assert_error(Client().get("/api/v1/nope"), 404, "not_found")


def test_unknown_page_outside_the_api_stays_html(manager):
    client = Client()
    client.force_login(manager)

    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def cursor_lists() -> list[str]:
    return sorted(
        path
        for path, operations in schema()["paths"].items()
        if any(p["name"] == "cursor" for p in operations.get("get", {}).get("parameters", []))
    )


def _enum_of(param_schema: dict) -> list:
    if "$ref" in param_schema:
        name = param_schema["$ref"].rsplit("/", 1)[-1]
        param_schema = schema()["components"]["schemas"][name]
    return param_schema.get("enum", [])


def required_params(path: str) -> dict:
    """A valid value for each other required parameter of a list (a report's drill-down needs its figure)."""
    params = {}
    for param in schema()["paths"][path]["get"]["parameters"]:
        if param.get("required") and param["name"] != "cursor" and param.get("in") != "path":
            choices = _enum_of(param.get("schema", {}))
            assert choices, f"{path}: say how to fill the required parameter {param['name']}"
            params[param["name"]] = choices[0]
    return params


@pytest.fixture
def head_token_key(make_user):
    """A head of sales may read every list, the lead queue and the deal reports included."""
    _token, key = api_token_create(actor=make_user(roles.HEAD_OF_SALES, username="head"), name="tests")
    return key


@pytest.mark.parametrize("cursor", ["%%%", "bm90IGpzb24", "WyJhIiwgImIiXQ", "WzEsMiwzLDQsNSw2XQ"])
def test_every_list_refuses_a_tampered_cursor_in_the_error_format(head_token_key, cursor):
    lists = cursor_lists()
    if not lists:
        pytest.fail("no API list takes a cursor")
    # Lists inside an object (a segment's members and changes) need one that exists.
    segment = Segment.objects.create(name="Все", rules={"op": "and", "items": []})
    for path in lists:
        url = path.replace("{id}", str(segment.pk))
        assert "{" not in url, f"{path}: say which object the list belongs to"
        error = assert_error(
            Client().get(url, {**required_params(path), "cursor": cursor}, **bearer(head_token_key)),
            422,
            "validation_error",
        )
        assert "cursor" in error["fields"], path
