"""Web pages for agreements: the list, the card with the effective terms, the form, status changes.

A new agreement is made in up to three steps on one URL: its kind (for those who may make both),
its client (an individual agreement, found by a search), then its terms.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from klientura.catalog.models import PriceType
from klientura.core.errors import DomainError, NotFound, error_text
from klientura.core.money import CURRENCY_CHOICES, VatMode
from klientura.parties.selectors import PartnerFilters, partner_get, partner_list, partners_visible

from . import selectors_agreements as selectors
from . import services_agreements as services
from .forms_agreements import AgreementForm, initial_of
from .models import AgreementKind, AgreementStatus, Organization, PaymentBase
from .terms import agreement_terms

TERM_LABELS = [
    ("price_type_id", gettext_lazy("Price type")),
    ("discount_percent", gettext_lazy("Discount (−markup) %")),
    ("max_manual_discount_percent", gettext_lazy("Largest manual discount %")),
    ("payment_schedule", gettext_lazy("Payment schedule")),
    ("delivery_days", gettext_lazy("Delivery lead time, days")),
    ("vat_mode", gettext_lazy("VAT")),
    ("currency", gettext_lazy("Currency")),
    ("organization_id", gettext_lazy("Organization")),
    ("valid_from", gettext_lazy("Valid from")),
    ("valid_to", gettext_lazy("Valid to")),
]
STATUS_ACTIONS = {
    AgreementStatus.ACTIVE: gettext_lazy("Activate"),
    AgreementStatus.CLOSED: gettext_lazy("Close"),
}


def agreement_or_404(request, agreement_id):
    try:
        return selectors.agreement_get(actor=request.user, agreement_id=agreement_id)
    except NotFound:
        raise Http404 from None


def _may_change(user, kind: str, *, creating: bool = False) -> bool:
    if kind == AgreementKind.TYPICAL:
        return user.has_perm("sales.manage_typical_agreements")
    return user.has_perm("sales.add_agreement" if creating else "sales.change_agreement")


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --- the list --------------------------------------------------------------------------------


def _filters(request) -> selectors.AgreementFilters:
    get = request.GET
    return selectors.AgreementFilters(
        q=get.get("q", "")[:200],
        kind=get.get("kind", "") if get.get("kind") in AgreementKind.values else "",
        status=get.get("status", "") if get.get("status") in AgreementStatus.values else "",
        partner_id=_int_or_none(get.get("partner")),
    )


@login_required
def agreement_list_view(request):
    filters = _filters(request)
    try:
        page = selectors.agreement_list(actor=request.user, filters=filters, cursor=request.GET.get("cursor"))
    except DomainError as exc:
        messages.error(request, exc.message)
        page = selectors.agreement_list(actor=request.user, filters=filters)
    context = {"page": page, "filters": filters, "section": "sales", "query": request.GET.copy()}
    if request.htmx and request.GET.get("cursor"):
        return render(request, "sales/agreement_rows.html", context)
    if request.htmx and request.htmx.target == "agreement-table":
        return render(request, "sales/agreement_table.html", context)
    partner = None
    if filters.partner_id:
        partner = partners_visible(actor=request.user).filter(pk=filters.partner_id).first()
    context.update(
        kinds=AgreementKind.choices,
        statuses=AgreementStatus.choices,
        partner=partner,
        can_add=_may_change(request.user, AgreementKind.INDIVIDUAL, creating=True)
        or _may_change(request.user, AgreementKind.TYPICAL),
    )
    return render(request, "sales/agreement_list.html", context)


# --- the card --------------------------------------------------------------------------------


def _display(name: str, value, names: dict) -> str:
    if value is None:
        return ""
    if name == "payment_schedule":
        bases = dict(PaymentBase.choices)
        return "; ".join(
            _("%(percent)s%% %(base)s, in %(days)s days")
            % {
                "percent": stage["percent"],
                "base": bases.get(stage["base"], stage["base"]),
                "days": stage["days"],
            }
            for stage in value
        )
    if name in names:
        return names[name].get(value, f"#{value}")
    if name in ("valid_from", "valid_to"):
        return value.strftime("%d.%m.%Y")
    return str(value)


def terms_rows(agreement) -> list[dict]:
    """Each term as the card shows it: its effective value and where it comes from."""
    terms = agreement_terms(agreement)
    inherited = set(selectors.agreement_inherited_terms(agreement))
    names = {
        "price_type_id": dict(PriceType.objects.filter(pk=terms.price_type_id).values_list("pk", "name")),
        "organization_id": dict(
            Organization.objects.filter(pk=terms.organization_id).values_list("pk", "name")
        ),
        "vat_mode": {code: str(label) for code, label in VatMode.CHOICES},
        "currency": {code: f"{code} — {label}" for code, label in CURRENCY_CHOICES},
    }
    rows = []
    for name, label in TERM_LABELS:
        value = getattr(terms, name)
        if name == "payment_schedule":
            value = list(value)
        if getattr(agreement, name) is not None:
            source = "own"
        elif name in inherited:
            source = "inherited"
        else:
            source = "default"
        rows.append({"name": name, "label": label, "value": _display(name, value, names), "source": source})
    return rows


@login_required
def agreement_card_view(request, agreement_id: int):
    agreement = agreement_or_404(request, agreement_id)
    can_change = _may_change(request.user, agreement.kind)
    context = {
        "agreement": agreement,
        "section": "sales",
        "terms": terms_rows(agreement),
        "can_change": can_change and agreement.status != AgreementStatus.CLOSED,
        "status_actions": [
            (status, STATUS_ACTIONS[status]) for status in sorted(services.STATUS_CHANGES[agreement.status])
        ]
        if can_change
        else [],
        "derived": selectors.agreement_derived(actor=request.user, agreement=agreement),
    }
    if agreement.kind == AgreementKind.TYPICAL:
        partners = list(selectors.agreement_visible_partners(actor=request.user, agreement=agreement))
        context.update(partners=partners, hidden_partners=agreement.partners.count() - len(partners))
    return render(request, "sales/agreement_card.html", context)


# --- new and edit ----------------------------------------------------------------------------


def _client_search(request):
    """Clients matching the text (htmx): links to pick one, or boxes to list them on a typical one."""
    q = request.GET.get("client_q", "").strip()[:200]
    partners = partner_list(actor=request.user, filters=PartnerFilters(q=q), limit=20).items if q else []
    context = {
        "partners": partners,
        "q": q,
        "mode": "check" if request.GET.get("mode") == "check" else "link",
        "parent_id": _int_or_none(request.GET.get("parent")),
    }
    if request.htmx or context["mode"] == "check":
        return render(request, "sales/agreement_client_results.html", context)
    return render(request, "sales/agreement_new.html", {**context, "step": "client", "section": "sales"})


def _posted_partner_ids(request) -> list[int]:
    return [i for i in (_int_or_none(v) for v in request.POST.getlist("partners")) if i]


def _listed_partners(request, form, agreement=None) -> list:
    """The clients the typical agreement's form shows ticked: as posted, else as stored."""
    if form.is_bound:
        ids = _posted_partner_ids(request)
        return list(partners_visible(actor=request.user).filter(pk__in=ids).order_by("name"))
    if agreement is None:
        return []
    return list(selectors.agreement_visible_partners(actor=request.user, agreement=agreement))


