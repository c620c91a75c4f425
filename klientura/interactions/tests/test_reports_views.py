"""The report pages and their XLSX files: permission, filters, drill-down links, what the files hold
(read back with openpyxl) and that a client's text never becomes a formula in them."""

import datetime
import io
import zoneinfo

import openpyxl
import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from klientura.core.models import AuditEntry
from klientura.core.xlsx import CONTENT_TYPE
from klientura.parties.models import ContactInfo, ContactKind, ContactPerson

from .factories import EventInput, client_with_contact

pytestmark = pytest.mark.django_db

MSK = zoneinfo.ZoneInfo("Europe/Moscow")
NOW = datetime.datetime(2025, 3, 12, 10, 0, tzinfo=MSK)
INDEX = reverse("interactions:report_index")
CALENDAR = reverse("interactions:report_calendar")
CONTACTS = reverse("interactions:report_contacts")
INFO = reverse("interactions:report_contact_info")
FORMULA = '=HYPERLINK("http://evil.test","x")'


def at(day: int, hour: int = 10) -> datetime.datetime:
    return datetime.datetime(2025, 3, day, hour, tzinfo=MSK)


def add_event(actor, partner, start, **values):
    from ..services import event_create

    data = {"kind": "call", "title": "Звонок", "partner_id": partner.pk, "start_at": start}
    data.update(values)
    return event_create(actor=actor, data=EventInput(**data))


