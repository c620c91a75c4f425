"""Survey pages: questionnaires, planning a survey for a client, the survey with its answers, the report,
and the client's public page behind a signed link. Each view parses, checks access, calls one service
or selector and renders; missing and forbidden both give 404."""

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from klientura.core.errors import DomainError, NotFound, ValidationFailed, error_text
from klientura.core.xlsx import CONTENT_TYPE as XLSX_CONTENT_TYPE
from klientura.parties.models import BusinessRegion, PartnerKind, Tag
from klientura.parties.selectors import PartnerFilters, partner_list
from klientura.parties.views import partner_or_404

from . import report_surveys, selectors_surveys, services_survey_templates, services_surveys
from .access import calendar_owners_editable, can_edit_event
from .forms_surveys import (
    SurveyFilterForm,
    SurveyPlanForm,
    SurveyReportFilterForm,
    SurveyResultForm,
    SurveyTemplateForm,
    answers_from_post,
    posted_values,
)
from .models_surveys import SCALE_MAX, QuestionKind, SurveyStatus


def _require(request, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise Http404


def _survey_or_404(request, survey_id):
    try:
        return selectors_surveys.survey_get(actor=request.user, survey_id=survey_id)
    except NotFound:
        raise Http404 from None


def _form_errors(form, exc: DomainError) -> None:
    if not exc.fields:
        form.add_error(None, str(exc.message))
    for name, errors in exc.fields.items():
        for error in errors:
            form.add_error(name if name in form.fields else None, error)


def _question_items(questions, values: dict, errors: dict) -> list[dict]:
    """The questions as the answer form draws them, with what was posted and the errors of each."""
    items = []
    for question in questions:
        value = values.get(question.pk, [] if question.kind == QuestionKind.MULTIPLE else "")
        items.append(
            {
                "question": question,
                "name": f"q_{question.pk}",
                "scale": [str(n) for n in range(1, SCALE_MAX[question.kind] + 1)]
                if question.kind in SCALE_MAX
                else [],
                "value": value,
                "chosen": value if isinstance(value, list) else [value],
                "errors": errors.get(f"q_{question.pk}", []),
            }
        )
    return items


# ------------------------------------------------------------------------------ questionnaires


@login_required
def survey_template_list_view(request):
    _require(request, "interactions.view_survey")
    return render(
        request,
        "interactions/surveys/template_list.html",
        {
            "templates": selectors_surveys.survey_templates(with_counts=True),
            "section": "events",
            "tab": "templates",
        },
    )


def _template_form_page(request, form, template):
    answered = selectors_surveys.survey_template_answered_questions(template=template) if template else {}
    for row in form.rows:
        row["answered"] = row["id"] in answered
        row["chosen"] = sorted(answered.get(row["id"], ()))
    return render(
        request,
        "interactions/surveys/template_form.html",
        {
            "form": form,
            "template": template,
            "kinds": QuestionKind.choices,
            "blank_row": {
                "key": "__KEY__",
                "id": None,
                "text": "",
                "kind": QuestionKind.SCALE5,
                "options": "",
            },
            "section": "events",
            "tab": "templates",
        },
    )


@login_required
def survey_template_new_view(request):
    _require(request, "interactions.add_surveytemplate")
    form = SurveyTemplateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            template = services_survey_templates.survey_template_create(
                actor=request.user, data=form.to_input()
            )
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Questionnaire «%(name)s» is saved.") % {"name": template.name})
            return redirect("interactions:survey_template_list")
    return _template_form_page(request, form, None)


@login_required
def survey_template_edit_view(request, template_id: int):
    _require(request, "interactions.change_surveytemplate")
    try:
        template = selectors_surveys.survey_template_get(template_id=template_id)
    except NotFound:
        raise Http404 from None
    initial = {
        "name": template.name,
        "description": template.description,
        "event_title": template.event_title,
    }
    form = SurveyTemplateForm(request.POST or None, initial=initial, template=template)
    if request.method == "POST" and form.is_valid():
        try:
            services_survey_templates.survey_template_update(
                actor=request.user, template_id=template.pk, data=form.to_input()
            )
        except NotFound:
            raise Http404 from None
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            messages.success(
                request, _("Questionnaire «%(name)s» is saved.") % {"name": form.cleaned_data["name"]}
            )
            return redirect("interactions:survey_template_list")
    return _template_form_page(request, form, template)


@login_required
@require_POST
def survey_template_active_view(request, template_id: int):
    _require(request, "interactions.change_surveytemplate")
    active = request.POST.get("active") == "1"
    try:
        template = services_survey_templates.survey_template_set_active(
            actor=request.user, template_id=template_id, active=active
        )
    except NotFound:
        raise Http404 from None
    if active:
        messages.success(request, _("Questionnaire «%(name)s» is in use again.") % {"name": template.name})
    else:
        messages.success(
            request,
            _("Questionnaire «%(name)s» is out of use: its surveys and answers stay.")
            % {"name": template.name},
        )
    return redirect("interactions:survey_template_list")


# ------------------------------------------------------------------------------ planning


def _pick_client(request):
    q = request.GET.get("q", "").strip()
    partners = partner_list(actor=request.user, filters=PartnerFilters(q=q), limit=20).items if q else []
    return render(
        request,
        "interactions/surveys/plan_pick_client.html",
        {"q": q, "partners": partners, "section": "events", "tab": "surveys"},
    )


@login_required
def survey_plan_view(request):
    """Plan a survey for a client: `?partner=<id>` (from the client card); without it, find the client."""
    _require(request, "interactions.add_event")
    partner_id = request.GET.get("partner") or request.POST.get("partner")
    if not partner_id:
        return _pick_client(request)
    partner = partner_or_404(request, partner_id)
    form = SurveyPlanForm(
        request.POST or None,
        initial={"responsible": request.user.pk, "template": request.GET.get("template")},
        templates=selectors_surveys.survey_templates_active(),
        contacts=partner.contacts.order_by("full_name"),
        responsibles=calendar_owners_editable(actor=request.user).order_by("last_name", "first_name"),
    )
    if request.method == "POST" and form.is_valid():
        cd = form.cleaned_data
        try:
            survey = services_surveys.survey_plan(
                actor=request.user,
                template_id=cd["template"],
                partner_id=partner.pk,
                contact_id=cd.get("contact"),
                start_at=cd.get("start_at"),
                responsible_id=cd["responsible"],
                title=cd.get("title", ""),
                kind=cd["kind"],
                importance=cd["importance"],
            )
        except DomainError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("The survey is planned: %(title)s.") % {"title": survey.event.title})
            return redirect("interactions:survey_card", survey_id=survey.pk)
    context = {"form": form, "partner": partner, "section": "events", "tab": "surveys"}
    return render(request, "interactions/surveys/plan.html", context)


