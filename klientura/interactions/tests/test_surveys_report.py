"""The survey report on a small fixed data set, every figure worked out by hand below; scoped to the
surveys the actor may see, filtered by period, manager and client segment, in a fixed number of queries.

    survey  manager  client (tag, region, kind)     answered    q1 scale5  q2 single  q3 multiple  q4 text
    s1      north_a  P1 (VIP, Москва, client)       2024-03-01  5          A          X, Y         «Отлично»
    s2      north_a  P1                             2024-03-10  3          B          X            —
    s3      north_b  P2 (—, —, prospect)            2024-04-05  4          A          Z            «Долго везли»
    s4      south_a  P3 (—, Москва, client)         2024-05-20  1          C          X, Z         «Плохо»
    s5      north_a  P1                             not answered (does not count)
"""

import datetime
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db.models import QuerySet
from django.utils import translation

from klientura.parties.models import BusinessRegion, Partner, Tag

from ..report_surveys import SurveyReportFilters, survey_report, survey_report_charts, survey_report_xlsx
from ..services_survey_templates import QuestionInput, SurveyTemplateInput, survey_template_create
from .factories import client_with_contact
from .factories_surveys import record, survey_for

MSK = ZoneInfo("Europe/Moscow")


def _at(day: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(day).replace(hour=12, tzinfo=MSK)


@pytest.fixture
def data(departments):
    team = departments
    vip = Tag.objects.create(name="VIP")
    moscow = BusinessRegion.objects.create(name="Москва")
    p1, _ = client_with_contact(manager=team.north_a, name="ООО «Первый»", email="a@first.test")
    p2, _ = client_with_contact(manager=team.north_b, name="ООО «Второй»", email="b@second.test")
    p3, _ = client_with_contact(manager=team.south_a, name="ООО «Третий»", email="c@third.test")
    p1.tags.add(vip)
    Partner.objects.filter(pk__in=[p1.pk, p3.pk]).update(region=moscow)
    Partner.objects.filter(pk=p2.pk).update(kind="prospect")
    template = survey_template_create(
        actor=team.north_head,
        data=SurveyTemplateInput(
            name="Качество",
            questions=[
                QuestionInput(text="Оценка", kind="scale5"),
                QuestionInput(text="Откуда", kind="single", choices=("A", "B", "C")),
                QuestionInput(text="Что нравится", kind="multiple", choices=("X", "Y", "Z")),
                QuestionInput(text="Отзыв", kind="text"),
            ],
        ),
    )
    rows = [
        (team.north_a, p1, "2024-03-01", [5, "A", ("X", "Y"), "Отлично"]),
        (team.north_a, p1, "2024-03-10", [3, "B", ("X",), None]),
        (team.north_b, p2, "2024-04-05", [4, "A", ("Z",), "Долго везли"]),
        (team.south_a, p3, "2024-05-20", [1, "C", ("X", "Z"), "Плохо"]),
    ]
    for manager, partner, day, values in rows:
        with time_machine.travel(_at(day), tick=False):
            survey = survey_for(actor=manager, template=template, partner=partner)
            record(actor=manager, survey=survey, values=values)
    survey_for(actor=team.north_a, template=template, partner=p1)  # s5, waiting
    team.template, team.questions = template, list(template.questions.all())
    team.p1, team.p2, team.p3, team.vip, team.moscow = p1, p2, p3, vip, moscow
    return team


def _report(actor, data, **filters):
    return survey_report(actor=actor, filters=SurveyReportFilters(template_id=data.template.pk, **filters))


def _figures(report) -> list[tuple]:
    """(answered, average, counts) per question; the text question's counts are its latest texts."""
    figures = []
    for block in report["questions"]:
        counts = block["counts"] or [t["text"] for t in block["texts"]]
        figures.append((block["answered"], block["average"], counts))
    return figures


def test_the_director_sees_every_answer(data):
    report = _report(data.director, data)

    assert report["respondents"] == 4
    assert _figures(report) == [
        (4, 3.25, [1, 0, 1, 1, 1]),  # (5 + 3 + 4 + 1) / 4
        (4, None, [2, 1, 1]),  # A, B, C
        (4, None, [3, 1, 2]),  # X, Y, Z: six choices by four clients
        (3, None, ["Плохо", "Долго везли", "Отлично"]),  # newest first
    ]
    assert report["questions"][1]["labels"] == ["A", "B", "C"]
    assert [row["share"] for row in report["questions"][2]["rows"]] == [75, 25, 50]


def test_a_head_sees_the_department_and_a_manager_their_own(data):
    head = _report(data.north_head, data)
    manager = _report(data.north_a, data)

    assert head["respondents"] == 3
    assert _figures(head)[:3] == [(3, 4.0, [0, 0, 1, 1, 1]), (3, None, [2, 1, 0]), (3, None, [2, 1, 1])]
    assert manager["respondents"] == 2
    assert _figures(manager) == [
        (2, 4.0, [0, 0, 1, 0, 1]),
        (2, None, [1, 1, 0]),
        (2, None, [2, 1, 0]),
        (1, None, ["Отлично"]),
    ]
    assert _report(data.south_a, data)["questions"][0]["counts"] == [1, 0, 0, 0, 0]
    assert _report(data.nobody, data)["respondents"] == 0


@pytest.mark.parametrize(
    ("filters", "respondents", "scale_counts"),
    [
        ({"responsible_id": "north_b"}, 1, [0, 0, 0, 1, 0]),
        ({"date_from": datetime.date(2024, 3, 5), "date_to": datetime.date(2024, 4, 30)}, 2, [0, 0, 1, 1, 0]),
        ({"date_to": datetime.date(2024, 3, 1)}, 1, [0, 0, 0, 0, 1]),  # the last day counts whole
        ({"tag_id": "vip"}, 2, [0, 0, 1, 0, 1]),
        ({"region_id": "moscow"}, 3, [1, 0, 1, 0, 1]),
        ({"partner_kind": "prospect"}, 1, [0, 0, 0, 1, 0]),
        ({"region_id": "moscow", "partner_kind": "client", "tag_id": "vip"}, 2, [0, 0, 1, 0, 1]),
    ],
)
def test_filters_by_period_manager_and_segment(data, filters, respondents, scale_counts):
    names = {"north_b": data.north_b.pk, "vip": data.vip.pk, "moscow": data.moscow.pk}
    filters = {
        key: names.get(value, value) if isinstance(value, str) else value for key, value in filters.items()
    }

    report = _report(data.director, data, **filters)

    assert report["respondents"] == respondents
    assert report["questions"][0]["counts"] == scale_counts


def test_a_segment_plugs_in_as_a_subquery_of_partner_ids(data):
    segment: QuerySet = Partner.objects.filter(name__in=["ООО «Второй»", "ООО «Третий»"]).values("pk")

    report = _report(data.director, data, partner_ids=segment)

    assert report["respondents"] == 2
    assert report["questions"][0]["average"] == 2.5  # (4 + 1) / 2
    assert report["questions"][1]["counts"] == [1, 0, 1]


def test_the_report_takes_a_fixed_number_of_queries(data, django_assert_max_num_queries):
    _report(data.north_head, data)  # the actor's roles and permissions are read once per request

    with django_assert_max_num_queries(7):
        report = _report(data.north_head, data, region_id=data.moscow.pk, tag_id=data.vip.pk)
    assert report["respondents"] == 2


def test_an_option_renamed_after_answers_keeps_its_count():
    """A question's wording may change; an option chosen before stays in the report (at the end)."""
    # Built by hand: the service refuses the rename, but data imported from elsewhere may hold it.
    from types import SimpleNamespace

    from ..report_surveys import _choice_block

    question = SimpleNamespace(pk=7, choices=["A", "B"])
    block = _choice_block(question, {"answered": 3}, {(7, "A"): 2, (7, "Old"): 1, (8, "A"): 5})

    assert (block["labels"], block["counts"]) == (["A", "B", "Old"], [2, 0, 1])


def test_charts_and_the_xlsx_export(data):
    from openpyxl import load_workbook

    report = _report(data.director, data)

    with translation.override("en"):
        content = survey_report_xlsx(report)
    charts = survey_report_charts(report)
    assert [c["counts"] for c in charts] == [[1, 0, 1, 1, 1], [2, 1, 1], [3, 1, 2]]
    assert [c["scale"] for c in charts] == [True, False, False]
    book = load_workbook(io.BytesIO(content))
    figures = [row for row in book.worksheets[0].iter_rows(values_only=True)]
    assert figures[1] == ("1. Оценка", "Answered", 4, None, 3.25)
    assert figures[2:7] == [
        (None, str(n), c, s, None) for n, c, s in [(1, 1, 25), (2, 0, 0), (3, 1, 25), (4, 1, 25), (5, 1, 25)]
    ]
    texts = [row[3] for row in book.worksheets[1].iter_rows(min_row=2, values_only=True)]
    assert texts == ["Плохо", "Долго везли", "Отлично"]
