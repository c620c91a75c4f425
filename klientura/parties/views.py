"""Web views of the client base: the list, the card and its tabs, registration and merge.
Imports and exports are in views_exchange."""

import zoneinfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from klientura.accounts.selectors import sales_users
from klientura.core.audit import audit_history
from klientura.core.errors import DomainError, NotFound, error_text

from . import card_tabs, list_filters, registry, selectors, services, services_merge
from .errors import DuplicatesFound
from .forms import MergeForm, PartnerEditForm, RegistrationForm
from .identifiers import validate_inn
from .models import BusinessRegion, CustomField, PartnerKind, Tag, Zone
from .selectors import PartnerFilters

CARD_TABS = ["overview", "contacts", "events", "deals", "documents", "finance", "claims", "history"]


def partner_or_404(request, partner_id):
    """The partner the signed-in user may see, or the same 404 as for a missing one."""
    try:
        return selectors.partner_get(actor=request.user, partner_id=partner_id)
    except NotFound:
        raise Http404 from None


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def filters_from_request(request) -> PartnerFilters:
    """The list's filters from the query string; unknown or malformed values are ignored."""
    get = request.GET
    custom = {key[3:]: value for key, value in get.items() if key.startswith("cf_") and value.strip()}
    return PartnerFilters(
        q=get.get("q", "")[:200],
        kind=get.get("kind", "") if get.get("kind") in PartnerKind.values else "",
        manager_id=_int_or_none(get.get("manager")),
        region_id=_int_or_none(get.get("region")),
        tag_ids=[t for t in (_int_or_none(v) for v in get.getlist("tag")) if t],
        tags_mode="all" if get.get("tags_mode") == "all" else "any",
        custom=custom,
        sort=get.get("sort", "name"),
        segment_ids=[s for s in (_int_or_none(v) for v in get.getlist("segment")) if s],
        zone=get.get("zone", "") if get.get("zone") in Zone.values else "",
    )


@login_required
def partner_list_view(request):
    filters = filters_from_request(request)
    try:
        page = selectors.partner_list(actor=request.user, filters=filters, cursor=request.GET.get("cursor"))
    except DomainError as exc:
        messages.error(request, exc.message)
        page = selectors.partner_list(actor=request.user, filters=filters)
    context = {"page": page, "filters": filters, "section": "clients", "query": request.GET.copy()}
    if request.htmx and request.GET.get("cursor"):
        return render(request, "parties/_partner_rows.html", context)
    if request.htmx and request.htmx.target == "partner-table":
        return render(request, "parties/_partner_table.html", context)
    context.update(
        kinds=PartnerKind.choices,
        regions=BusinessRegion.objects.all(),
        tags=Tag.objects.all(),
        managers=sales_users().order_by("last_name"),
        custom_fields=CustomField.objects.filter(is_active=True),
        segments=list_filters.choices("segment", actor=request.user),
        zones=Zone.choices,
        can_reassign=request.user.has_perm("parties.reassign_partner"),
        can_tag=request.user.has_perm("parties.tag_partner"),
    )
    return render(request, "parties/partner_list.html", context)


@login_required
@require_POST
def partner_bulk_view(request):
    ids = [i for i in (_int_or_none(v) for v in request.POST.getlist("partner")) if i]
    action = request.POST.get("action")
    if not ids:
        messages.warning(request, _("Select clients in the list first."))
        return redirect(request.POST.get("back") or "parties:partner_list")
    try:
        if action in ("tag", "untag"):
            tag_id = _int_or_none(request.POST.get("tag"))
            count = services.partner_tags_assign(
                actor=request.user,
                partner_ids=ids,
                tag_ids=[tag_id] if tag_id else [],
                remove=action == "untag",
            )
            messages.success(request, _("Tags changed for %(count)s clients.") % {"count": count})
        elif action == "manager":
            count = services.partner_set_manager(
                actor=request.user, partner_ids=ids, manager_id=_int_or_none(request.POST.get("manager"))
            )
            messages.success(request, _("The lead manager changed for %(count)s clients.") % {"count": count})
        else:
            messages.error(request, _("Unknown action."))
    except DomainError as exc:
        messages.error(request, error_text(exc))
    return redirect(request.POST.get("back") or "parties:partner_list")


def _client_local_time(partner):
    tz_name = partner.region.timezone if partner.region else None
    if not tz_name:
        return None
    try:
        return timezone.now().astimezone(zoneinfo.ZoneInfo(tz_name))
    except zoneinfo.ZoneInfoNotFoundError:
        return None


@login_required
def partner_card_view(request, partner_id: int):
    partner = partner_or_404(request, partner_id)
    tab = request.GET.get("tab", "overview")
    if tab not in CARD_TABS:
        tab = "overview"
    context = {
        "partner": partner,
        "tab": tab,
        "tabs": _tab_labels(),
        "section": "clients",
        "local_time": _client_local_time(partner),
        "custom_fields": [
            (f, partner.custom.get(f.code)) for f in CustomField.objects.filter(is_active=True)
        ],
    }
    context.update(_tab_context(tab, partner))
    context.update(card_tabs.tab_content(tab, request=request, partner=partner))
    template = "parties/card.html"
    if request.htmx and request.htmx.target == "card-tab":
        template = "parties/_card_tab.html"
    return render(request, template, context)


