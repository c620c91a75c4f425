"""Writes for questionnaires (анкеты): create, change, take out of use.

A questionnaire that already has answers keeps its questions' meaning: an answered question can be
reworded but neither deleted nor turned into another kind, and an option somebody chose stays.
"""

from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from klientura.accounts.access import require_perm
from klientura.core.audit import audit_log, model_update
from klientura.core.errors import NotFound, ValidationFailed
from klientura.core.models import AuditAction

from .models_surveys import QuestionKind, SurveyAnswer, SurveyAnswerChoice, SurveyQuestion, SurveyTemplate

MAX_NAME = 300
MAX_QUESTIONS = 100
MAX_QUESTION_TEXT = 500
MAX_OPTIONS = 30
MAX_OPTION_TEXT = 200
CHOICE_KINDS = (QuestionKind.SINGLE, QuestionKind.MULTIPLE)


@dataclass(frozen=True)
class QuestionInput:
    text: str
    kind: str
    choices: tuple[str, ...] = ()
    required: bool = False
    id: int | None = None  # an existing question of the template; None for a new one


@dataclass
class SurveyTemplateInput:
    name: str
    description: str = ""
    event_title: str = ""
    questions: list[QuestionInput] = field(default_factory=list)


class Errors(dict):
    """Messages by field, raised together as one ValidationFailed."""

    def add(self, name: str, message: str) -> None:
        self.setdefault(name, []).append(message)

    def raise_if_any(self) -> None:
        if self:
            raise ValidationFailed(fields=self)


def _clean_question(question: QuestionInput) -> QuestionInput:
    choices = []
    if question.kind in CHOICE_KINDS:
        for option in question.choices:
            option = " ".join(str(option).split())
            if option and option not in choices:
                choices.append(option)
    return QuestionInput(
        text=" ".join((question.text or "").split()),
        kind=question.kind,
        choices=tuple(choices),
        required=bool(question.required),
        id=question.id,
    )


def _check_question(number: int, question: QuestionInput, errors: Errors) -> None:
    def add(message: str) -> None:
        errors.add("questions", _("Question %(n)d: %(message)s") % {"n": number, "message": message})

    if not question.text:
        add(_("enter the question."))
    elif len(question.text) > MAX_QUESTION_TEXT:
        add(_("the question is longer than %(max)d characters.") % {"max": MAX_QUESTION_TEXT})
    if question.kind not in QuestionKind.values:
        add(_("choose the kind of answer."))
    elif question.kind in CHOICE_KINDS and len(question.choices) < 2:
        add(_("give at least two options to choose from."))
    elif len(question.choices) > MAX_OPTIONS:
        add(_("at most %(max)d options.") % {"max": MAX_OPTIONS})
    elif any(len(option) > MAX_OPTION_TEXT for option in question.choices):
        add(_("an option is longer than %(max)d characters.") % {"max": MAX_OPTION_TEXT})


def _validated_template(data: SurveyTemplateInput, errors: Errors) -> SurveyTemplateInput:
    cleaned = SurveyTemplateInput(
        name=" ".join((data.name or "").split()),
        description=(data.description or "").strip(),
        event_title=" ".join((data.event_title or "").split()),
        questions=[_clean_question(q) for q in data.questions],
    )
    if not cleaned.name:
        errors.add("name", _("Enter the name of the questionnaire."))
    elif len(cleaned.name) > MAX_NAME:
        errors.add("name", _("The name is longer than %(max)d characters.") % {"max": MAX_NAME})
    if len(cleaned.event_title) > MAX_NAME:
        errors.add("event_title", _("The topic is longer than %(max)d characters.") % {"max": MAX_NAME})
    if not cleaned.questions:
        errors.add("questions", _("Add at least one question."))
    elif len(cleaned.questions) > MAX_QUESTIONS:
        errors.add("questions", _("At most %(max)d questions.") % {"max": MAX_QUESTIONS})
    for number, question in enumerate(cleaned.questions, start=1):
        _check_question(number, question, errors)
    return cleaned


