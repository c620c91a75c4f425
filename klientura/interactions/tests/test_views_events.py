"""The event pages: list with filters and grouping, the form, the card and its actions, the card tab."""

import datetime

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from ..inputs import SubjectRef
from ..models import Event, EventAttachment, EventStatus, Reminder
from .factories import client_with_contact, plan_call

LIST = reverse("interactions:event_list")
NEW = reverse("interactions:event_new")


@pytest.fixture
def team(departments):
    departments.partner, departments.contact = client_with_contact(manager=departments.north_a)
    return departments


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _local(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_the_list_shows_my_events_and_not_a_colleagues(team):
    mine = plan_call(actor=team.north_a, partner=team.partner, title="Мой звонок")
    other_partner, _contact = client_with_contact(manager=team.south_a, name="ООО «Юг»", email="s@yug.test")
    plan_call(actor=team.south_a, partner=other_partner, title="Чужой звонок")

    page = browser(team.north_a).get(LIST).content.decode()

    assert mine.title in page
    assert "Чужой звонок" not in page


def test_the_list_filters_open_events_of_a_kind(team):
    plan_call(actor=team.north_a, partner=team.partner, title="Открытый звонок")
    done = plan_call(actor=team.north_a, partner=team.partner, title="Закрытый звонок", status="done")
    plan_call(actor=team.north_a, partner=team.partner, title="Встреча в офисе", kind="meeting")

    page = browser(team.north_a).get(LIST, {"open": "1", "kind": "call"}).content.decode()

    assert "Открытый звонок" in page
    assert done.title not in page
    assert "Встреча в офисе" not in page


def test_the_list_costs_a_fixed_number_of_queries(team, django_assert_max_num_queries):
    order_subject = plan_call(actor=team.north_a, partner=team.partner)
    for n in range(30):
        plan_call(
            actor=team.north_a,
            partner=team.partner,
            title=f"Звонок {n}",
            subject=SubjectRef("interactions.event", order_subject.pk),
        )
    client = browser(team.north_a)
    client.get(LIST)  # warm the session and permission caches

    with django_assert_max_num_queries(14):
        response = client.get(LIST, {"group": "subject"})

    assert response.status_code == 200
    assert response.content.decode().count('data-testid="event-row"') == 31


def test_grouping_by_subject_puts_a_thread_together(team):
    first = plan_call(actor=team.north_a, partner=team.partner, title="Первый")
    plan_call(
        actor=team.north_a,
        partner=team.partner,
        title="Ответ",
        subject=SubjectRef("interactions.event", first.pk),
        start_in=datetime.timedelta(hours=9),
    )
    plan_call(actor=team.north_a, partner=team.partner, title="Отдельный", start_in=datetime.timedelta(hours=5))

    page = browser(team.north_a).get(LIST, {"group": "subject"}).content.decode()

    assert page.count('data-testid="event-group"') == 2


def test_planning_a_call_with_a_reminder_through_the_form(team):
    start = timezone.now() + datetime.timedelta(days=1)
    response = browser(team.north_a).post(
        f"{NEW}?partner={team.partner.pk}",
        {
            "kind": "call",
            "direction": "outgoing",
            "title": "Обсудить поставку",
            "partner": team.partner.pk,
            "contact": team.contact.pk,
            "responsible": team.north_a.pk,
            "importance": "high",
            "status": "planned",
            "start_at": _local(start),
            "reminder": "15",
            "remind_by_email": "on",
            "participant_names": "Сидоров Пётр <sidorov@romashka.test>",
        },
    )

    event = Event.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("interactions:event_card", args=[event.pk])
    assert (event.importance, event.contact, event.partner) == ("high", team.contact, team.partner)
    reminder = Reminder.objects.get(event=event)
    assert reminder.remind_at == event.start_at - datetime.timedelta(minutes=15)
    assert reminder.by_email
    assert event.participants.get().email == "sidorov@romashka.test"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"end_at": "2020-01-01T10:00"}, "The end is before the start."),
        ({"reminder": "exact", "remind_at": "2020-01-01T10:00"}, "The reminder is in the past."),
    ],
)
def test_bad_input_in_the_form_shows_the_message_and_saves_nothing(team, extra, message):
    start = timezone.now() + datetime.timedelta(days=1)
    data = {
        "kind": "call",
        "direction": "outgoing",
        "title": "Звонок",
        "partner": team.partner.pk,
        "responsible": team.north_a.pk,
        "importance": "normal",
        "status": "planned",
        "start_at": _local(start),
        **extra,
    }

    with translation.override("en"):
        response = browser(team.north_a).post(NEW, data, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Event.objects.exists()


def test_the_card_of_a_colleagues_event_is_not_found(team):
    event = plan_call(actor=team.north_a, partner=team.partner)

    assert browser(team.south_a).get(reverse("interactions:event_card", args=[event.pk])).status_code == 404
    assert browser(team.north_head).get(reverse("interactions:event_card", args=[event.pk])).status_code == 200


def test_recording_the_result_on_the_card(team):
    event = plan_call(actor=team.north_a, partner=team.partner)

    response = browser(team.north_a).post(
        reverse("interactions:event_complete", args=[event.pk]),
        {"result": "Клиент согласен", "time_spent_minutes": "7"},
    )

    event.refresh_from_db()
    assert response.status_code == 302
    assert (event.status, event.result, event.time_spent_minutes) == (EventStatus.DONE, "Клиент согласен", 7)


def test_a_colleague_cannot_complete_by_posting(team):
    event = plan_call(actor=team.north_a, partner=team.partner)

    response = browser(team.north_b).post(reverse("interactions:event_complete", args=[event.pk]), {"result": "x"})

    event.refresh_from_db()
    assert response.status_code == 404
    assert event.status == EventStatus.PLANNED


def test_the_client_card_events_tab_shows_the_threads(team):
    first = plan_call(actor=team.north_a, partner=team.partner, title="Звонок о заказе")
    plan_call(
        actor=team.north_a,
        partner=team.partner,
        title="Письмо после звонка",
        subject=SubjectRef("interactions.event", first.pk),
        start_in=datetime.timedelta(hours=6),
    )

    page = browser(team.north_a).get(reverse("parties:partner_card", args=[team.partner.pk]), {"tab": "events"})

    html = page.content.decode()
    assert html.count('data-testid="event-thread"') == 1
    assert html.index("Звонок о заказе") < html.index("Письмо после звонка")


def test_an_attachment_is_served_only_to_who_sees_the_event(team, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    event = plan_call(actor=team.north_a, partner=team.partner)
    attachment = EventAttachment(event=event, name="счёт.pdf", size=4)
    attachment.file.save("invoice.pdf", ContentFile(b"%PDF"), save=True)
    url = reverse("interactions:attachment_download", args=[attachment.pk])

    assert browser(team.south_a).get(url).status_code == 404
    response = browser(team.north_a).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF"
