"""Segment pages: list, rule builder, live count, composition report, changes, and the client list
filtered by a segment."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from klientura.segments import selectors_segments
from klientura.segments.models import Segment, SegmentChange
from klientura.segments.services_segments import segment_refresh

from .segment_helpers import CLIENTS, make_segment

pytestmark = pytest.mark.django_db


def browser(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.fixture
def team(departments, make_partner):
    team = departments
    team.mine = make_partner(kind="client", manager=team.north_a, name="Альфа")
    team.theirs = make_partner(kind="client", manager=team.south_a, name="Бета")
    team.supplier = make_partner(kind="supplier", manager=team.north_a, name="Гамма")
    team.segment = make_segment(team.marketer)
    segment_refresh(actor=None, segment_id=team.segment.pk)
    return team


def _ids(html: str, attribute="data-partner-id") -> set[int]:
    import re

    return {int(v) for v in re.findall(rf'{attribute}="(\d+)"', html)}


def test_the_list_shows_segments_with_links(team):
    page = browser(team.marketer).get(reverse("segments:segment_list")).content.decode()
    assert team.segment.name in page
    assert f"/clients/?segment={team.segment.pk}" in page
    assert reverse("segments:segment_new") in page


def test_pages_do_not_exist_without_the_right(team):
    client = browser(team.nobody)
    listed = client.get(reverse("segments:segment_list"))
    assert listed.status_code == 200 and team.segment.name not in listed.content.decode()
    for address in (
        reverse("segments:segment_new"),
        reverse("segments:segment_members", args=[team.segment.pk]),
        reverse("segments:segment_changes", args=[team.segment.pk]),
        reverse("segments:segment_export", args=[team.segment.pk]),
        reverse("segments:segment_edit", args=[team.segment.pk]),
    ):
        assert client.get(address).status_code == 404, address
    # A manager sees segments but cannot edit them.
    assert (
        browser(team.north_a).get(reverse("segments:segment_edit", args=[team.segment.pk])).status_code == 404
    )
    missing = reverse("segments:segment_members", args=[team.segment.pk + 100])
    assert browser(team.marketer).get(missing).status_code == 404


def test_members_page_shows_only_the_partners_the_reader_may_see(team):
    url = reverse("segments:segment_members", args=[team.segment.pk])
    assert _ids(browser(team.marketer).get(url).content.decode()) == {team.mine.pk, team.theirs.pk}
    assert _ids(browser(team.north_a).get(url).content.decode()) == {team.mine.pk}
    assert _ids(browser(team.north_head).get(url).content.decode()) == {team.mine.pk}


def test_members_page_filters_by_tags(team):
    from klientura.parties.models import Tag

    beds, sofas = Tag.objects.create(name="Кровати"), Tag.objects.create(name="Диваны")
    team.mine.tags.add(beds, sofas)
    team.theirs.tags.add(beds)
    url = reverse("segments:segment_members", args=[team.segment.pk])
    client = browser(team.marketer)
    any_of = client.get(url, {"tag": [beds.pk, sofas.pk]}).content.decode()
    all_of = client.get(url, {"tag": [beds.pk, sofas.pk], "tags_mode": "all"}).content.decode()
    assert _ids(any_of) == {team.mine.pk, team.theirs.pk}
    assert _ids(all_of) == {team.mine.pk}


@pytest.mark.parametrize("count", [5, 50])
def test_a_members_page_takes_a_fixed_number_of_queries(
    departments, make_partner, django_assert_max_num_queries, count
):
    for _ in range(count):
        make_partner(kind="client", manager=departments.north_a)
    rules = {
        "op": "and",
        "items": [
            *CLIENTS["items"],
            {"indicator": "revenue", "operator": "lte", "value": "5", "params": {"days": 30}},
            {"indicator": "last_event_days", "operator": "gt", "value": 10},
        ],
    }
    segment = make_segment(departments.marketer, rules=rules)
    segment_refresh(actor=None, segment_id=segment.pk)
    with django_assert_max_num_queries(6):
        page = selectors_segments.segment_members_page(actor=departments.north_a, segment=segment, limit=200)
        names = [(p.name, p.ind_1, p.ind_2, [t.name for t in p.tags.all()]) for p in page.items]
    assert len(names) == count


def test_show_more_loads_the_next_page(team, make_partner):
    for n in range(60):
        make_partner(kind="client", manager=team.north_a, name=f"Клиент {n:02}")
    segment_refresh(actor=None, segment_id=team.segment.pk)
    client = browser(team.marketer)
    url = reverse("segments:segment_members", args=[team.segment.pk])
    first = client.get(url).content.decode()
    cursor = first.split("cursor=")[1].split('"')[0]
    more = client.get(url, {"cursor": cursor}, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in more
    assert (
        len(_ids(first)) == 50 and _ids(first).isdisjoint(_ids(more)) and len(_ids(first) | _ids(more)) == 62
    )


def test_the_builder_creates_a_segment_and_refreshes_it(team):
    client = browser(team.marketer)
    page = client.get(reverse("segments:segment_new")).content.decode()
    assert 'id="builder-data"' in page and "segments/builder.js" in page
    response = client.post(
        reverse("segments:segment_new"),
        {
            "name": "Поставщики",
            "rules": json.dumps(
                {
                    "op": "and",
                    "items": [{"indicator": "partner_kind", "operator": "in", "value": ["supplier"]}],
                }
            ),
            "refresh_mode": "scheduled",
            "schedule": "0 6 * * 1",
            "save_refresh": "1",
        },
    )
    segment = Segment.objects.get(name="Поставщики")
    assert response.status_code == 302 and response["Location"] == reverse(
        "segments:segment_members", args=[segment.pk]
    )
    assert segment.member_count == 1 and segment.next_refresh_at is not None


@pytest.mark.parametrize(
    ("rules", "schedule", "error"),
    [
        ('{"op": "and", "items": [{"indicator": "nope"}]}', "", "error-rules"),
        ("not json", "", "error-rules"),
        (json.dumps(CLIENTS), "0 6 * *", "error-schedule"),
    ],
)
def test_the_builder_shows_errors_and_saves_nothing(team, rules, schedule, error):
    response = browser(team.marketer).post(
        reverse("segments:segment_new"),
        {
            "name": "Новый",
            "rules": rules,
            "refresh_mode": "scheduled" if schedule else "manual",
            "schedule": schedule,
        },
    )
    assert response.status_code == 200
    assert f'data-testid="{error}"' in response.content.decode()
    assert not Segment.objects.filter(name="Новый").exists()


def test_the_live_count(team):
    client = browser(team.marketer)
    url = reverse("segments:segment_preview")
    ok = client.post(url, {"rules": json.dumps(CLIENTS)}, HTTP_HX_REQUEST="true").content.decode()
    assert 'data-testid="preview-count"' in ok and ">2 partners" in ok
    bad = client.post(url, {"rules": '{"op": "and", "items": [{"indicator": "nope"}]}'}).content.decode()
    assert 'data-testid="preview-error"' in bad and "nope" in bad


def test_refresh_and_delete_buttons(team):
    client = browser(team.marketer)
    team.theirs.kind = "supplier"
    team.theirs.save()
    client.post(reverse("segments:segment_refresh", args=[team.segment.pk]))
    assert SegmentChange.objects.filter(segment=team.segment, joined=False, partner=team.theirs).exists()
    assert (
        browser(team.north_a).post(reverse("segments:segment_refresh", args=[team.segment.pk])).status_code
        == 302
    )
    assert (
        SegmentChange.objects.filter(segment=team.segment).count() == 3
    )  # the manager's refresh was refused
    client.post(reverse("segments:segment_delete", args=[team.segment.pk]))
    assert not Segment.objects.exists()


def test_changes_page_filters_joined_and_left(team):
    team.theirs.kind = "supplier"
    team.theirs.save()
    segment_refresh(actor=None, segment_id=team.segment.pk)
    url = reverse("segments:segment_changes", args=[team.segment.pk])
    client = browser(team.marketer)
    left = client.get(url, {"kind": "left"}).content.decode()
    joined = client.get(url, {"kind": "joined"}).content.decode()
    assert _ids(left) == {team.theirs.pk}
    assert _ids(joined) == {team.mine.pk, team.theirs.pk}
    assert _ids(browser(team.north_a).get(url).content.decode()) == {team.mine.pk}
    bad_period = client.get(url, {"date_from": "2026-02-02", "date_to": "2026-01-01"})
    assert bad_period.status_code == 200 and "before its start" in bad_period.content.decode()


def test_the_client_list_filtered_by_a_segment_shows_only_members(team, make_partner):
    outsider = make_partner(kind="client", name="Дельта")  # joined no refresh yet: not a member
    client = browser(team.marketer)
    page = client.get("/clients/", {"segment": team.segment.pk}).content.decode()
    assert "Альфа" in page and "Бета" in page
    assert "Гамма" not in page and outsider.name not in page
    assert 'data-testid="segment-filter"' in page and 'data-testid="zone-filter"' in page
    assert f'<option value="{team.segment.pk}" selected>' in page
    everyone = client.get("/clients/").content.decode()
    assert "Гамма" in everyone and outsider.name in everyone
