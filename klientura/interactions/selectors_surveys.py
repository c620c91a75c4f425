"""Reads of surveys: what the actor may see, one survey with its answers, the list, the questionnaires,
and the signed public link (its token is the only credential a client has)."""

import datetime
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core import signing
from django.db.models import Count, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from klientura.core.audit import audit_log
from klientura.core.errors import NotFound
from klientura.core.models import AuditAction
from klientura.core.pagination import Page, keyset_page

from .models import EventStatus
from .models_surveys import Survey, SurveyAnswer, SurveyStatus, SurveyTemplate
from .selectors import events_visible

SURVEY_LINK_SALT = "klientura.interactions.survey-link"
# A client may answer weeks after the letter; after three months the link is not worth trusting.
SURVEY_LINK_MAX_AGE = datetime.timedelta(days=90)
LIST_ORDERING = ["-event__at", "-id"]


def surveys_visible(*, actor) -> QuerySet:
    """Surveys whose event the actor may see (the event's access rules decide)."""
    return Survey.objects.filter(event__in=events_visible(actor=actor).values("pk"))


def survey_get(*, actor, survey_id, for_update: bool = False) -> Survey:
    """The survey if the actor may see its event; the same NotFound for missing and forbidden."""
    try:
        survey_id = int(survey_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    surveys = surveys_visible(actor=actor).select_related(
        "template", "event", "event__partner", "event__contact", "event__responsible", "recorded_by"
    )
    if for_update:
        surveys = surveys.select_for_update(of=("self",))
    survey = surveys.filter(pk=survey_id).first()
    if survey is None:
        if Survey.objects.filter(pk=survey_id).exists():
            audit_log(
                actor=actor, action=AuditAction.ACCESS_DENIED, comment=f"interactions.survey #{survey_id}"
            )
        raise NotFound()
    return survey


# ------------------------------------------------------------------------------ public link


def survey_public_token(survey: Survey) -> str:
    """A signed, dated token naming the survey and its current nonce (a new nonce voids old links)."""
    return signing.dumps({"s": survey.pk, "n": survey.link_nonce}, salt=SURVEY_LINK_SALT, compress=True)


def survey_public_path(survey: Survey) -> str:
    return reverse("interactions:survey_public", args=[survey_public_token(survey)])


def survey_from_token(token: str) -> tuple[Survey, str]:
    """The survey a public link names, and the nonce it carries. A tampered, expired or replaced link,
    or one to a cancelled event, is NotFound."""
    try:
        payload = signing.loads(token, salt=SURVEY_LINK_SALT, max_age=SURVEY_LINK_MAX_AGE)
        survey_id, nonce = int(payload["s"]), str(payload["n"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise NotFound() from None
    survey = (
        Survey.objects.select_related("template", "event", "event__partner", "event__contact")
        .filter(pk=survey_id)
        .first()
    )
    if (
        survey is None
        or not nonce
        or survey.link_nonce != nonce
        or survey.event.status == EventStatus.CANCELLED
    ):
        raise NotFound()
    return survey, nonce


def public_company_name() -> str:
    """Our company's name for the client's page: the default organization's, if one is set up."""
    from klientura.sales.models import Organization  # read only; sales knows nothing of surveys

    return Organization.objects.order_by("-is_default", "id").values_list("name", flat=True).first() or ""


# ------------------------------------------------------------------------------ one survey


def survey_answer_rows(survey: Survey) -> list[dict]:
    """Every question of the questionnaire with the answer given (None when skipped), in order."""
    answers = {
        a.question_id: a
        for a in SurveyAnswer.objects.filter(survey=survey).prefetch_related(
            Prefetch("choices", to_attr="chosen")
        )
    }
    rows = []
    for question in survey.template.questions.all():
        answer = answers.get(question.pk)
        rows.append(
            {
                "question": question,
                "answer": answer,
                "options": [c.option for c in answer.chosen] if answer else [],
            }
        )
    return rows


# ------------------------------------------------------------------------------ lists


@dataclass
class SurveyFilters:
    status: str = ""
    template_id: int | None = None
    responsible_id: int | None = None
    partner_id: int | None = None


def survey_list(*, actor, filters: SurveyFilters, cursor: str | None = None, limit: int = 50) -> Page:
    """One page of surveys, latest planned first; a fixed number of queries whatever the page holds."""
    surveys = surveys_visible(actor=actor).select_related(
        "template", "event", "event__partner", "event__contact", "event__responsible"
    )
    if filters.status:
        surveys = surveys.filter(status=filters.status)
    if filters.template_id:
        surveys = surveys.filter(template_id=filters.template_id)
    if filters.responsible_id:
        surveys = surveys.filter(event__responsible_id=filters.responsible_id)
    if filters.partner_id:
        surveys = surveys.filter(event__partner_id=filters.partner_id)
    return keyset_page(surveys, ordering=LIST_ORDERING, cursor=cursor, limit=limit)


def survey_responsibles(*, actor) -> QuerySet:
    """Users responsible for surveys the actor sees (for the filters)."""
    responsible_ids = surveys_visible(actor=actor).values("event__responsible_id")
    return get_user_model().objects.filter(pk__in=responsible_ids).order_by("last_name", "first_name", "id")


def survey_templates(*, with_counts: bool = False) -> QuerySet:
    """Questionnaires, those in use first. The counts are over every survey (the names of templates and
    how much they are used are not client data)."""
    templates = SurveyTemplate.objects.order_by("-is_active", "name", "id")
    if with_counts:
        templates = templates.annotate(
            question_count=Count("questions", distinct=True),
            survey_count=Count("surveys", distinct=True),
            answered_count=Count("surveys", filter=Q(surveys__status=SurveyStatus.ANSWERED), distinct=True),
        )
    return templates


def survey_templates_active() -> QuerySet:
    return (
        SurveyTemplate.objects.filter(is_active=True, questions__isnull=False)
        .distinct()
        .order_by("name", "id")
    )


def survey_template_get(*, template_id) -> SurveyTemplate:
    try:
        template = SurveyTemplate.objects.filter(pk=int(template_id)).first()
    except (TypeError, ValueError):
        template = None
    if template is None:
        raise NotFound()
    return template


def survey_template_answered_questions(*, template: SurveyTemplate) -> dict[int, set[str]]:
    """Questions of the template that have answers, each with the options chosen in them: what the
    editor must keep (see services_surveys)."""
    answers = SurveyAnswer.objects.filter(question__template=template).order_by()
    answered: dict[int, set[str]] = {
        pk: set() for pk in answers.values_list("question_id", flat=True).distinct()
    }
    chosen = answers.filter(choices__isnull=False).values_list("question_id", "choices__option").distinct()
    for question_id, option in chosen:
        answered.setdefault(question_id, set()).add(option)
    return answered


def survey_is_overdue(survey: Survey, now: datetime.datetime | None = None) -> bool:
    event = survey.event
    deadline = event.end_at or event.start_at
    return bool(
        survey.status == SurveyStatus.WAITING
        and event.is_open
        and deadline
        and deadline < (now or timezone.now())
    )
