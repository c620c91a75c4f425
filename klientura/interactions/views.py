"""Event pages: the list, the card with its thread, the form to plan or record an event, and the
actions on the card. Each view parses input, checks access, calls one service or selector, renders."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from klientura.core.audit import audit_history
from klientura.core.errors import DomainError, NotFound, ValidationFailed, error_text
from klientura.parties.selectors import PartnerFilters, partner_contacts, partner_get, partner_list

from . import selectors, services, subjects
from .access import calendar_owners_editable, can_edit_event
from .forms import CompleteForm, EventFilterForm, EventForm, default_start, initial_from_event
from .models import EventKind, EventStatus, Importance


def event_or_404(request, event_id):
    try:
        return selectors.event_get(actor=request.user, event_id=event_id)
    except NotFound:
        raise Http404 from None


def _filters(request) -> tuple[selectors.EventFilters, dict]:
    form = EventFilterForm(request.GET)
    cd = form.cleaned_data if form.is_valid() else {}
    filters = selectors.EventFilters(
        open_only=bool(cd.get("open")),
        overdue_only=bool(cd.get("overdue")),
        responsible_id=cd.get("responsible"),
        partner_id=cd.get("partner"),
        kinds=tuple(cd.get("kind") or ()),
        importance=cd.get("importance") or "",
        status=cd.get("status") or "",
        date_from=cd.get("date_from"),
        date_to=cd.get("date_to"),
        tag_id=cd.get("tag"),
        search=cd.get("q") or "",
    )
    return filters, cd


@login_required
def event_list(request):
    # Everyone may open the section; what they see is narrowed by the access rules (maybe nothing).
    filters, cd = _filters(request)
    page = selectors.event_list(
        actor=request.user, filters=filters, cursor=request.GET.get("cursor"), limit=50
    )
    subjects.describe_subjects(actor=request.user, events=page.items)
    query = request.GET.copy()
    query.pop("cursor", None)
    context = {
        "page": page,
        "groups": selectors.group_by_subject(page.items) if cd.get("group") == "subject" else None,
        "filters": cd,
        "kinds": EventKind.choices,
        "importances": Importance.choices,
        "statuses": EventStatus.choices,
        "responsibles": selectors.responsibles_for_filter(actor=request.user),
        "partner": _partner_or_none(request, cd.get("partner")),
        "query": query,
        "section": "events",
    }
    if request.htmx and request.GET.get("cursor"):
        return render(request, "interactions/_event_rows.html", context)
    if request.htmx and request.htmx.target == "event-table":
        return render(request, "interactions/_event_table.html", context)
    return render(request, "interactions/event_list.html", context)


def _partner_or_none(request, partner_id):
    if not partner_id:
        return None
    try:
        return partner_get(actor=request.user, partner_id=partner_id)
    except NotFound:
        return None


@login_required
def event_card(request, event_id):
    event = event_or_404(request, event_id)
    thread = selectors.thread_events(actor=request.user, event=event)
    subjects.describe_subjects(actor=request.user, events=[event, *thread])
    context = {
        "event": event,
        "overdue": selectors.is_overdue(event),
        "thread": thread if len(thread) > 1 else [],
        "participants": selectors.event_participants(event=event),
        "partner_contacts": partner_contacts(partner=event.partner) if event.partner_id else [],
        "reminders": selectors.event_reminders(event=event, user=request.user),
        "attachments": selectors.event_attachments(event=event),
        "tags": list(event.tags.all()),
        "survey": selectors.event_survey(event=event),
        "history": audit_history(instance=event)[:50],
        "can_edit": can_edit_event(actor=request.user, event=event),
        "complete_form": CompleteForm(initial={"result": event.result}),
        "section": "events",
    }
    return render(request, "interactions/event_card.html", context)


def _form_sources(request, partner_id) -> dict:
    partner = _partner_or_none(request, partner_id)
    return {
        "partner": partner,
        "responsibles": calendar_owners_editable(actor=request.user).order_by(
            "last_name", "first_name", "username"
        ),
        "contacts": list(partner_contacts(partner=partner)) if partner else [],
    }


def _new_event_initial(request) -> dict:
    get = request.GET
    initial = {"responsible": request.user.pk, "start_at": default_start()}
    for name in ("kind", "title", "start_at", "end_at", "responsible", "partner", "contact", "subject"):
        if get.get(name) or get.get(name.removesuffix("_at")):
            initial[name] = get.get(name) or get.get(name.removesuffix("_at"))
    reply_to = get.get("reply_to")
    if reply_to:
        try:
            previous = selectors.event_get(actor=request.user, event_id=reply_to)
        except NotFound:
            raise Http404 from None
        initial.update(
            subject=f"interactions.event:{previous.pk}",
            partner=previous.partner_id,
            contact=previous.contact_id,
            title=previous.title,
        )
    return initial


@login_required
def event_new(request):
    if not request.user.has_perm("interactions.add_event"):
        raise Http404
    initial = _new_event_initial(request)
    partner_id = request.POST.get("partner") if request.method == "POST" else initial.get("partner")
    sources = _form_sources(request, partner_id)
    form = EventForm(
        request.POST or None,
        initial=initial,
        responsibles=sources["responsibles"],
        contacts=sources["contacts"],
    )
    if request.method == "POST" and form.is_valid():
        try:
            event = services.event_create(actor=request.user, data=form.to_input())
        except ValidationFailed as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("The event is saved."))
            return redirect("interactions:event_card", event.pk)
    return render(request, "interactions/event_form.html", _form_context(request, form, sources, event=None))


@login_required
def event_edit(request, event_id):
    event = event_or_404(request, event_id)
    if not can_edit_event(actor=request.user, event=event):
        raise Http404
    reminder = event.reminders.filter(user=event.responsible, fired_at__isnull=True).first()
    partner_id = request.POST.get("partner") if request.method == "POST" else event.partner_id
    sources = _form_sources(request, partner_id)
    form = EventForm(
        request.POST or None,
        initial=initial_from_event(event, reminder),
        responsibles=sources["responsibles"],
        contacts=sources["contacts"],
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.event_update(actor=request.user, event_id=event.pk, data=form.to_input())
        except ValidationFailed as exc:
            _form_errors(form, exc)
        except NotFound:
            raise Http404 from None
        else:
            messages.success(request, _("The event is saved."))
            return redirect("interactions:event_card", event.pk)
    return render(request, "interactions/event_form.html", _form_context(request, form, sources, event=event))


def _form_context(request, form, sources, *, event) -> dict:
    partner_query = request.GET.get("partner_q", "").strip()
    found = []
    if partner_query:
        found = partner_list(actor=request.user, filters=PartnerFilters(q=partner_query), limit=10).items
    subject_ref = form["subject"].value()
    subject_view = None
    if subject_ref and ":" in str(subject_ref):
        label, _sep, object_id = str(subject_ref).rpartition(":")
        try:
            record = subjects.subject_get(actor=request.user, label=label, object_id=int(object_id))
            kind = subjects.kind_of(label)
            subject_view = subjects.SubjectView(str(kind.name), kind.title(record), kind.url(record.pk))
        except (NotFound, ValueError):
            subject_view = None
    return {
        "form": form,
        "event": event,
        "partner": sources["partner"],
        "partner_query": partner_query,
        "found_partners": found,
        "subject_view": subject_view,
        "query": request.GET,
        "section": "events",
    }


def _form_errors(form, exc: ValidationFailed) -> None:
    mapping = {"participants": "participant_names", "tags": "tags", "reminder": "reminder"}
    for field, field_messages in exc.fields.items():
        name = mapping.get(field, field)
        for message in field_messages:
            form.add_error(name if name in form.fields else None, message)
    if not exc.fields:
        form.add_error(None, str(exc.message))


def _card_action(request, event_id, action, *, success: str = ""):
    """Runs a service on the event card and comes back to it with its message."""
    try:
        action()
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        messages.error(request, error_text(exc))
    else:
        if success:
            messages.success(request, success)
    return redirect("interactions:event_card", event_id)


@login_required
@require_POST
def event_complete_view(request, event_id):
    form = CompleteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter the time spent in minutes, up to a week."))
        return redirect("interactions:event_card", event_id)
    return _card_action(
        request,
        event_id,
        lambda: services.event_complete(
            actor=request.user,
            event_id=event_id,
            result=form.cleaned_data["result"],
            time_spent_minutes=form.cleaned_data["time_spent_minutes"],
        ),
        success=_("The result is recorded."),
    )


@login_required
@require_POST
def event_status_view(request, event_id):
    status = request.POST.get("status", "")
    return _card_action(
        request,
        event_id,
        lambda: services.event_set_status(actor=request.user, event_id=event_id, status=status),
    )


@login_required
@require_POST
def participant_link(request, event_id, participant_id):
    contact_id = request.POST.get("contact")
    return _card_action(
        request,
        event_id,
        lambda: services.participant_link_contact(
            actor=request.user, participant_id=participant_id, contact_id=contact_id
        ),
    )


@login_required
def attachment_download(request, attachment_id):
    try:
        attachment = selectors.attachment_get(actor=request.user, attachment_id=attachment_id)
    except NotFound:
        raise Http404 from None
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=attachment.name)
