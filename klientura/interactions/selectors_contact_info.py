"""The contact information report (Контактная информация): the partners the actor may see with
their contact persons, phones and e-mails, and the gaps to fill.

Gaps are EXISTS subqueries on indexed foreign keys, so filtering by them is one SQL query; a page
costs three queries whatever it holds, and the export walks every page the same way.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from klientura.accounts.access import user_scope
from klientura.accounts.models import User
from klientura.core.pagination import MAX_PAGE_SIZE, Page, keyset_page
from klientura.parties.models import ContactInfo, ContactKind, Partner
from klientura.parties.selectors import partners_visible


class Gap:
    NO_CONTACTS = "no_contacts"
    NO_PHONE = "no_phone"
    NO_EMAIL = "no_email"
    CONTACT_NO_PHONE = "contact_no_phone"
    CONTACT_NO_EMAIL = "contact_no_email"


GAP_LABELS = {
    Gap.NO_CONTACTS: _("No contact person"),
    Gap.NO_PHONE: _("No phone"),
    Gap.NO_EMAIL: _("No e-mail"),
    Gap.CONTACT_NO_PHONE: _("Contact person without phone"),
    Gap.CONTACT_NO_EMAIL: _("Contact person without e-mail"),
}
INFO_KINDS = (ContactKind.PHONE, ContactKind.EMAIL)
INFO_ORDERING = ["name", "id"]
EXPORT_CHUNK = MAX_PAGE_SIZE


@dataclass
class ContactInfoFilters:
    manager_id: int | None = None
    gap: str = ""  # one of Gap, or any gap with only_gaps
    only_gaps: bool = False
    kind: str = ""  # the partner's kind (client, prospect...)


def _gap_conditions() -> dict[str, Q]:
    return {
        Gap.NO_CONTACTS: Q(has_contacts=False),
        Gap.NO_PHONE: Q(has_own_phone=False, has_contact_phone=False, main_phone=""),
        Gap.NO_EMAIL: Q(has_own_email=False, has_contact_email=False, main_email=""),
        Gap.CONTACT_NO_PHONE: Q(contact_without_phone=True),
        Gap.CONTACT_NO_EMAIL: Q(contact_without_email=True),
    }


def _contact_lacking(kind: str) -> Exists:
    links = Partner.contacts.through.objects.filter(partner_id=OuterRef("pk"))
    held = ContactInfo.objects.filter(contact_id=OuterRef("contactperson_id"), kind=kind)
    return Exists(links.filter(~Exists(held)))


def _with_gap_flags(partners: QuerySet) -> QuerySet:
    """Each partner's gaps as booleans, from EXISTS subqueries on the indexed foreign keys."""
    links = Partner.contacts.through.objects.filter(partner_id=OuterRef("pk"))
    own = ContactInfo.objects.filter(partner_id=OuterRef("pk"))
    of_contacts = ContactInfo.objects.filter(contact__partners=OuterRef("pk"))
    return partners.annotate(
        has_contacts=Exists(links),
        has_own_phone=Exists(own.filter(kind=ContactKind.PHONE)),
        has_contact_phone=Exists(of_contacts.filter(kind=ContactKind.PHONE)),
        has_own_email=Exists(own.filter(kind=ContactKind.EMAIL)),
        has_contact_email=Exists(of_contacts.filter(kind=ContactKind.EMAIL)),
        contact_without_phone=_contact_lacking(ContactKind.PHONE),
        contact_without_email=_contact_lacking(ContactKind.EMAIL),
    )


def _info_partners(actor, filters: ContactInfoFilters, *, gaps: bool = True) -> QuerySet:
    partners = partners_visible(actor=actor)
    if filters.manager_id:
        partners = partners.filter(manager_id=filters.manager_id)
    if filters.kind:
        partners = partners.filter(kind=filters.kind)
    partners = _with_gap_flags(partners)
    conditions = _gap_conditions()
    if gaps and filters.gap in conditions:
        partners = partners.filter(conditions[filters.gap])
    elif gaps and filters.only_gaps:
        any_gap = Q()
        for condition in conditions.values():
            any_gap |= condition
        partners = partners.filter(any_gap)
    return partners


def info_managers(*, actor) -> QuerySet:
    return user_scope(User.objects.filter(is_active=True), actor).order_by("last_name", "first_name", "id")


