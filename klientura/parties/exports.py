"""Export of the client list (CSV, XLSX) and of contact persons (vCard).

Rows are read with `values()` and `iterator()`; what a row needs from other tables comes from
subqueries or from one query per chunk, so the number of queries grows with the chunks, not the
rows. Cell texts that a spreadsheet would take for a formula are neutralised (CSV injection; the
XLSX writer and `neutralize_cell` are in core.xlsx, shared with the reports).
"""

import csv
import io
from collections.abc import Iterable, Iterator
from itertools import islice

import phonenumbers
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from klientura.accounts.access import require_perm
from klientura.core.audit import audit_log
from klientura.core.errors import ValidationFailed
from klientura.core.models import AuditAction
from klientura.core.xlsx import CONTENT_TYPE as XLSX_CONTENT_TYPE
from klientura.core.xlsx import neutralize_cell, xlsx_bytes

from .models import ContactInfo, ContactKind, Counterparty, Partner, PartnerKind
from .selectors import SORTS, PartnerFilters, contacts_visible, partner_get, partners_filtered
from .vcard import SUPPORTED_VERSIONS, VCardContact, vcards_dump

CHUNK = 2000
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": XLSX_CONTENT_TYPE,
}
VCARD_CONTENT_TYPE = "text/vcard; charset=utf-8"


def _chunks(iterable: Iterable, size: int) -> Iterator[list]:
    iterator = iter(iterable)
    while chunk := list(islice(iterator, size)):
        yield chunk


# ------------------------------------------------------------------------------------- partners


def _columns() -> list[str]:
    labels = [_("Name"), _("Kind"), _("INN"), _("KPP"), _("Lead manager"), _("Business region")]
    labels += [_("Phone"), _("E-mail"), _("Tags"), _("Created")]
    return [str(label) for label in labels]


def _partner_values(actor, filters: PartnerFilters):
    first_counterparty = Counterparty.objects.filter(partners=OuterRef("pk")).order_by("id")
    return (
        partners_filtered(actor=actor, filters=filters)
        .order_by(*SORTS.get(filters.sort, SORTS["name"]))
        .annotate(
            first_inn=Subquery(first_counterparty.values("inn")[:1]),
            first_kpp=Subquery(first_counterparty.values("kpp")[:1]),
        )
        .values(
            "id",
            "name",
            "kind",
            "first_inn",
            "first_kpp",
            "manager__username",
            "manager__first_name",
            "manager__last_name",
            "region__name",
            "main_phone",
            "main_email",
            "created_at",
        )
    )


def _tags_by_partner(partner_ids: list[int]) -> dict[int, str]:
    names: dict[int, list[str]] = {}
    through = Partner.tags.through
    rows = through.objects.filter(partner_id__in=partner_ids).order_by("tag__name")
    for partner_id, name in rows.values_list("partner_id", "tag__name"):
        names.setdefault(partner_id, []).append(name)
    return {partner_id: ", ".join(tags) for partner_id, tags in names.items()}


def _manager_name(row: dict) -> str:
    full = f"{row['manager__first_name']} {row['manager__last_name']}".strip()
    return full or row["manager__username"] or ""


def _partner_rows(actor, filters: PartnerFilters) -> Iterator[list]:
    kinds = {value: str(label) for value, label in PartnerKind.choices}
    values = _partner_values(actor, filters).iterator(chunk_size=CHUNK)
    for chunk in _chunks(values, CHUNK):
        tags = _tags_by_partner([row["id"] for row in chunk])  # one query per chunk
        for row in chunk:
            yield [
                row["name"],
                kinds.get(row["kind"], row["kind"]),
                row["first_inn"] or "",
                row["first_kpp"] or "",
                _manager_name(row),
                row["region__name"] or "",
                row["main_phone"],
                row["main_email"],
                tags.get(row["id"], ""),
                timezone.localtime(row["created_at"]).replace(tzinfo=None, microsecond=0),
            ]


