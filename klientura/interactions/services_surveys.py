"""Writes for surveys (анкетирование): planning a survey as an event, and recording its answers — by
the manager during the contact, or by the client through the signed link. The questionnaires
themselves are written in services_survey_templates.py.
"""

import datetime
import secrets
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from klientura.accounts.access import require_perm
from klientura.core.audit import audit_log
from klientura.core.context import request_ip
from klientura.core.errors import DomainError, NotFound, ValidationFailed
from klientura.core.models import AuditAction, AuditEntry

from .access import can_edit_event
from .inputs import EventInput
from .models import EventKind, EventStatus, Importance, Notification
from .models_surveys import (
    SCALE_MAX,
    AnsweredBy,
    QuestionKind,
    Survey,
    SurveyAnswer,
    SurveyAnswerChoice,
    SurveyQuestion,
    SurveyStatus,
    SurveyTemplate,
)
from .selectors_surveys import survey_get
from .services import event_complete, event_create
from .services_survey_templates import Errors

MAX_TEXT_ANSWER = 2000
MAX_MINUTES_SPENT = 24 * 60
SURVEY_EVENT_KINDS = (EventKind.PLANNED, EventKind.CALL)
SURVEY_DURATION = datetime.timedelta(minutes=30)
# Submissions through public links: a client needs one or two tries; more within the hour is a robot.
PUBLIC_ATTEMPTS_PER_SURVEY = 10
PUBLIC_ATTEMPTS_PER_ADDRESS = 30
PUBLIC_ATTEMPTS_WINDOW = datetime.timedelta(hours=1)


class AlreadyAnswered(DomainError):
    code = "already_answered"
    status = 409
    default_message = gettext_lazy("The answers to this survey are already recorded.")


@dataclass(frozen=True)
class AnswerInput:
    question_id: int
    number: int | None = None
    options: tuple[str, ...] = ()
    text: str = ""


# ------------------------------------------------------------------------------ planning


def _new_nonce() -> str:
    return secrets.token_urlsafe(16)


@transaction.atomic
def survey_plan(
    *,
    actor,
    template_id,
    partner_id,
    contact_id=None,
    start_at=None,
    responsible_id=None,
    title: str = "",
    kind: str = EventKind.PLANNED,
    importance: str = Importance.NORMAL,
) -> Survey:
    """A survey of a client, planned as an event (a planned interaction or a call) in one transaction."""
    require_perm(actor, "interactions.add_event")
    errors = Errors()
    try:
        template = SurveyTemplate.objects.filter(pk=int(template_id), is_active=True).first()
    except (TypeError, ValueError):
        template = None
    if template is None:
        errors.add("template", _("Choose a questionnaire that is in use."))
    elif not template.questions.exists():
        errors.add("template", _("The questionnaire has no questions."))
    if kind not in SURVEY_EVENT_KINDS:
        errors.add("kind", _("A survey is planned as a planned interaction or a phone call."))
    errors.raise_if_any()
    data = EventInput(
        kind=kind,
        title=" ".join((title or "").split()) or template.event_title or template.name,
        partner_id=partner_id,
        contact_id=contact_id,
        responsible_id=responsible_id,
        importance=importance,
        start_at=start_at,
        end_at=start_at + SURVEY_DURATION if start_at else None,
        content=_("Questionnaire: %(name)s") % {"name": template.name},
    )
    event = event_create(actor=actor, data=data)  # validates the client, contact and calendar; audits
    return Survey.objects.create(event=event, template=template, link_nonce=_new_nonce())


def _editable_survey(*, actor, survey_id) -> Survey:
    survey = survey_get(actor=actor, survey_id=survey_id, for_update=True)
    if not can_edit_event(actor=actor, event=survey.event):
        raise NotFound()
    return survey


