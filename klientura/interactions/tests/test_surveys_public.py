"""The client's public survey page: the signed link opens it without a login; a tampered, expired or
replaced link is a 404; answers are validated, taken once, and too many submissions are refused."""

import datetime

import pytest
import time_machine
from django.core import signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from klientura.sales.models import Organization

from .. import services_surveys
from ..models import Event, EventStatus, Notification
from ..models_surveys import Survey, SurveyAnswer, SurveyAnswerChoice, SurveyStatus
from ..selectors_surveys import SURVEY_LINK_SALT, survey_public_path
from ..services_surveys import survey_link_renew
from .factories import client_with_contact
from .factories_surveys import quality_template, survey_for


@pytest.fixture
def survey(departments):
    partner, _contact = client_with_contact(manager=departments.north_a)
    template = quality_template(actor=departments.north_head)
    planned = survey_for(
        actor=departments.north_a,
        template=template,
        partner=partner,
        start_at=timezone.now() + datetime.timedelta(days=1),
    )
    planned.team = departments
    planned.questions = list(template.questions.all())
    return planned


def _good_answers(survey) -> dict:
    q = survey.questions
    return {
        f"q_{q[0].pk}": "4",
        f"q_{q[1].pk}": "10",
        f"q_{q[2].pk}": "Знакомые",
        f"q_{q[3].pk}": ["Цены", "Ассортимент"],
        f"q_{q[4].pk}": "Всё отлично, спасибо",
    }


def _state(survey) -> tuple:
    fresh = Survey.objects.select_related("event").get(pk=survey.pk)
    return (
        fresh.status,
        fresh.answered_by,
        fresh.event.status,
        SurveyAnswer.objects.count(),
        SurveyAnswerChoice.objects.count(),
    )


WAITING = (SurveyStatus.WAITING, "", EventStatus.PLANNED, 0, 0)


def _client(**kwargs) -> Client:
    """A visitor whose browser asks for English (the messages are checked in their source language)."""
    return Client(HTTP_ACCEPT_LANGUAGE="en", **kwargs)


def test_the_link_opens_the_survey_without_a_login(survey):
    Organization.objects.create(name="ООО «Клиентура Плюс»", is_default=True)

    response = _client().get(survey_public_path(survey))

    body = response.content.decode()
    assert response.status_code == 200
    assert "ООО «Клиентура Плюс»" in body
    assert "Качество работы" in body and "Пожалуйста, ответьте на несколько вопросов." in body
    for question in survey.questions:
        assert question.text in body
    assert 'name="csrfmiddlewaretoken"' in body
    assert "no-store" in response["Cache-Control"]
    # The client's page shows nothing of the CRM: no menu, no client name, no manager.
    assert 'data-testid="nav"' not in body
    assert survey.event.partner.name not in body


def test_the_client_answers_and_the_manager_is_told(survey):
    client = _client()
    path = survey_public_path(survey)

    response = client.post(path, _good_answers(survey))

    assert response.status_code == 302
    assert response["Location"] == f"{path}?done=1"
    fresh = Survey.objects.select_related("event").get(pk=survey.pk)
    assert (fresh.status, fresh.answered_by, fresh.recorded_by) == (SurveyStatus.ANSWERED, "client", None)
    # The event stays open: the manager reads the answers and decides what the contact came to.
    assert fresh.event.status == EventStatus.PLANNED
    q = survey.questions
    assert dict(SurveyAnswer.objects.filter(number__isnull=False).values_list("question_id", "number")) == {
        q[0].pk: 4,
        q[1].pk: 10,
    }
    assert sorted(SurveyAnswerChoice.objects.values_list("option", flat=True)) == [
        "Ассортимент",
        "Знакомые",
        "Цены",
    ]
    note = Notification.objects.get(user=survey.team.north_a)
    assert note.event_id == survey.event_id
    assert note.url == reverse("interactions:survey_card", args=[survey.pk])
    thanks = client.get(response["Location"])
    assert thanks.status_code == 200
    assert "Thank you!" in thanks.content.decode()


def test_a_second_submission_changes_nothing(survey):
    client = _client()
    path = survey_public_path(survey)
    client.post(path, _good_answers(survey))
    answered = _state(survey)
    answered_at = Survey.objects.get(pk=survey.pk).answered_at

    again = client.post(path, {**_good_answers(survey), f"q_{survey.questions[0].pk}": "1"})

    assert again.status_code == 200
    assert "already answered" in again.content.decode()
    assert _state(survey) == answered
    assert Survey.objects.get(pk=survey.pk).answered_at == answered_at
    assert SurveyAnswer.objects.get(question=survey.questions[0]).number == 4
    assert Notification.objects.count() == 1


