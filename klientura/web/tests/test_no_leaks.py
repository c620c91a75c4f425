"""No URL gives a stranger a record: every route of the project (web, API, admin), found by walking the
URL configuration, so routes added later are covered without touching this file.

Each path parameter is filled with the id of a client led by a manager of the *other* department
(or of a record of that client, see `value_for`). Then:
- anonymous: a redirect to a login page (web) or 401 (API), except the small ALLOW_ANONYMOUS list;
- a sales manager of the other department: never a 2xx carrying the client's data, and for routes
  with parameters a refusal (302 / 403 / 404 / 405); attempts to change it change nothing.
"""

import re
import secrets
from dataclasses import dataclass

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.resolvers import RegexPattern, RoutePattern

from klientura.accounts.models import ApiToken
from klientura.accounts.services import api_token_create
from klientura.parties.models import ContactPerson, Counterparty, Partner, PartnerShare

pytestmark = pytest.mark.django_db

# Routes an anonymous visitor may open, and why. Keep this short: each entry is a public door.
ALLOW_ANONYMOUS = {
    "accounts:login": "the login page itself",
    "admin:login": "Django admin's own login page",
    "web:set_language": "switching the login page's language; stores a cookie, shows no data",
    "api:openapi-json": "the API's schema: describes the API, holds no data",
    "api:openapi-view": "the API's documentation page, built from the schema",
    "api:api-root": "django-ninja's marker of the API prefix; always answers 404",
    "interactions:survey_public": "the client's survey page: the signed link is the key; a bad one is a 404",
    "interactions:calendar_feed": "the iCalendar feed for calendar programs: the secret token is the key; a bad one is a 404",
    "deals:lead_form_public": "the company site's lead form: its unguessable key is the key; a bad one is a 404",
}
REFUSED = {302, 403, 404, 405}
MUTATING_METHODS = ("post", "put", "patch", "delete")


@dataclass
class Route:
    path: str
    name: str  # namespace:name, or the route text when the pattern has no name
    is_api: bool
    has_params: bool


@dataclass
class Secret:
    """The other department's client, its records, and the text that must never show up."""

    partner: Partner
    contact: ContactPerson
    counterparty: Counterparty
    token: ApiToken
    marker: str


@pytest.fixture
def secret(departments, make_partner) -> Secret:
    marker = f"LEAKMARK{secrets.token_hex(6)}"
    partner = make_partner(
        name=f"Тайный клиент {marker}",
        manager=departments.south_a,
        main_email=f"{marker.lower()}@example.com",
        notes=f"notes {marker}",
    )
    contact = ContactPerson.objects.create(full_name=f"Контакт {marker}", last_name=marker)
    contact.partners.add(partner)
    counterparty = Counterparty.objects.create(full_name=f"ООО {marker}", short_name=marker)
    counterparty.partners.add(partner)
    token, _key = api_token_create(actor=departments.south_a, name=f"token {marker}")
    return Secret(partner, contact, counterparty, token, marker)


def value_for(name: str, secret: Secret) -> str:
    """The value of a path parameter: a record of the other department's client, picked by name."""
    name = name.lower()
    if "content_type" in name:
        return str(ContentType.objects.get_for_model(Partner).pk)
    if "contact" in name:
        return str(secret.contact.pk)
    if "counterpart" in name:
        return str(secret.counterparty.pk)
    if "token" in name:
        return str(secret.token.pk)
    return str(secret.partner.pk)


def _group_end(regex: str, start: int) -> int:
    """Index just past the group opened at regex[start] == "("."""
    depth, i = 0, start
    while i < len(regex):
        char = regex[i]
        if char == "\\":
            i += 2
            continue
        depth += char == "("
        depth -= char == ")"
        i += 1
        if depth == 0:
            return i
    raise ValueError(f"unbalanced group in {regex!r}")


def _fill_regex(regex: str, secret: Secret) -> str:
    out, i = [], 0
    while i < len(regex):
        if regex.startswith("(?P<", i):
            end = _group_end(regex, i)
            name, inner = re.match(r"\(\?P<(\w+)>(.*)\)$", regex[i:end], re.S).groups()
            candidates = [value_for(name, secret), *(app for app in ("parties", "accounts", "auth", "core"))]
            value = next((c for c in candidates if re.fullmatch(inner, c)), None)
            if value is None:
                raise ValueError(f"no sample value for ({name}: {inner}) in {regex!r}")
            out.append(value)
            i = end
        else:
            out.append(regex[i])
            i += 1
    text = "".join(out).removeprefix("^").removesuffix("$")
    return re.sub(r"\\(.)", r"\1", text)


