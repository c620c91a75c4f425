"""The iCalendar feed: a secret revocable link, read back with the `icalendar` package as Google or
Thunderbird would; escaping and line folding done by hand survive a third-party parser."""

import datetime
import hashlib
import re
import zoneinfo

import icalendar
import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from klientura.core.errors import NotFound

from ..ical import MAX_LINE_OCTETS, escape_text, fold
from ..models import CalendarFeed, EventStatus
from ..services import event_set_status
from ..services_calendar import calendar_feed_create, calendar_feed_revoke, calendar_feed_use
from .factories import ParticipantInput, ReminderInput, client_with_contact, plan_call

MSK = zoneinfo.ZoneInfo("Europe/Moscow")
NOW = datetime.datetime(2026, 3, 4, 12, 0, tzinfo=MSK)
LONG_TEXT = (
    "Обсудить поставку кроватей «Новая коллекция», скидку 7 %; договор, счёт — до пятницы.\n"
    "Второй абзац: привезти образцы тканей, каталог и прайс; уточнить адрес склада в Подольске.\\"
)


def feed_url(token: str) -> str:
    return reverse("interactions:calendar_feed", args=[token])


@pytest.fixture
def team(departments):
    with time_machine.travel(NOW, tick=False):
        departments.partner, departments.contact = client_with_contact(manager=departments.north_a)
        yield departments


@pytest.fixture
def events(team):
    a, partner = team.north_a, team.partner
    made = {
        "call": plan_call(
            actor=a,
            partner=partner,
            contact=team.contact,
            start_in=datetime.timedelta(days=1),
            importance="high",
            title="Позвонить; обсудить, скидку",
            content=LONG_TEXT,
            reminder=ReminderInput(minutes_before=15),
        ),
        "no_end": plan_call(
            actor=a, partner=partner, start_in=datetime.timedelta(days=2), end_at=None, importance="low"
        ),
        "old": plan_call(actor=a, partner=partner, start_in=-datetime.timedelta(days=91)),
        "recent": plan_call(
            actor=a, partner=partner, start_in=-datetime.timedelta(days=89), title="Недавний звонок"
        ),
        "cancelled": plan_call(
            actor=a, partner=partner, start_in=datetime.timedelta(days=3), title="Отменён"
        ),
        "exact": plan_call(
            actor=a,
            partner=partner,
            start_in=datetime.timedelta(days=4),
            title="С напоминанием к сроку",
            reminder=ReminderInput(remind_at=NOW + datetime.timedelta(days=3)),
        ),
        "joined": plan_call(
            actor=team.north_head,
            partner=partner,
            start_in=datetime.timedelta(days=5),
            title="Совещание",
            participants=[ParticipantInput(user_id=a.pk)],
        ),
        "someone_elses": plan_call(actor=team.north_head, partner=partner, title="Чужое"),
    }
    event_set_status(actor=a, event_id=made["cancelled"].pk, status=EventStatus.CANCELLED)
    return made


def read_feed(token: str):
    response = Client().get(feed_url(token))  # no login: the link is the key
    assert response.status_code == 200, response.status_code
    return response, icalendar.Calendar.from_ical(response.content)


def vevents(calendar) -> dict:
    return {str(component["SUMMARY"]): component for component in calendar.walk("VEVENT")}


def test_the_feed_reads_back_with_a_third_party_parser(team, events):
    _feed, token = calendar_feed_create(actor=team.north_a)

    response, calendar = read_feed(token)

    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert str(calendar["VERSION"]) == "2.0"
    found = vevents(calendar)
    assert set(found) == {
        "! Позвонить; обсудить, скидку",
        "↓ Позвонить по поводу заказа",
        "Недавний звонок",
        "С напоминанием к сроку",
        "Совещание",
    }
    call = events["call"]
    vevent = found["! Позвонить; обсудить, скидку"]
    assert str(vevent["UID"]) == f"event-{call.pk}@klientura.calendar"
    assert vevent.decoded("DTSTART") == call.start_at
    assert vevent.decoded("DTSTART").utcoffset() == datetime.timedelta(0)
    assert vevent.decoded("DTEND") == call.end_at
    description = str(vevent["DESCRIPTION"])
    assert team.partner.name in description and "Иванов Иван" in description
    assert LONG_TEXT in description  # commas, semicolons, a backslash and a line break come back intact
    assert str(vevent["URL"]).endswith(reverse("interactions:event_card", args=[call.pk]))
    assert str(vevent["URL"]).startswith("http://testserver/")
    (alarm,) = vevent.walk("VALARM")
    assert alarm.decoded("TRIGGER") == -datetime.timedelta(minutes=15)
    (exact_alarm,) = found["С напоминанием к сроку"].walk("VALARM")
    assert exact_alarm.decoded("TRIGGER") == NOW + datetime.timedelta(days=3)
    no_end = found["↓ Позвонить по поводу заказа"]
    assert no_end.decoded("DTEND") - no_end.decoded("DTSTART") == datetime.timedelta(minutes=30)


