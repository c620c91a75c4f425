"""Questionnaires through the services: built, reordered, taken out of use; one with answers keeps its
questions' meaning; refusals change nothing."""

import pytest

from klientura.core.errors import Forbidden, ValidationFailed
from klientura.core.models import AuditEntry

from ..models_surveys import Survey, SurveyAnswer, SurveyQuestion, SurveyTemplate
from ..services_survey_templates import (
    QuestionInput,
    SurveyTemplateInput,
    survey_template_create,
    survey_template_set_active,
    survey_template_update,
)
from .factories import client_with_contact
from .factories_surveys import quality_template, record, survey_for


@pytest.fixture
def team(departments):
    partner, contact = client_with_contact(manager=departments.north_a)
    departments.partner, departments.contact = partner, contact
    return departments


def _questions(template) -> list[tuple]:
    return list(template.questions.values_list("position", "text", "kind", "choices", "required"))


def _as_input(template, **changes) -> SurveyTemplateInput:
    """The template as the editor would post it back, with `changes` applied."""
    questions = [
        QuestionInput(id=q.pk, text=q.text, kind=q.kind, choices=tuple(q.choices), required=q.required)
        for q in template.questions.all()
    ]
    values = {"name": template.name, "description": template.description, "event_title": template.event_title}
    values["questions"] = changes.pop("questions", questions)
    values.update(changes)
    return SurveyTemplateInput(**values)


def test_a_head_of_sales_creates_a_questionnaire(team):
    template = quality_template(actor=team.north_head)

    assert template.created_by == team.north_head
    assert template.is_active
    assert _questions(template) == [
        (1, "Оцените работу менеджера", "scale5", [], True),
        (2, "Порекомендуете ли вы нас знакомым?", "scale10", [], False),
        (3, "Как вы о нас узнали?", "single", ["Реклама", "Знакомые", "Интернет"], False),
        (4, "Что вам нравится?", "multiple", ["Цены", "Доставка", "Ассортимент"], False),
        (5, "Что нам улучшить?", "text", [], False),
    ]
    entry = AuditEntry.objects.get(object_id=str(template.pk), action="create")
    assert entry.changes["questions"][1][0].startswith("1. Оцените работу менеджера*")


def test_options_are_trimmed_deduplicated_and_dropped_for_other_kinds(team):
    template = survey_template_create(
        actor=team.marketer,
        data=SurveyTemplateInput(
            name="  Анкета  ",
            questions=[
                QuestionInput(text="Выбор", kind="single", choices=(" Да ", "Да", "", "Нет")),
                QuestionInput(text="Шкала", kind="scale5", choices=("лишнее",)),
            ],
        ),
    )

    assert template.name == "Анкета"
    assert _questions(template) == [
        (1, "Выбор", "single", ["Да", "Нет"], False),
        (2, "Шкала", "scale5", [], False),
    ]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (SurveyTemplateInput(name=" ", questions=[QuestionInput(text="Вопрос", kind="text")]), "name"),
        (SurveyTemplateInput(name="Анкета", questions=[]), "questions"),
        (SurveyTemplateInput(name="Анкета", questions=[QuestionInput(text=" ", kind="text")]), "questions"),
        (
            SurveyTemplateInput(name="Анкета", questions=[QuestionInput(text="Вопрос", kind="essay")]),
            "questions",
        ),
        (
            SurveyTemplateInput(
                name="Анкета", questions=[QuestionInput(text="Вопрос", kind="single", choices=("Да",))]
            ),
            "questions",
        ),
        (SurveyTemplateInput(name="А" * 301, questions=[QuestionInput(text="Вопрос", kind="text")]), "name"),
    ],
)
def test_a_bad_questionnaire_is_refused_and_saves_nothing(team, data, field):
    with pytest.raises(ValidationFailed) as refused:
        survey_template_create(actor=team.north_head, data=data)

    assert field in refused.value.fields
    assert not SurveyTemplate.objects.exists()
    assert not SurveyQuestion.objects.exists()


def test_a_sales_manager_may_not_create_or_change_questionnaires(team):
    template = quality_template(actor=team.north_head)
    before = _questions(template)

    with pytest.raises(Forbidden):
        quality_template(actor=team.north_a, name="Моя анкета")
    with pytest.raises(Forbidden):
        survey_template_update(
            actor=team.north_a, template_id=template.pk, data=_as_input(template, name="Новое")
        )
    with pytest.raises(Forbidden):
        survey_template_set_active(actor=team.north_a, template_id=template.pk, active=False)

    assert list(SurveyTemplate.objects.values_list("name", "is_active")) == [("Качество работы", True)]
    assert _questions(template) == before