def browser(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def sheets(content: bytes) -> dict[str, list[list]]:
    book = openpyxl.load_workbook(io.BytesIO(content))
    return {
        sheet.title: [[cell.value for cell in row] for row in sheet.iter_rows()] for sheet in book.worksheets
    }


@pytest.fixture
def team(departments):
    with time_machine.travel(NOW, tick=False):
        departments.alpha, _ = client_with_contact(manager=departments.north_a, name="Альфа")
        departments.evil, _ = client_with_contact(
            manager=departments.north_b, name=FORMULA, email="e@evil.test"
        )
        add_event(departments.north_a, departments.alpha, at(11), importance="high")  # overdue
        add_event(departments.north_a, departments.alpha, at(12, 15))  # today
        add_event(departments.north_a, departments.alpha, at(3), status="done", time_spent_minutes=95)
        add_event(
            departments.north_b, departments.evil, at(4), kind="meeting", status="done", time_spent_minutes=30
        )
        yield departments


@pytest.fixture
def clock(team):
    with time_machine.travel(NOW, tick=False):
        yield


def test_the_index_links_the_three_reports(team):
    page = browser(team.north_a).get(INDEX)
    assert page.status_code == 200 and page.context["section"] == "events"
    html = page.content.decode()
    assert CALENDAR in html and CONTACTS in html and INFO in html


@pytest.mark.parametrize(
    "url", [INDEX, CALENDAR, CONTACTS, INFO, CALENDAR + "?format=xlsx", INFO + "?format=xlsx"]
)
def test_without_the_permission_the_reports_do_not_exist(team, url):
    assert browser(team.nobody).get(url).status_code == 404
    assert not AuditEntry.objects.filter(comment__startswith="Exported").exists()
    assert Client().get(url).status_code == 302  # anonymous: to the login page


def test_the_calendar_page_links_to_the_event_list(team, clock):
    page = browser(team.north_head).get(CALENDAR)
    html = page.content.decode()
    rows = page.context["report"].rows
    assert [(r.user_id, r.overdue, r.today) for r in rows] == [(team.north_a.pk, 1, 1)]
    assert f"{reverse('interactions:event_list')}?open=1&amp;responsible={team.north_a.pk}" in html
    assert f"?overdue=1&amp;responsible={team.north_a.pk}" in html
    assert page.context["chart"] == {
        "labels": [str(team.north_a)],
        "overdue": [1],
        "today": [1],
        "upcoming": [0],
    }
    assert "calendar-chart" in html


def test_the_calendar_keeps_its_filters_in_the_links(team, clock):
    html = browser(team.north_head).get(CALENDAR, {"importance": "high"}).content.decode()
    assert f"?open=1&amp;responsible={team.north_a.pk}&amp;importance=high" in html
    assert "format=xlsx" in html and "importance=high&amp;format=xlsx" in html


def test_the_calendar_as_xlsx(team, clock):
    response = browser(team.north_head).get(CALENDAR, {"format": "xlsx"})
    assert response["Content-Type"] == CONTENT_TYPE
    assert 'filename="events-calendar-2025-03-12.xlsx"' in response["Content-Disposition"]
    ((title, rows),) = sheets(response.content).items()
    assert title == "Events calendar"
    assert rows[0][:7] == ["Responsible", "Overdue", "Today", "This week", "Later", "No date", "Open in all"]
    assert rows[1][:7] == [str(team.north_a), 1, 1, 0, 0, 0, 2]
    assert rows[2][:7] == ["Total", 1, 1, 0, 0, 0, 2]
    assert rows[1][8:] == [1, 1]  # high importance, of it overdue
    entry = AuditEntry.objects.get(comment__contains="events calendar")
    assert entry.actor == team.north_head and "1 rows" in entry.comment


def test_the_contacts_page_with_two_levels(team, clock):
    page = browser(team.director).get(
        CONTACTS,
        {"date_from": "2025-03-01", "date_to": "2025-03-31", "group_by": "partner", "then_by": "kind"},
    )
    report = page.context["report"]
    assert [(g.label, g.figures.total, [line.key for line in g.lines]) for g in report.groups] == [
        ("Альфа", 3, ["call"]),
        (FORMULA, 1, ["meeting"]),
    ]
    assert report.totals.time_spent == "2:05"
    html = page.content.decode()
    assert "2:05" in html and "kind-chart" in html
    assert f"partner={team.alpha.pk}" in html and "date_from=2025-03-01" in html


def test_the_contacts_report_as_xlsx_neutralises_formulas(team, clock):
    response = browser(team.director).get(
        CONTACTS,
        {
            "date_from": "2025-03-01",
            "date_to": "2025-03-31",
            "group_by": "partner",
            "then_by": "kind",
            "format": "xlsx",
        },
    )
    assert response["Content-Type"] == CONTENT_TYPE
    book = sheets(response.content)
    assert list(book) == ["Contacts 01.03.2025–31.03.2025", "By kind"]
    rows = book["Contacts 01.03.2025–31.03.2025"]
    assert rows[0] == ["Client", "Kind", "Events", "Done", "Open", "Overdue", "Cancelled", "Time spent, h:mm"]
    assert rows[1][:5] == ["Альфа", None, 3, 1, 2]
    assert rows[1][7] == datetime.timedelta(minutes=95)
    assert rows[2][:3] == [None, "Phone call", 3]
    assert rows[3][0] == "'" + FORMULA  # text, never a formula
    assert rows[5][:3] == ["Total", None, 4] and rows[5][7] == datetime.timedelta(minutes=125)
    assert book["By kind"][1:] == [
        ["Phone call", 3, 1, 2, 1, 0, datetime.timedelta(minutes=95)],
        ["Meeting", 1, 1, 0, 0, 0, datetime.timedelta(minutes=30)],
    ]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert sheet["A4"].data_type == "s"


def test_the_contacts_report_of_a_manager_shows_only_theirs(team, clock):
    page = browser(team.north_a).get(CONTACTS, {"date_from": "2025-03-01", "group_by": "partner"})
    assert [g.label for g in page.context["report"].groups] == ["Альфа"]
    other = browser(team.north_a).get(CONTACTS, {"partner": team.evil.pk})
    assert other.context["partner"] is None  # another manager's client: not even its name
    assert "No such client." in other.content.decode()


def test_bad_filters_are_named_and_left_out(team, clock):
    page = browser(team.north_a).get(
        CONTACTS, {"date_from": "2025-03-20", "date_to": "2025-03-01", "kind": "fax", "group_by": "partner"}
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert "The end of the period is before its start." in html
    assert "Select a valid choice" in html
    filters = page.context["filters"]
    assert (filters.date_from, filters.date_to, filters.kind) == (
        datetime.date(2025, 3, 20),
        datetime.date(2025, 3, 12),
        "",
    )
    assert filters.group_by == "partner"


def test_the_contact_info_page_and_load_more(team, make_partner):
    for n in range(55):
        make_partner(name=f"Пустой {n:02d}", manager=team.north_a)
    page = browser(team.north_a).get(INFO, {"only_gaps": "1"})
    html = page.content.decode()
    assert page.context["summary"]["partners"] == 56
    assert len(page.context["page"].items) == 50 and "load-more" in html
    cursor = page.context["page"].next_cursor
    more = browser(team.north_a).get(INFO, {"only_gaps": "1", "cursor": cursor}, HTTP_HX_REQUEST="true")
    assert [e.partner.name for e in more.context["page"].items] == [f"Пустой {n:02d}" for n in range(50, 55)]
    assert "<html" not in more.content.decode()
    damaged = browser(team.north_a).get(INFO, {"cursor": "@@@"})
    assert damaged.status_code == 200 and "The page cursor is not valid." in damaged.content.decode()


def test_the_contact_info_export_has_a_row_per_contact(team, make_partner):
    ContactPerson.objects.create(full_name="@SUM(A1)", position="=1+2").partners.add(team.evil)
    ContactInfo.objects.create(
        partner=team.evil, kind=ContactKind.PHONE, value="+7 495 111-22-33", normalized="x"
    )
    make_partner(name="Без контактов", manager=team.north_b)

    response = browser(team.north_head).get(INFO, {"format": "xlsx"})
    assert response["Content-Type"] == CONTENT_TYPE
    assert "contact-information-" in response["Content-Disposition"]
    content = b"".join(response.streaming_content)
    rows = sheets(content)["Contact information"]
    assert rows[0] == [
        "Client",
        "Lead manager",
        "Client's phones",
        "Client's e-mails",
        "Contact person",
        "Position",
        "Phones",
        "E-mails",
        "Gaps",
    ]
    by_client = {}
    for row in rows[1:]:
        by_client.setdefault(row[0], []).append(row)
    assert list(by_client) == ["'" + FORMULA, "Альфа", "Без контактов"]  # by name; "=" sorts first
    assert by_client["Альфа"] == [
        # the client's own e-mail is its main e-mail (no contact information of its own)
        [
            "Альфа",
            str(team.north_a),
            None,
            "ivanov@romashka.test",
            "Иванов Иван",
            None,
            "+7 495 123-45-67",
            "ivanov@romashka.test",
            None,
        ]
    ]
    (empty,) = by_client["Без контактов"]
    assert empty[4] is None and empty[8] == "No contact person; No phone; No e-mail"
    evil = by_client["'" + FORMULA]  # "=..." gets the apostrophe, as in CSV
    assert [(r[4], r[5], r[6], r[7]) for r in evil] == [
        ("@SUM(A1)", "'=1+2", "no phone", "no e-mail"),
        ("Иванов Иван", None, "+7 495 123-45-67", "e@evil.test"),
    ]
    assert evil[0][2] == "+7 495 111-22-33"
    assert evil[0][8] == "Contact person without phone; Contact person without e-mail"
    sheet = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
    row = next(r for r in sheet.iter_rows() if r[4].value == "@SUM(A1)")
    assert [(c.data_type, c.quotePrefix) for c in (row[0], row[2], row[4], row[5])] == [("s", True)] * 4
    assert not row[6].quotePrefix and row[6].value == "no phone"  # plain text needs no protection
    assert AuditEntry.objects.filter(actor=team.north_head, comment__contains="contact information").exists()


def test_the_pages_cost_the_same_queries_for_more_data(team, make_partner):
    client = browser(team.north_head)

    def counts() -> list[int]:
        found = []
        for url in (CALENDAR, CONTACTS + "?group_by=partner&then_by=kind", INFO):
            client.get(url)  # warm the session and the permission caches
            with CaptureQueriesContext(connection) as captured:
                assert client.get(url).status_code == 200
            found.append(len(captured.captured_queries))
        return found

    before = counts()
    for n in range(12):
        partner, _ = client_with_contact(manager=team.north_b, name=f"Клиент {n}", email=f"c{n}@k.test")
        add_event(team.north_b, partner, datetime.datetime.now(tz=MSK), kind="meeting")
    assert counts() == before
