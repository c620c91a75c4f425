"""Mail pages: write to a client (from an event or the client card), the unsorted inbox, the mailbox status.

Missing and forbidden look the same (404). Each view parses, checks access, calls one service, renders.
"""

from email.utils import parseaddr

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from klientura.core.errors import DomainError, NotFound, ValidationFailed, error_text
from klientura.core.pagination import keyset_page
from klientura.parties.selectors import PartnerFilters, partner_contacts, partner_get, partner_list

from . import mail_in, mail_out, mail_store, selectors
from .forms_mail import AssignForm, ComposeForm, InboxFilterForm
from .models import EventKind
from .models_mail import MailboxState
from .models_surveys import SurveyStatus
from .selectors_surveys import survey_public_path

SEND_PERM = mail_out.SEND_PERM
SORT_PERM = mail_store.SORT_PERM
STATUS_PERMS = ("accounts.manage_system", SORT_PERM)
PREVIEW_LIMIT = 10


def _errors_to_form(form, exc: DomainError) -> None:
    if not exc.fields:
        form.add_error(None, str(exc.message))
    for name, errors in exc.fields.items():
        for error in errors:
            form.add_error(name if name in form.fields else None, error)


def _safe_next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False)
    return target if allowed else ""


# --- Compose -----------------------------------------------------------------------------------


def _draft_or_404(request) -> dict:
    event_id, partner_id = request.GET.get("event") or None, request.GET.get("partner") or None
    if event_id is None and partner_id is None:
        raise Http404
    try:
        return mail_out.email_draft(actor=request.user, event_id=event_id, partner_id=partner_id)
    except NotFound:
        raise Http404 from None


def _preview(request, draft: dict) -> list:
    """Below the form: the thread being answered, or the latest letters with this client."""
    if draft["event"] is not None:
        return selectors.thread_events(actor=request.user, event=draft["event"])[-PREVIEW_LIMIT:]
    letters = selectors.events_visible(actor=request.user).filter(
        partner=draft["partner"], kind=EventKind.EMAIL
    )
    return list(reversed(letters.select_related("responsible").order_by("-at", "-id")[:PREVIEW_LIMIT]))


def _after_sending(request, draft: dict, event) -> str:
    if next_url := _safe_next(request):
        return next_url
    if draft["event"] is not None:
        return reverse("interactions:event_card", args=[draft["event"].pk])
    return reverse("parties:partner_card", args=[draft["partner"].pk]) + "?tab=events"


def _send(request, form: ComposeForm, draft: dict):
    data = form.cleaned_data
    return mail_out.event_email_send(
        actor=request.user,
        to=data["to"],
        cc=data["cc"],
        subject=data["subject"],
        body=data["body"],
        partner_id=draft["partner"].pk,
        contact_id=data["contact"],
        reply_to_event_id=draft["event"].pk if draft["event"] is not None else None,
        attachments=form.outgoing_attachments(),
    )


def _with_survey_link(request, event, body: str) -> str:
    """A letter about a survey still waiting for answers carries the client's link to answer it."""
    survey = getattr(event, "survey", None) if event is not None else None
    if survey is None or survey.status != SurveyStatus.WAITING:
        return body
    link = request.build_absolute_uri(survey_public_path(survey))
    invitation = _("Please answer a few questions, it takes a couple of minutes: %(link)s") % {"link": link}
    return f"{invitation}\n\n{body}" if body else invitation


@login_required
def mail_compose(request):
    """The letter to a client: ?event=<id> answers an event (address and "Re: topic" filled in),
    ?partner=<id> writes to a client from its card."""
    if not request.user.has_perm(SEND_PERM):
        raise Http404
    try:
        draft = _draft_or_404(request)
    except ValidationFailed as exc:  # an unsorted letter: file it under a client first
        messages.error(request, error_text(exc))
        return redirect("interactions:mail_unsorted_card", event_id=request.GET.get("event"))
    contacts = list(partner_contacts(partner=draft["partner"]))
    initial = {key: draft[key] for key in ("to", "subject", "body")}
    initial["contact"] = draft["contact"].pk if draft["contact"] else None
    initial["body"] = _with_survey_link(request, draft["event"], initial["body"])
    form = ComposeForm(request.POST or None, request.FILES or None, initial=initial, contacts=contacts)
    if request.method == "POST" and form.is_valid():
        try:
            event = _send(request, form, draft)
        except NotFound:
            raise Http404 from None
        except DomainError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, _("The letter is sent to %(to)s.") % {"to": event.email_to})
            return redirect(_after_sending(request, draft, event))
    context = {
        "form": form,
        "draft": draft,
        "contacts": contacts,
        "contact_emails": {
            c.pk: mail_out.recipient_for(partner=draft["partner"], contact=c) for c in contacts
        },
        "preview": _preview(request, draft),
        "next": _safe_next(request),
        "max_mb": f"{settings.MAIL_MAX_ATTACHMENT_BYTES / 1024 / 1024:.0f}",
        "section": "events",
    }
    return render(request, "interactions/mail/compose.html", context)


# --- The unsorted inbox ------------------------------------------------------------------------


def _require_sorting(request) -> None:
    if not request.user.has_perm(SORT_PERM):
        raise Http404


