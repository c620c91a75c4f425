"""Surveys in a real browser: the client answers on a phone, a marketer builds a questionnaire with the
editor's buttons, a head of sales reads the report with its charts. Screenshots land in var/screenshots/."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from klientura.accounts.tests.factories import department_pair
from klientura.sales.models import Organization
from klientura.web.browser import DESKTOP, PHONE
from klientura.web.tests.test_browser import shoot, sign_in

from ..models_surveys import Survey, SurveyAnswer, SurveyStatus, SurveyTemplate
from ..selectors_surveys import survey_public_path
from .factories import client_with_contact
from .factories_surveys import quality_template, record, survey_for

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def _answered_surveys(team, template):
    """Six answered surveys of the department, so the report has something to draw."""
    partner, _contact = client_with_contact(manager=team.north_a)
    answers = [
        [5, 10, "Знакомые", ("Цены", "Доставка"), "Всё отлично"],
        [4, 8, "Интернет", ("Ассортимент",), "Хотелось бы быстрее доставку"],
        [4, 9, "Интернет", ("Цены",), None],
        [3, 6, "Реклама", ("Доставка", "Ассортимент"), "Менеджер долго отвечал"],
        [5, 9, "Знакомые", ("Цены", "Ассортимент"), None],
        [2, 4, "Реклама", ("Цены",), "Дорого"],
    ]
    for values in answers:
        survey = survey_for(actor=team.north_a, template=template, partner=partner)
        record(actor=team.north_a, survey=survey, values=values)
    return partner


def test_a_client_answers_the_survey_on_a_phone(live_server, new_page):
    team = department_pair()
    Organization.objects.create(name="ООО «Мебельный двор»", is_default=True)
    partner, _contact = client_with_contact(manager=team.north_a)
    template = quality_template(actor=team.north_head)
    survey = survey_for(
        actor=team.north_a,
        template=template,
        partner=partner,
        start_at=timezone.now() + datetime.timedelta(days=1),
    )
    page = new_page(viewport=PHONE)

    page.goto(f"{live_server.url}{survey_public_path(survey)}")
    expect(page.locator("[data-testid=company]")).to_have_text("ООО «Мебельный двор»")
    shoot(page, "survey-public-phone")
    questions = list(template.questions.all())
    page.click(f"label[for=q_{questions[1].pk}_9]")
    page.click("[data-testid=send-answers]")  # the required first question is missing
    expect(page.locator(f"[data-testid=error-q_{questions[0].pk}]")).to_be_visible()
    expect(page.locator(f"#q_{questions[1].pk}_9")).to_be_checked()  # what was chosen stays
    page.click(f"label[for=q_{questions[0].pk}_4]")
    page.check(f"#q_{questions[2].pk}_2")
    page.check(f"#q_{questions[3].pk}_1")
    page.check(f"#q_{questions[3].pk}_3")
    page.fill(f"textarea[name=q_{questions[4].pk}]", "Спасибо за быструю доставку")
    shoot(page, "survey-public-phone-filled")
    page.click("[data-testid=send-answers]")

    expect(page.locator("[data-testid=public-message]")).to_be_visible()
    shoot(page, "survey-public-phone-thanks")
    fresh = Survey.objects.get(pk=survey.pk)
    assert (fresh.status, fresh.answered_by) == (SurveyStatus.ANSWERED, "client")
    assert dict(SurveyAnswer.objects.filter(number__isnull=False).values_list("question_id", "number")) == {
        questions[0].pk: 4,
        questions[1].pk: 9,
    }
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_marketer_builds_a_questionnaire_with_the_editor(live_server, new_page):
    team = department_pair()
    page = new_page(viewport=DESKTOP)
    sign_in(page, live_server, team.marketer)

    page.goto(f"{live_server.url}/events/surveys/questionnaires/new/")
    page.fill("#id_name", "Опрос после доставки")
    page.click("[data-testid=add-question]")
    page.click("[data-testid=add-question]")
    rows = page.locator("[data-testid=question-row]")
    rows.nth(0).locator("input[name^=q_text_]").fill("Что улучшить?")
    rows.nth(0).locator("select.question-kind").select_option("text")
    rows.nth(1).locator("input[name^=q_text_]").fill("Как прошла доставка?")
    rows.nth(1).locator("select.question-kind").select_option("single")
    expect(rows.nth(1).locator("textarea[name^=q_options_]")).to_be_visible()
    rows.nth(1).locator("textarea[name^=q_options_]").fill("Вовремя\nС опозданием")
    rows.nth(1).locator("input[name^=q_required_]").check()
    rows.nth(1).locator(".move-up").click()
    shoot(page, "survey-template-editor")
    with page.expect_navigation():
        page.click("[data-testid=save-template]")

    template = SurveyTemplate.objects.get(name="Опрос после доставки")
    assert list(template.questions.values_list("text", "kind", "choices", "required")) == [
        ("Как прошла доставка?", "single", ["Вовремя", "С опозданием"], True),
        ("Что улучшить?", "text", [], False),
    ]


def test_a_head_of_sales_reads_the_report_on_a_laptop(live_server, new_page):
    team = department_pair()
    template = quality_template(actor=team.north_head)
    _answered_surveys(team, template)
    page = new_page(viewport=DESKTOP)
    sign_in(page, live_server, team.north_head)

    page.goto(f"{live_server.url}/events/surveys/report/?template={template.pk}")

    first = template.questions.first()
    expect(page.locator(f"#chart-q{first.pk}")).to_be_visible()
    expect(page.locator(f"[data-testid=report-question-{first.pk}] [data-testid=average]")).to_have_text(
        re.compile(r"3[,.]83")
    )  # 23 / 6
    page.wait_for_timeout(600)  # let Chart.js finish its animation before the picture
    shoot(page, "survey-report")

    waiting = survey_for(
        actor=team.north_a, template=template, partner=template.surveys.first().event.partner
    )
    page.goto(f"{live_server.url}/events/surveys/{waiting.pk}/")
    expect(page.locator("[data-testid=link-input]")).to_have_value(re.compile(r"/events/surveys/reply/"))
    expect(page.locator("[data-testid=answer-form]")).to_be_visible()
    shoot(page, "survey-card")
