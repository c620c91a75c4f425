"""Leads: taking one in (web form, API, mailbox), routing it, and what the queue does with it.

A lead is checked (an e-mail or a phone at least), matched to an existing client by the «Client
base» duplicate check (exact INN, phone or e-mail), and routed (deals.routing). When a manager is
found, the client (if new), a contact person and a deal are made for that manager; otherwise the
lead waits in the queue of the head of sales with the match kept.

Whose name the records are made in: the assigned manager's. `partner_register` makes the actor the
new client's lead manager, a deal made by its own manager needs no reassignment right, and both pass
the access checks for what the manager is going to own — while the visitor of a public form has no
user at all. Who actually triggered it (an API user, a head assigning by hand) is the actor of the
lead's own audit entries.
"""

from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from klientura.accounts.access import require_perm
from klientura.accounts.models import User
from klientura.core.audit import audit_created, audit_log
from klientura.core.errors import Conflict, DomainError, ValidationFailed, error_text
from klientura.core.models import AuditAction
from klientura.parties.duplicates import duplicates_find
from klientura.parties.inputs import ContactInput, CounterpartyInput, PartnerInput
from klientura.parties.models import CounterpartyKind, Partner, PartnerKind
from klientura.parties.selectors import partner_contacts, partners_visible
from klientura.parties.services import (
    contact_email_add,
    contact_person_add,
    partner_check_duplicates,
    partner_register,
    partner_set_manager,
    partner_share,
)

from . import selectors, services
from .inputs import DealInput
from .inputs_leads import LeadInput, clean_text, lead_input_clean
from .models_leads import Lead, LeadChannel, LeadForm, LeadStatus
from .routing import Decision, route, sales_user_ids
from .selectors_leads import lead_get

MANAGE_PERM = "deals.manage_leads"


# --- Taking a lead in ------------------------------------------------------------------------------


@transaction.atomic
def lead_submit(
    *, channel: str, data: LeadInput, form: LeadForm | None = None, actor: User | None = None
) -> Lead:
    """Take a lead in and route it. A letter already taken (same Message-ID) gives the existing lead."""
    if channel not in LeadChannel.values:
        raise ValidationFailed(fields={"channel": [_("Unknown channel.")]})
    if data.message_id:
        existing = Lead.objects.filter(message_id=clean_text(data.message_id)[:500]).first()
        if existing is not None:
            return existing
    fields = lead_input_clean(data)
    if form is not None and not fields["source_id"]:
        fields["source_id"] = form.source_id
    lead = Lead.objects.create(channel=channel, form=form, status=LeadStatus.QUEUED, **fields)
    _match_partner(lead)
    audit_created(
        actor=actor, instance=lead, fields=["channel", "form", "person_name", "company", "email", "phone"]
    )
    decision = _route_handing_over(lead)
    if decision.manager is None:
        lead.routing_trace = decision.trace
        lead.save(update_fields=["routing_trace", "updated_at"])
        return lead
    _hand_over(lead, manager=decision.manager, rule=decision.rule, trace=decision.trace, actor=actor)
    return lead


def _match_partner(lead: Lead) -> None:
    """The existing client with the same INN, phone or e-mail (the strongest match), if any."""
    candidates = duplicates_find(
        actor=None,
        inn=lead.inn,
        phones=[lead.phone] if lead.phone else [],
        emails=[lead.email] if lead.email else [],
    )
    if candidates:
        lead.partner = Partner.objects.select_related("manager").get(pk=candidates[0].partner_id)
        lead.partner_matched = True
        lead.save(update_fields=["partner", "partner_matched", "updated_at"])


class _NotHandedOver(Exception):
    """Routing chose a manager the matched client cannot be handed to: undo the choice."""

    def __init__(self, trace):
        self.trace = trace


def _route_handing_over(lead: Lead) -> Decision:
    """Route, and keep the choice only if the manager can be given the matched client (a savepoint
    undoes the round-robin step otherwise, so the queue does not cost a manager their turn)."""
    try:
        with transaction.atomic():
            decision = route(lead)
            if decision.manager is not None and not _client_reachable(lead.partner, decision.manager):
                raise _NotHandedOver(decision.trace)
            return decision
    except _NotHandedOver as undone:
        fact = {"fact": "client_not_accessible", "partner": lead.partner.name}
        return Decision(manager=None, rule=None, trace=[*undone.trace, fact])


