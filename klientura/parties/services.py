"""Writes for the client base: registration, changes, sharing, tags. Merge is in services_merge."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from klientura.accounts.access import require_perm
from klientura.accounts.models import User
from klientura.accounts.roles import HEAD_OF_SALES, SALES_MANAGER, has_role
from klientura.core.audit import audit_created, audit_log, model_update
from klientura.core.errors import Forbidden, NotFound, ValidationFailed
from klientura.core.models import AuditAction

from . import activity
from .duplicates import duplicates_find
from .errors import DuplicatesFound
from .inputs import (
    ContactInput,
    CounterpartyInput,
    FieldErrors,
    PartnerInput,
    custom_values_clean,
    partner_input_clean,
)
from .models import (
    BankAccount,
    BusinessRegion,
    ContactInfo,
    ContactKind,
    ContactPerson,
    Counterparty,
    InformationSource,
    Partner,
    PartnerShare,
    Tag,
)
from .normalize import normalize_email, normalize_name
from .selectors import contacts_visible, partner_get

PARTNER_AUDITED_FIELDS = ["name", "kind", "manager", "region", "source", "notes", "main_phone", "main_email"]


def _resolve_manager(actor: User, manager_id: int | None) -> User | None:
    """Who leads a new client: the one named (if the actor may assign), else the actor if in sales."""
    if manager_id and manager_id != actor.pk:
        if not actor.has_perm("parties.reassign_partner"):
            raise Forbidden(
                _("Only a head of sales or an administrator may give a client to another manager.")
            )
        manager = User.objects.filter(pk=manager_id, is_active=True).first()
        if manager is None:
            raise ValidationFailed(fields={"manager_id": [_("No such active user.")]})
        return manager
    return actor if has_role(actor, SALES_MANAGER, HEAD_OF_SALES) or manager_id == actor.pk else None


def _check_references(data: PartnerInput) -> None:
    errors = {}
    if data.region_id and not BusinessRegion.objects.filter(pk=data.region_id).exists():
        errors["region_id"] = [_("No such business region.")]
    if data.source_id and not InformationSource.objects.filter(pk=data.source_id).exists():
        errors["source_id"] = [_("No such information source.")]
    if data.tag_ids and Tag.objects.filter(pk__in=data.tag_ids).count() != len(set(data.tag_ids)):
        errors["tag_ids"] = [_("One of the tags does not exist.")]
    if errors:
        raise ValidationFailed(fields=errors)


def partner_check_duplicates(*, actor: User, data: PartnerInput):
    """Clean the input and list its possible duplicates (the first step of the assistant)."""
    partner_input_clean(data)
    inn, phones, emails = data.duplicate_keys()
    return duplicates_find(actor=actor, name=data.name, inn=inn, phones=phones, emails=emails)


@transaction.atomic
def partner_register(
    *,
    actor: User,
    data: PartnerInput,
    confirmed_duplicate_ids: set[int] = frozenset(),
    skip_check: bool = False,
) -> Partner:
    """Register a client. Refused with DuplicatesFound while a possible duplicate is unconfirmed."""
    require_perm(actor, "parties.add_partner")
    if skip_check:
        require_perm(actor, "parties.register_without_check")
    candidates = partner_check_duplicates(actor=actor, data=data)
    confirmed = set(confirmed_duplicate_ids)
    unconfirmed = [c for c in candidates if c.partner_id not in confirmed]
    if unconfirmed and not skip_check:
        raise DuplicatesFound(candidates)
    _check_references(data)
    partner = Partner.objects.create(
        name=data.name,
        name_normalized=normalize_name(data.name),
        kind=data.kind,
        manager=_resolve_manager(actor, data.manager_id),
        region_id=data.region_id,
        source_id=data.source_id,
        notes=data.notes,
        custom=data.custom,
    )
    if data.tag_ids:
        partner.tags.set(data.tag_ids)
    _add_partner_contact_infos(partner, data)
    if data.counterparty is not None:
        _counterparty_create(partner, data.counterparty)
    if data.contact is not None:
        _contact_create(partner, data.contact)
    audit_created(actor=actor, instance=partner, fields=PARTNER_AUDITED_FIELDS)
    # Registration is the first contact: a new client is green from its first day, not at night.
    activity.partner_contacted(partner_ids=[partner.pk], on=timezone.localdate())
    if candidates:
        names = ", ".join(f"#{c.partner_id}" for c in candidates)
        audit_log(
            actor=actor,
            action=AuditAction.OTHER,
            instance=partner,
            comment=str(_("Registered despite possible duplicates: %(names)s")) % {"names": names},
        )
    return partner


def _add_partner_contact_infos(partner: Partner, data: PartnerInput) -> None:
    infos = []
    for i, (raw, e164, extension) in enumerate(data.clean_phones):
        infos.append(
            ContactInfo(
                partner=partner,
                kind=ContactKind.PHONE,
                value=raw,
                normalized=e164,
                is_main=i == 0,
                comment=extension and str(_("ext. %(ext)s")) % {"ext": extension},
            )
        )
    for i, email in enumerate(data.clean_emails):
        infos.append(
            ContactInfo(
                partner=partner, kind=ContactKind.EMAIL, value=email, normalized=email, is_main=i == 0
            )
        )
    if data.website.strip():
        infos.append(
            ContactInfo(
                partner=partner,
                kind=ContactKind.WEBSITE,
                value=data.website.strip(),
                normalized=data.website.strip().lower(),
                is_main=True,
            )
        )
    if data.address.strip():
        infos.append(
            ContactInfo(
                partner=partner,
                kind=ContactKind.ADDRESS,
                value=data.address.strip(),
                normalized=data.address.strip().lower(),
                is_main=True,
            )
        )
    ContactInfo.objects.bulk_create(infos)
    partner.main_phone = data.clean_phones[0][0][:40] if data.clean_phones else ""
    partner.main_email = data.clean_emails[0] if data.clean_emails else ""
    partner.save(update_fields=["main_phone", "main_email"])


def _counterparty_create(partner: Partner, data: CounterpartyInput) -> Counterparty:
    counterparty = Counterparty.objects.create(
        kind=data.kind,
        full_name=data.full_name,
        short_name=data.short_name,
        inn=data.inn,
        kpp=data.kpp,
        ogrn=data.ogrn,
        legal_address=data.legal_address.strip(),
        actual_address=data.actual_address.strip(),
        management_name=data.management_name.strip(),
        management_post=data.management_post.strip(),
    )
    counterparty.partners.add(partner)
    if data.bik and data.bank_account:
        BankAccount.objects.create(
            counterparty=counterparty,
            bik=data.bik,
            account=data.bank_account,
            bank_name=data.bank_name.strip(),
            is_main=True,
        )
    return counterparty


def _contact_create(partner: Partner, data: ContactInput) -> ContactPerson:
    full_name = " ".join(p for p in (data.last_name, data.first_name, data.middle_name) if p)[:300]
    contact = ContactPerson.objects.create(
        last_name=data.last_name,
        first_name=data.first_name,
        middle_name=data.middle_name,
        full_name=full_name,
        position=data.position,
        role=data.role,
        birthday=data.birthday,
    )
    contact.partners.add(partner)
    infos = [
        ContactInfo(contact=contact, kind=ContactKind.PHONE, value=raw, normalized=e164, is_main=True)
        for raw, e164, _ext in data.clean_phones
    ]
    infos += [
        ContactInfo(contact=contact, kind=ContactKind.EMAIL, value=e, normalized=e, is_main=True)
        for e in data.clean_emails
    ]
    ContactInfo.objects.bulk_create(infos)
    return contact


@transaction.atomic
def partner_update(*, actor: User, partner_id: int, data: dict) -> Partner:
    """Change the card's own fields. The lead manager is changed by partner_set_manager."""
    require_perm(actor, "parties.change_partner")
    partner = partner_get(actor=actor, partner_id=partner_id, for_update=True)
    if "name" in data:
        data["name"] = (data["name"] or "").strip()
        if not data["name"]:
            raise ValidationFailed(fields={"name": [_("Enter the client's name.")]})
        data["name_normalized"] = normalize_name(data["name"])
    if "custom" in data:
        errors = FieldErrors()
        data["custom"] = custom_values_clean(data["custom"], errors)
        errors.raise_if_any()
    _check_references(PartnerInput(region_id=data.get("region_id"), source_id=data.get("source_id")))
    model_update(
        actor=actor,
        instance=partner,
        data=data,
        fields=["name", "name_normalized", "kind", "region_id", "source_id", "notes", "custom"],
    )
    return partner