def _check_answered_kept(template: SurveyTemplate, questions: list[QuestionInput], errors: Errors) -> None:
    """Answers already given must keep their meaning: see the module's docstring."""
    existing = {q.pk: q for q in template.questions.all()}
    incoming = {q.id: q for q in questions if q.id is not None}
    if len(incoming) != len([q for q in questions if q.id is not None]) or set(incoming) - set(existing):
        errors.add("questions", _("A question does not belong to this questionnaire. Reload the page."))
        return
    answered = set(
        SurveyAnswer.objects.filter(question__template=template).values_list("question_id", flat=True)
    )
    for question_id in sorted(answered):
        old = existing[question_id]
        new = incoming.get(question_id)
        if new is None:
            errors.add("questions", _("«%(q)s» already has answers: it cannot be deleted.") % {"q": old.text})
        elif new.kind != old.kind:
            errors.add(
                "questions", _("«%(q)s» already has answers: its kind cannot be changed.") % {"q": old.text}
            )
    chosen = (
        SurveyAnswerChoice.objects.filter(question__template=template)
        .values_list("question_id", "option")
        .distinct()
        .order_by("question_id", "option")
    )
    for question_id, option in chosen:
        new = incoming.get(question_id)
        if new is not None and new.kind == existing[question_id].kind and option not in new.choices:
            errors.add(
                "questions",
                _(
                    "Option «%(option)s» of «%(q)s» was already chosen in answers: it cannot be removed or renamed."
                )
                % {"option": option, "q": existing[question_id].text},
            )


def _summary(questions) -> list[str]:
    """Questions as the History tab shows them."""
    lines = []
    for number, q in enumerate(questions, start=1):
        mark = "*" if q.required else ""
        options = f": {' / '.join(q.choices)}" if q.choices else ""
        lines.append(f"{number}. {q.text}{mark} [{q.kind}]{options}")
    return lines


def _write_questions(template: SurveyTemplate, questions: list[QuestionInput]) -> None:
    keep = [q.id for q in questions if q.id is not None]
    template.questions.exclude(pk__in=keep).delete()
    existing = {q.pk: q for q in template.questions.all()}
    for position, data in enumerate(questions, start=1):
        row = existing.get(data.id) or SurveyQuestion(template=template)
        row.position, row.text, row.kind = position, data.text, data.kind
        row.choices, row.required = list(data.choices), data.required
        row.save()


@transaction.atomic
def survey_template_create(*, actor, data: SurveyTemplateInput) -> SurveyTemplate:
    require_perm(actor, "interactions.add_surveytemplate")
    errors = Errors()
    data = _validated_template(data, errors)
    errors.raise_if_any()
    template = SurveyTemplate.objects.create(
        name=data.name, description=data.description, event_title=data.event_title, created_by=actor
    )
    _write_questions(template, data.questions)
    changes = {"name": [None, data.name], "questions": [None, _summary(data.questions)]}
    if data.event_title:
        changes["event_title"] = [None, data.event_title]
    audit_log(actor=actor, action=AuditAction.CREATE, instance=template, changes=changes)
    return template


def _template_for_update(template_id) -> SurveyTemplate:
    try:
        template = SurveyTemplate.objects.select_for_update().filter(pk=int(template_id)).first()
    except (TypeError, ValueError):
        template = None
    if template is None:
        raise NotFound()
    return template


@transaction.atomic
def survey_template_update(*, actor, template_id, data: SurveyTemplateInput) -> SurveyTemplate:
    require_perm(actor, "interactions.change_surveytemplate")
    template = _template_for_update(template_id)
    errors = Errors()
    data = _validated_template(data, errors)
    if not errors:
        _check_answered_kept(template, data.questions, errors)
    errors.raise_if_any()
    before = {
        "name": template.name,
        "description": template.description,
        "event_title": template.event_title,
        "questions": _summary(template.questions.all()),
    }
    after = {
        "name": data.name,
        "description": data.description,
        "event_title": data.event_title,
        "questions": _summary(data.questions),
    }
    changes = {key: [before[key], after[key]] for key in before if before[key] != after[key]}
    if not changes:
        return template
    template.name, template.description, template.event_title = data.name, data.description, data.event_title
    template.save(update_fields=["name", "description", "event_title", "updated_at"])
    _write_questions(template, data.questions)
    audit_log(actor=actor, action=AuditAction.UPDATE, instance=template, changes=changes)
    return template


@transaction.atomic
def survey_template_set_active(*, actor, template_id, active: bool) -> SurveyTemplate:
    """A questionnaire out of use stays with its surveys and answers; only new surveys cannot use it."""
    require_perm(actor, "interactions.change_surveytemplate")
    template = _template_for_update(template_id)
    model_update(actor=actor, instance=template, data={"is_active": bool(active)}, fields=["is_active"])
    return template