# ------------------------------------------------------------------------------ surveys


@login_required
def survey_list_view(request):
    _require(request, "interactions.view_survey")
    form = SurveyFilterForm(request.GET)
    cd = form.cleaned_data if form.is_valid() else {}
    filters = selectors_surveys.SurveyFilters(
        status=cd.get("status") or "",
        template_id=cd.get("template"),
        responsible_id=cd.get("responsible"),
        partner_id=cd.get("partner"),
    )
    try:
        page = selectors_surveys.survey_list(
            actor=request.user, filters=filters, cursor=request.GET.get("cursor")
        )
    except ValidationFailed:
        raise Http404 from None
    now = timezone.now()
    for survey in page.items:
        survey.is_overdue = selectors_surveys.survey_is_overdue(survey, now)
    query = request.GET.copy()
    query.pop("cursor", None)
    context = {
        "page": page,
        "filters": filters,
        "statuses": SurveyStatus.choices,
        "templates": selectors_surveys.survey_templates(),
        "responsibles": selectors_surveys.survey_responsibles(actor=request.user),
        "query": query.urlencode(),
        "section": "events",
        "tab": "surveys",
    }
    return render(request, "interactions/surveys/survey_list.html", context)


def _card_context(request, survey, *, values=None, errors=None, result_form=None) -> dict:
    can_edit = can_edit_event(actor=request.user, event=survey.event)
    link = ""
    if survey.status == SurveyStatus.WAITING and can_edit:
        link = request.build_absolute_uri(selectors_surveys.survey_public_path(survey))
    event = survey.event
    survey.is_overdue = selectors_surveys.survey_is_overdue(survey)
    email = event.partner.main_email if event.partner else ""
    mail_subject = survey.template.event_title or survey.template.name
    return {
        "survey": survey,
        "event": event,
        "rows": selectors_surveys.survey_answer_rows(survey),
        "items": _question_items(survey.template.questions.all(), values or {}, errors or {}),
        "errors": errors or {},
        "result_form": result_form or SurveyResultForm(),
        "can_edit": can_edit,
        "link": link,
        "mailto": f"mailto:{quote(email)}?subject={quote(mail_subject)}&body={quote(link)}" if link else "",
        "section": "events",
        "tab": "surveys",
    }


@login_required
def survey_card_view(request, survey_id: int):
    _require(request, "interactions.view_survey")
    survey = _survey_or_404(request, survey_id)
    return render(request, "interactions/surveys/survey_card.html", _card_context(request, survey))


@login_required
@require_POST
def survey_answer_view(request, survey_id: int):
    """The manager records the client's answers (during a call); the event is completed with them."""
    _require(request, "interactions.view_survey")
    survey = _survey_or_404(request, survey_id)
    questions = list(survey.template.questions.all())
    result_form = SurveyResultForm(request.POST)
    cd = result_form.cleaned_data if result_form.is_valid() else {}
    try:
        services_surveys.survey_answers_record(
            actor=request.user,
            survey_id=survey.pk,
            answers=answers_from_post(request.POST, questions),
            result=cd.get("result", ""),
            time_spent_minutes=cd.get("time_spent_minutes"),
        )
    except NotFound:
        raise Http404 from None
    except services_surveys.AlreadyAnswered as exc:
        messages.info(request, str(exc.message))
    except DomainError as exc:
        messages.error(request, str(exc.message) if exc.fields else error_text(exc))
        context = _card_context(
            request,
            survey,
            values=posted_values(request.POST, questions),
            errors=exc.fields,
            result_form=result_form,
        )
        return render(request, "interactions/surveys/survey_card.html", context, status=422)
    else:
        messages.success(request, _("The answers are recorded and the event is done."))
    return redirect("interactions:survey_card", survey_id=survey.pk)