@transaction.atomic
def partner_set_manager(*, actor: User, partner_ids: list[int], manager_id: int | None) -> int:
    """Give clients to another manager (bulk). Returns how many changed."""
    require_perm(actor, "parties.reassign_partner")
    manager = None
    if manager_id is not None:
        manager = User.objects.filter(pk=manager_id, is_active=True).first()
        if manager is None:
            raise ValidationFailed(fields={"manager_id": [_("No such active user.")]})
    changed, from_exchange = 0, []
    for pid in partner_ids:
        partner = partner_get(actor=actor, partner_id=pid, for_update=True)
        if partner.on_exchange and manager is not None:
            from_exchange.append(partner.pk)
        changes = model_update(
            actor=actor,
            instance=partner,
            data={"manager": manager, "on_exchange": False},
            fields=["manager", "on_exchange"],
        )
        changed += bool(changes)
    # Given from the exchange to a manager: recorded like a take, so the new manager starts with a fresh
    # clock (or the nightly job would send the client straight back).
    if manager is not None:
        activity.partners_given(partner_ids=from_exchange, manager_id=manager.pk)
    return changed


@transaction.atomic
def partner_tags_assign(
    *, actor: User, partner_ids: list[int], tag_ids: list[int], remove: bool = False
) -> int:
    """Add (or remove) tags on many clients at once; only clients the actor sees are touched."""
    require_perm(actor, "parties.tag_partner")
    tags = list(Tag.objects.filter(pk__in=tag_ids))
    if len(tags) != len(set(tag_ids)):
        raise ValidationFailed(fields={"tag_ids": [_("One of the tags does not exist.")]})
    partners = [partner_get(actor=actor, partner_id=pid) for pid in partner_ids]
    through = Partner.tags.through
    pairs = {(p.pk, t.pk) for p in partners for t in tags}
    if remove:
        for p in partners:
            through.objects.filter(partner_id=p.pk, tag_id__in=[t.pk for t in tags]).delete()
    else:
        existing = set(
            through.objects.filter(partner_id__in=[p.pk for p in partners]).values_list(
                "partner_id", "tag_id"
            )
        )
        through.objects.bulk_create([through(partner_id=a, tag_id=b) for a, b in pairs - existing])
    names = ", ".join(t.name for t in tags)
    for p in partners:
        change = [None, names] if not remove else [names, None]
        audit_log(actor=actor, action=AuditAction.UPDATE, instance=p, changes={"tags": change})
    return len(partners)


