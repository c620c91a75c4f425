"""The deal settings: deal kinds with their stages, and the classifier lists (partner and contact roles,
reasons of unsatisfied demand and of loss). Only for `deals.manage_deal_classifiers`; for anyone
else these pages do not exist (404)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from klientura.core.errors import DomainError, NotFound, ValidationFailed, error_text

from . import conditions, selectors_web, services_classifiers
from .forms_settings import CLASSIFIERS, ClassifierForm, DealKindForm, StageForm, kind_initial, stage_initial
from .models import DealKind

PERM = "deals.manage_deal_classifiers"


def _require(request) -> None:
    if not request.user.has_perm(PERM):
        raise Http404


def _errors_to_form(form, exc: ValidationFailed) -> None:
    for name, field_messages in exc.fields.items():
        field = name if name in form.fields else name.removesuffix("_id")
        for message in field_messages:
            form.add_error(field if field in form.fields else None, message)
    if not exc.fields:
        form.add_error(None, str(exc.message))


def _kind_or_404(kind_id) -> DealKind:
    kind = selectors_web.settings_kind(kind_id)
    if kind is None:
        raise Http404
    return kind


@login_required
def settings_index(request):
    _require(request)
    counts = selectors_web.classifier_counts({slug: model for slug, (model, _t, _h) in CLASSIFIERS.items()})
    lists = [
        {"slug": slug, "title": title, "help": help_text, "count": counts[slug]}
        for slug, (_model, title, help_text) in CLASSIFIERS.items()
    ]
    context = {"kinds": selectors_web.settings_kinds(), "lists": lists, "section": "deals"}
    return render(request, "deals/settings/index.html", context)


@login_required
def kind_edit(request, kind_id: int | None = None):
    """A new kind, or an existing one with its stages below the form."""
    _require(request)
    kind = _kind_or_404(kind_id) if kind_id else None
    form = DealKindForm(request.POST or None, initial=kind_initial(kind) if kind else {"mode": "strict"})
    if request.method == "POST" and form.is_valid():
        try:
            saved = services_classifiers.deal_kind_save(
                actor=request.user, kind_id=kind.pk if kind else None, data=form.cleaned_data
            )
        except ValidationFailed as exc:
            _errors_to_form(form, exc)
        except NotFound:
            raise Http404 from None
        else:
            messages.success(request, _("The deal kind «%(name)s» is saved.") % {"name": saved.name})
            return redirect("deals:kind_edit", saved.pk)
    context = {
        "kind": kind,
        "form": form,
        "stages": _with_condition_labels(selectors_web.settings_stages(kind)) if kind else [],
        "stage_form": StageForm(),
        "section": "deals",
    }
    return render(request, "deals/settings/kind_form.html", context)


def _with_condition_labels(stages: list) -> list:
    for stage in stages:
        stage.condition_labels = [
            str(conditions.CONDITIONS[code].label)
            for code in stage.conditions or ()
            if code in conditions.CONDITIONS
        ]
    return stages


@login_required
def stage_edit(request, kind_id: int, stage_id: int | None = None):
    _require(request)
    kind = _kind_or_404(kind_id)
    stage = None
    if stage_id:
        stage = selectors_web.settings_stage(kind, stage_id)
        if stage is None:
            raise Http404
    form = StageForm(request.POST or None, initial=stage_initial(stage) if stage else None)
    if request.method == "POST" and form.is_valid():
        try:
            services_classifiers.stage_save(
                actor=request.user,
                kind_id=kind.pk,
                stage_id=stage.pk if stage else None,
                data=form.cleaned_data,
            )
        except ValidationFailed as exc:
            _errors_to_form(form, exc)
        except NotFound:
            raise Http404 from None
        else:
            messages.success(
                request, _("The stage «%(name)s» is saved.") % {"name": form.cleaned_data["name"]}
            )
            return redirect("deals:kind_edit", kind.pk)
    context = {"kind": kind, "stage": stage, "form": form, "section": "deals"}
    return render(request, "deals/settings/stage_form.html", context)


def _new_order(request, kind) -> list[int]:
    """The stage ids in their new order: the whole list (dragged), or one stage moved up or down."""
    posted = request.POST.getlist("stage")
    if posted:
        return [int(pk) for pk in posted if pk.isdigit()]
    ids = list(kind.stages.order_by("position").values_list("pk", flat=True))
    moving = request.POST.get("move", "")
    if moving.isdigit() and int(moving) in ids:
        i = ids.index(int(moving))
        j = i - 1 if request.POST.get("direction") == "up" else i + 1
        if 0 <= j < len(ids):
            ids[i], ids[j] = ids[j], ids[i]
    return ids


@login_required
@require_POST
def stages_reorder(request, kind_id: int):
    _require(request)
    kind = _kind_or_404(kind_id)
    wants_json = "application/json" in request.headers.get("Accept", "")
    try:
        services_classifiers.stages_reorder(
            actor=request.user, kind_id=kind.pk, stage_ids=_new_order(request, kind)
        )
    except DomainError as exc:
        if wants_json:
            return JsonResponse({"error": error_text(exc)}, status=exc.status)
        messages.error(request, error_text(exc))
    else:
        if wants_json:
            return JsonResponse({"ok": True})
    return redirect("deals:kind_edit", kind.pk)


# --- classifier lists ------------------------------------------------------------------------------


def _classifier(slug):
    try:
        return CLASSIFIERS[slug]
    except KeyError:
        raise Http404 from None


@login_required
def classifier_list(request, slug: str, item_id: int | None = None):
    """The list with a form: a new entry, or the one being edited (?item_id in the address)."""
    _require(request)
    model, title, help_text = _classifier(slug)
    item = None
    if item_id:
        item = selectors_web.classifier_item(model, item_id)
        if item is None:
            raise Http404
    initial = {"name": item.name, "position": item.position, "is_active": item.is_active} if item else None
    form = ClassifierForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services_classifiers.classifier_save(
                actor=request.user, model=model, item_id=item.pk if item else None, data=form.to_data()
            )
        except ValidationFailed as exc:
            _errors_to_form(form, exc)
        except NotFound:
            raise Http404 from None
        else:
            messages.success(request, _("«%(name)s» is saved.") % {"name": saved.name})
            return redirect("deals:classifier_list", slug)
    context = {
        "slug": slug,
        "title": title,
        "help": help_text,
        "items": selectors_web.classifier_items(model),
        "item": item,
        "form": form,
        "lists": [(s, t) for s, (_m, t, _h) in CLASSIFIERS.items()],
        "section": "deals",
    }
    return render(request, "deals/settings/classifier_list.html", context)


@login_required
@require_POST
def classifier_toggle(request, slug: str, item_id: int):
    """Deactivate (or bring back) an entry: kept for the deals that refer to it, offered no more."""
    _require(request)
    model, _title, _help = _classifier(slug)
    item = selectors_web.classifier_item(model, item_id)
    if item is None:
        raise Http404
    try:
        services_classifiers.classifier_save(
            actor=request.user, model=model, item_id=item.pk, data={"is_active": not item.is_active}
        )
    except DomainError as exc:
        messages.error(request, error_text(exc))
    return redirect("deals:classifier_list", slug)
