"""Leads from the sales mailbox, against a real Dovecot: a letter becomes a routed lead once, the
mailbox is left as it was, a letter without a usable sender is passed over, and the Celery task."""

import pytest
from django.utils import translation

from klientura.interactions.mail_in import mailbox_config
from klientura.interactions.models_mail import MailboxState
from klientura.interactions.tests import imap_server as imap
from klientura.interactions.tests.factories import client_with_contact
from klientura.interactions.tests.mail_letters import letter

from ..lead_mail import lead_mailbox_fetch
from ..models_leads import Lead, LeadChannel, LeadStatus
from ..tasks import lead_mail_fetch
from .factories_leads import default_kind, rule

imap_server = imap.imap_server

pytestmark = pytest.mark.django_db


@pytest.fixture
def sales_box(imap_server, settings, departments):
    default_kind()
    rule([departments.north_a, departments.north_b], name="Почта")
    folder = imap_server.new_folder()
    settings.LEADS_IMAP_URL = folder.url
    settings.IMAP_URL = ""
    return folder


def _state(folder) -> MailboxState:
    return MailboxState.objects.get(key=mailbox_config(folder.url).key)


def test_a_letter_becomes_a_routed_lead_and_the_mailbox_is_untouched(sales_box, departments):
    sales_box.append(
        letter(
            sender="Анна Смирнова <Anna@Berezka.test>",
            subject="Кровати оптом",
            body="Нужно 20 штук.",
            message_id="<lead-1@berezka.test>",
        )
    )

    result = lead_mailbox_fetch(sales_box.url)

    assert (result.stored, result.duplicates, result.failed, result.error) == (1, 0, 0, "")
    lead = Lead.objects.get()
    assert (lead.channel, lead.email, lead.person_name, lead.message_id) == (
        LeadChannel.EMAIL,
        "anna@berezka.test",
        "Анна Смирнова",
        "<lead-1@berezka.test>",
    )
    assert lead.message == "Кровати оптом\n\nНужно 20 штук."
    assert (lead.status, lead.rule.name) == (LeadStatus.ASSIGNED, "Почта")
    assert lead.deal.manager == lead.assigned_to
    assert _state(sales_box).last_uid == 1
    [flags] = sales_box.flags()
    assert b"\\Seen" not in flags and b"\\Deleted" not in flags


def test_fetching_again_or_a_renumbered_folder_makes_no_second_lead(sales_box):
    sales_box.append(letter(message_id="<lead-2@berezka.test>"))
    lead_mailbox_fetch(sales_box.url)

    again = lead_mailbox_fetch(sales_box.url)
    sales_box.recreate()
    sales_box.append(letter(message_id="<lead-2@berezka.test>"))
    renumbered = lead_mailbox_fetch(sales_box.url)

    assert (again.stored, renumbered.stored, renumbered.duplicates) == (0, 0, 1)
    assert Lead.objects.count() == 1


def test_a_letter_from_a_known_client_goes_to_its_manager(sales_box, departments):
    partner, contact = client_with_contact(manager=departments.south_a, email="ivanov@romashka.test")
    sales_box.append(letter(sender="Иванов Иван <ivanov@romashka.test>"))

    lead_mailbox_fetch(sales_box.url)

    lead = Lead.objects.get()
    assert (lead.partner, lead.contact, lead.assigned_to) == (partner, contact, departments.south_a)


def test_a_letter_without_a_usable_sender_is_passed_over_and_the_next_is_taken(sales_box):
    sales_box.append(letter(sender="undisclosed-recipients:;", message_id="<nobody@x.test>"))
    sales_box.append(letter(sender="ok@berezka.test", message_id="<ok@x.test>"))

    result = lead_mailbox_fetch(sales_box.url)

    assert (result.stored, result.failed) == (1, 0)
    assert list(Lead.objects.values_list("email", flat=True)) == ["ok@berezka.test"]
    assert _state(sales_box).last_uid == 2


def test_a_server_that_is_down_is_recorded_not_raised(sales_box, settings):
    url = sales_box.url.replace(str(sales_box.server.port), str(imap.free_port()))

    with translation.override("en"):
        result = lead_mailbox_fetch(url)

    assert result.error.startswith("Cannot connect to the mail server")
    assert MailboxState.objects.get(key=mailbox_config(url).key).last_error == result.error
    assert Lead.objects.count() == 0


def test_the_periodic_task_reads_the_configured_mailbox(sales_box):
    sales_box.append(letter(message_id="<task@x.test>"))

    lead_mail_fetch.delay()

    assert Lead.objects.get().message_id == "<task@x.test>"


def test_the_events_mailbox_is_not_read_for_leads(sales_box, settings):
    settings.IMAP_URL = sales_box.url
    sales_box.append(letter(message_id="<shared@x.test>"))

    lead_mail_fetch.delay()

    assert Lead.objects.count() == 0
    assert not MailboxState.objects.exists()


def test_without_a_configured_mailbox_the_task_does_nothing(settings):
    settings.LEADS_IMAP_URL = ""

    lead_mail_fetch.delay()

    assert Lead.objects.count() == 0
