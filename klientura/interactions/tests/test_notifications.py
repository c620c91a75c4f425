"""The bell and the notifications page: a user sees only their own, polling is cheap, clicks mark read."""

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from klientura.core.errors import NotFound

from ..models import Event, EventStatus, Notification
from ..reminders import reminders_fire_due
from ..selectors_notifications import bell_state, notification_list, notifications_latest
from ..services_notifications import notification_mark_read, notifications_mark_all_read
from .factories import ReminderInput, client_with_contact, plan_call

BELL = reverse("interactions:notification_bell")
MENU = reverse("interactions:notification_menu")
PAGE = reverse("interactions:notifications")
READ_ALL = reverse("interactions:notifications_read_all")
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def team(departments):
    departments.partner, departments.contact = client_with_contact(manager=departments.north_a)
    return departments


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def notify(user, title="Позвонить", *, read=False, event=None, **values) -> Notification:
    return Notification.objects.create(
        user=user,
        title=title,
        body=values.pop("body", "ООО «Ромашка»"),
        url=values.pop("url", "/events/"),
        event=event,
        read_at=timezone.now() if read else None,
        **values,
    )


def fired(
    team, *, importance="normal", start_in=datetime.timedelta(hours=2), title="Позвонить по поводу заказа"
):
    """A real reminder fired by the job: the notification as users get it."""
    event = plan_call(
        actor=team.north_a,
        partner=team.partner,
        contact=team.contact,
        importance=importance,
        title=title,
        start_in=start_in,
        reminder=ReminderInput(minutes_before=10),
    )
    reminders_fire_due(now=event.start_at - datetime.timedelta(minutes=5))
    return Notification.objects.get(event=event)


def badge_count(response) -> int:
    assert response.status_code == 200
    match = re.search(r'data-testid="bell-badge" data-unread="(\d+)"', response.content.decode())
    assert match, "no badge in the answer"
    return int(match.group(1))


def ids_shown(response_or_content) -> list[int]:
    content = getattr(response_or_content, "content", response_or_content)
    content = content.decode() if isinstance(content, bytes) else content
    return [int(i) for i in re.findall(r'data-testid="notification" data-id="(\d+)"', content)]


# --- The badge ---------------------------------------------------------------------------------------


def test_the_badge_counts_my_unread_notifications_only(team):
    for _ in range(3):
        notify(team.north_a)
    notify(team.north_a, read=True)
    notify(team.north_b)

    response = browser(team.north_a).get(BELL, **HTMX)

    assert badge_count(response) == 3
    assert 'data-testid="bell-count"' in response.content.decode()
    assert badge_count(browser(team.north_b).get(BELL, **HTMX)) == 1
    assert badge_count(browser(team.south_a).get(BELL, **HTMX)) == 0


def test_no_unread_means_no_red_badge(team):
    notify(team.north_a, read=True)

    response = browser(team.north_a).get(BELL, **HTMX)

    assert badge_count(response) == 0
    assert "bell-count" not in response.content.decode()


def test_the_badge_keeps_polling_without_firing_load_again(team):
    """The answer replaces the polled element: a `load` trigger there would poll in a tight loop."""
    content = browser(team.north_a).get(BELL, **HTMX).content.decode()

    assert 'hx-trigger="every 20s"' in content
    assert "load" not in re.search(r'hx-trigger="([^"]*)"', content).group(1)


def test_a_poll_costs_a_fixed_small_number_of_queries(team, django_assert_max_num_queries):
    client = browser(team.north_a)
    first = notify(team.north_a)
    for i in range(40):
        notify(team.north_a, f"Звонок {i}", event=first.event)

    newest = Notification.objects.order_by("-pk").first().pk

    # session, user, one aggregate; plus one for the pop-ups when something new arrived
    with django_assert_max_num_queries(3):
        client.get(f"{BELL}?after={newest}", **HTMX)
    with django_assert_max_num_queries(4):
        response = client.get(f"{BELL}?after={first.pk}", **HTMX)
    assert badge_count(response) == 41


def test_notifications_newer_than_the_page_has_seen_pop_up_once(team):
    seen = notify(team.north_a, "Старое")
    new = notify(team.north_a, "Новое напоминание")
    client = browser(team.north_a)

    popped = client.get(f"{BELL}?after={seen.pk}", **HTMX).content.decode()
    again = client.get(f"{BELL}?after={new.pk}", **HTMX).content.decode()
    first_load = client.get(BELL, **HTMX).content.decode()

    assert 'data-testid="bell-toast"' in popped and "Новое напоминание" in popped and "Старое" not in popped
    assert f"?after={new.pk}" in popped  # the next poll asks only for what is newer still
    assert "bell-toast" not in again
    assert "bell-toast" not in first_load  # a page that was just opened shows the badge, no pop-ups


