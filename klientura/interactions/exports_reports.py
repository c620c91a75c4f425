"""The interaction reports as XLSX workbooks (core.xlsx: formula cells neutralised, rows streamed).

The two grouped reports are small (a row per user or group) and go out as bytes; the contact
information report may cover every client, so it is written to a temporary file chunk by chunk and
streamed from there. Exporting is recorded in the audit trail, as the client list's export is.
"""

import datetime
import tempfile
from collections.abc import Iterator
from typing import IO

from django.utils import timezone
from django.utils.translation import gettext as _

from klientura.accounts.access import require_perm
from klientura.core.audit import audit_log
from klientura.core.models import AuditAction
from klientura.core.xlsx import Styled, XlsxBook

from .selectors_contact_info import ContactInfoFilters, PartnerEntry, contact_info_all
from .selectors_reports import GROUPINGS, CalendarReport, CalendarRow, ContactsReport, Figures

PERMISSION = "interactions.view_event_reports"
GAP_COLOR = "C00000"


def _audit(actor, what: str, count: int) -> None:
    comment = _("Exported %(report)s: %(count)s rows (XLSX).") % {"report": what, "count": count}
    audit_log(actor=actor, action=AuditAction.OTHER, comment=comment)


def _filename(stem: str) -> str:
    return f"{stem}-{timezone.localdate():%Y-%m-%d}.xlsx"


# ------------------------------------------------------------------------- the events calendar


def _calendar_cells(row: CalendarRow) -> list:
    return [
        row.name or _("No responsible"),
        row.overdue,
        row.today,
        row.week,
        row.later,
        row.undated,
        row.total,
        row.in_progress,
        row.high,
        row.high_overdue,
    ]


def calendar_report_xlsx(*, actor, report: CalendarReport) -> tuple[bytes, str]:
    require_perm(actor, PERMISSION)
    header = [
        _("Responsible"),
        _("Overdue"),
        _("Today"),
        _("This week"),
        _("Later"),
        _("No date"),
        _("Open in all"),
        _("In progress"),
        _("High importance"),
        _("High importance, overdue"),
    ]
    book = XlsxBook()
    count = book.add_sheet(
        _("Events calendar"),
        header,
        (_calendar_cells(row) for row in report.rows),
        widths=[32, 11, 11, 11, 11, 11, 12, 12, 14, 16],
        footer=[_calendar_cells(report.totals)],
    )
    _audit(actor, _("the events calendar report"), count)
    return book.to_bytes(), _filename("events-calendar")


# ------------------------------------------------------------------------- contacts in a period


def _figure_cells(figures: Figures) -> list:
    return [
        figures.total,
        figures.done,
        figures.open,
        figures.overdue,
        figures.cancelled,
        datetime.timedelta(minutes=figures.minutes),
    ]


def _contacts_rows(report: ContactsReport) -> Iterator[list]:
    two_levels = bool(report.filters.then_by)
    for group in report.groups:
        first = [Styled(group.label, bold=two_levels)] + ([""] if two_levels else [])
        yield first + [Styled(v, bold=two_levels) for v in _figure_cells(group.figures)]
        for line in group.lines:
            yield ["", line.label, *_figure_cells(line.figures)]


def contacts_report_xlsx(*, actor, report: ContactsReport) -> tuple[bytes, str]:
    require_perm(actor, PERMISSION)
    filters = report.filters
    header = [str(GROUPINGS[filters.group_by].label)]
    if filters.then_by:
        header.append(str(GROUPINGS[filters.then_by].label))
    header += [_("Events"), _("Done"), _("Open"), _("Overdue"), _("Cancelled"), _("Time spent, h:mm")]
    totals = [_("Total")] + ([""] if filters.then_by else []) + _figure_cells(report.totals)
    period = f"{filters.date_from:%d.%m.%Y}–{filters.date_to:%d.%m.%Y}"
    book = XlsxBook()
    count = book.add_sheet(
        _("Contacts %(period)s") % {"period": period},
        header,
        _contacts_rows(report),
        widths=[36] + ([28] if filters.then_by else []) + [10, 10, 10, 10, 11, 16],
        footer=[totals],
    )
    book.add_sheet(
        _("By kind"),
        [_("Kind"), *header[-6:]],
        ([line.label, *_figure_cells(line.figures)] for line in report.by_kind),
    )
    _audit(actor, _("the contacts report"), count)
    return book.to_bytes(), _filename("contacts")


# ------------------------------------------------------------------------- contact information


def _info_rows(entry: PartnerEntry) -> Iterator[list]:
    """A row per contact person (or one for a client without any), so a spreadsheet can filter them."""
    partner = [
        entry.partner.name,
        entry.manager,
        "\n".join(entry.phones),
        "\n".join(entry.emails),
    ]
    gaps = Styled("; ".join(entry.gap_labels), color=GAP_COLOR) if entry.gaps else ""
    if not entry.contacts:
        yield [*partner, "", "", "", "", gaps]
        return
    for contact in entry.contacts:
        yield [
            *partner,
            contact.name,
            contact.position,
            Styled("\n".join(contact.phones) or _("no phone"), color="" if contact.phones else GAP_COLOR),
            Styled("\n".join(contact.emails) or _("no e-mail"), color="" if contact.emails else GAP_COLOR),
            gaps,
        ]


def contact_info_xlsx(*, actor, filters: ContactInfoFilters) -> tuple[IO[bytes], str]:
    """Every filtered partner's contacts into a temporary file (rewound, for a streaming response)."""
    require_perm(actor, PERMISSION)
    header = [
        _("Client"),
        _("Lead manager"),
        _("Client's phones"),
        _("Client's e-mails"),
        _("Contact person"),
        _("Position"),
        _("Phones"),
        _("E-mails"),
        _("Gaps"),
    ]
    partners = [0]

    def rows() -> Iterator[list]:
        for entry in contact_info_all(actor=actor, filters=filters):
            partners[0] += 1
            yield from _info_rows(entry)

    book = XlsxBook()
    book.add_sheet(_("Contact information"), header, rows(), widths=[36, 24, 20, 26, 30, 24, 20, 28, 40])
    target = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the response, which closes it
    book.save(target)
    target.seek(0)
    _audit(actor, _("the contact information report"), partners[0])
    return target, _filename("contact-information")