def test_every_line_is_folded_to_75_octets_and_utf8_survives(team, events):
    _feed, token = calendar_feed_create(actor=team.north_a)

    response, _calendar = read_feed(token)

    raw = response.content
    assert raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b"")
    lines = raw.split(b"\r\n")
    assert max(len(line) for line in lines) <= MAX_LINE_OCTETS
    assert any(line.startswith(b" ") for line in lines)  # the long Cyrillic description was folded
    for line in lines:
        line.decode()  # no multi-byte character was cut in two


def test_uids_are_stable_and_the_use_is_recorded(team, events):
    feed, token = calendar_feed_create(actor=team.north_a)
    assert feed.last_used_at is None

    _response, first = read_feed(token)
    _response, second = read_feed(token)

    assert [c["UID"] for c in first.walk("VEVENT")] == [c["UID"] for c in second.walk("VEVENT")]
    feed.refresh_from_db()
    assert feed.last_used_at == NOW


def test_only_the_hash_of_the_token_is_kept(team):
    feed, token = calendar_feed_create(actor=team.north_a)

    assert token.startswith("kcal_") and len(token) > 40
    assert feed.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert not CalendarFeed.objects.filter(token_hash=token).exists()
    assert token not in str(list(CalendarFeed.objects.values()))


def test_a_revoked_link_and_a_wrong_one_answer_404(team, events):
    _feed, token = calendar_feed_create(actor=team.north_a)
    read_feed(token)

    calendar_feed_revoke(actor=team.north_a)

    assert Client().get(feed_url(token)).status_code == 404
    assert Client().get(feed_url(token[:-1] + ("A" if token[-1] != "A" else "B"))).status_code == 404
    assert Client().get(feed_url("kcal_nothing")).status_code == 404
    assert Client().get("/events/calendar/feed/x" * 30 + ".ics").status_code == 404
    assert calendar_feed_use(token="") is None


def test_a_new_link_replaces_the_old_one(team, events):
    _old, old_token = calendar_feed_create(actor=team.north_a)
    _new, new_token = calendar_feed_create(actor=team.north_a)

    assert Client().get(feed_url(old_token)).status_code == 404
    read_feed(new_token)
    assert CalendarFeed.objects.filter(user=team.north_a, revoked_at__isnull=True).count() == 1


def test_a_deactivated_user_has_no_feed(team, events):
    _feed, token = calendar_feed_create(actor=team.north_a)
    team.north_a.is_active = False
    team.north_a.save()

    assert Client().get(feed_url(token)).status_code == 404


def test_the_page_shows_the_link_once(client, team):
    client.force_login(team.north_a)

    created = client.post(reverse("interactions:calendar_feed_manage"), {"action": "create"})
    link = re.search(
        r'value="(http://testserver/events/calendar/feed/kcal_[^"]+\.ics)"', created.content.decode()
    )

    assert created.status_code == 200 and link
    assert Client().get(link.group(1)).status_code == 200
    again = client.get(reverse("interactions:calendar_sharing")).content.decode()
    assert "kcal_" in again  # the prefix only
    assert link.group(1).split("/")[-1][:-4] not in again

    revoked = client.post(reverse("interactions:calendar_feed_manage"), {"action": "revoke"})
    assert revoked.status_code == 302
    assert Client().get(link.group(1)).status_code == 404


def test_revoking_without_a_link_is_refused(team):
    with pytest.raises(NotFound):
        calendar_feed_revoke(actor=team.north_a)


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("a,b;c\\d", "a\\,b\\;c\\\\d"),
        ("line one\r\nline two\nthree\rfour", "line one\\nline two\\nthree\\nfour"),
        ("bell\x07 and tab\t", "bell and tab\t"),
    ],
)
def test_escape_text(text, escaped):
    assert escape_text(text) == escaped


@pytest.mark.parametrize("length", [10, 74, 75, 76, 200, 1000])
def test_fold_cuts_between_characters(length):
    line = "DESCRIPTION:" + ("ж€😀a" * length)[:length]

    folded = fold(line)

    pieces = folded.split("\r\n")
    assert all(len(p.encode()) <= MAX_LINE_OCTETS for p in pieces)
    assert all(p.startswith(" ") for p in pieces[1:])
    assert "".join([pieces[0], *(p[1:] for p in pieces[1:])]) == line
