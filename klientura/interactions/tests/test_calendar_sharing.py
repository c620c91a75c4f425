"""Sharing a calendar: view or edit access granted, changed and withdrawn; refusals change nothing."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext

from klientura.core.errors import NotFound, ValidationFailed
from klientura.core.models import AuditEntry

from ..models import CalendarGrant
from ..services_calendar import calendar_grant_revoke, calendar_grant_set
from .factories import client_with_contact, plan_call

SHARING = reverse("interactions:calendar_sharing")
REVOKE = reverse("interactions:calendar_grant_revoke")
EVENTS = reverse("interactions:calendar_events")


@pytest.fixture
def team(departments):
    departments.partner, _ = client_with_contact(manager=departments.north_a)
    departments.event = plan_call(
        actor=departments.north_a, partner=departments.partner, start_in=datetime.timedelta(days=1)
    )
    return departments


def audits(grant, **filters):
    return AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(CalendarGrant), object_id=str(grant.pk), **filters
    )


def read_calendar(client, owner):
    now = timezone.localtime()
    start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return client.get(
        EVENTS,
        {
            "user": owner.pk,
            "start": start.isoformat(),
            "end": (start + datetime.timedelta(days=7)).isoformat(),
        },
    )


def move(client, event):
    new_start = timezone.localtime(event.start_at + datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    return client.post(reverse("interactions:calendar_event_move", args=[event.pk]), {"start": new_start})


def test_a_view_grant_lets_a_colleague_see_but_not_move(client, team):
    client.force_login(team.north_a)

    response = client.post(SHARING, {"grantee": team.south_a.pk, "access": "view"})

    assert response.status_code == 302
    grant = CalendarGrant.objects.get(owner=team.north_a)
    assert (grant.grantee, grant.can_edit) == (team.south_a, False)
    assert audits(grant, action="create", actor=team.north_a).exists()

    client.force_login(team.south_a)
    rows = read_calendar(client, team.north_a).json()
    assert [(int(r["id"]), r["editable"]) for r in rows] == [(team.event.pk, False)]
    before = team.event.start_at
    assert move(client, team.event).status_code == 404
    team.event.refresh_from_db()
    assert team.event.start_at == before
    page = client.get(SHARING)
    assert [g.owner for g in page.context["received"]] == [team.north_a]


def test_an_edit_grant_lets_a_colleague_move_events(client, team):
    calendar_grant_set(actor=team.north_a, grantee_id=team.south_a.pk, can_edit=True)
    client.force_login(team.south_a)

    rows = read_calendar(client, team.north_a).json()
    response = move(client, team.event)

    assert rows[0]["editable"] is True
    assert response.status_code == 200
    team.event.refresh_from_db()
    assert team.event.start_at > timezone.now() + datetime.timedelta(hours=30)


def test_changing_and_withdrawing_access_is_audited_and_takes_effect(client, team):
    calendar_grant_set(actor=team.north_a, grantee_id=team.south_a.pk, can_edit=True)
    client.force_login(team.north_a)

    client.post(SHARING, {"grantee": team.south_a.pk, "access": "view"})
    grant = CalendarGrant.objects.get(owner=team.north_a)
    assert grant.can_edit is False
    assert audits(grant, action="update").exists()

    response = client.post(REVOKE, {"grantee": team.south_a.pk})

    assert response.status_code == 302
    assert not CalendarGrant.objects.exists()
    assert audits(grant, action="delete").exists()
    client.force_login(team.south_a)
    assert read_calendar(client, team.north_a).status_code == 404


def test_setting_the_same_access_twice_keeps_one_grant_and_one_record(team):
    first = calendar_grant_set(actor=team.north_a, grantee_id=team.south_a.pk, can_edit=False)
    again = calendar_grant_set(actor=team.north_a, grantee_id=str(team.south_a.pk), can_edit=False)

    assert first.pk == again.pk
    assert audits(first).count() == 1


@pytest.mark.parametrize("grantee", ["self", "inactive", "missing", "junk", None])
def test_a_grant_to_oneself_or_to_nobody_is_refused(team, grantee):
    team.north_b.is_active = False
    team.north_b.save()
    grantee_id = {"self": team.north_a.pk, "inactive": team.north_b.pk, "missing": 987654, "junk": "x"}.get(
        grantee
    )

    with pytest.raises(ValidationFailed) as refused:
        calendar_grant_set(actor=team.north_a, grantee_id=grantee_id, can_edit=True)

    assert "grantee" in refused.value.fields
    assert not CalendarGrant.objects.exists()


def test_a_refused_grant_shows_the_reason_on_the_page(client, team):
    client.force_login(team.north_a)

    response = client.post(SHARING, {"grantee": team.north_a.pk, "access": "edit"})

    assert response.status_code == 422
    with translation.override("ru"):  # the page speaks the user's language, Russian by default
        reason = escape(gettext("Your own calendar is always open to you."))
    assert reason in response.content.decode()
    assert not CalendarGrant.objects.exists()


def test_withdrawing_what_was_never_granted_is_refused(client, team):
    calendar_grant_set(actor=team.south_a, grantee_id=team.north_b.pk, can_edit=False)

    with pytest.raises(NotFound):
        calendar_grant_revoke(actor=team.north_a, grantee_id=team.north_b.pk)
    client.force_login(team.north_a)
    client.post(REVOKE, {"grantee": team.north_b.pk})

    assert CalendarGrant.objects.count() == 1  # someone else's grant to the same colleague stays


def test_the_sharing_page_lists_my_grants_and_candidates(client, team):
    calendar_grant_set(actor=team.north_a, grantee_id=team.south_a.pk, can_edit=True)
    client.force_login(team.north_a)

    response = client.get(SHARING)

    assert response.status_code == 200
    assert [g.grantee for g in response.context["given"]] == [team.south_a]
    assert team.north_a not in response.context["candidates"]
    assert 'data-testid="grant-row"' in response.content.decode()