@transaction.atomic
def survey_link_renew(*, actor, survey_id) -> Survey:
    """A new public link; every link sent before stops working (a link sent to the wrong person)."""
    survey = _editable_survey(actor=actor, survey_id=survey_id)
    if survey.status == SurveyStatus.ANSWERED:
        raise AlreadyAnswered()
    survey.link_nonce = _new_nonce()
    survey.save(update_fields=["link_nonce", "updated_at"])
    audit_log(
        actor=actor, action=AuditAction.UPDATE, instance=survey, comment=_("A new answer link was made.")
    )
    return survey


# ------------------------------------------------------------------------------ answers


def _check_scale(question, answer: AnswerInput, add) -> AnswerInput | None:
    if answer.number is None:
        return None
    top = SCALE_MAX[question.kind]
    if not 1 <= answer.number <= top:
        add(_("Choose a value from 1 to %(max)d.") % {"max": top})
        return None
    return AnswerInput(question_id=question.pk, number=answer.number)


def _check_choice(question, answer: AnswerInput, add) -> AnswerInput | None:
    chosen = list(dict.fromkeys(o for o in answer.options if o))
    if not chosen:
        return None
    if any(option not in question.choices for option in chosen):
        add(_("Choose one of the offered options."))
        return None
    if question.kind == QuestionKind.SINGLE and len(chosen) > 1:
        add(_("Choose one option."))
        return None
    return AnswerInput(question_id=question.pk, options=tuple(chosen))


def _check_text(question, answer: AnswerInput, add) -> AnswerInput | None:
    text = (answer.text or "").strip()
    if not text:
        return None
    if len(text) > MAX_TEXT_ANSWER:
        add(_("The answer is longer than %(max)d characters.") % {"max": MAX_TEXT_ANSWER})
        return None
    return AnswerInput(question_id=question.pk, text=text)


_CHECKS = {
    QuestionKind.SCALE5: _check_scale,
    QuestionKind.SCALE10: _check_scale,
    QuestionKind.SINGLE: _check_choice,
    QuestionKind.MULTIPLE: _check_choice,
    QuestionKind.TEXT: _check_text,
}


def _validated_answers(questions: list[SurveyQuestion], answers: list[AnswerInput], errors: Errors) -> list:
    """(question, cleaned answer) for every answered question; errors keyed "q_<question id>"."""
    given = {a.question_id: a for a in answers}
    if set(given) - {q.pk for q in questions}:
        errors.add(
            "answers", _("An answer is to a question that is not in this questionnaire. Reload the page.")
        )
    cleaned = []
    for question in questions:
        key = f"q_{question.pk}"
        before = len(errors.get(key, []))
        answer = given.get(question.pk)
        kept = _CHECKS[question.kind](question, answer, lambda m, k=key: errors.add(k, m)) if answer else None
        if kept is not None:
            cleaned.append((question, kept))
        elif question.required and len(errors.get(key, [])) == before:
            errors.add(key, _("Please answer this question."))
    if not cleaned and not errors:
        errors.add("answers", _("Answer at least one question."))
    return cleaned


def _store_answers(survey: Survey, cleaned: list, *, by: str, recorded_by) -> None:
    rows = SurveyAnswer.objects.bulk_create(
        [SurveyAnswer(survey=survey, question=q, number=a.number, text=a.text) for q, a in cleaned]
    )
    SurveyAnswerChoice.objects.bulk_create(
        [
            SurveyAnswerChoice(answer=row, question_id=row.question_id, option=option)
            for row, (_q, a) in zip(rows, cleaned, strict=True)
            for option in a.options
        ]
    )
    survey.status, survey.answered_at = SurveyStatus.ANSWERED, timezone.now()
    survey.answered_by, survey.recorded_by = by, recorded_by
    survey.save(update_fields=["status", "answered_at", "answered_by", "recorded_by", "updated_at"])


def _answers_audit(*, actor, survey: Survey, cleaned: list) -> None:
    audit_log(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=survey,
        changes={
            "status": [str(SurveyStatus.WAITING.label), str(SurveyStatus.ANSWERED.label)],
            "answered_by": [None, str(AnsweredBy(survey.answered_by).label)],
            "answers": [None, len(cleaned)],
        },
    )