@login_required
def unsorted_list(request):
    _require_sorting(request)
    form = InboxFilterForm(request.GET)
    query = form.cleaned_data.get("q", "").strip() if form.is_valid() else ""
    letters = mail_store.unsorted_mail(actor=request.user).prefetch_related("attachments")
    if query:
        letters = letters.filter(Q(email_from__icontains=query) | Q(title__icontains=query))
    try:
        page = keyset_page(letters, ordering=["-at", "-id"], cursor=request.GET.get("cursor"), limit=50)
    except ValidationFailed:
        raise Http404 from None
    context = {
        "page": page,
        "q": query,
        "total": mail_store.unsorted_mail(actor=request.user).count(),
        "section": "events",
    }
    if request.htmx and request.GET.get("cursor"):
        return render(request, "interactions/mail/_unsorted_rows.html", context)
    return render(request, "interactions/mail/unsorted_list.html", context)


def _chosen_partner(request, value):
    if not value:
        return None
    try:
        return partner_get(actor=request.user, partner_id=value)
    except NotFound:
        return None


def _found_partners(request, query: str) -> list:
    if len(query) < 2:
        return []
    return partner_list(actor=request.user, filters=PartnerFilters(q=query), limit=10).items


@login_required
def unsorted_card(request, event_id: int):
    """One unsorted letter: read it, find the client, file it there (POST)."""
    _require_sorting(request)
    try:
        event = mail_store.unsorted_get(actor=request.user, event_id=event_id)
    except NotFound:
        raise Http404 from None
    partner = _chosen_partner(request, request.POST.get("partner") or request.GET.get("partner"))
    contacts = list(partner_contacts(partner=partner)) if partner else []
    form = AssignForm(request.POST or None, contacts=contacts, initial=_assign_initial(event, partner))
    if request.method == "POST" and form.is_valid():
        try:
            mail_store.event_assign_partner(actor=request.user, event_id=event.pk, **form.service_arguments())
        except NotFound:
            raise Http404 from None
        except DomainError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, _("The letter is filed under %(client)s.") % {"client": partner})
            return redirect("interactions:mail_unsorted")
    query = (request.GET.get("q") or "").strip()[:100]
    context = {
        "event": event,
        "attachments": list(event.attachments.all()),
        "partner": partner,
        "form": form,
        "q": query,
        "found": _found_partners(request, query),
        "suggested": mail_store.partners_suggested(actor=request.user, event=event),
        "sender": mail_store.sender_address(event),
        "same_sender_count": _same_sender_count(request, event),
        "section": "events",
    }
    return render(request, "interactions/mail/unsorted_card.html", context)


def _assign_initial(event, partner) -> dict:
    name = parseaddr(event.email_from)[0]
    return {
        "partner": partner.pk if partner else None,
        "contact": AssignForm.NEW if name else "",
        "new_contact_name": name,
        "remember_address": True,
        "same_sender": True,
    }


def _same_sender_count(request, event) -> int:
    address = mail_store.sender_address(event)
    if not address:
        return 0
    others = mail_store.unsorted_mail(actor=request.user).exclude(pk=event.pk)
    return others.filter(email_from__icontains=address).count()


# --- Status for the administrator --------------------------------------------------------------


def _may_see_status(user) -> bool:
    return any(user.has_perm(perm) for perm in STATUS_PERMS)


def _mailbox_view() -> dict:
    try:
        config = mail_in.mailbox_config(settings.IMAP_URL) if settings.IMAP_URL else None
        config_error = ""
    except mail_in.MailboxError as exc:
        config, config_error = None, str(exc)
    state = MailboxState.objects.filter(key=config.key).first() if config else None
    return {"config": config, "config_error": config_error, "state": state}


def _smtp_view() -> dict:
    backend = settings.EMAIL_BACKEND.rsplit(".", 2)[-2]
    return {
        "backend": backend,
        "host": settings.EMAIL_HOST,
        "port": settings.EMAIL_PORT,
        "security": "SSL" if settings.EMAIL_USE_SSL else "STARTTLS" if settings.EMAIL_USE_TLS else "—",
        "user": settings.EMAIL_HOST_USER,
        "sender": settings.DEFAULT_FROM_EMAIL,
        "reply_to": mail_in.mailbox_address(),
    }


@login_required
def mailbox_status(request):
    if not _may_see_status(request.user):
        raise Http404
    context = {
        **_mailbox_view(),
        "smtp": _smtp_view(),
        "other_states": MailboxState.objects.order_by("key"),
        "unsorted": mail_store.unsorted_mail(actor=request.user).count(),
        "section": "events",
    }
    return render(request, "interactions/mail/status.html", context)


@login_required
@require_POST
def mailbox_fetch_now(request):
    """Queue a fetch now instead of waiting for the next beat (the worker does it)."""
    if not _may_see_status(request.user) or not settings.IMAP_URL:
        raise Http404
    from . import tasks

    transaction.on_commit(tasks.mail_fetch.delay)
    messages.info(request, _("The mailbox will be read in a moment; reload this page to see the result."))
    return redirect("interactions:mail_status")


@login_required
@require_POST
def mail_test_send(request):
    """Send a test letter to the administrator's own address, to check the SMTP settings."""
    if not _may_see_status(request.user):
        raise Http404
    try:
        address = mail_out.mail_test_send(actor=request.user)
    except DomainError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("A test letter is sent to %(address)s.") % {"address": address})
    return redirect("interactions:mail_status")