def _client_reachable(partner: Partner | None, manager: User) -> bool:
    """The manager sees the client already, or its active lead manager can share it with them."""
    if partner is None or partners_visible(actor=manager).filter(pk=partner.pk).exists():
        return True
    return partner.manager is not None and partner.manager.is_active


# --- Handing a lead to a manager -------------------------------------------------------------------


def _hand_over(lead: Lead, *, manager: User, rule, trace: list, actor, by_hand: bool = False) -> None:
    partner = lead.partner or _register_partner(lead, manager)
    if lead.partner_matched:
        _give_access(partner, manager, actor=actor if by_hand else None)
    contact = _contact_for(lead, partner, manager)
    deal = _deal_for(lead, partner, contact, manager, trace)
    lead.partner, lead.contact, lead.deal = partner, contact, deal
    lead.status, lead.assigned_to, lead.assigned_at = LeadStatus.ASSIGNED, manager, timezone.now()
    lead.rule, lead.routing_trace = rule, trace
    lead.save()
    audit_log(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=lead,
        changes={
            "assigned_to": [None, str(manager)],
            "status": [str(LeadStatus.QUEUED.label), str(LeadStatus.ASSIGNED.label)],
        },
        comment=rule.name if rule else "",
    )


def _partner_input(lead: Lead) -> PartnerInput:
    name = lead.company or lead.person_name or lead.email or lead.phone
    phones, emails = [lead.phone] if lead.phone else [], [lead.email] if lead.email else []
    contact = None
    if lead.person_name:
        # The person's address and phone belong to the person; the client gets them through them.
        contact = ContactInput(first_name=lead.person_name, phone=lead.phone, email=lead.email)
        phones, emails = [], []
    counterparty = None
    if lead.inn:
        kind = CounterpartyKind.LEGAL if len(lead.inn) == 10 else CounterpartyKind.ENTREPRENEUR
        counterparty = CounterpartyInput(kind=kind, short_name=name, full_name=name, inn=lead.inn)
    return PartnerInput(
        name=name,
        kind=PartnerKind.PROSPECT,
        region_id=lead.region_id,
        source_id=lead.source_id,
        phones=phones,
        emails=emails,
        counterparty=counterparty,
        contact=contact,
    )


def _register_partner(lead: Lead, manager: User) -> Partner:
    # Similar names are not the same client (exact INN, phone and e-mail found none): register anyway;
    # partner_register records the similar ones on the new client for a head to merge if need be.
    data = _partner_input(lead)
    similar = {c.partner_id for c in partner_check_duplicates(actor=manager, data=data)}
    return partner_register(actor=manager, data=data, confirmed_duplicate_ids=similar)


def _give_access(partner: Partner, manager: User, *, actor) -> None:
    """Let the manager open the matched client: shared by its lead manager (automatically) or by the
    head assigning by hand; a client with no lead manager is given to the manager by the head."""
    if partners_visible(actor=manager).filter(pk=partner.pk).exists():
        return
    try:
        if actor is not None and partner.manager is None:
            partner_set_manager(actor=actor, partner_ids=[partner.pk], manager_id=manager.pk)
        else:
            partner_share(actor=actor or partner.manager, partner_id=partner.pk, user_id=manager.pk)
    except DomainError:
        raise ValidationFailed(
            fields={
                "manager_id": [
                    _(
                        "You cannot hand the client %(partner)s to %(manager)s: ask its lead manager or an administrator."
                    )
                    % {"partner": partner.name, "manager": manager}
                ]
            }
        ) from None


def _known_contact(lead: Lead, partner: Partner):
    """The client's contact person with the lead's e-mail; or with its phone, unless the lead names
    someone else (an office phone is shared by many people)."""
    contacts = partner_contacts(partner=partner)
    if lead.email:
        known = contacts.filter(contact_infos__normalized=lead.email).first()
        if known is not None:
            return known
    if lead.phone:
        known = contacts.filter(contact_infos__normalized=lead.phone).first()
        if known is not None and (
            not lead.person_name or known.full_name.casefold() == lead.person_name.casefold()
        ):
            return known
    return None


def _contact_for(lead: Lead, partner: Partner, manager: User):
    """The client's known contact person, else a new one (a new client has its own from registering)."""
    if not lead.partner_matched:
        return partner_contacts(partner=partner).first()
    known = _known_contact(lead, partner)
    if known is not None:
        return known
    if not lead.person_name and not lead.email:
        return None
    contact = contact_person_add(actor=manager, partner=partner, full_name=lead.person_name or lead.email)
    if lead.email:
        contact_email_add(actor=manager, contact=contact, email=lead.email, comment=gettext("From a lead"))
    return contact