def test_other_users_notifications_never_pop_up(team):
    mine = notify(team.north_a, "Моё")
    notify(team.north_b, "Чужое напоминание")

    content = browser(team.north_a).get(f"{BELL}?after={mine.pk - 1}", **HTMX).content.decode()

    assert "Моё" in content
    assert "Чужое" not in content


def test_anonymous_is_sent_to_login_and_a_signed_out_tab_stops_polling(db):
    plain = Client().get(BELL)
    polled = Client().get(BELL, **HTMX)

    assert plain.status_code == 302
    assert plain["Location"].startswith(reverse("accounts:login"))
    assert polled.status_code == 286  # htmx stops polling instead of pasting the login page in the navbar
    assert polled.content == b""
    for url in (MENU, PAGE):
        assert Client().get(url)["Location"].startswith(reverse("accounts:login"))


# --- The dropdown -------------------------------------------------------------------------------------


def test_the_dropdown_shows_the_latest_with_mark_client_time_and_unread_in_bold(team):
    old = fired(team, title="Давний звонок", start_in=datetime.timedelta(hours=5))
    Notification.objects.filter(pk=old.pk).update(read_at=timezone.now())
    high = fired(team, importance="high", title="Срочно перезвонить")
    notify(team.north_b, "Чужое")

    content = browser(team.north_a).get(MENU, **HTMX).content.decode()

    assert ids_shown(content) == [high.pk, old.pk]
    item = _item(content, high.pk)
    assert 'class="notification-mark text-danger"' in item and ">!</span> Срочно перезвонить" in item
    assert "fw-bold" in item and "ООО «Ромашка», Иванов Иван" in item
    assert "<time" in item
    assert "fw-bold" not in _item(content, old.pk)
    assert "Чужое" not in content
    assert 'data-testid="bell-read-all"' in content
    assert 'hx-swap-oob="true"' in content  # the badge is refreshed with the list


def _item(content: str, pk: int) -> str:
    start = content.index(f'id="notification-{pk}" data-testid="notification" ')
    end = content.find('data-testid="notification" ', start + 40)
    return content[start : end if end > 0 else len(content)]


def test_the_dropdown_is_limited_and_costs_the_same_for_many(team, django_assert_max_num_queries):
    event = fired(team).event
    for i in range(30):
        notify(team.north_a, f"Звонок {i}", event=event)
    client = browser(team.north_a)

    with django_assert_max_num_queries(4):  # session, user, the list, the badge's aggregate
        response = client.get(MENU, **HTMX)

    assert len(ids_shown(response)) == 8


def test_overdue_is_shown_while_the_event_is_open_and_past_its_start(team):
    notification = fired(team)
    event = notification.event
    later = event.start_at + datetime.timedelta(minutes=1)

    assert not notifications_latest(actor=team.north_a, now=event.start_at)[0].is_overdue
    assert notifications_latest(actor=team.north_a, now=later)[0].is_overdue
    Event.objects.filter(pk=event.pk).update(status=EventStatus.DONE)
    assert not notifications_latest(actor=team.north_a, now=later)[0].is_overdue


def test_the_dropdown_marks_an_overdue_reminder(team):
    notification = fired(team)
    Event.objects.filter(pk=notification.event_id).update(
        start_at=timezone.now() - datetime.timedelta(minutes=3)
    )

    content = browser(team.north_a).get(MENU, **HTMX).content.decode()

    assert 'data-testid="notification-overdue"' in content


def test_an_empty_dropdown_says_so(team):
    content = browser(team.north_a).get(MENU, **HTMX).content.decode()

    assert 'data-testid="bell-empty"' in content
    assert "bell-read-all" not in content


# --- Marking read --------------------------------------------------------------------------------------


def test_clicking_a_notification_marks_it_read_and_opens_its_page(team):
    notification = fired(team)

    response = browser(team.north_a).post(reverse("interactions:notification_open", args=[notification.pk]))

    assert response.status_code == 302
    assert response["Location"] == f"/events/{notification.event_id}/"
    assert Notification.objects.get(pk=notification.pk).read_at is not None