def _fill_route(pattern: RoutePattern, secret: Secret) -> str:
    def replace(match):
        name = match.group("name")
        value = value_for(name, secret)
        converter = pattern.converters[name]
        if not re.fullmatch(converter.regex, value):
            raise ValueError(f"no sample value for <{match.group(0)}> in {pattern}")
        return value

    return re.sub(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>", replace, str(pattern))


def _walk(patterns, prefix=(), namespaces=()):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(
                entry.url_patterns,
                (*prefix, entry),
                (*namespaces, entry.namespace) if entry.namespace else namespaces,
            )
        elif isinstance(entry, URLPattern):
            yield (*prefix, entry), namespaces


def all_routes(secret: Secret) -> list[Route]:
    routes, problems, seen = [], [], set()
    for chain, namespaces in _walk(get_resolver().url_patterns):
        pattern = chain[-1]
        route_text = "".join(str(p.pattern) for p in chain)
        if route_text in seen:
            continue  # django-ninja adds one pattern per operation name on the same path: one URL
        seen.add(route_text)
        label = (
            ":".join([*namespaces, pattern.name]) if pattern.name else "".join(str(p.pattern) for p in chain)
        )
        try:
            parts = [
                _fill_route(p.pattern, secret)
                if isinstance(p.pattern, RoutePattern)
                else _fill_regex(str(p.pattern.regex.pattern), secret)
                for p in chain
            ]
        except ValueError as exc:
            problems.append(str(exc))
            continue
        path = "/" + "".join(parts)
        match = resolve(path)
        if match.func is not pattern.callback:
            problems.append(f"{label}: the sample path {path} resolves to {match.view_name} instead")
            continue
        has_params = any(
            (isinstance(p.pattern, RoutePattern) and p.pattern.converters)
            or (isinstance(p.pattern, RegexPattern) and p.pattern.regex.groupindex)
            for p in chain
        )
        routes.append(Route(path, label, "api" in namespaces, has_params))
    assert not problems, "teach value_for() about these routes:\n" + "\n".join(problems)
    return routes


def login_pages() -> tuple[str, ...]:
    return reverse("accounts:login"), reverse("admin:login")


def assert_sent_to_login(route: Route, response, method: str) -> None:
    where = f"{method.upper()} {route.path} ({route.name})"
    if route.is_api:
        assert response.status_code == 401, f"{where}: {response.status_code}, expected 401"
        assert response.json()["error"]["code"] == "not_authenticated"
        return
    assert response.status_code == 302, f"{where}: {response.status_code}, expected a redirect to login"
    location = response["Location"]
    assert location.split("?")[0] in login_pages() or location == reverse("admin:index"), (
        f"{where}: redirects to {location}, not to a login page"
    )


def test_the_walk_finds_the_routes_that_matter(secret):
    names = {route.name for route in all_routes(secret)}

    for expected in ("web:home", "web:section", "accounts:token_revoke", "api:me", "admin:index"):
        assert expected in names
    assert any(name.startswith("api:") and name not in ALLOW_ANONYMOUS for name in names)


def test_anonymous_gets_nothing(secret):
    client = Client()
    checked = 0
    for route in all_routes(secret):
        if route.name in ALLOW_ANONYMOUS:
            continue
        response = client.get(route.path)
        assert secret.marker not in response.content.decode(errors="replace"), route.path
        if response.status_code == 405:
            # A POST-only route: what an anonymous POST gets is what matters.
            for method in MUTATING_METHODS:
                response = getattr(client, method)(route.path)
                if response.status_code != 405:
                    assert_sent_to_login(route, response, method)
        else:
            assert_sent_to_login(route, response, "get")
        checked += 1
    assert checked > 10


def test_allowed_anonymous_routes_show_no_data(secret):
    client = Client()
    for route in all_routes(secret):
        if route.name in ALLOW_ANONYMOUS:
            response = client.get(route.path)
            assert response.status_code in (200, 302, 404, 405), route.path
            assert secret.marker not in response.content.decode(errors="replace"), route.path


def snapshot(secret: Secret) -> dict:
    partner = secret.partner
    return {
        "partner": Partner.objects.filter(pk=partner.pk).values().first(),
        "shares": sorted(PartnerShare.objects.filter(partner=partner).values_list("user_id", flat=True)),
        "tags": sorted(partner.tags.values_list("pk", flat=True)),
        "contacts": sorted(partner.contacts.values_list("pk", flat=True)),
        "counterparties": sorted(partner.counterparties.values_list("pk", flat=True)),
        "contact": ContactPerson.objects.filter(pk=secret.contact.pk).values().first(),
        "counterparty": Counterparty.objects.filter(pk=secret.counterparty.pk).values().first(),
        "token_revoked": ApiToken.objects.get(pk=secret.token.pk).revoked_at,
    }


def test_a_manager_of_the_other_department_sees_nothing(secret, departments):
    client = Client()
    client.force_login(departments.north_a)
    before = snapshot(secret)
    for route in all_routes(secret):
        response = client.get(route.path)
        body = response.content.decode(errors="replace")
        assert not (response.status_code == 200 and secret.marker in body), (
            f"GET {route.path} shows the client"
        )
        assert secret.marker not in body, f"GET {route.path} ({response.status_code}) shows the client"
        if route.has_params:
            assert response.status_code in REFUSED, f"GET {route.path}: {response.status_code}"
    assert snapshot(secret) == before


def test_a_manager_of_the_other_department_cannot_change_it(secret, departments):
    client = Client()
    client.force_login(departments.north_a)
    before = snapshot(secret)
    for route in all_routes(secret):
        if not route.has_params:
            continue
        for method in MUTATING_METHODS:
            send = getattr(client, method)
            response = (
                send(route.path, data="{}", content_type="application/json")
                if route.is_api
                else send(route.path)
            )
            where = f"{method.upper()} {route.path}"
            assert not 200 <= response.status_code < 300, f"{where} was accepted ({response.status_code})"
            assert secret.marker not in response.content.decode(errors="replace"), where
        assert snapshot(secret) == before, f"{route.path} changed the other department's records"
