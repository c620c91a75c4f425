"""The import page of prices and stock: upload a file, get the report on the same page."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from klientura.core.errors import ValidationFailed
from klientura.parties.imports_reading import MAX_ROWS, max_upload_bytes

from .forms import ImportForm
from .imports import prices_and_stock_import
from .views_support import SECTION, body_limited, call, require

REPORT_ROWS = 1000  # rejected rows shown; the rest are counted


def _require_import(request) -> None:
    require(request, "catalog.change_productprice")
    require(request, "catalog.change_stockbalance")


@body_limited(max_upload_bytes)
@login_required
def import_view(request):
    _require_import(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        try:
            report = call(
                prices_and_stock_import,
                actor=request.user,
                file=form.cleaned_data["file"],
                dry_run=form.cleaned_data["dry_run"],
            )
        except ValidationFailed as exc:
            form.add_error("file", str(exc.message))
    context = {
        "form": form,
        "report": report,
        "rejected": report.rejected[:REPORT_ROWS] if report else [],
        "more_rejected": max(0, len(report.rejected) - REPORT_ROWS) if report else 0,
        "size_mb": max_upload_bytes() // (1024 * 1024),
        "max_rows": MAX_ROWS,
        "section": SECTION,
    }
    status = 400 if form.errors or (report and report.rejected) else 200
    return render(request, "catalog/import.html", context, status=status)
