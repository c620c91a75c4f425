"""Web pages of the sales history import: upload, preview, apply, and the sample files.

The uploaded file waits on the server between the preview and the apply step (the clients import's
storage, MEDIA_ROOT/imports); the browser only holds a random token, looked up in the user's own
session, never a path.
"""

import time

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from klientura.core.errors import Forbidden, ValidationFailed, error_text
from klientura.core.forms import BootstrapFormMixin
from klientura.parties import imports_reading, imports_storage

from . import imports
from .imports_columns import COLUMNS, KIND_LABELS, ORDERS, sample_csv

SESSION_UPLOADS = "klientura_sales_uploads"
SHOWN_PROBLEMS = 1000
SHOWN_DOCUMENTS = 500
MULTIPART_SLACK = 64 * 1024  # the other form fields and the multipart framing around the file


class SalesImportForm(BootstrapFormMixin, forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("What the file holds"), choices=list(KIND_LABELS.items()), initial=ORDERS
    )
    file = forms.FileField(label=gettext_lazy("File"), widget=forms.FileInput(attrs={"accept": ".csv,.xlsx"}))


def _require_import(request) -> None:
    if not request.user.has_perm("sales.import_sales"):
        raise PermissionDenied


def _kinds() -> list[dict]:
    return [
        {"key": kind, "label": label, "columns": [(str(c.label), c.required) for c in COLUMNS[kind]]}
        for kind, label in KIND_LABELS.items()
    ]


def _upload_page(request, form, status=200, **extra):
    context = {
        "section": "sales",
        "form": form,
        "kinds": _kinds(),
        "size_mb": imports_reading.max_upload_bytes() // (1024 * 1024),
        "max_rows": imports.MAX_IMPORT_ROWS,
        **extra,
    }
    return render(request, "sales/import_upload.html", context, status=status)


# ------------------------------------------------------------------------------------- session


def _uploads(request) -> dict:
    max_age = imports_storage.UPLOAD_MAX_AGE.total_seconds()
    stored = request.session.get(SESSION_UPLOADS, {})
    return {token: e for token, e in stored.items() if time.time() - e.get("at", 0) < max_age}


def _remember(request, token: str, **entry) -> None:
    uploads = _uploads(request)
    uploads[token] = {**entry, "user": request.user.pk, "at": time.time()}
    request.session[SESSION_UPLOADS] = uploads


def _entry(request, token: str) -> dict | None:
    entry = _uploads(request).get(token)
    return entry if entry and entry.get("user") == request.user.pk else None


def _forget(request, token: str) -> None:
    uploads = _uploads(request)
    entry = uploads.pop(token, None)
    if entry:
        imports_storage.upload_delete(token, entry["ext"])
    request.session[SESSION_UPLOADS] = uploads


def _stored_table(token: str, entry: dict):
    stored = imports_storage.upload_open(token, entry["ext"])
    if stored is None:
        return None
    with stored:
        try:
            return imports_reading.import_read(stored)
        except ValidationFailed:
            return None


def _run(func, **kwargs):
    try:
        return func(**kwargs)
    except Forbidden as exc:
        raise PermissionDenied(str(exc.message)) from exc


# ------------------------------------------------------------------------------------- pages


def _too_large(request) -> bool:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return length > imports_reading.max_upload_bytes() + MULTIPART_SLACK


@csrf_exempt  # CSRF is checked by _upload, after a too large body is refused unread
@login_required
def import_upload_view(request):
    _require_import(request)
    if request.method == "POST" and _too_large(request):
        limit = imports_reading.max_upload_bytes() // (1024 * 1024)
        message = _("The file is too large; at most %(limit)s MB may be uploaded.") % {"limit": limit}
        return _upload_page(request, SalesImportForm(), status=413, upload_error=message)
    return _upload(request)


@csrf_protect
def _upload(request):
    form = SalesImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload, kind = form.cleaned_data["file"], form.cleaned_data["kind"]
        try:
            table = imports_reading.import_read(upload)
            report = _run(imports.sales_import_preview, actor=request.user, kind=kind, table=table)
        except ValidationFailed as exc:
            form.add_error("file", error_text(exc))
        else:
            extension = imports_reading.file_extension(upload.name)
            token = imports_storage.upload_store(upload, extension=extension)
            _remember(request, token, kind=kind, ext=extension, name=upload.name[-200:])
            return _preview_page(request, token, upload.name[-200:], report)
    return _upload_page(request, form, status=400 if form.errors else 200)


def _preview_page(request, token: str, file_name: str, report, status: int = 200):
    context = {
        "section": "sales",
        "token": token,
        "file_name": file_name,
        "report": report,
        "problems": report.problems[:SHOWN_PROBLEMS],
        "more_problems": max(len(report.problems) - SHOWN_PROBLEMS, 0),
        "documents": report.documents[:SHOWN_DOCUMENTS],
        "more_documents": max(len(report.documents) - SHOWN_DOCUMENTS, 0),
    }
    return render(request, "sales/import_preview.html", context, status=status)


@login_required
@require_POST
def import_apply_view(request):
    _require_import(request)
    token = request.POST.get("token", "")
    entry = _entry(request, token)
    table = _stored_table(token, entry) if entry else None
    if table is None:
        messages.error(request, _("The uploaded file is no longer available. Please upload it again."))
        return redirect("sales:import_upload")
    try:
        report = _run(
            imports.sales_import_apply,
            actor=request.user,
            kind=entry["kind"],
            table=table,
            file_name=entry["name"],
        )
    except ValidationFailed as exc:
        messages.error(request, error_text(exc))
        return redirect("sales:import_upload")
    if not report.applied:
        return _preview_page(request, token, entry["name"], report, status=422)
    _forget(request, token)
    count = len(report.documents)
    message = ngettext(
        "Imported from “%(file)s”: %(count)s document (%(kind)s).",
        "Imported from “%(file)s”: %(count)s documents (%(kind)s).",
        count,
    )
    messages.success(request, message % {"file": entry["name"], "count": count, "kind": report.kind_label})
    return redirect("sales:order_list")


@login_required
def import_sample_view(request, kind: str):
    _require_import(request)
    if kind not in COLUMNS:
        raise Http404
    response = HttpResponse(sample_csv(kind), content_type="text/csv; charset=utf-8")
    filename = f"sales-{kind}-sample.csv"
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response
