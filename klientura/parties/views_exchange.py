"""Web pages that move clients in and out: import from CSV/XLSX, export of the list, vCard.

An uploaded file waits on the server between the preview and the confirmation; the browser only
holds a random token, which is looked up in the user's own session (never a path from the client).
"""

import time

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from klientura.core.errors import Forbidden, NotFound, ValidationFailed, error_text
from klientura.core.forms import BootstrapFormMixin

from . import contacts_vcard, exports, imports, imports_reading, imports_rows, imports_storage, selectors
from .views import filters_from_request

SESSION_UPLOADS = "klientura_uploads"
SESSION_RESULT = "klientura_import_result"
PREVIEW_ROWS = 500  # rows shown in the preview; a bigger file shows only its problem rows
RESULT_ROWS = 1000  # rejected rows kept for the result page
PARTNER_CHOICES = 500  # up to this many visible partners are offered in a list
MULTIPART_SLACK = 64 * 1024  # the other form fields and the multipart framing around the file


class ImportUploadForm(BootstrapFormMixin, forms.Form):
    file = forms.FileField(label=gettext_lazy("File"), widget=forms.FileInput(attrs={"accept": ".csv,.xlsx"}))


class VCardUploadForm(BootstrapFormMixin, forms.Form):
    file = forms.FileField(
        label=gettext_lazy("vCard file"), widget=forms.FileInput(attrs={"accept": ".vcf,.vcard"})
    )
    partner = forms.IntegerField(label=gettext_lazy("Client"), min_value=1)

    def __init__(self, *args, choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        if choices is not None:
            self.fields["partner"].widget = forms.Select(
                choices=[("", "—"), *choices], attrs={"class": "form-select"}
            )
        else:
            self.fields["partner"].help_text = gettext_lazy("The client's number, as shown on its card.")


def _call(func, **kwargs):
    """Run a service or selector; missing or hidden records are 404, refused actions 403."""
    try:
        return func(**kwargs)
    except NotFound as exc:
        raise Http404 from exc
    except Forbidden as exc:
        raise PermissionDenied(str(exc.message)) from exc


def _require(request, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response


# ------------------------------------------------------------------------------------- uploads


def _too_large(request) -> bool:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return length > imports_reading.max_upload_bytes() + MULTIPART_SLACK


def _too_large_text() -> str:
    limit = imports_reading.max_upload_bytes() // (1024 * 1024)
    return _("The file is too large; at most %(limit)s MB may be uploaded.") % {"limit": limit}


def _uploads(request) -> dict:
    max_age = imports_storage.UPLOAD_MAX_AGE.total_seconds()
    stored = request.session.get(SESSION_UPLOADS, {})
    return {token: e for token, e in stored.items() if time.time() - e.get("at", 0) < max_age}


def _remember(request, token: str, **entry) -> None:
    uploads = _uploads(request)
    uploads[token] = {**entry, "user": request.user.pk, "at": time.time()}
    request.session[SESSION_UPLOADS] = uploads


def _upload(request, token: str, kind: str) -> dict | None:
    entry = _uploads(request).get(token)
    if entry and entry.get("kind") == kind and entry.get("user") == request.user.pk:
        return entry
    return None


def _forget(request, token: str) -> None:
    uploads = _uploads(request)
    entry = uploads.pop(token, None)
    if entry:
        imports_storage.upload_delete(token, entry["ext"])
    request.session[SESSION_UPLOADS] = uploads


def _expired(request, url_name: str):
    messages.error(request, _("The uploaded file is no longer available. Please upload it again."))
    return redirect(url_name)


# ------------------------------------------------------------------------------------- import


@csrf_exempt  # CSRF is checked by _import_upload, after a too large body is refused unread
@login_required
def import_upload_view(request):
    _require(request, "parties.import_partners")
    if request.method == "POST" and _too_large(request):
        context = {"form": ImportUploadForm(), "upload_error": _too_large_text(), **_upload_context()}
        return render(request, "parties/import_upload.html", context, status=413)
    return _import_upload(request)


def _upload_context() -> dict:
    fields = [str(label) for label in imports_reading.FIELDS.values()]
    limits = {
        "size_mb": imports_reading.max_upload_bytes() // (1024 * 1024),
        "rows": imports_reading.MAX_ROWS,
    }
    return {"section": "clients", "fields": fields, **limits}


@csrf_protect
def _import_upload(request):
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            imports_reading.import_read(upload)
        except ValidationFailed as exc:
            form.add_error("file", str(exc.message))
        else:
            extension = imports_reading.file_extension(upload.name)
            token = imports_storage.upload_store(upload, extension=extension)
            _remember(request, token, kind="partners", ext=extension, name=upload.name[-200:])
            return redirect("parties:import_preview", token=token)
    status = 400 if form.errors else 200
    return render(request, "parties/import_upload.html", {"form": form, **_upload_context()}, status=status)


def _stored_table(token: str, entry: dict):
    stored = imports_storage.upload_open(token, entry["ext"])
    if stored is None:
        return None
    with stored:
        try:
            return imports_reading.import_read(stored)
        except ValidationFailed:
            return None


def _mapping_from(data, table) -> dict[int, str]:
    if not any(key.startswith("col_") for key in data):
        return dict(table.guessed_mapping)
    return {i: data.get(f"col_{i}", "") for i in range(len(table.headers))}


def _columns(table, mapping: dict[int, str]) -> list[dict]:
    columns = []
    for index, header in enumerate(table.headers):
        samples = []
        for row in table.rows[:50]:
            if index < len(row.cells) and row.cells[index] and len(samples) < 3:
                samples.append(row.cells[index][:40])
        columns.append(
            {"index": index, "header": header, "samples": samples, "selected": mapping.get(index, "")}
        )
    return columns


def _shown_rows(preview) -> tuple[list, int]:
    if len(preview.rows) <= PREVIEW_ROWS:
        return preview.rows, 0
    problems = [row for row in preview.rows if row.status != imports_rows.OK]
    return problems[:PREVIEW_ROWS], len(preview.rows) - min(len(problems), PREVIEW_ROWS)


@login_required
def import_preview_view(request, token: str):
    entry = _upload(request, token, "partners")
    table = _stored_table(token, entry) if entry else None
    if table is None:
        return _expired(request, "parties:import_upload")
    mapping = _mapping_from(request.GET, table)
    context = {
        "section": "clients",
        "token": token,
        "file_name": entry["name"],
        "columns": _columns(table, mapping),
        "fields": [(key, str(label)) for key, label in imports_reading.FIELDS.items()],
        "total": len(table.rows),
    }
    try:
        preview = _call(imports.import_preview, actor=request.user, table=table, mapping=mapping)
    except ValidationFailed as exc:
        context["mapping_error"] = str(exc.message)
    else:
        rows, hidden = _shown_rows(preview)
        context.update(preview=preview, rows=rows, hidden=hidden)
    return render(request, "parties/import_preview.html", context)


@login_required
@require_POST
def import_confirm_view(request, token: str):
    entry = _upload(request, token, "partners")
    table = _stored_table(token, entry) if entry else None
    if table is None:
        return _expired(request, "parties:import_upload")
    mapping = _mapping_from(request.POST, table)
    accepted = {int(value) for value in request.POST.getlist("accept") if value.isdigit()}
    if request.POST.get("accept_all"):
        accepted = {row.number for row in table.rows}
    try:
        result = _call(
            imports.import_apply,
            actor=request.user,
            table=table,
            mapping=mapping,
            accepted_rows=accepted,
            file_name=entry["name"],
        )
    except ValidationFailed as exc:
        messages.error(request, error_text(exc))
        return redirect(reverse("parties:import_preview", args=[token]))
    if result.failed is None:
        _forget(request, token)
    request.session[SESSION_RESULT] = {
        "imported": result.imported,
        "rejected": [[r.row, r.field, r.message, r.value] for r in result.rejected[:RESULT_ROWS]],
        "rejected_total": len(result.rejected),
        "failed": [result.failed.row, result.failed.message] if result.failed else None,
        "token": token if result.failed else "",
        "file_name": entry["name"],
    }
    return redirect("parties:import_result")


@login_required
def import_result_view(request):
    result = request.session.get(SESSION_RESULT)
    if not result:
        return redirect("parties:import_upload")
    rejected = [dict(zip(("row", "field", "message", "value"), r, strict=True)) for r in result["rejected"]]
    context = {
        "section": "clients",
        "result": result,
        "rejected": rejected,
        "more_rejected": result["rejected_total"] - len(rejected),
    }
    return render(request, "parties/import_result.html", context)


# ------------------------------------------------------------------------------------- export


@login_required
def export_partners_view(request):
    try:
        content, content_type, filename = _call(
            exports.partners_export,
            actor=request.user,
            filters=filters_from_request(request),
            fmt=request.GET.get("format", "xlsx"),
        )
    except ValidationFailed as exc:
        messages.error(request, error_text(exc))
        return redirect("parties:partner_list")
    return _download(content, content_type, filename)


@login_required
def vcard_export_view(request):
    scope = {"partner_id": request.GET["partner"]} if request.GET.get("partner") else {}
    try:
        content, content_type, filename = _call(
            exports.contacts_vcard_export,
            actor=request.user,
            filters=filters_from_request(request),
            version=request.GET.get("version", "3.0"),
            **scope,
        )
    except ValidationFailed as exc:
        messages.error(request, error_text(exc))
        return redirect("parties:partner_list")
    return _download(content, content_type, filename)


# ------------------------------------------------------------------------------------- vCard import


def _partner_choices(user):
    visible = selectors.partners_visible(actor=user).order_by("name", "id")
    choices = list(visible.values_list("pk", "name")[: PARTNER_CHOICES + 1])
    return choices if len(choices) <= PARTNER_CHOICES else None


@csrf_exempt  # CSRF is checked by _vcard_import, after a too large body is refused unread
@login_required
def vcard_import_view(request):
    _require(request, "parties.add_contactperson")
    if request.method == "POST" and _too_large(request):
        form = VCardUploadForm(choices=_partner_choices(request.user))
        context = {"section": "clients", "form": form, "upload_error": _too_large_text()}
        return render(request, "parties/vcard_import.html", context, status=413)
    return _vcard_import(request)


@csrf_protect
def _vcard_import(request):
    initial = {"partner": request.GET.get("partner")} if request.GET.get("partner") else {}
    partner = None
    if initial:
        partner = _call(selectors.partner_get, actor=request.user, partner_id=initial["partner"])
    form = VCardUploadForm(
        request.POST or None, request.FILES or None, initial=initial, choices=_partner_choices(request.user)
    )
    if request.method == "POST" and form.is_valid():
        partner = _call(selectors.partner_get, actor=request.user, partner_id=form.cleaned_data["partner"])
        upload = form.cleaned_data["file"]
        try:
            parsed = contacts_vcard.vcard_read(upload)
        except ValidationFailed as exc:
            form.add_error("file", str(exc.message))
        else:
            if parsed.contacts:
                token = imports_storage.upload_store(upload, extension="vcf")
                _remember(
                    request, token, kind="vcard", ext="vcf", name=upload.name[-200:], partner=partner.pk
                )
                return redirect("parties:vcard_import_preview", token=token)
            form.add_error("file", _("No contact could be read from the file."))
            for error in parsed.errors[:20]:
                form.add_error("file", str(error.message))
    context = {"section": "clients", "form": form, "partner": partner}
    return render(request, "parties/vcard_import.html", context, status=400 if form.errors else 200)


def _stored_vcards(token: str):
    stored = imports_storage.upload_open(token, "vcf")
    if stored is None:
        return None
    with stored:
        try:
            return contacts_vcard.vcard_read(stored)
        except ValidationFailed:
            return None


@login_required
def vcard_import_preview_view(request, token: str):
    entry = _upload(request, token, "vcard")
    parsed = _stored_vcards(token) if entry else None
    if parsed is None:
        return _expired(request, "parties:vcard_import")
    preview = _call(
        contacts_vcard.contacts_vcard_preview, actor=request.user, partner_id=entry["partner"], parsed=parsed
    )
    status = 200
    if request.method == "POST":
        chosen = {int(value) for value in request.POST.getlist("card") if value.isdigit()}
        contacts = [card.contact for card in preview.cards if card.number in chosen]
        try:
            persons = _call(
                contacts_vcard.contacts_import_vcard,
                actor=request.user,
                partner_id=entry["partner"],
                contacts=contacts,
            )
        except ValidationFailed as exc:
            messages.error(request, error_text(exc))
            status = 400
        else:
            _forget(request, token)
            messages.success(request, _("Contact persons imported: %(count)s.") % {"count": len(persons)})
            return redirect(reverse("parties:partner_card", args=[entry["partner"]]) + "?tab=contacts")
    context = {"section": "clients", "preview": preview, "file_name": entry["name"], "token": token}
    return render(request, "parties/vcard_preview.html", context, status=status)
