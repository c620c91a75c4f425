"""The composition report of a segment as XLSX: each member the reader may see with its manager, region,
zone, tags, the values of the indicators in the rules, and when it joined.

Rows stream from the database in chunks into a write-only workbook written to a file, so a segment of
a million partners never sits in memory; core.xlsx neutralises text that would become a formula.
"""

import datetime
import tempfile

from django.utils import timezone
from django.utils.translation import gettext as _

from klientura.core.audit import audit_log
from klientura.core.models import AuditAction
from klientura.core.xlsx import XlsxBook

from .models import Segment
from .selectors_segments import MemberFilters, indicator_columns, segment_members

CHUNK = 2000


def _plain(value):
    """A value as a workbook cell holds it: local naive datetimes, text for lists and choices."""
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list | tuple | set):
        return ", ".join(str(v) for v in value)
    return value


def _rows(partners, columns):
    for partner in partners.iterator(chunk_size=CHUNK):
        yield [
            partner.name,
            partner.inn or "",
            str(partner.manager.get_full_name() or partner.manager.username) if partner.manager else "",
            partner.region.name if partner.region else "",
            partner.get_zone_display() if partner.zone else "",
            ", ".join(tag.name for tag in partner.tags.all()),
            *(_plain(getattr(partner, name, None)) for name, _label in columns),
            _plain(partner.joined_at),
        ]


def segment_members_xlsx(*, actor, segment: Segment, filters: MemberFilters | None = None, target) -> int:
    """Write the workbook into `target` (a binary file); returns the number of member rows."""
    columns = indicator_columns(segment)
    header = [
        _("Client"),
        _("INN"),
        _("Manager"),
        _("Region"),
        _("Zone"),
        _("Tags"),
        *(label for _name, label in columns),
        _("Joined"),
    ]
    partners = segment_members(actor=actor, segment=segment, filters=filters).order_by("name", "id")
    book = XlsxBook()
    count = book.add_sheet(segment.name, header, _rows(partners, columns), widths=[40, 14, 24, 18, 10, 24])
    book.save(target)
    comment = _("Exported the members of «%(name)s»: %(count)s rows (XLSX).") % {
        "name": segment.name,
        "count": count,
    }
    audit_log(actor=actor, action=AuditAction.OTHER, instance=segment, comment=comment)
    return count


def segment_members_xlsx_file(*, actor, segment: Segment, filters: MemberFilters | None = None):
    """The workbook in a temporary file, rewound, for a streamed response; and its file name."""
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - the response closes it after streaming
    segment_members_xlsx(actor=actor, segment=segment, filters=filters, target=spool)
    spool.seek(0)
    return spool, f"segment-{segment.pk}-{timezone.localdate():%Y-%m-%d}.xlsx"
