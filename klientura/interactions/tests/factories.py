"""Test data for interactions: clients with contact persons, and events made through the service."""

import datetime

from django.utils import timezone

from klientura.parties.models import ContactInfo, ContactKind, ContactPerson
from klientura.parties.normalize import normalize_email, normalize_phone
from klientura.parties.tests.factories import PartnerFactory

from ..inputs import EventInput, ParticipantInput, ReminderInput, SubjectRef
from ..services import event_create

__all__ = ["EventInput", "ParticipantInput", "ReminderInput", "SubjectRef", "client_with_contact", "plan_call"]


def client_with_contact(*, manager, name="ООО «Ромашка»", person="Иванов Иван", email="ivanov@romashka.test",
                        phone="+7 495 123-45-67"):
    """A partner led by `manager` with one contact person who has an e-mail and a phone."""
    partner = PartnerFactory(name=name, manager=manager, main_email=email)
    last, first = ([*person.split(), ""])[:2]
    contact = ContactPerson.objects.create(last_name=last, first_name=first, full_name=person)
    contact.partners.add(partner)
    if email:
        ContactInfo.objects.create(contact=contact, kind=ContactKind.EMAIL, value=email, normalized=normalize_email(email))
    if phone:
        ContactInfo.objects.create(contact=contact, kind=ContactKind.PHONE, value=phone, normalized=normalize_phone(phone))
    return partner, contact


def plan_call(*, actor, partner, contact=None, start_in=datetime.timedelta(hours=2), **overrides):
    """A planned outgoing call an hour long, `start_in` from now, made through event_create."""
    start = timezone.now().replace(microsecond=0) + start_in
    values = {
        "kind": "call",
        "title": "Позвонить по поводу заказа",
        "partner_id": partner.pk,
        "contact_id": contact.pk if contact else None,
        "start_at": start,
        "end_at": start + datetime.timedelta(hours=1),
    }
    values.update(overrides)
    return event_create(actor=actor, data=EventInput(**values))
