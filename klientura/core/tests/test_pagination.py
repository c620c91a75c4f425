"""core.pagination.keyset_page: every row once, in order, with a fixed number of queries per page."""

import base64
import datetime
import json

import pytest
from django.utils import timezone

from klientura.core.errors import ValidationFailed
from klientura.core.pagination import MAX_PAGE_SIZE, decode_cursor, encode_cursor, keyset_page
from klientura.parties.models import Partner

pytestmark = pytest.mark.django_db


@pytest.fixture
def partners(make_partner):
    """25 partners with only 5 different names and, in threes, the same creation time: ties everywhere."""
    rows = [make_partner(name=f"Клиент {i % 5}") for i in range(25)]
    start = timezone.now().replace(microsecond=0) - datetime.timedelta(days=1)
    for i, row in enumerate(rows):
        Partner.objects.filter(pk=row.pk).update(created_at=start + datetime.timedelta(seconds=i // 3))
    return Partner.objects.filter(pk__in=[r.pk for r in rows])


def walk(queryset, ordering, limit, on_page=None):
    seen, cursor, pages = [], None, 0
    while True:
        if on_page:
            with on_page():
                page = keyset_page(queryset, ordering=ordering, cursor=cursor, limit=limit)
        else:
            page = keyset_page(queryset, ordering=ordering, cursor=cursor, limit=limit)
        pages += 1
        assert len(page.items) <= limit
        seen.extend(page.items)
        cursor = page.next_cursor
        if cursor is None:
            return seen, pages
        assert pages < 100, "the pages never end"


def key_of(ordering):
    def key(row):
        return tuple(getattr(row, term.lstrip("-")) for term in ordering)

    return key


@pytest.mark.parametrize("limit", [1, 4, 5, 7, 25, 50])
@pytest.mark.parametrize(
    "ordering",
    [["name", "id"], ["-created_at", "-id"], ["-name", "-id"], ["created_at", "id"], ["-name", "id"]],
)
def test_walks_every_row_once_in_order(partners, ordering, limit):
    expected = list(partners.order_by(*ordering).values_list("pk", flat=True))
    assert len(expected) == 25

    seen, pages = walk(partners, ordering, limit)

    assert [row.pk for row in seen] == expected
    assert pages == -(-25 // limit)  # no empty page at the end, even when the rows fill the pages
    # The rows really are sorted by the ordering (not just in the same order as a second query).
    for term in ordering:
        name = term.lstrip("-")
        if name != "id":
            values = [getattr(r, name) for r in seen]
            assert values == sorted(values, reverse=term.startswith("-"))


def test_last_page_has_no_cursor_and_an_exact_fit_ends_cleanly(partners):
    first = keyset_page(partners, ordering=["name", "id"], cursor=None, limit=25)

    assert len(first.items) == 25
    assert first.next_cursor is None


def test_empty_queryset():
    page = keyset_page(Partner.objects.none(), ordering=["name", "id"], cursor=None, limit=10)

    assert page.items == []
    assert page.next_cursor is None


def test_a_row_added_behind_the_cursor_is_not_repeated(partners, make_partner):
    first = keyset_page(partners, ordering=["name", "id"], cursor=None, limit=10)
    make_partner(name="Клиент 0")  # sorts before the cursor

    second = keyset_page(Partner.objects.all(), ordering=["name", "id"], cursor=first.next_cursor, limit=100)

    assert not {r.pk for r in first.items} & {r.pk for r in second.items}


@pytest.mark.parametrize(
    "cursor",
    [
        "not-a-cursor!!",
        "%%%",
        base64.urlsafe_b64encode(b"{not json").decode(),
        base64.urlsafe_b64encode(b'{"a": 1, "b": 2}').decode(),  # an object, not a list
        base64.urlsafe_b64encode(b'"ab"').decode(),  # a string of the right length
        base64.urlsafe_b64encode(b"null").decode(),
        base64.urlsafe_b64encode(b'["x"]').decode(),  # too short
        base64.urlsafe_b64encode(b'["x", "y", "z"]').decode(),  # too long
        base64.urlsafe_b64encode('["Клиент 1", "not a number"]'.encode()).decode(),  # wrong type for id
        base64.urlsafe_b64encode('["Клиент 1", [1, 2]]'.encode()).decode(),
        base64.urlsafe_b64encode('["Клиент 1", {"t": "yesterday"}]'.encode()).decode(),
        encode_cursor(["Клиент\u0000", 1]),  # PostgreSQL cannot even compare text with NUL
    ],
)
def test_a_tampered_cursor_is_refused(partners, cursor):
    with pytest.raises(ValidationFailed) as refused:
        keyset_page(partners, ordering=["name", "id"], cursor=cursor, limit=5)

    assert "cursor" in refused.value.fields


@pytest.mark.parametrize(
    "values", [[1, 4], ["yesterday", 4], [None, 4], [{"t": "2024-01-01T10:00:00+00:00"}, "x"], [[2024], 4]]
)
def test_a_tampered_datetime_cursor_is_refused(partners, values):
    cursor = base64.urlsafe_b64encode(json.dumps(values).encode()).decode()

    with pytest.raises(ValidationFailed):
        keyset_page(partners, ordering=["-created_at", "-id"], cursor=cursor, limit=5)


@pytest.mark.parametrize("value", [{"d": "abc"}, {"d": "1,5"}, {"t": "2024-13-45"}, {"t": None}, "a\u0000b"])
def test_decode_cursor_refuses_bad_values(value):
    with pytest.raises(ValidationFailed):
        decode_cursor(base64.urlsafe_b64encode(json.dumps([value]).encode()).decode(), 1)


def test_cursor_round_trips_dates_and_decimals():
    import decimal

    moment = timezone.now()
    values = [moment, datetime.date(2024, 2, 29), decimal.Decimal("10.50"), "текст", 7]

    assert decode_cursor(encode_cursor(values), 5) == values


def test_limit_is_capped(make_partner):
    Partner.objects.bulk_create(
        [
            Partner(name=f"Массовый {i:03}", name_normalized=f"массовый {i:03}")
            for i in range(MAX_PAGE_SIZE + 5)
        ]
    )

    page = keyset_page(Partner.objects.all(), ordering=["name", "id"], cursor=None, limit=10_000)

    assert len(page.items) == MAX_PAGE_SIZE == 200
    assert page.next_cursor is not None
    rest = keyset_page(Partner.objects.all(), ordering=["name", "id"], cursor=page.next_cursor, limit=10_000)
    assert len(rest.items) == 5


@pytest.mark.parametrize("limit", [0, -3])
def test_limit_below_one_gives_one_row(partners, limit):
    assert len(keyset_page(partners, ordering=["name", "id"], cursor=None, limit=limit).items) == 1


@pytest.mark.parametrize("limit", ["abc", None, "1e9"])
def test_a_limit_that_is_not_a_number_is_refused(partners, limit):
    with pytest.raises(ValidationFailed):
        keyset_page(partners, ordering=["name", "id"], cursor=None, limit=limit)


@pytest.mark.parametrize("limit", [5, 50])
@pytest.mark.parametrize("ordering", [["name", "id"], ["-created_at", "-id"]])
def test_queries_per_page_are_constant(partners, ordering, limit, django_assert_max_num_queries):
    seen, _pages = walk(partners, ordering, limit, on_page=lambda: django_assert_max_num_queries(1))

    assert len(seen) == 25
