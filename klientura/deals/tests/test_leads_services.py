"""Taking leads in: checks (bad input changes nothing), the client, contact and deal made for the
manager, the deal kind of the form, the queue (assign by hand, reject), lead forms."""

from decimal import Decimal

import pytest
from django.utils import translation

from klientura.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from klientura.core.models import AuditEntry
from klientura.interactions.tests.factories import client_with_contact
from klientura.parties.models import ContactPerson, InformationSource, Partner, PartnerKind

from ..inputs_leads import LeadFormInput, LeadInput
from ..models import Deal, DealKindMode, DealStageChange
from ..models_leads import Lead, LeadChannel, LeadForm, LeadStatus
from ..routing_words import trace_lines
from ..services_leads import lead_assign, lead_reject, lead_submit
from ..services_routing import lead_form_save, routing_rule_delete, routing_rules_reorder
from .factories import STAGES_WITH_CONDITIONS, kind_manual, kind_strict
from .factories_leads import default_kind, lead_admin, lead_form, rule, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(departments):
    departments.kind = default_kind()
    departments.admin = lead_admin()
    return departments


def _nothing_saved():
    assert (Lead.objects.count(), Partner.objects.count(), Deal.objects.count()) == (0, 0, 0)


# --- bad input ---------------------------------------------------------------------------------------


def test_a_lead_without_any_contact_data_is_refused_and_nothing_is_saved(team):
    rule([team.north_a])

    with translation.override("en"), pytest.raises(ValidationFailed) as refused:
        lead_submit(
            channel=LeadChannel.API,
            data=LeadInput(person_name="Иван", company="ООО Ромашка", message="Позвоните"),
        )

    assert refused.value.fields["email"] == ["Give an e-mail or a phone, so that we can answer."]
    assert refused.value.fields["phone"] == ["Give an e-mail or a phone, so that we can answer."]
    _nothing_saved()


@pytest.mark.parametrize(
    ("fields", "field", "expected"),
    [
        ({"email": "not-an-address"}, "email", "Enter a valid e-mail address"),
        ({"phone": "12"}, "phone", "Enter a valid phone number"),
        ({"phone": "+7 916 123-45-67", "inn": "1234567890"}, "inn", ""),
        ({"phone": "+7 916 123-45-67", "person_name": "Я" * 101}, "person_name", "Too long"),
        ({"phone": "+7 916 123-45-67", "message": "м" * 10_001}, "message", "Too long"),
        ({"phone": "+7 916 123-45-67", "amount": "-5"}, "amount", "Enter an amount"),
        ({"phone": "+7 916 123-45-67", "amount": "NaN"}, "amount", "Enter an amount"),
        ({"phone": "+7 916 123-45-67", "region_id": 987654}, "region_id", "No such record."),
        ({"phone": "+7 916 123-45-67", "custom": {"bad key!": "x"}}, "custom", "is not a valid name"),
        ({"phone": "+7 916 123-45-67", "custom": {"size": ["S", "M"]}}, "custom.size", "A short text"),
    ],
)
def test_bad_fields_are_named_and_nothing_is_saved(team, fields, field, expected):
    rule([team.north_a])

    with translation.override("en"), pytest.raises(ValidationFailed) as refused:
        lead_submit(channel=LeadChannel.API, data=LeadInput(**fields))

    assert expected in " ".join(refused.value.fields[field])
    _nothing_saved()


def test_control_characters_are_dropped_not_stored(team):
    lead = submit(person_name="Иван\x00 Петров\x07", message="Строка 1\nСтрока\x00 2")

    assert (lead.person_name, lead.message) == ("Иван Петров", "Строка 1\nСтрока 2")


# --- a lead routed to a manager ---------------------------------------------------------------------------


def test_a_new_clients_lead_makes_the_client_its_contact_and_a_deal_for_the_manager(team):
    source = InformationSource.objects.create(name="Сайт")
    rule([team.north_a])

    lead = submit(
        person_name="Анна Смирнова",
        company="ООО «Берёзка»",
        email="Anna@Berezka.test",
        phone="8 916 555-12-34",
        inn="7707083893",
        message="Нужны 20 кроватей",
        amount="250000",
        source_id=source.pk,
        actor=team.admin,
    )

    lead.refresh_from_db()
    assert (lead.status, lead.assigned_to, lead.email, lead.phone) == (
        LeadStatus.ASSIGNED,
        team.north_a,
        "anna@berezka.test",
        "+79165551234",
    )
    partner = lead.partner
    assert (partner.name, partner.kind, partner.manager, partner.source) == (
        "ООО «Берёзка»",
        PartnerKind.PROSPECT,
        team.north_a,
        source,
    )
    assert lead.partner_matched is False
    assert partner.counterparties.get().inn == "7707083893"
    assert (lead.contact.full_name, list(lead.contact.partners.all())) == ("Анна Смирнова", [partner])
    assert sorted(lead.contact.contact_infos.values_list("normalized", flat=True)) == [
        "+79165551234",
        "anna@berezka.test",
    ]
    deal = lead.deal
    assert (deal.partner, deal.manager, deal.kind, deal.contact, deal.amount, deal.source) == (
        partner,
        team.north_a,
        team.kind,
        lead.contact,
        Decimal("250000.00"),
        source,
    )
    assert deal.title == "API: ООО «Берёзка»"
    assert "Нужны 20 кроватей" in deal.description
    assert DealStageChange.objects.filter(deal=deal).count() == 1
    assert AuditEntry.objects.filter(object_id=str(lead.pk), actor=team.admin).count() == 2