@login_required
def agreement_new_view(request):
    may = {kind: _may_change(request.user, kind, creating=True) for kind in AgreementKind.values}
    if not any(may.values()):
        raise PermissionDenied
    if request.GET.get("client_q") is not None:
        return _client_search(request)
    kind = request.GET.get("kind")
    if kind not in AgreementKind.values:
        allowed = [k for k, ok in may.items() if ok]
        if len(allowed) > 1:
            return render(request, "sales/agreement_new.html", {"step": "kind", "section": "sales"})
        kind = allowed[0]
    if not may[kind]:
        raise PermissionDenied
    partner = None
    if kind == AgreementKind.INDIVIDUAL:
        partner_id = _int_or_none(request.GET.get("partner"))
        if partner_id is None:
            context = {
                "step": "client",
                "section": "sales",
                "parent_id": _int_or_none(request.GET.get("parent")),
            }
            return render(request, "sales/agreement_new.html", context)
        try:
            partner = partner_get(actor=request.user, partner_id=partner_id)
        except NotFound:
            raise Http404 from None
    form = AgreementForm(request.POST or None, kind=kind, initial={"parent": request.GET.get("parent")})
    if request.method == "POST" and form.is_valid():
        data = form.to_input(
            kind=kind, partner_id=partner.pk if partner else None, partner_ids=_posted_partner_ids(request)
        )
        data.status = AgreementStatus.ACTIVE if request.POST.get("activate") else AgreementStatus.DRAFT
        try:
            agreement = services.agreement_create(actor=request.user, data=data)
        except DomainError as exc:
            form.add_service_errors(exc.fields, str(exc.message))
        else:
            messages.success(request, _("The agreement «%(name)s» is saved.") % {"name": agreement.name})
            return redirect("sales:agreement_card", agreement_id=agreement.pk)
    context = {
        "form": form,
        "kind": kind,
        "bases": PaymentBase.choices,
        "partner": partner,
        "listed": _listed_partners(request, form),
        "section": "sales",
    }
    return render(request, "sales/agreement_form.html", context)


@login_required
def agreement_edit_view(request, agreement_id: int):
    agreement = agreement_or_404(request, agreement_id)
    if not _may_change(request.user, agreement.kind):
        raise PermissionDenied
    if agreement.status == AgreementStatus.CLOSED:
        messages.warning(request, _("A closed agreement cannot be changed; make a new one."))
        return redirect("sales:agreement_card", agreement_id=agreement.pk)
    form = AgreementForm(
        request.POST or None, kind=agreement.kind, agreement=agreement, initial=initial_of(agreement)
    )
    if request.method == "POST" and form.is_valid():
        data = form.to_input(
            kind=agreement.kind, partner_id=agreement.partner_id, partner_ids=_posted_partner_ids(request)
        )
        try:
            services.agreement_update(actor=request.user, agreement_id=agreement.pk, data=data)
        except DomainError as exc:
            form.add_service_errors(exc.fields, str(exc.message))
        else:
            messages.success(request, _("Saved."))
            return redirect("sales:agreement_card", agreement_id=agreement.pk)
    context = {
        "form": form,
        "kind": agreement.kind,
        "bases": PaymentBase.choices,
        "agreement": agreement,
        "partner": agreement.partner,
        "listed": _listed_partners(request, form, agreement),
        "section": "sales",
    }
    return render(request, "sales/agreement_form.html", context)


@login_required
@require_POST
def agreement_status_view(request, agreement_id: int):
    status = request.POST.get("status", "")
    try:
        agreement = services.agreement_set_status(
            actor=request.user, agreement_id=agreement_id, status=status
        )
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(
            request, _("The agreement is now «%(status)s».") % {"status": agreement.get_status_display()}
        )
    return redirect("sales:agreement_card", agreement_id=agreement_id)