def _tab_labels():
    return [
        ("overview", _("Overview")),
        ("contacts", _("Contacts")),
        ("events", _("Events")),
        ("deals", _("Deals")),
        ("documents", _("Documents")),
        ("finance", _("Finance")),
        ("claims", _("Claims")),
        ("history", _("History")),
    ]


def _tab_context(tab: str, partner) -> dict:
    if tab == "overview":
        return {
            "counterparties": selectors.partner_counterparties(partner=partner),
            "contact_infos": selectors.partner_contact_infos(partner=partner),
        }
    if tab == "contacts":
        return {"contacts": selectors.partner_contacts(partner=partner)}
    if tab == "history":
        return {"history": audit_history(instance=partner)[:200]}
    return {}


@login_required
def partner_register_view(request):
    form = RegistrationForm(request.POST or None, user=request.user)
    candidates, confirmed = [], set()
    if request.method == "POST" and form.is_valid():
        confirmed = {i for i in (_int_or_none(v) for v in request.POST.getlist("confirmed")) if i}
        try:
            partner = services.partner_register(
                actor=request.user,
                data=form.to_input(),
                confirmed_duplicate_ids=confirmed,
                skip_check=bool(form.cleaned_data.get("skip_check")),
            )
        except DuplicatesFound as exc:
            candidates = exc.candidates
        except DomainError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, _("The client %(name)s is registered.") % {"name": partner.name})
            return redirect("parties:partner_card", partner_id=partner.pk)
    return render(
        request,
        "parties/register.html",
        {
            "form": form,
            "candidates": candidates,
            "section": "clients",
            "registry_configured": registry.registry_is_configured(),
        },
    )


FORM_FIELD_OF = {
    "counterparty.inn": "inn",
    "counterparty.kpp": "kpp",
    "counterparty.ogrn": "ogrn",
    "counterparty.short_name": "name",
    "counterparty.kind": "counterparty_kind",
    "phones": "phone",
    "emails": "email",
    "contact.last_name": "contact_last_name",
    "contact.phone": "contact_phone",
    "contact.email": "contact_email",
    "manager_id": "manager",
    "region_id": "region",
    "source_id": "source",
}


def _errors_to_form(form, exc: DomainError) -> None:
    if not exc.fields:
        form.add_error(None, str(exc.message))
    for name, errors in exc.fields.items():
        field = FORM_FIELD_OF.get(name, name)
        for error in errors:
            form.add_error(field if field in form.fields else None, error)


@login_required
def registry_lookup_view(request):
    """Requisites by INN for the assistant's "fill" button (JSON for a few lines of script)."""
    if not registry.registry_is_configured():
        return JsonResponse(
            {
                "error": _(
                    "The registry lookup is not configured: ask the administrator to set REGISTRY_TOKEN."
                )
            },
            status=409,
        )
    try:
        inn = validate_inn(request.GET.get("inn", ""))
    except ValidationError as exc:
        return JsonResponse({"error": " ".join(exc.messages)}, status=422)
    try:
        party = registry.registry_find_party(inn=inn)
    except registry.RegistryError as exc:
        return JsonResponse({"error": str(exc.message)}, status=502)
    if party is None:
        return JsonResponse({"error": _("The registry has no organisation with this INN.")}, status=404)
    return JsonResponse({"party": party.__dict__})


@login_required
def partner_edit_view(request, partner_id: int):
    partner = partner_or_404(request, partner_id)
    initial = {
        "name": partner.name,
        "kind": partner.kind,
        "region": partner.region,
        "source": partner.source,
        "notes": partner.notes,
    }
    form = PartnerEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        data = {
            "name": d["name"],
            "kind": d["kind"],
            "notes": d["notes"],
            "region_id": d["region"].pk if d["region"] else None,
            "source_id": d["source"].pk if d["source"] else None,
        }
        try:
            services.partner_update(actor=request.user, partner_id=partner.pk, data=data)
        except DomainError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("parties:partner_card", partner_id=partner.pk)
    return render(request, "parties/edit.html", {"form": form, "partner": partner, "section": "clients"})


@login_required
def partner_merge_view(request, partner_id: int):
    survivor = partner_or_404(request, partner_id)
    form = MergeForm(request.POST or request.GET or None)
    other = None
    if form.is_bound and form.is_valid():
        try:
            other = selectors.partner_get(actor=request.user, partner_id=form.cleaned_data["merged_id"])
            if request.method == "POST" and request.POST.get("confirm") == "1":
                services_merge.partner_merge(actor=request.user, survivor_id=survivor.pk, merged_id=other.pk)
                messages.success(
                    request,
                    _("%(merged)s was merged into %(name)s.") % {"merged": other.name, "name": survivor.name},
                )
                return redirect("parties:partner_card", partner_id=survivor.pk)
        except NotFound:
            form.add_error("merged_id", _("No client with this number is available to you."))
            other = None
        except DomainError as exc:
            _errors_to_form(form, exc)
    return render(
        request,
        "parties/merge.html",
        {
            "form": form,
            "partner": survivor,
            "other": other,
            "section": "clients",
            "can_merge": request.user.has_perm("parties.merge_partner"),
        },
    )
