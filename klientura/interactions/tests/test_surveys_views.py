"""The survey pages in the browser's terms: who may open what (404 otherwise), and that each form reaches
its service — a refused form shows why and changes nothing."""

import datetime
import io

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ..models import EventStatus
from ..models_surveys import Survey, SurveyAnswer, SurveyQuestion, SurveyStatus, SurveyTemplate
from .factories import client_with_contact
from .factories_surveys import quality_template, record, survey_for


def _client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.fixture
def team(departments):
    partner, contact = client_with_contact(manager=departments.north_a)
    departments.partner, departments.contact = partner, contact
    departments.template = quality_template(actor=departments.north_head)
    return departments


@pytest.fixture
def survey(team):
    planned = survey_for(
        actor=team.north_a,
        template=team.template,
        partner=team.partner,
        start_at=timezone.now() + datetime.timedelta(hours=3),
    )
    planned.questions = list(team.template.questions.all())
    return planned


def _template_post(rows: list[dict], name="Анкета после отгрузки") -> dict:
    data = {
        "name": name,
        "event_title": "Опрос после отгрузки",
        "description": "",
        "q_key": [r["key"] for r in rows],
    }
    for row in rows:
        key = row["key"]
        data[f"q_id_{key}"] = row.get("id", "")
        data[f"q_text_{key}"] = row["text"]
        data[f"q_kind_{key}"] = row["kind"]
        data[f"q_options_{key}"] = row.get("options", "")
        if row.get("required"):
            data[f"q_required_{key}"] = "1"
    return data


# ------------------------------------------------------------------------------ questionnaires


def test_a_sales_manager_reads_questionnaires_but_gets_404_on_the_editor(team):
    client = _client(team.north_a)
    template = team.template

    listing = client.get(reverse("interactions:survey_template_list"))
    assert listing.status_code == 200
    assert template.name in listing.content.decode()
    assert 'data-testid="new-template"' not in listing.content.decode()
    assert client.get(reverse("interactions:survey_template_new")).status_code == 404
    assert client.post(reverse("interactions:survey_template_new"), _template_post([])).status_code == 404
    assert client.get(reverse("interactions:survey_template_edit", args=[template.pk])).status_code == 404
    assert (
        client.post(
            reverse("interactions:survey_template_active", args=[template.pk]), {"active": "0"}
        ).status_code
        == 404
    )
    assert SurveyTemplate.objects.get(pk=template.pk).is_active
    assert SurveyTemplate.objects.count() == 1


def test_a_marketer_builds_a_questionnaire_in_the_editor(team):
    client = _client(team.marketer)
    assert client.get(reverse("interactions:survey_template_new")).status_code == 200
    rows = [
        {"key": "nb", "text": "Что улучшить?", "kind": "text"},
        {"key": "na", "text": "Оцените доставку", "kind": "scale10", "required": True},
        {
            "key": "nc",
            "text": "Что заказывали?",
            "kind": "multiple",
            "options": "Кровати\r\nМатрасы\r\n\r\nПодушки",
        },
    ]

    response = client.post(reverse("interactions:survey_template_new"), _template_post(rows))

    assert response.status_code == 302
    template = SurveyTemplate.objects.get(name="Анкета после отгрузки")
    assert template.event_title == "Опрос после отгрузки"
    assert list(template.questions.values_list("text", "kind", "choices", "required")) == [
        ("Что улучшить?", "text", [], False),
        ("Оцените доставку", "scale10", [], True),
        ("Что заказывали?", "multiple", ["Кровати", "Матрасы", "Подушки"], False),
    ]