@login_required
@require_POST
def survey_link_renew_view(request, survey_id: int):
    _require(request, "interactions.view_survey")
    try:
        services_surveys.survey_link_renew(actor=request.user, survey_id=survey_id)
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Here is a new link. The links sent before no longer open the survey."))
    return redirect("interactions:survey_card", survey_id=survey_id)


# ------------------------------------------------------------------------------ report


def _report_filters(request) -> tuple[report_surveys.SurveyReportFilters, dict]:
    form = SurveyReportFilterForm(request.GET)
    cd = form.cleaned_data if form.is_valid() else {}
    template_id = cd.get("template")
    if template_id is None:
        first = selectors_surveys.survey_templates().first()
        template_id = first.pk if first else None
    today = timezone.localdate()
    filters = report_surveys.SurveyReportFilters(
        template_id=template_id,
        date_from=cd.get("date_from") or today.replace(month=1, day=1),
        date_to=cd.get("date_to") or today,
        responsible_id=cd.get("responsible"),
        tag_id=cd.get("tag"),
        region_id=cd.get("region"),
        partner_kind=cd.get("kind") or "",
    )
    return filters, cd


@login_required
def survey_report_view(request):
    _require(request, "interactions.view_survey")
    filters, cd = _report_filters(request)
    report = None
    if filters.template_id is not None:
        try:
            report = report_surveys.survey_report(actor=request.user, filters=filters)
        except NotFound:
            raise Http404 from None
    if report is not None and cd.get("format") == "xlsx":
        response = HttpResponse(report_surveys.survey_report_xlsx(report), content_type=XLSX_CONTENT_TYPE)
        name = f"survey-report-{timezone.localdate():%Y-%m-%d}.xlsx"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    query = request.GET.copy()
    query["format"] = "xlsx"
    context = {
        "report": report,
        "charts": report_surveys.survey_report_charts(report) if report else [],
        "filters": filters,
        "templates": selectors_surveys.survey_templates(),
        "responsibles": selectors_surveys.survey_responsibles(actor=request.user),
        "tags": Tag.objects.order_by("name"),
        "regions": BusinessRegion.objects.order_by("name"),
        "kinds": PartnerKind.choices,
        "xlsx_query": query.urlencode(),
        "section": "events",
        "tab": "report",
    }
    return render(request, "interactions/surveys/report.html", context)


# ------------------------------------------------------------------------------ the client's page


def _public_message(request, *, status: int, title: str, text: str, company: str = ""):
    context = {"title": title, "text": text, "company": company or selectors_surveys.public_company_name()}
    return render(request, "interactions/surveys/public_message.html", context, status=status)


def _public_invalid(request):
    return _public_message(
        request,
        status=404,
        title=_("This link does not open a survey"),
        text=_(
            "It may have expired or been replaced by a newer one. Please ask your manager for a new link."
        ),
    )


def _public_done(request, survey, *, just_now: bool):
    if just_now:
        title, text = _("Thank you!"), _("Your answers are saved. They help us work better for you.")
    else:
        title, text = (
            _("The survey is already answered"),
            _("Thank you! Your answers are saved; nothing more is needed."),
        )
    return _public_message(request, status=200, title=title, text=text)


@never_cache
def survey_public_view(request, token: str):
    """The client's page: no login, the signed link is the key; CSRF is on as everywhere."""
    try:
        survey, nonce = selectors_surveys.survey_from_token(token)
    except NotFound:
        return _public_invalid(request)
    if survey.status == SurveyStatus.ANSWERED:
        return _public_done(request, survey, just_now=request.GET.get("done") == "1")
    questions = list(survey.template.questions.all())
    values, errors = {}, {}
    if request.method == "POST":
        if not services_surveys.survey_public_attempt(survey=survey):
            return _public_message(
                request,
                status=429,
                title=_("Too many attempts"),
                text=_("Please wait an hour and try again, or answer your manager by phone."),
            )
        try:
            services_surveys.survey_answers_submit_public(
                survey_id=survey.pk, nonce=nonce, answers=answers_from_post(request.POST, questions)
            )
        except NotFound:
            return _public_invalid(request)
        except services_surveys.AlreadyAnswered:
            return _public_done(request, survey, just_now=False)
        except ValidationFailed as exc:
            values, errors = posted_values(request.POST, questions), exc.fields
        else:
            return redirect(f"{request.path}?done=1")
    context = {
        "survey": survey,
        "items": _question_items(questions, values, errors),
        "errors": errors,
        "company": selectors_surveys.public_company_name(),
    }
    return render(request, "interactions/surveys/public_form.html", context, status=422 if errors else 200)