def _origin(lead: Lead) -> str:
    return lead.form.name if lead.form_id else str(LeadChannel(lead.channel).label)


def _deal_text(lead: Lead) -> tuple[str, str]:
    """The deal's title and description, in the company's language (they are data, not interface)."""
    with translation.override(settings.LANGUAGE_CODE):
        who = lead.company or lead.person_name or lead.email or lead.phone
        title = gettext("%(origin)s: %(who)s") % {"origin": _origin(lead), "who": who}
        lines = [lead.message] if lead.message else []
        facts = [
            (gettext("Name"), lead.person_name),
            (gettext("Company"), lead.company),
            (gettext("E-mail"), lead.email),
            (gettext("Phone"), lead.phone),
            (gettext("Page"), lead.page_url),
        ]
        lines += [f"{label}: {value}" for label, value in facts if value]
    return title[:300], "\n".join(lines)


def _deal_for(lead: Lead, partner: Partner, contact, manager: User, trace: list):
    kind = lead.form.kind if lead.form_id and lead.form.kind_id and lead.form.kind.is_active else None
    kind = kind or selectors.default_kind()
    if kind is None:
        trace.append({"fact": "no_deal_kind"})
        return None
    title, description = _deal_text(lead)
    data = DealInput(
        partner_id=partner.pk,
        title=title,
        kind_id=kind.pk,
        manager_id=manager.pk,
        contact_id=contact.pk if contact else None,
        amount=lead.amount or Decimal("0"),
        source_id=lead.source_id,
        description=description,
    )
    try:
        with transaction.atomic():  # a savepoint: a refused deal must not take the lead down with it
            return services.deal_create(actor=manager, data=data)
    except DomainError as exc:
        # E.g. the kind's first stage has entry conditions a brand-new deal cannot meet: the lead is
        # still the manager's, who makes the deal by hand; the reason is kept for the card.
        trace.append({"fact": "deal_refused", "reason": error_text(exc)})
        return None


# --- The queue ---------------------------------------------------------------------------------------


def _queued_lead(actor: User, lead_id) -> Lead:
    lead = lead_get(actor=actor, lead_id=lead_id, for_update=True)
    if lead.status != LeadStatus.QUEUED:
        raise Conflict(
            _("This lead is no longer in the queue: it is %(status)s.")
            % {"status": lead.get_status_display().lower()}
        )
    return lead


@transaction.atomic
def lead_assign(*, actor: User, lead_id: int, manager_id: int) -> Lead:
    """A head of sales gives a queued lead to a manager by hand."""
    require_perm(actor, MANAGE_PERM)
    lead = _queued_lead(actor, lead_id)
    try:
        manager_pk = int(manager_id)
    except (TypeError, ValueError):
        manager_pk = 0
    manager = (
        User.objects.filter(pk=manager_pk).first() if manager_pk in sales_user_ids([manager_pk]) else None
    )
    if manager is None:
        raise ValidationFailed(fields={"manager_id": [_("Choose an active sales manager.")]})
    trace = [
        *lead.routing_trace,
        {"fact": "by_hand", "by": str(actor), "manager": str(manager), "manager_id": manager.pk},
    ]
    _hand_over(lead, manager=manager, rule=None, trace=trace, actor=actor, by_hand=True)
    return lead


@transaction.atomic
def lead_reject(*, actor: User, lead_id: int, reason: str) -> Lead:
    """Take a queued lead out as spam or not a sale; the reason is required and kept."""
    require_perm(actor, MANAGE_PERM)
    lead = _queued_lead(actor, lead_id)
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationFailed(fields={"reason": [_("Say why the lead is rejected, e.g. “spam”.")]})
    if len(reason) > 300:
        raise ValidationFailed(
            fields={"reason": [_("Too long: %(limit)s characters at most.") % {"limit": 300}]}
        )
    lead.status = LeadStatus.REJECTED
    lead.routing_trace = [*lead.routing_trace, {"fact": "rejected", "by": str(actor), "reason": reason}]
    lead.save(update_fields=["status", "routing_trace", "updated_at"])
    audit_log(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=lead,
        changes={"status": [str(LeadStatus.QUEUED.label), str(LeadStatus.REJECTED.label)]},
        comment=reason,
    )
    return lead