def test_a_private_persons_lead_becomes_a_client_named_after_them(team):
    rule([team.north_a])

    lead = submit(person_name="", company="", email="solo@example.test", phone="")

    assert lead.partner.name == "solo@example.test"
    assert lead.partner.main_email == "solo@example.test"
    assert lead.contact is None
    assert lead.deal.contact is None


def test_similar_names_are_not_the_same_client_but_are_noted(team):
    Partner.objects.create(name="ООО Ромашка", name_normalized="ромашка", manager=team.south_a)
    rule([team.north_a])

    lead = submit(company="Ромашка", email="new@romashka2.test")

    assert lead.partner_matched is False
    assert lead.partner.manager == team.north_a
    assert AuditEntry.objects.filter(object_id=str(lead.partner.pk), comment__contains="#").exists()


def test_a_repeat_lead_from_a_known_contact_adds_a_deal_not_a_client(team):
    partner, contact = client_with_contact(manager=team.north_b, email="ivanov@romashka.test")

    lead = submit(person_name="Иванов Иван", email="ivanov@romashka.test", phone="")

    assert (lead.partner, lead.contact, lead.assigned_to) == (partner, contact, team.north_b)
    assert Partner.objects.count() == 1
    assert ContactPerson.objects.count() == 1
    assert partner.deals.count() == 1


def test_a_new_person_of_a_known_client_becomes_its_new_contact(team):
    partner, _contact = client_with_contact(manager=team.north_b, phone="+7 495 123-45-67", email="")

    lead = submit(person_name="Ольга Новая", phone="+7 495 123 45 67", email="olga@romashka.test")

    assert lead.partner == partner
    assert lead.contact.full_name == "Ольга Новая"
    assert list(lead.contact.contact_infos.values_list("normalized", flat=True)) == ["olga@romashka.test"]
    assert partner.contacts.count() == 2


def test_the_forms_deal_kind_is_used_and_its_source_fills_the_lead(team):
    manual = kind_manual(name="Оптовая продажа")
    source = InformationSource.objects.create(name="Сайт")
    form = lead_form(name="Опт", kind_id=manual.pk, source_id=source.pk, actor=team.admin)
    rule([team.north_a])

    lead = submit(channel=LeadChannel.WEB_FORM, form=form, company="ООО Опт")

    assert (lead.deal.kind, lead.source, lead.deal.source) == (manual, source, source)
    assert lead.deal.title == "Опт: ООО Опт"


def test_without_a_default_kind_the_lead_is_assigned_and_the_card_says_why_there_is_no_deal(team):
    team.kind.is_default = False
    team.kind.save()
    rule([team.north_a])

    lead = submit()

    assert (lead.status, lead.assigned_to, lead.deal) == (LeadStatus.ASSIGNED, team.north_a, None)
    assert lead.partner is not None
    assert lead.routing_trace[-1] == {"fact": "no_deal_kind"}


def test_a_kind_whose_first_stage_cannot_be_entered_keeps_the_lead_and_says_why(team):
    team.kind.is_default = False
    team.kind.save()
    strict = kind_strict(stages=(("Offer", 60, ["has_quote"]), *STAGES_WITH_CONDITIONS[1:]), is_default=True)
    assert strict.mode == DealKindMode.STRICT
    rule([team.north_a])

    lead = submit()

    assert (lead.status, lead.deal) == (LeadStatus.ASSIGNED, None)
    assert lead.routing_trace[-1]["fact"] == "deal_refused"
    assert Deal.objects.count() == 0


def test_the_same_letter_makes_one_lead(team):
    first = submit(channel=LeadChannel.EMAIL, email="a@b.test", message_id="<m1@b.test>")
    second = submit(channel=LeadChannel.EMAIL, email="a@b.test", message_id="<m1@b.test>")

    assert first.pk == second.pk
    assert Lead.objects.count() == 1


# --- the queue --------------------------------------------------------------------------------------------


