"""Test data for surveys: a questionnaire with one question of every kind, and surveys planned and
answered through the services."""

from ..services_survey_templates import QuestionInput, SurveyTemplateInput, survey_template_create
from ..services_surveys import AnswerInput, survey_answers_record, survey_plan

__all__ = ["AnswerInput", "QuestionInput", "SurveyTemplateInput", "answer", "quality_template", "survey_for"]


def quality_template(*, actor, name="Качество работы", **overrides):
    """Five questions: scale 1–5 (required), scale 1–10, single choice, multiple choice, free text."""
    values = {
        "name": name,
        "event_title": "Опрос клиента о качестве работы",
        "description": "Пожалуйста, ответьте на несколько вопросов.",
        "questions": [
            QuestionInput(text="Оцените работу менеджера", kind="scale5", required=True),
            QuestionInput(text="Порекомендуете ли вы нас знакомым?", kind="scale10"),
            QuestionInput(
                text="Как вы о нас узнали?", kind="single", choices=("Реклама", "Знакомые", "Интернет")
            ),
            QuestionInput(
                text="Что вам нравится?", kind="multiple", choices=("Цены", "Доставка", "Ассортимент")
            ),
            QuestionInput(text="Что нам улучшить?", kind="text"),
        ],
    }
    values.update(overrides)
    return survey_template_create(actor=actor, data=SurveyTemplateInput(**values))


def survey_for(*, actor, template, partner, **kwargs):
    return survey_plan(actor=actor, template_id=template.pk, partner_id=partner.pk, **kwargs)


def answer(question, value) -> AnswerInput:
    """An answer to `question` from a plain value: a number, an option, a tuple of options or a text."""
    if isinstance(value, int):
        return AnswerInput(question_id=question.pk, number=value)
    if isinstance(value, tuple):
        return AnswerInput(question_id=question.pk, options=value)
    if question.kind == "single":
        return AnswerInput(question_id=question.pk, options=(value,))
    return AnswerInput(question_id=question.pk, text=value)


def record(*, actor, survey, values: list, **kwargs):
    """The manager records `values` (one per question, None to skip) on `survey`."""
    questions = list(survey.template.questions.all())
    answers = [answer(q, v) for q, v in zip(questions, values, strict=True) if v is not None]
    return survey_answers_record(actor=actor, survey_id=survey.pk, answers=answers, **kwargs)