@pytest.mark.parametrize(
    "token",
    [
        lambda path: path.rstrip("/").rsplit("/", 1)[1][:-2] + "xx",
        lambda path: signing.dumps({"s": 1, "n": "guess"}, salt=SURVEY_LINK_SALT),
        lambda path: signing.dumps({"s": 1, "n": "guess"}, salt="another-salt"),
        lambda path: "not-a-token",
    ],
    ids=["tampered", "guessed-nonce", "other-salt", "garbage"],
)
def test_a_bad_link_is_a_404_and_changes_nothing(survey, token):
    bad = reverse("interactions:survey_public", args=[token(survey_public_path(survey))])

    assert _client().get(bad).status_code == 404
    assert _client().post(bad, _good_answers(survey)).status_code == 404
    assert _state(survey) == WAITING


def test_a_link_with_the_right_nonce_for_another_survey_is_a_404(survey):
    other = survey_for(actor=survey.team.north_a, template=survey.template, partner=survey.event.partner)
    forged = signing.dumps({"s": other.pk, "n": survey.link_nonce}, salt=SURVEY_LINK_SALT)

    response = _client().post(reverse("interactions:survey_public", args=[forged]), _good_answers(survey))

    assert response.status_code == 404
    assert not SurveyAnswer.objects.exists()


def test_an_expired_link_is_a_404(survey):
    path = survey_public_path(survey)

    with time_machine.travel(timezone.now() + datetime.timedelta(days=91)):
        response = _client().post(path, _good_answers(survey))

    assert response.status_code == 404
    assert _state(survey) == WAITING


def test_a_replaced_link_stops_working(survey):
    old_path = survey_public_path(survey)
    renewed = survey_link_renew(actor=survey.team.north_a, survey_id=survey.pk)

    assert _client().post(old_path, _good_answers(survey)).status_code == 404
    assert _state(survey) == WAITING
    assert _client().post(survey_public_path(renewed), _good_answers(survey)).status_code == 302
    assert Survey.objects.get(pk=survey.pk).status == SurveyStatus.ANSWERED


def test_a_cancelled_surveys_link_is_a_404(survey):
    path = survey_public_path(survey)
    Event.objects.filter(pk=survey.event_id).update(status=EventStatus.CANCELLED)

    assert _client().get(path).status_code == 404
    assert _client().post(path, _good_answers(survey)).status_code == 404
    assert not SurveyAnswer.objects.exists()


@pytest.mark.parametrize(
    ("change", "question", "message"),
    [
        ({0: "7"}, 0, "from 1 to 5"),
        ({0: "пять"}, 0, "from 1 to 5"),
        ({0: ""}, 0, "Please answer this question."),
        ({2: "Телевизор"}, 2, "Choose one of the offered options."),
        ({3: ["Цены", "Бесплатный сыр"]}, 3, "Choose one of the offered options."),
        ({4: "ж" * 2001}, 4, "longer than 2000"),
    ],
)
def test_bad_answers_are_shown_again_and_save_nothing(survey, change, question, message):
    data = _good_answers(survey)
    for index, value in change.items():
        data[f"q_{survey.questions[index].pk}"] = value

    response = _client().post(survey_public_path(survey), data)

    body = response.content.decode()
    assert response.status_code == 422
    assert f'data-testid="error-q_{survey.questions[question].pk}"' in body
    assert message in body
    assert "Всё отлично, спасибо" in body or question == 4  # what the client typed is not lost
    assert _state(survey) == WAITING
    assert not Notification.objects.exists()


def test_the_form_needs_its_csrf_token(survey):
    response = _client(enforce_csrf_checks=True).post(survey_public_path(survey), _good_answers(survey))

    assert response.status_code == 403
    assert _state(survey) == WAITING


def test_too_many_submissions_are_refused(survey):
    client = _client()
    path = survey_public_path(survey)
    for _attempt in range(services_surveys.PUBLIC_ATTEMPTS_PER_SURVEY):
        assert client.post(path, {}).status_code == 422

    response = client.post(path, _good_answers(survey))

    assert response.status_code == 429
    assert _state(survey) == WAITING
    # The link itself still opens: a robot's attempts do not lock the client out of reading it.
    assert client.get(path).status_code == 200


def test_too_many_submissions_from_one_address_are_refused(survey, monkeypatch):
    monkeypatch.setattr(services_surveys, "PUBLIC_ATTEMPTS_PER_ADDRESS", 2)
    other = survey_for(actor=survey.team.north_a, template=survey.template, partner=survey.event.partner)
    client = _client(REMOTE_ADDR="203.0.113.7")
    client.post(survey_public_path(survey), {})
    client.post(survey_public_path(other), {})

    refused = client.post(survey_public_path(other), _good_answers(survey))
    allowed = _client(REMOTE_ADDR="203.0.113.8").post(survey_public_path(other), _good_answers(survey))

    assert refused.status_code == 429
    assert allowed.status_code == 302
    assert Survey.objects.get(pk=other.pk).status == SurveyStatus.ANSWERED
    assert Survey.objects.get(pk=survey.pk).status == SurveyStatus.WAITING
