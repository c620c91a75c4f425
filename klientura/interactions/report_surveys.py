"""The survey report: per question of one questionnaire, the distribution and average of a scale, the
counts per option of a choice, the latest free-text answers — over the answered surveys the actor may
see, by period, manager and client segment. A handful of GROUP BY queries whatever the data volume."""

import datetime
from dataclasses import dataclass

from django.db.models import Avg, Count, F, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils import timezone
from django.utils.translation import gettext as _

from klientura.core.xlsx import Styled, XlsxBook
from klientura.parties.models import Partner

from .models_surveys import SCALE_MAX, QuestionKind, SurveyAnswer, SurveyAnswerChoice, SurveyStatus
from .selectors_surveys import survey_template_get, surveys_visible

LATEST_TEXTS = 10


@dataclass
class SurveyReportFilters:
    template_id: int | None = None
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    responsible_id: int | None = None
    tag_id: int | None = None
    region_id: int | None = None
    partner_kind: str = ""
    # The partners of a segment (issue 7) as an id subquery, e.g. segment.members.values("partner_id").
    partner_ids: QuerySet | None = None


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _partners(filters: SurveyReportFilters) -> QuerySet | None:
    """The client segment as one id subquery, or None when no client filter is set."""
    if not (filters.tag_id or filters.region_id or filters.partner_kind or filters.partner_ids is not None):
        return None
    partners = Partner.objects.all()
    if filters.tag_id:
        partners = partners.filter(tags__id=filters.tag_id)
    if filters.region_id:
        partners = partners.filter(region_id=filters.region_id)
    if filters.partner_kind:
        partners = partners.filter(kind=filters.partner_kind)
    if filters.partner_ids is not None:
        partners = partners.filter(pk__in=filters.partner_ids)
    return partners.values("pk")


def answered_surveys(*, actor, filters: SurveyReportFilters) -> QuerySet:
    """The answered surveys of the questionnaire that pass the filters; the period is when they were answered."""
    surveys = surveys_visible(actor=actor).filter(
        template_id=filters.template_id, status=SurveyStatus.ANSWERED
    )
    if filters.date_from:
        surveys = surveys.filter(answered_at__gte=_day_start(filters.date_from))
    if filters.date_to:
        surveys = surveys.filter(answered_at__lt=_day_start(filters.date_to + datetime.timedelta(days=1)))
    if filters.responsible_id:
        surveys = surveys.filter(event__responsible_id=filters.responsible_id)
    partners = _partners(filters)
    if partners is not None:
        surveys = surveys.filter(event__partner_id__in=partners)
    return surveys


def _scale_block(question, total: dict, counts: dict) -> dict:
    values = list(range(1, SCALE_MAX[question.kind] + 1))
    answered = total.get("answered", 0)
    average = total.get("average")
    return {
        "labels": [str(v) for v in values],
        "counts": [counts.get((question.pk, v), 0) for v in values],
        "average": round(average, 2) if average is not None else None,
        "answered": answered,
    }


def _choice_block(question, total: dict, counts: dict) -> dict:
    # Options in the questionnaire's order; one chosen before the wording changed stays at the end.
    options = list(question.choices)
    options += sorted(o for (qid, o) in counts if qid == question.pk and o not in options)
    return {
        "labels": options,
        "counts": [counts.get((question.pk, o), 0) for o in options],
        "average": None,
        "answered": total.get("answered", 0),
    }


def survey_report(*, actor, filters: SurveyReportFilters) -> dict:
    template = survey_template_get(template_id=filters.template_id)
    surveys = answered_surveys(actor=actor, filters=filters)
    answers = SurveyAnswer.objects.filter(survey__in=surveys.values("pk")).order_by()
    totals = {
        row["question_id"]: row
        for row in answers.values("question_id").annotate(answered=Count("id"), average=Avg("number"))
    }
    scale_counts = {
        (row["question_id"], row["number"]): row["n"]
        for row in answers.filter(number__isnull=False)
        .values("question_id", "number")
        .annotate(n=Count("id"))
    }
    choice_counts = {
        (row["question_id"], row["option"]): row["n"]
        for row in SurveyAnswerChoice.objects.filter(answer__in=answers.values("pk"))
        .order_by()
        .values("question_id", "option")
        .annotate(n=Count("id"))
    }
    texts: dict[int, list[dict]] = {}
    for row in _latest_texts(answers):
        texts.setdefault(row["question_id"], []).append(row)
    blocks = []
    for question in template.questions.all():
        total = totals.get(question.pk, {})
        if question.kind in SCALE_MAX:
            block = _scale_block(question, total, scale_counts)
        elif question.kind == QuestionKind.TEXT:
            block = {"labels": [], "counts": [], "average": None, "answered": total.get("answered", 0)}
        else:
            block = _choice_block(question, total, choice_counts)
        block.update(question=question, texts=texts.get(question.pk, []))
        block["rows"] = _rows(block)
        blocks.append(block)
    return {"template": template, "respondents": surveys.count(), "questions": blocks}


def _latest_texts(answers: QuerySet):
    """The latest few free-text answers of every question, in one query (a window per question)."""
    ranked = answers.exclude(text="").annotate(
        rank=Window(
            RowNumber(),
            partition_by=[F("question_id")],
            order_by=[F("survey__answered_at").desc(), F("id").desc()],
        )
    )
    return (
        ranked.filter(rank__lte=LATEST_TEXTS)
        .values("question_id", "text", "survey_id", "survey__answered_at", "survey__event__partner__name")
        .order_by("question_id", "rank")
    )


def _rows(block: dict) -> list[dict]:
    """Label, count and share of the question's respondents, for the table under the chart."""
    answered = block["answered"]
    return [
        {"label": label, "count": count, "share": round(100 * count / answered) if answered else 0}
        for label, count in zip(block["labels"], block["counts"], strict=True)
    ]


def survey_report_charts(report: dict) -> list[dict]:
    """What the page's script draws: one bar chart per scale or choice question."""
    return [
        {
            "id": f"q{b['question'].pk}",
            "labels": b["labels"],
            "counts": b["counts"],
            "scale": b["question"].kind in SCALE_MAX,
        }
        for b in report["questions"]
        if b["labels"]
    ]


def survey_report_xlsx(report: dict) -> bytes:
    """The report as a workbook: the figures per question, and the latest free-text answers."""
    book = XlsxBook()
    header = [_("Question"), _("Answer"), _("Count"), _("Share, %"), _("Average")]
    figures = []
    for number, block in enumerate(report["questions"], start=1):
        title = f"{number}. {block['question'].text}"
        figures.append([Styled(title, bold=True), _("Answered"), block["answered"], None, block["average"]])
        figures.extend([None, row["label"], row["count"], row["share"], None] for row in block["rows"])
    book.add_sheet(report["template"].name, header, figures, widths=(60, 40, 10, 10, 10))
    texts = [
        [
            block["question"].text,
            t["survey__event__partner__name"] or "",
            _local(t["survey__answered_at"]),
            t["text"],
        ]
        for block in report["questions"]
        for t in block["texts"]
    ]
    book.add_sheet(
        _("Free-text answers"),
        [_("Question"), _("Client"), _("Answered"), _("Answer")],
        texts,
        widths=(50, 30, 18, 80),
    )
    return book.to_bytes()


def _local(moment):
    return timezone.localtime(moment).replace(tzinfo=None) if moment else None