def test_someone_elses_notification_cannot_be_opened_or_marked(team):
    theirs = notify(team.north_b, "Чужое")
    client = browser(team.north_a)

    for name in ("interactions:notification_open", "interactions:notification_read"):
        assert client.post(reverse(name, args=[theirs.pk])).status_code == 404
    assert client.post(reverse("interactions:notification_open", args=[987654])).status_code == 404

    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_opening_needs_a_post(team):
    notification = notify(team.north_a)

    response = browser(team.north_a).get(reverse("interactions:notification_open", args=[notification.pk]))

    assert response.status_code == 405
    assert Notification.objects.get(pk=notification.pk).read_at is None


def test_a_url_to_another_site_is_not_followed(team):
    notification = notify(team.north_a, url="https://evil.example/phish")

    response = browser(team.north_a).post(reverse("interactions:notification_open", args=[notification.pk]))

    assert response["Location"] == PAGE


def test_mark_read_on_the_page_answers_with_the_row(team):
    notification = notify(team.north_a, "Прочитать")

    response = browser(team.north_a).post(
        reverse("interactions:notification_read", args=[notification.pk]), **HTMX
    )

    assert response.status_code == 200
    assert ids_shown(response) == [notification.pk]
    assert 'data-unread="0"' in response.content.decode()
    assert badge_count(response) == 0  # the bell's badge comes along
    assert Notification.objects.get(pk=notification.pk).read_at is not None


def test_mark_all_read_spares_what_arrived_after_the_click_and_other_users(team):
    seen = [notify(team.north_a) for _ in range(3)]
    arrived_later = notify(team.north_a, "Только что")
    theirs = notify(team.north_b)

    response = browser(team.north_a).post(READ_ALL, {"up_to": seen[-1].pk}, **HTMX)

    assert response.status_code == 200
    assert not Notification.objects.filter(pk__in=[n.pk for n in seen], read_at__isnull=True).exists()
    assert Notification.objects.get(pk=arrived_later.pk).read_at is None
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    assert badge_count(response) == 1  # the dropdown comes back with the badge refreshed


def test_mark_all_read_without_htmx_goes_back(team):
    notify(team.north_a)

    response = browser(team.north_a).post(READ_ALL, {"next": f"{PAGE}?unread=1"})

    assert response.status_code == 302 and response["Location"] == f"{PAGE}?unread=1"
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_services_refuse_someone_elses_notification_and_change_nothing(team):
    theirs = notify(team.north_b)

    with pytest.raises(NotFound):
        notification_mark_read(actor=team.north_a, notification_id=theirs.pk)
    with pytest.raises(NotFound):
        notification_mark_read(actor=team.north_a, notification_id="not-a-number")
    assert notifications_mark_all_read(actor=team.north_a) == 0

    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_marking_read_twice_keeps_the_first_moment(team):
    notification = notify(team.north_a)

    first = notification_mark_read(actor=team.north_a, notification_id=notification.pk).read_at
    again = notification_mark_read(actor=team.north_a, notification_id=notification.pk).read_at

    assert first is not None and again == first
    assert bell_state(actor=team.north_a).unread == 0


# --- The page ------------------------------------------------------------------------------------------


def test_the_page_pages_by_keyset_with_show_more(team, django_assert_max_num_queries):
    made = [notify(team.north_a, f"Звонок {i}") for i in range(35)]
    notify(team.north_b, "Чужое")
    client = browser(team.north_a)

    with django_assert_max_num_queries(5):
        first = client.get(PAGE)
    cursor = re.search(r"cursor=([\w-]+)", first.content.decode()).group(1)
    more = client.get(f"{PAGE}?cursor={cursor}", **HTMX)

    newest_first = [n.pk for n in reversed(made)]
    assert ids_shown(first) == newest_first[:30]
    assert 'data-testid="show-more"' in first.content.decode()
    assert ids_shown(more) == newest_first[30:]
    assert "show-more" not in more.content.decode()
    assert "Чужое" not in first.content.decode() + more.content.decode()


def test_the_page_filters_unread(team):
    unread = notify(team.north_a, "Непрочитанное")
    notify(team.north_a, "Прочитанное", read=True)

    response = browser(team.north_a).get(f"{PAGE}?unread=1")

    assert ids_shown(response) == [unread.pk]
    assert notification_list(actor=team.north_a, unread_only=True).items == [unread]


def test_a_forged_cursor_is_not_found(team):
    response = browser(team.north_a).get(f"{PAGE}?cursor=bm9uc2Vuc2U", **HTMX)

    assert response.status_code == 404
