"""Setting up lead intake: public lead forms (with the snippet to embed), routing rules (in order,
with conditions in words), and absences. Forms and rules are for those who handle leads; absences for
heads of sales and administrators. Pages one may not open are 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from klientura.accounts import selectors_absences, services_absences
from klientura.core.errors import DomainError, NotFound, ValidationFailed, error_text

from . import selectors_leads, services_routing
from .forms_leads import (
    AbsenceForm,
    LeadFormForm,
    RoutingRuleForm,
    condition_options,
    condition_rows,
    conditions_from_post,
)
from .models_leads import RoutingRule
from .routing_words import rules_in_words


def _require_manage(request) -> None:
    if not selectors_leads.can_manage_leads(request.user):
        raise Http404


def _errors_to_form(form, exc: DomainError) -> list[str]:
    """Put field errors on the form's fields; the rest (e.g. a condition row's) are returned."""
    rest = []
    if not exc.fields:
        form.add_error(None, str(exc.message))
    for name, errors in exc.fields.items():
        field = name.removesuffix("_id").removesuffix("_ids") if name not in form.fields else name
        field = "managers" if name == "manager_ids" else field
        for error in errors:
            if field in form.fields:
                form.add_error(field, error)
            else:
                rest.append(error)
    return rest


# --- lead forms ------------------------------------------------------------------------------------


@login_required
def lead_forms(request):
    _require_manage(request)
    forms = list(selectors_leads.lead_forms(actor=request.user))
    for form in forms:
        form.public_url = request.build_absolute_uri(reverse("deals:lead_form_public", args=[form.key]))
    return render(request, "deals/leads/form_list.html", {"lead_forms": forms, "section": "deals"})


@login_required
def lead_form_edit(request, form_id: int | None = None):
    _require_manage(request)
    try:
        lead_form = selectors_leads.lead_form_get(actor=request.user, form_id=form_id) if form_id else None
    except NotFound:
        raise Http404 from None
    initial = LeadFormForm.initial_from(lead_form) if lead_form else {"is_active": True}
    form = LeadFormForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                saved = services_routing.lead_form_save(
                    actor=request.user, form_id=form_id, data=form.to_input()
                )
            except ValidationFailed as exc:
                _errors_to_form(form, exc)
            else:
                messages.success(request, _("The form is saved."))
                return redirect(f"{reverse('deals:lead_forms')}#form-{saved.pk}")
        status = 422
    context = {"form": form, "lead_form": lead_form, "section": "deals"}
    if lead_form:
        context["public_url"] = request.build_absolute_uri(
            reverse("deals:lead_form_public", args=[lead_form.key])
        )
    return render(request, "deals/leads/form_edit.html", context, status=status)


# --- routing rules -----------------------------------------------------------------------------------


@login_required
def routing_rules(request):
    _require_manage(request)
    rules = list(selectors_leads.routing_rules(actor=request.user))
    words = rules_in_words(rules)
    for rule in rules:
        rule.words = words[rule.pk]
    return render(request, "deals/leads/rule_list.html", {"rules": rules, "section": "deals"})


def _rule_or_404(request, rule_id) -> RoutingRule:
    try:
        return selectors_leads.routing_rule_get(actor=request.user, rule_id=rule_id)
    except NotFound:
        raise Http404 from None


@login_required
def routing_rule_edit(request, rule_id: int | None = None):
    _require_manage(request)
    rule = _rule_or_404(request, rule_id) if rule_id else None
    initial = (
        {
            "name": rule.name,
            "strategy": rule.strategy,
            "managers": list(rule.managers.all()),
            "is_active": rule.is_active,
        }
        if rule
        else {"is_active": True}
    )
    form = RoutingRuleForm(request.POST or None, initial=initial)
    conditions = list(rule.conditions) if rule else []
    row_errors, status = [], 200
    if request.method == "POST":
        conditions = conditions_from_post(request.POST)
        if form.is_valid():
            try:
                saved = services_routing.routing_rule_save(
                    actor=request.user, rule_id=rule.pk if rule else None, data=form.to_input(conditions)
                )
            except ValidationFailed as exc:
                row_errors = _row_errors(exc)
                _errors_to_form(
                    form,
                    ValidationFailed(
                        fields={k: v for k, v in exc.fields.items() if not k.startswith("conditions")}
                    ),
                )
            else:
                messages.success(request, _("The rule is saved."))
                return redirect(f"{reverse('deals:routing_rules')}#rule-{saved.pk}")
        status = 422
    context = {
        "form": form,
        "rule": rule,
        "rows": condition_rows(conditions),
        "row_errors": row_errors,
        "options": condition_options(),
        "section": "deals",
    }
    return render(request, "deals/leads/rule_edit.html", context, status=status)


def _row_errors(exc: ValidationFailed) -> list[str]:
    """Condition errors as "Condition 2: …" lines (rows are numbered from 1 on the page)."""
    lines = []
    for name, errors in exc.fields.items():
        if not name.startswith("conditions"):
            continue
        parts = name.split(".")
        prefix = (
            _("Condition %(number)s") % {"number": int(parts[1]) + 1} if len(parts) > 1 else _("Conditions")
        )
        lines += [f"{prefix}: {error}" for error in errors]
    return lines


@login_required
@require_POST
def routing_rules_reorder(request):
    _require_manage(request)
    wants_json = "application/json" in request.headers.get("Accept", "")
    ids = [pk for pk in request.POST.getlist("rule") if pk.isdigit()]
    moving = request.POST.get("move", "")
    if not ids:
        ids = [str(pk) for pk in RoutingRule.objects.order_by("position", "id").values_list("pk", flat=True)]
        if moving in ids:
            i = ids.index(moving)
            j = i - 1 if request.POST.get("direction") == "up" else i + 1
            if 0 <= j < len(ids):
                ids[i], ids[j] = ids[j], ids[i]
    try:
        services_routing.routing_rules_reorder(actor=request.user, rule_ids=[int(pk) for pk in ids])
    except DomainError as exc:
        if wants_json:
            return JsonResponse({"error": error_text(exc)}, status=exc.status)
        messages.error(request, error_text(exc))
    else:
        if wants_json:
            return JsonResponse({"ok": True})
    return redirect("deals:routing_rules")


@login_required
@require_POST
def routing_rule_delete(request, rule_id: int):
    _require_manage(request)
    rule = _rule_or_404(request, rule_id)
    services_routing.routing_rule_delete(actor=request.user, rule_id=rule.pk)
    messages.success(request, _("The rule “%(name)s” is deleted.") % {"name": rule.name})
    return redirect("deals:routing_rules")


# --- absences ----------------------------------------------------------------------------------------


def _require_absences(request) -> None:
    if not request.user.has_perm("accounts.view_absence"):
        raise Http404


@login_required
def absences(request):
    _require_absences(request)
    users = selectors_absences.users_for_absences(actor=request.user)
    form = AbsenceForm(request.POST or None, users=users)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            cd = form.cleaned_data
            try:
                services_absences.absence_add(
                    actor=request.user,
                    user_id=cd["user"].pk,
                    starts_on=cd["starts_on"],
                    ends_on=cd["ends_on"],
                    reason=cd["reason"],
                )
            except DomainError as exc:
                _errors_to_form(form, exc)
            else:
                messages.success(request, _("The absence is recorded."))
                return redirect("deals:absences")
        status = 422
    past = request.GET.get("past") == "1"
    context = {
        "form": form if request.user.has_perm("accounts.add_absence") else None,
        "absences": selectors_absences.absences_visible(actor=request.user, include_past=past)[:500],
        "past": past,
        "section": "deals",
    }
    return render(request, "deals/leads/absences.html", context, status=status)


@login_required
@require_POST
def absence_remove(request, absence_id: int):
    _require_absences(request)
    try:
        services_absences.absence_remove(actor=request.user, absence_id=absence_id)
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("The absence is removed."))
    return redirect("deals:absences")