@transaction.atomic
def survey_answers_record(
    *, actor, survey_id, answers: list[AnswerInput], result: str = "", time_spent_minutes: int | None = None
) -> Survey:
    """The manager types in the client's answers during the contact; an open event becomes done."""
    survey = _editable_survey(actor=actor, survey_id=survey_id)
    if survey.status == SurveyStatus.ANSWERED:
        raise AlreadyAnswered()
    if survey.event.status == EventStatus.CANCELLED:
        raise ValidationFailed(_("The survey's event is cancelled: its answers cannot be recorded."))
    errors = Errors()
    if time_spent_minutes is not None and not 0 <= time_spent_minutes <= MAX_MINUTES_SPENT:
        errors.add("time_spent_minutes", _("Enter the time spent in minutes, up to a day."))
    cleaned = _validated_answers(list(survey.template.questions.all()), answers, errors)
    errors.raise_if_any()
    _store_answers(survey, cleaned, by=AnsweredBy.MANAGER, recorded_by=actor)
    _answers_audit(actor=actor, survey=survey, cleaned=cleaned)
    if survey.event.is_open:
        default = _("Survey answered: %(n)d of %(total)d questions.") % {
            "n": len(cleaned),
            "total": survey.template.questions.count(),
        }
        survey.event = event_complete(
            actor=actor,
            event_id=survey.event_id,
            result=(result or "").strip() or default,
            time_spent_minutes=time_spent_minutes,
        )
    return survey


def survey_public_attempt(*, survey: Survey) -> bool:
    """Count one submission through a public link; False (and nothing counted) when there were too
    many lately, for this survey or from this address. Kept in the audit trail, like failed logins,
    so every web process sees the same count; committed on its own, since a refused submission
    rolls its own transaction back."""
    since = timezone.now() - PUBLIC_ATTEMPTS_WINDOW
    attempts = AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Survey), action=AuditAction.OTHER, at__gte=since
    )
    if attempts.filter(object_id=str(survey.pk)).count() >= PUBLIC_ATTEMPTS_PER_SURVEY:
        return False
    address = request_ip.get()
    if address and attempts.filter(ip=address).count() >= PUBLIC_ATTEMPTS_PER_ADDRESS:
        return False
    audit_log(
        actor=None, action=AuditAction.OTHER, instance=survey, comment=_("Answers sent through the link.")
    )
    return True


def _notify_responsible(survey: Survey) -> None:
    """The client answered on their own: the responsible user hears of it in the bell (no e-mail), and
    the event stays open — the manager reads the answers and decides what the contact came to."""
    user = survey.event.responsible
    if user is None or not user.is_active:
        return
    with translation.override(user.language or None):
        Notification.objects.create(
            user=user,
            event=survey.event,
            title=str(_("The client answered the survey")),
            body=f"{survey.event.partner or ''}: {survey.template.name}",
            url=reverse("interactions:survey_card", args=[survey.pk]),
        )


@transaction.atomic
def survey_answers_submit_public(*, survey_id, nonce: str, answers: list[AnswerInput]) -> Survey:
    """The client answers through the signed link. No actor: the link's nonce is the credential."""
    survey = (
        Survey.objects.select_for_update(of=("self",))
        .select_related("event", "event__responsible", "event__partner", "template")
        .filter(pk=survey_id)
        .first()
    )
    if survey is None or not nonce or not secrets.compare_digest(survey.link_nonce, nonce):
        raise NotFound()
    if survey.event.status == EventStatus.CANCELLED:
        raise NotFound()
    if survey.status == SurveyStatus.ANSWERED:
        raise AlreadyAnswered()
    errors = Errors()
    cleaned = _validated_answers(list(survey.template.questions.all()), answers, errors)
    errors.raise_if_any()
    _store_answers(survey, cleaned, by=AnsweredBy.CLIENT, recorded_by=None)
    _answers_audit(actor=None, survey=survey, cleaned=cleaned)
    _notify_responsible(survey)
    return survey