def test_questions_are_reordered_added_and_removed(team):
    template = quality_template(actor=team.north_head)
    q = list(template.questions.all())
    new_order = [
        QuestionInput(id=q[4].pk, text=q[4].text, kind="text"),
        QuestionInput(id=q[0].pk, text="Оцените менеджера", kind="scale10", required=False),
        QuestionInput(text="Новый вопрос", kind="multiple", choices=("Один", "Два")),
    ]

    survey_template_update(
        actor=team.north_head, template_id=template.pk, data=_as_input(template, questions=new_order)
    )

    assert _questions(template) == [
        (1, "Что нам улучшить?", "text", [], False),
        (2, "Оцените менеджера", "scale10", [], False),
        (3, "Новый вопрос", "multiple", ["Один", "Два"], False),
    ]
    assert template.questions.filter(pk=q[4].pk).exists()
    entry = AuditEntry.objects.filter(object_id=str(template.pk), action="update").get()
    assert set(entry.changes) == {"questions"}


def test_a_question_of_another_questionnaire_is_refused(team):
    template = quality_template(actor=team.north_head)
    other = quality_template(actor=team.north_head, name="Другая")
    stranger = other.questions.first()
    before = _questions(template)

    data = _as_input(template, questions=[QuestionInput(id=stranger.pk, text="Чужой", kind=stranger.kind)])
    with pytest.raises(ValidationFailed):
        survey_template_update(actor=team.north_head, template_id=template.pk, data=data)

    assert _questions(template) == before
    assert other.questions.get(pk=stranger.pk).text == stranger.text


def _answered_template(team):
    template = quality_template(actor=team.north_head)
    survey = survey_for(actor=team.north_a, template=template, partner=team.partner)
    record(actor=team.north_a, survey=survey, values=[4, None, "Знакомые", ("Цены",), "Всё хорошо"])
    return template


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda qs: qs[1:], "cannot be deleted"),
        (
            lambda qs: [QuestionInput(id=qs[0].id, text=qs[0].text, kind="scale10", required=True), *qs[1:]],
            "kind",
        ),
        (
            lambda qs: [
                *qs[:2],
                QuestionInput(id=qs[2].id, text=qs[2].text, kind="single", choices=("Реклама", "Интернет")),
                *qs[3:],
            ],
            "Знакомые",
        ),
        (
            lambda qs: [
                *qs[:3],
                QuestionInput(id=qs[3].id, text=qs[3].text, kind="multiple", choices=("Цена", "Доставка")),
                *qs[4:],
            ],
            "Цены",
        ),
    ],
    ids=["delete-answered", "change-kind", "rename-chosen-option", "remove-chosen-option"],
)
def test_an_answered_questionnaire_keeps_its_meaning(team, change, message):
    template = _answered_template(team)
    before = _questions(template)
    current = _as_input(template).questions

    with pytest.raises(ValidationFailed) as refused:
        survey_template_update(
            actor=team.north_head,
            template_id=template.pk,
            data=_as_input(template, questions=change(current)),
        )

    assert message in " ".join(refused.value.fields["questions"])
    assert _questions(template) == before
    assert SurveyAnswer.objects.count() == 4


def test_an_answered_questionnaire_may_be_reworded_and_extended(team):
    template = _answered_template(team)
    qs = _as_input(template).questions
    unanswered = qs[1]
    changed = [
        QuestionInput(id=qs[0].id, text="Оцените работу вашего менеджера", kind="scale5", required=True),
        QuestionInput(
            id=qs[2].id,
            text=qs[2].text,
            kind="single",
            choices=("Интернет", "Знакомые", "Реклама", "Выставка"),
        ),
        *qs[3:],
        QuestionInput(text="Ещё вопрос", kind="text"),
    ]

    survey_template_update(
        actor=team.north_head, template_id=template.pk, data=_as_input(template, questions=changed)
    )

    assert [row[1] for row in _questions(template)][:2] == [
        "Оцените работу вашего менеджера",
        "Как вы о нас узнали?",
    ]
    assert not SurveyQuestion.objects.filter(pk=unanswered.id).exists()
    assert template.questions.get(pk=qs[2].id).choices == ["Интернет", "Знакомые", "Реклама", "Выставка"]


def test_a_questionnaire_out_of_use_keeps_its_surveys_but_plans_no_new_ones(team):
    template = _answered_template(team)

    survey_template_set_active(actor=team.marketer, template_id=template.pk, active=False)

    template.refresh_from_db()
    assert not template.is_active
    assert Survey.objects.filter(template=template).count() == 1
    with pytest.raises(ValidationFailed) as refused:
        survey_for(actor=team.north_a, template=template, partner=team.partner)
    assert "template" in refused.value.fields
    assert Survey.objects.count() == 1
