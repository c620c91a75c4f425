"""Segment pages: the list, the rule builder (new and edit) with its live count, delete and refresh.

The composition report and the changes are in views_report.py. Without segments.view_segment these
pages do not exist (404); editing needs the add/change rights, refreshing segments.refresh_segment.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from klientura.core.errors import DomainError, NotFound, ValidationFailed, error_text

from . import builder, selectors_segments, services_segments
from .forms import EMPTY_RULES, SegmentForm, parse_rules, segment_initial
from .schedule import describe

VIEW = "segments.view_segment"


def require_view(request) -> None:
    if not request.user.has_perm(VIEW):
        raise Http404


def segment_or_404(request, segment_id):
    try:
        return selectors_segments.segment_get(actor=request.user, segment_id=segment_id)
    except NotFound:
        raise Http404 from None


def _errors_to_form(form, exc: ValidationFailed) -> None:
    for name, field_messages in exc.fields.items():
        for message in field_messages:
            form.add_error(name if name in form.fields else None, message)
    if not exc.fields:
        form.add_error(None, str(exc.message))


@login_required
def segment_list(request):
    # The section answers everybody (an empty list without the right), like every menu section.
    segments = list(selectors_segments.segments_visible(actor=request.user))
    for segment in segments:
        segment.schedule_label = describe(segment.schedule) if segment.schedule else ""
    context = {
        "segments": segments,
        "section": "segments",
        "can_add": request.user.has_perm("segments.add_segment"),
        "can_change": request.user.has_perm("segments.change_segment"),
        "can_refresh": request.user.has_perm("segments.refresh_segment"),
        "can_delete": request.user.has_perm("segments.delete_segment"),
    }
    return render(request, "segments/segment_list.html", context)


def _save(request, segment, form):
    data = {name: form.cleaned_data[name] for name in services_segments.FIELDS}
    if segment is None:
        return services_segments.segment_create(actor=request.user, data=data)
    return services_segments.segment_update(actor=request.user, segment_id=segment.pk, data=data)


def _refresh_after_save(request, saved) -> None:
    if "save_refresh" not in request.POST or not request.user.has_perm("segments.refresh_segment"):
        return
    result = services_segments.segment_refresh(actor=request.user, segment_id=saved.pk)
    messages.info(
        request,
        _("Refreshed: %(count)s members, %(joined)s joined, %(left)s left.")
        % {"count": result.member_count, "joined": result.joined, "left": result.left},
    )


@login_required
def segment_edit(request, segment_id: int | None = None):
    """The rule builder. The tree is edited in the browser and posted as JSON in a hidden field."""
    require_view(request)
    segment = segment_or_404(request, segment_id) if segment_id else None
    if not request.user.has_perm("segments.change_segment" if segment else "segments.add_segment"):
        raise Http404
    form = SegmentForm(request.POST or None, initial=segment_initial(segment))
    if request.method == "POST" and form.is_valid():
        try:
            saved = _save(request, segment, form)
        except ValidationFailed as exc:
            _errors_to_form(form, exc)
        except NotFound:
            raise Http404 from None
        else:
            messages.success(request, _("The segment «%(name)s» is saved.") % {"name": saved.name})
            _refresh_after_save(request, saved)
            return redirect("segments:segment_members", saved.pk)
    rules = parse_rules(form["rules"].value()) or (segment.rules if segment else None) or EMPTY_RULES
    context = {
        "segment": segment,
        "form": form,
        "rules": rules,
        "builder": builder.builder_data(actor=request.user, segment=segment),
        "can_refresh": request.user.has_perm("segments.refresh_segment"),
        "section": "segments",
    }
    return render(request, "segments/segment_form.html", context)


@login_required
@require_POST
def segment_preview(request):
    """The live count while editing (htmx): a number, or what is wrong with the rules."""
    require_view(request)
    rules = parse_rules(request.POST.get("rules"))
    segment_id = request.POST.get("segment_id") or None
    context = {"count": None, "error": ""}
    if rules is None:
        context["error"] = _("The rules could not be read.")
    else:
        try:
            context["count"] = services_segments.segment_preview_count(
                actor=request.user, rules=rules, segment_id=int(segment_id) if segment_id else None
            )
        except ValueError:
            context["error"] = _("The rules could not be read.")
        except DomainError as exc:
            context["error"] = error_text(exc)
    return render(request, "segments/_preview.html", context)


@login_required
@require_POST
def segment_refresh(request, segment_id: int):
    try:
        result = services_segments.segment_refresh(actor=request.user, segment_id=segment_id)
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(
            request,
            _("Refreshed: %(count)s members, %(joined)s joined, %(left)s left.")
            % {"count": result.member_count, "joined": result.joined, "left": result.left},
        )
    if request.POST.get("back") == "list":
        return redirect("segments:segment_list")
    return redirect("segments:segment_members", segment_id)


@login_required
@require_POST
def segment_delete(request, segment_id: int):
    segment = segment_or_404(request, segment_id)
    try:
        services_segments.segment_delete(actor=request.user, segment_id=segment.pk)
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        messages.error(request, error_text(exc))
        return redirect("segments:segment_members", segment.pk)
    messages.success(request, _("The segment «%(name)s» is deleted.") % {"name": segment.name})
    return redirect("segments:segment_list")