def gap_summary(*, actor, filters: ContactInfoFilters) -> dict[str, int]:
    """How many of the partners (by manager and kind, whatever the gap filter) have each gap."""
    partners = _info_partners(actor, filters, gaps=False)
    counts = {code: Count("id", filter=condition) for code, condition in _gap_conditions().items()}
    return partners.aggregate(partners=Count("id"), **counts)


@dataclass
class ContactEntry:
    id: int
    name: str
    position: str
    phones: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)


@dataclass
class PartnerEntry:
    partner: Partner
    manager: str
    phones: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    contacts: list[ContactEntry] = field(default_factory=list)
    gaps: list[str] = field(default_factory=list)

    @property
    def gap_labels(self) -> list[str]:
        return [str(GAP_LABELS[code]) for code in self.gaps]


def _entries(partners: list[Partner]) -> list[PartnerEntry]:
    """The partners with their contact persons, phones and e-mails: two queries whatever their number."""
    ids = [p.pk for p in partners]
    links = Partner.contacts.through.objects.filter(partner_id__in=ids).select_related("contactperson")
    links = list(links.order_by("contactperson__full_name", "contactperson_id"))
    contact_ids = {link.contactperson_id for link in links}
    infos = ContactInfo.objects.filter(kind__in=INFO_KINDS).filter(
        Q(partner_id__in=ids) | Q(contact_id__in=contact_ids)
    )
    by_owner: dict[tuple[str, int], dict[str, list[str]]] = {}
    for partner_id, contact_id, kind, value in infos.order_by("-is_main", "id").values_list(
        "partner_id", "contact_id", "kind", "value"
    ):
        owner = ("p", partner_id) if partner_id else ("c", contact_id)
        by_owner.setdefault(owner, {}).setdefault(kind, []).append(value)
    entries = {p.pk: _partner_entry(p, by_owner.get(("p", p.pk), {})) for p in partners}
    for link in links:
        person = link.contactperson
        held = by_owner.get(("c", person.pk), {})
        entries[link.partner_id].contacts.append(
            ContactEntry(
                id=person.pk,
                name=person.full_name,
                position=person.position,
                phones=held.get(ContactKind.PHONE, []),
                emails=held.get(ContactKind.EMAIL, []),
            )
        )
    return list(entries.values())


def _partner_entry(partner: Partner, held: dict[str, list[str]]) -> PartnerEntry:
    phones = held.get(ContactKind.PHONE) or ([partner.main_phone] if partner.main_phone else [])
    emails = held.get(ContactKind.EMAIL) or ([partner.main_email] if partner.main_email else [])
    flags = {code: _flag(partner, code) for code in GAP_LABELS}
    manager = partner.manager
    return PartnerEntry(
        partner=partner,
        manager=str(manager) if manager else "",
        phones=phones,
        emails=emails,
        gaps=[code for code, on in flags.items() if on],
    )


def _flag(partner: Partner, code: str) -> bool:
    if code == Gap.NO_CONTACTS:
        return not partner.has_contacts
    if code == Gap.NO_PHONE:
        return not (partner.has_own_phone or partner.has_contact_phone or partner.main_phone)
    if code == Gap.NO_EMAIL:
        return not (partner.has_own_email or partner.has_contact_email or partner.main_email)
    if code == Gap.CONTACT_NO_PHONE:
        return partner.contact_without_phone
    return partner.contact_without_email


def contact_info_page(
    *, actor, filters: ContactInfoFilters, cursor: str | None = None, limit: int = 50
) -> Page:
    """One page of partners by name with their contacts and gaps: three queries a page."""
    partners = _info_partners(actor, filters).select_related("manager")
    page = keyset_page(partners, ordering=INFO_ORDERING, cursor=cursor, limit=limit)
    return Page(items=_entries(page.items), next_cursor=page.next_cursor)


def contact_info_all(*, actor, filters: ContactInfoFilters) -> Iterator[PartnerEntry]:
    """Every filtered partner, page by page (three queries each), for the export."""
    partners = _info_partners(actor, filters).select_related("manager").order_by(*INFO_ORDERING)
    cursor = None
    while True:
        page = keyset_page(partners, ordering=INFO_ORDERING, cursor=cursor, limit=EXPORT_CHUNK)
        yield from _entries(page.items)
        if page.next_cursor is None:
            return
        cursor = page.next_cursor