def test_a_head_assigns_a_queued_lead_by_hand_and_the_trace_says_so(team):
    lead = submit(company="ООО Очередь")
    assert lead.status == LeadStatus.QUEUED

    lead_assign(actor=team.north_head, lead_id=lead.pk, manager_id=team.north_b.pk)

    lead.refresh_from_db()
    assert (lead.status, lead.assigned_to, lead.rule) == (LeadStatus.ASSIGNED, team.north_b, None)
    assert (lead.partner.manager, lead.deal.manager) == (team.north_b, team.north_b)
    with translation.override("en"):
        assert (
            trace_lines(lead.routing_trace)[-1]["text"]
            == f"Assigned by hand by {team.north_head} to {team.north_b}"
        )
    assert AuditEntry.objects.filter(object_id=str(lead.pk), actor=team.north_head).exists()


def test_assigning_by_hand_gives_a_matched_client_without_manager_to_the_chosen_one(team):
    partner, _contact = client_with_contact(manager=None, email="orphan@romashka.test")
    rule([team.north_a])
    lead = submit(email="orphan@romashka.test")
    assert lead.status == LeadStatus.QUEUED

    lead_assign(actor=team.admin, lead_id=lead.pk, manager_id=team.north_a.pk)

    partner.refresh_from_db()
    assert partner.manager == team.north_a
    assert Lead.objects.get().deal.partner == partner


@pytest.mark.parametrize("who", ["north_a", "director", "nobody"])
def test_only_those_who_handle_leads_may_assign_or_reject(team, who):
    lead = submit()

    with pytest.raises((Forbidden, NotFound)):
        lead_assign(actor=getattr(team, who), lead_id=lead.pk, manager_id=team.north_a.pk)
    with pytest.raises((Forbidden, NotFound)):
        lead_reject(actor=getattr(team, who), lead_id=lead.pk, reason="спам")

    lead.refresh_from_db()
    assert (lead.status, lead.assigned_to, Deal.objects.count()) == (LeadStatus.QUEUED, None, 0)


def test_a_lead_cannot_go_to_someone_outside_sales(team):
    lead = submit()

    with translation.override("en"), pytest.raises(ValidationFailed) as refused:
        lead_assign(actor=team.admin, lead_id=lead.pk, manager_id=team.director.pk)

    assert refused.value.fields["manager_id"] == ["Choose an active sales manager."]
    assert Lead.objects.get().status == LeadStatus.QUEUED
    assert Partner.objects.count() == 0


def test_a_rejected_lead_keeps_the_reason_and_leaves_the_queue(team):
    lead = submit()

    with pytest.raises(ValidationFailed):
        lead_reject(actor=team.admin, lead_id=lead.pk, reason="  ")
    lead_reject(actor=team.admin, lead_id=lead.pk, reason="Спам")

    lead.refresh_from_db()
    assert lead.status == LeadStatus.REJECTED
    assert lead.routing_trace[-1] == {"fact": "rejected", "by": str(team.admin), "reason": "Спам"}
    with pytest.raises(Conflict):
        lead_assign(actor=team.admin, lead_id=lead.pk, manager_id=team.north_a.pk)
    assert Partner.objects.count() == 0


# --- rules and forms ------------------------------------------------------------------------------------------


def test_rules_are_reordered_as_a_whole_and_a_stale_list_is_refused(team):
    first, second, third = (rule([team.north_a], name=n) for n in ("A", "B", "C"))

    routing_rules_reorder(actor=team.admin, rule_ids=[third.pk, first.pk, second.pk])
    with pytest.raises(ValidationFailed):
        routing_rules_reorder(actor=team.admin, rule_ids=[first.pk, second.pk])
    routing_rule_delete(actor=team.admin, rule_id=second.pk)

    from ..models_leads import RoutingRule

    assert list(RoutingRule.objects.values_list("name", flat=True)) == ["C", "A"]


def test_rules_and_forms_are_for_those_who_handle_leads(team):
    with pytest.raises(Forbidden):
        rule([team.north_a], actor=team.north_a)
    with pytest.raises(Forbidden):
        lead_form(actor=team.north_a)


def test_a_form_gets_an_unguessable_key_and_only_sites_as_frame_ancestors(team):
    form = lead_form(actor=team.admin, allowed_origins=["https://Shop.example.ru/", "https://*.example.ru"])

    assert len(form.key) >= 20
    assert form.allowed_origins == ["https://shop.example.ru", "https://*.example.ru"]
    for bad in (["https://example.ru/path"], ["https://a.ru; script-src *"], ["javascript:alert(1)"], ["*"]):
        with pytest.raises(ValidationFailed):
            lead_form_save(
                actor=team.admin, form_id=form.pk, data=LeadFormInput(name="X", allowed_origins=bad)
            )
    form.refresh_from_db()
    assert form.name == "Сайт: обратная связь"
    assert LeadForm.objects.count() == 1