def _csv_bytes(header: list[str], rows: Iterable[list]) -> tuple[bytes, int]:
    """UTF-8 with BOM and ';': what Excel with Russian regional settings opens by a double click."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    count = 0
    for row in rows:
        writer.writerow([_csv_text(value) for value in row])
        count += 1
    return buffer.getvalue().encode("utf-8-sig"), count


def _csv_text(value) -> str:
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%d %H:%M")
    return neutralize_cell("" if value is None else str(value))


def _xlsx_bytes(header: list[str], rows: Iterable[list]) -> tuple[bytes, int]:
    return xlsx_bytes(header, rows, title=str(_("Clients")))


def partners_export(*, actor, filters: PartnerFilters, fmt: str) -> tuple[bytes, str, str]:
    """The visible partners that pass the list's filters as a CSV or XLSX file.

    Returns (content, content type, file name). Not one transaction on purpose: a long read must
    not hold SQLite's write lock; the audit record is written once the file is ready.
    """
    require_perm(actor, "parties.export_partners")
    if fmt not in CONTENT_TYPES:
        raise ValidationFailed(_("Choose the export format: xlsx or csv."))
    write = _csv_bytes if fmt == "csv" else _xlsx_bytes
    content, count = write(_columns(), _partner_rows(actor, filters))
    comment = _("Exported %(count)s partners (%(format)s).") % {"count": count, "format": fmt.upper()}
    audit_log(actor=actor, action=AuditAction.OTHER, comment=str(comment))
    filename = f"clients-{timezone.localdate():%Y-%m-%d}.{fmt}"
    return content, CONTENT_TYPES[fmt], filename


# ------------------------------------------------------------------------------------- vCard


def _contacts_of(actor, filters: PartnerFilters | None, partner_id):
    if partner_id is not None:
        partners = Partner.objects.filter(pk=partner_get(actor=actor, partner_id=partner_id).pk)
    else:
        partners = partners_filtered(actor=actor, filters=filters or PartnerFilters())
    through = Partner.contacts.through
    links = through.objects.filter(contactperson_id=OuterRef("pk"), partner__in=partners)
    return (
        contacts_visible(actor=actor)
        .filter(Exists(links))
        .annotate(organization=Subquery(links.order_by("partner_id").values("partner__name")[:1]))
        .order_by("full_name", "id")
        .values(
            "id",
            "last_name",
            "first_name",
            "middle_name",
            "full_name",
            "position",
            "role",
            "birthday",
            "notes",
            "organization",
        )
    )


def _phone_kind(normalized: str) -> str:
    try:
        number = phonenumbers.parse(normalized)
    except phonenumbers.NumberParseException:
        return "work"
    return "cell" if phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.MOBILE else "work"


def _infos_by_contact(contact_ids: list[int]) -> dict[int, list[tuple[str, str, str]]]:
    infos: dict[int, list[tuple[str, str, str]]] = {}
    rows = ContactInfo.objects.filter(contact_id__in=contact_ids).order_by("-is_main", "id")
    for contact_id, kind, value, normalized in rows.values_list("contact_id", "kind", "value", "normalized"):
        infos.setdefault(contact_id, []).append((kind, value, normalized))
    return infos


def _vcard_contact(row: dict, infos: list[tuple[str, str, str]]) -> VCardContact:
    contact = VCardContact(
        last_name=row["last_name"],
        first_name=row["first_name"],
        middle_name=row["middle_name"],
        full_name=row["full_name"],
        organization=row["organization"] or "",
        title=row["position"],
        role=row["role"],
        birthday=row["birthday"],
        note=row["notes"],
        uid=f"klientura-contact-{row['id']}",
    )
    for kind, value, normalized in infos:
        if kind == ContactKind.PHONE:
            contact.phones.append((_phone_kind(normalized), value))
        elif kind == ContactKind.EMAIL:
            contact.emails.append(("work", value))
        elif kind == ContactKind.ADDRESS:
            contact.addresses.append(("work", value))
        elif kind == ContactKind.WEBSITE:
            contact.urls.append(value)
    return contact


def _vcard_contacts(values, counter: list[int]) -> Iterator[VCardContact]:
    for chunk in _chunks(values.iterator(chunk_size=CHUNK), CHUNK):
        infos = _infos_by_contact([row["id"] for row in chunk])  # one query per chunk
        for row in chunk:
            counter[0] += 1
            yield _vcard_contact(row, infos.get(row["id"], []))


def contacts_vcard_export(
    *, actor, filters: PartnerFilters | None = None, partner_id=None, version: str = "3.0"
) -> tuple[bytes, str, str]:
    """Contact persons of the visible partners (filtered like the list, or of one partner) as .vcf."""
    require_perm(actor, "parties.export_partners")
    if version not in SUPPORTED_VERSIONS:
        raise ValidationFailed(_("The vCard version must be 3.0 or 4.0."))
    counter = [0]
    text = vcards_dump(_vcard_contacts(_contacts_of(actor, filters, partner_id), counter), version=version)
    comment = _("Exported %(count)s contact persons (vCard %(version)s).")
    audit_log(
        actor=actor,
        action=AuditAction.OTHER,
        comment=str(comment % {"count": counter[0], "version": version}),
    )
    filename = f"contacts-{timezone.localdate():%Y-%m-%d}.vcf"
    return text.encode("utf-8"), VCARD_CONTENT_TYPE, filename
