"""The funnel and the effectiveness report as XLSX workbooks (core.xlsx: formula cells neutralised).

Both are small (a row per stage or per manager) and go out as bytes. Exporting is recorded in the
audit trail, as the other reports' exports are.
"""

from django.utils import timezone
from django.utils.translation import gettext as _

from klientura.accounts.access import require_perm
from klientura.core.audit import audit_log
from klientura.core.models import AuditAction
from klientura.core.xlsx import Styled, XlsxBook

from .selectors_reports import PERMISSION, EffectivenessReport, EffectLine, FunnelReport, StageLine


def _audit(actor, what: str, count: int) -> None:
    comment = _("Exported %(report)s: %(count)s rows (XLSX).") % {"report": what, "count": count}
    audit_log(actor=actor, action=AuditAction.OTHER, comment=comment)


def _filename(stem: str) -> str:
    return f"{stem}-{timezone.localdate():%Y-%m-%d}.xlsx"


def _period(date_from, date_to) -> str:
    """Short, so the sheet's title (31 characters at most) keeps it whole."""
    return f"{date_from:%d.%m.%y}–{date_to:%d.%m.%y}"


# ------------------------------------------------------------------------------------- the funnel


def _stage_cells(label, line: StageLine) -> list:
    return [
        label,
        line.entered.count,
        line.entered.amount,
        line.converted.count if line.stage else "",
        "" if line.conversion_next is None else line.conversion_next,
        line.won.count,
        "" if line.conversion_won is None else line.conversion_won,
        line.lost.count,
        line.lost.amount,
        line.open.count,
        "" if line.avg_days is None else line.avg_days,
    ]


def _reason_rows(report: FunnelReport):
    for line in [*report.stages, report.totals]:
        stage = line.stage.name if line.stage else _("All created in the period")
        for reason in line.lost_by_reason:
            yield [stage, reason.name, reason.figure.count, reason.figure.amount]


def funnel_xlsx(*, actor, report: FunnelReport) -> tuple[bytes, str]:
    require_perm(actor, PERMISSION)
    header = [
        _("Stage of «%(kind)s»") % {"kind": report.kind.name},
        _("Entered"),
        _("Amount"),
        _("Went further"),
        _("To the next stage, %"),
        _("Won"),
        _("To won, %"),
        _("Lost here"),
        _("Lost amount"),
        _("Still here"),
        _("Average days in stage"),
    ]
    totals = report.totals
    footer = [
        [Styled(_("Created in the period"), bold=True), totals.entered.count, totals.entered.amount, "", "",
         totals.won.count, "" if totals.conversion_won is None else totals.conversion_won,
         totals.lost.count, totals.lost.amount, totals.open.count, ""],
    ]  # fmt: skip
    book = XlsxBook()
    title = _("Funnel %(period)s") % {"period": _period(report.filters.date_from, report.filters.date_to)}
    count = book.add_sheet(
        title,
        header,
        (_stage_cells(line.stage.name, line) for line in report.stages),
        widths=[34, 10, 16, 12, 14, 10, 10, 10, 16, 10, 14],
        footer=footer,
    )
    book.add_sheet(
        _("Reasons of loss"),
        [_("Stage"), _("Reason of loss"), _("Deals"), _("Amount")],
        _reason_rows(report),
        widths=[34, 40, 10, 16],
    )
    _audit(actor, _("the sales funnel"), count)
    return book.to_bytes(), _filename("sales-funnel")


# ------------------------------------------------------------------------------------- effectiveness


def _effect_cells(label, line: EffectLine) -> list:
    cells = [label]
    for metric in line.metrics():
        cells += ["" if metric.value is None else metric.value, "" if metric.previous is None else metric.previous,
                  "" if metric.delta is None else metric.delta]  # fmt: skip
    return cells


def effectiveness_xlsx(*, actor, report: EffectivenessReport) -> tuple[bytes, str]:
    require_perm(actor, PERMISSION)
    header = [
        _("Manager (before: %(period)s)") % {"period": _period(report.previous_from, report.previous_to)}
    ]
    for metric in report.totals.metrics():
        header += [metric.label, _("%(figure)s, before") % {"figure": metric.label}, _("change")]
    book = XlsxBook()
    title = _("Deals %(period)s") % {"period": _period(report.filters.date_from, report.filters.date_to)}
    count = book.add_sheet(
        title,
        header,
        (_effect_cells(str(row.manager) if row.manager else _("No manager"), row) for row in report.rows),
        widths=[32] + [12] * (len(header) - 1),
        footer=[_effect_cells(_("Total"), report.totals)],
    )
    _audit(actor, _("the deal effectiveness report"), count)
    return book.to_bytes(), _filename("deal-effectiveness")