def test_a_bad_questionnaire_is_shown_again_with_the_reason(team):
    rows = [{"key": "n1", "text": "Один вариант", "kind": "single", "options": "Только этот"}]

    response = _client(team.north_head).post(
        reverse("interactions:survey_template_new"), _template_post(rows)
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert "at least two options" in body
    assert 'value="Один вариант"' in body and "Только этот" in body
    assert SurveyTemplate.objects.count() == 1


def test_the_editor_locks_answered_questions_and_refuses_changing_their_kind(team, survey):
    record(actor=team.north_a, survey=survey, values=[4, None, None, None, None])
    client = _client(team.north_head)
    url = reverse("interactions:survey_template_edit", args=[team.template.pk])
    page = client.get(url).content.decode()
    first = survey.questions[0]
    assert f'<input type="hidden" name="q_kind_{first.pk}" value="scale5">' in page

    rows = [
        {"key": str(q.pk), "id": q.pk, "text": q.text, "kind": q.kind, "options": "\n".join(q.choices)}
        for q in survey.questions
    ]
    rows[0]["kind"] = "text"
    response = client.post(url, _template_post(rows, name=team.template.name))

    assert response.status_code == 200
    assert "its kind cannot be changed" in response.content.decode()
    assert SurveyQuestion.objects.get(pk=first.pk).kind == "scale5"


def test_a_questionnaire_is_taken_out_of_use_and_back(team):
    client = _client(team.north_head)
    url = reverse("interactions:survey_template_active", args=[team.template.pk])

    client.post(url, {"active": "0"})
    assert not SurveyTemplate.objects.get(pk=team.template.pk).is_active
    client.post(url, {"active": "1"})
    assert SurveyTemplate.objects.get(pk=team.template.pk).is_active


# ------------------------------------------------------------------------------ planning


def test_a_manager_plans_a_survey_from_the_client_card_link(team):
    client = _client(team.north_a)
    url = reverse("interactions:survey_plan") + f"?partner={team.partner.pk}"
    page = client.get(url)
    assert page.status_code == 200
    assert team.template.name in page.content.decode()

    response = client.post(
        url,
        {
            "partner": team.partner.pk,
            "template": team.template.pk,
            "kind": "call",
            "contact": team.contact.pk,
            "responsible": team.north_a.pk,
            "start_at": (timezone.localtime() + datetime.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
            "importance": "high",
            "title": "",
        },
    )

    survey = Survey.objects.select_related("event").get()
    assert response.status_code == 302
    assert response["Location"] == reverse("interactions:survey_card", args=[survey.pk])
    assert (survey.event.kind, survey.event.title, survey.event.importance) == (
        "call",
        "Опрос клиента о качестве работы",
        "high",
    )
    assert survey.event.contact == team.contact


def test_planning_for_a_client_of_another_department_is_a_404(team):
    client = _client(team.south_a)
    url = reverse("interactions:survey_plan") + f"?partner={team.partner.pk}"

    assert client.get(url).status_code == 404
    assert (
        client.post(
            url, {"partner": team.partner.pk, "template": team.template.pk, "kind": "planned"}
        ).status_code
        == 404
    )
    assert not Survey.objects.exists()


def test_without_a_client_the_plan_page_finds_one(team):
    client = _client(team.north_a)
    url = reverse("interactions:survey_plan")

    assert client.get(url).status_code == 200
    found = client.get(url, {"q": "Ромашка"}).content.decode()
    assert f"?partner={team.partner.pk}" in found
    assert (
        f"?partner={team.partner.pk}" not in _client(team.south_a).get(url, {"q": "Ромашка"}).content.decode()
    )


# ------------------------------------------------------------------------------ the survey page


def test_the_responsible_manager_sees_the_form_and_the_link(survey, team):
    body = _client(team.north_a).get(reverse("interactions:survey_card", args=[survey.pk])).content.decode()

    assert 'data-testid="answer-form"' in body
    assert "/events/surveys/reply/" in body
    for question in survey.questions:
        assert question.text in body


def test_the_director_reads_the_survey_without_the_form_or_the_link(survey, team):
    response = _client(team.director).get(reverse("interactions:survey_card", args=[survey.pk]))

    assert response.status_code == 200
    assert 'data-testid="answer-form"' not in response.content.decode()
    assert "/surveys/reply/" not in response.content.decode()


def test_another_managers_survey_is_a_404(survey, team):
    client = _client(team.south_a)
    q = survey.questions[0]

    assert client.get(reverse("interactions:survey_card", args=[survey.pk])).status_code == 404
    assert (
        client.post(reverse("interactions:survey_answer", args=[survey.pk]), {f"q_{q.pk}": "1"}).status_code
        == 404
    )
    assert client.post(reverse("interactions:survey_link_renew", args=[survey.pk])).status_code == 404
    fresh = Survey.objects.get(pk=survey.pk)
    assert (fresh.status, fresh.link_nonce) == (SurveyStatus.WAITING, survey.link_nonce)
    assert not SurveyAnswer.objects.exists()


def test_the_manager_records_the_answers_on_the_page(survey, team):
    q = survey.questions
    data = {
        f"q_{q[0].pk}": "5",
        f"q_{q[2].pk}": "Реклама",
        f"q_{q[3].pk}": ["Цены", "Доставка"],
        "result": "Доволен",
    }

    response = _client(team.north_a).post(reverse("interactions:survey_answer", args=[survey.pk]), data)

    assert response.status_code == 302
    fresh = Survey.objects.select_related("event").get(pk=survey.pk)
    assert (fresh.status, fresh.answered_by) == (SurveyStatus.ANSWERED, "manager")
    assert (fresh.event.status, fresh.event.result) == (EventStatus.DONE, "Доволен")
    page = _client(team.north_a).get(response["Location"]).content.decode()
    assert 'data-testid="answers"' in page and "Доставка" in page


def test_refused_answers_are_shown_again_and_save_nothing(survey, team):
    q = survey.questions
    data = {f"q_{q[0].pk}": "9", f"q_{q[4].pk}": "Пусть звонят реже"}

    response = _client(team.north_a).post(reverse("interactions:survey_answer", args=[survey.pk]), data)

    body = response.content.decode()
    assert response.status_code == 422
    assert f'data-testid="error-q_{q[0].pk}"' in body
    assert "Пусть звонят реже" in body
    assert not SurveyAnswer.objects.exists()
    assert Survey.objects.get(pk=survey.pk).event.status == EventStatus.PLANNED


def test_a_new_link_is_made_on_the_page(survey, team):
    response = _client(team.north_a).post(reverse("interactions:survey_link_renew", args=[survey.pk]))

    assert response.status_code == 302
    assert Survey.objects.get(pk=survey.pk).link_nonce != survey.link_nonce


def test_the_survey_list_shows_only_what_the_user_may_see(survey, team):
    url = reverse("interactions:survey_list")

    assert f'href="/events/surveys/{survey.pk}/"' in _client(team.north_a).get(url).content.decode()
    assert f'href="/events/surveys/{survey.pk}/"' in _client(team.north_head).get(url).content.decode()
    assert f'href="/events/surveys/{survey.pk}/"' not in _client(team.south_a).get(url).content.decode()
    assert _client(team.nobody).get(url).status_code == 404


# ------------------------------------------------------------------------------ report


def test_the_report_page_and_its_xlsx(survey, team):
    from openpyxl import load_workbook

    record(actor=team.north_a, survey=survey, values=[4, 7, "Знакомые", ("Цены",), "Хорошо"])
    client = _client(team.north_head)
    url = reverse("interactions:survey_report")

    page = client.get(url, {"template": team.template.pk})
    body = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="average"' in body
    assert "4,00" in body or "4.00" in body
    assert 'id="survey-charts"' in body
    assert "Хорошо" in body

    export = client.get(url, {"template": team.template.pk, "format": "xlsx"})
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(export.content)).worksheets[0]
    assert sheet.cell(row=2, column=3).value == 1

    assert (
        _client(team.south_a).get(url, {"template": team.template.pk}).context["report"]["respondents"] == 0
    )
    assert _client(team.nobody).get(url).status_code == 404