@transaction.atomic
def partner_share(*, actor: User, partner_id: int, user_id: int) -> PartnerShare:
    """Let a colleague see a client. The lead manager, a head or an administrator may share."""
    partner = partner_get(actor=actor, partner_id=partner_id)
    if partner.manager_id != actor.pk and not actor.has_perm("parties.reassign_partner"):
        raise Forbidden(_("Only the lead manager or a head of sales may share this client."))
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise ValidationFailed(fields={"user_id": [_("No such active user.")]})
    share, created = PartnerShare.objects.get_or_create(partner=partner, user=user)
    if created:
        audit_log(
            actor=actor,
            action=AuditAction.UPDATE,
            instance=partner,
            changes={"shared_with": [None, str(user)]},
        )
    return share


@transaction.atomic
def contact_person_add(*, actor: User, partner: Partner, full_name: str) -> ContactPerson:
    """A new contact person of a client the actor sees, known so far only by name (e.g. a letter's sender)."""
    require_perm(actor, "parties.add_contactperson")
    partner = partner_get(actor=actor, partner_id=partner.pk)
    name = " ".join((full_name or "").split())[:300]
    if not name:
        raise ValidationFailed(fields={"full_name": [_("Enter the name.")]})
    contact = ContactPerson.objects.create(full_name=name)
    contact.partners.add(partner)
    audit_created(actor=actor, instance=contact, fields=["full_name"])
    return contact


@transaction.atomic
def contact_email_add(*, actor: User, contact: ContactPerson, email: str, comment: str = "") -> bool:
    """Add an e-mail address to a contact person; False if the person has it already."""
    require_perm(actor, "parties.change_contactperson")
    if not contacts_visible(actor=actor).filter(pk=contact.pk).exists():
        raise NotFound()
    try:
        normalized = normalize_email(email)
    except DjangoValidationError as exc:
        raise ValidationFailed(fields={"email": exc.messages}) from None
    infos = contact.contact_infos.filter(kind=ContactKind.EMAIL)
    if infos.filter(normalized=normalized).exists():
        return False
    is_main = not infos.exists()
    ContactInfo.objects.create(
        contact=contact, kind=ContactKind.EMAIL, value=email.strip(), normalized=normalized, is_main=is_main
    )
    audit_log(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=contact,
        changes={"e-mail": [None, normalized]},
        comment=comment,
    )
    return True
