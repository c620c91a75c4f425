"""Warnings to managers about partners about to turn red or to go to the exchange: recorded once per
partner, kind and due day, one in-app notification per manager per night, one e-mail digest that a
second run (or a retry) never sends again."""

import datetime
import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import translation

from klientura.interactions.models import Notification
from klientura.parties.models import Zone
from klientura.segments.models import ZoneSettings, ZoneWarning
from klientura.segments.services_zones import zone_warnings_send, zones_recompute
from klientura.segments.tasks_zones import zones_nightly
from klientura.segments.zone_rules import local_today

from .zone_facts import TODAY, done_event, moscow, partner_with

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def sliding(departments):
    """On Aug 31: one partner turns red on Sep 3, one goes to the exchange on Sep 6, one is far off."""
    north_a = departments.north_a
    partners = {
        "to_red": partner_with(manager=north_a, name="Альфа"),
        "to_exchange": partner_with(manager=north_a, name="Бета"),
        "calm": partner_with(manager=north_a, name="Гамма"),
        "south": partner_with(manager=departments.south_a, name="Дельта"),
    }
    for key, day in (("to_red", D(2026, 4, 3)), ("to_exchange", D(2026, 3, 5)), ("calm", D(2026, 6, 15))):
        done_event(partners[key], moscow(day))
    done_event(partners["south"], moscow(D(2026, 4, 5)))  # red on Sep 5
    zones_recompute(today=TODAY)
    return partners


def test_warnings_are_recorded_with_their_due_day(sliding, departments):
    assert zone_warnings_send(today=TODAY) == 3
    rows = set(ZoneWarning.objects.values_list("partner_id", "manager_id", "kind", "due_on"))
    assert rows == {
        (sliding["to_red"].pk, departments.north_a.pk, "red", D(2026, 9, 3)),
        (sliding["to_exchange"].pk, departments.north_a.pk, "exchange", D(2026, 9, 6)),
        (sliding["south"].pk, departments.south_a.pk, "red", D(2026, 9, 5)),
    }


def test_one_notification_per_manager_summarising(sliding, departments):
    departments.north_a.language = "en"
    departments.north_a.save(update_fields=["language"])
    zone_warnings_send(today=TODAY)
    note = Notification.objects.get(user=departments.north_a)
    assert (
        note.title == "1 client will turn red within 7 days; 1 client will go to the exchange within 7 days"
    )
    assert note.url == f"/clients/?manager={departments.north_a.pk}"
    south = Notification.objects.get(user=departments.south_a)
    assert south.url == f"/clients/?manager={departments.south_a.pk}&zone=yellow"


def test_never_warned_twice(sliding, departments):
    zone_warnings_send(today=TODAY)
    assert zone_warnings_send(today=TODAY) == 0
    assert zone_warnings_send(today=TODAY + datetime.timedelta(days=1)) == 0  # same partners, same days
    assert ZoneWarning.objects.count() == 3
    assert Notification.objects.count() == 2
    assert len(mail.outbox) == 2


def test_a_contact_after_the_warning_means_a_new_due_day_later(sliding, departments):
    zone_warnings_send(today=TODAY)
    done_event(sliding["to_red"], moscow(D(2026, 4, 6)))  # a call recorded late, dated in April
    zones_recompute(today=TODAY)
    assert zone_warnings_send(today=TODAY + datetime.timedelta(days=1)) == 1
    assert set(ZoneWarning.objects.filter(partner=sliding["to_red"]).values_list("due_on", flat=True)) == {
        D(2026, 9, 3),
        D(2026, 9, 6),
    }


def test_the_digest_is_mailed_once_listing_the_partners(sliding, departments):
    departments.north_a.language = "en"
    departments.north_a.save(update_fields=["language"])
    zone_warnings_send(today=TODAY)
    zone_warnings_send(today=TODAY)

    digests = [m for m in mail.outbox if m.to == [departments.north_a.email]]
    assert len(digests) == 1
    letter = digests[0]
    assert letter.subject == "Klientura: 2 clients need your attention"
    assert "Альфа will turn red on 09/03/2026 · last contact 04/03/2026" in letter.body
    assert "Бета will go to the exchange on 09/06/2026" in letter.body
    assert "Гамма" not in letter.body
    assert not ZoneWarning.objects.filter(manager=departments.north_a, emailed_at__isnull=True).exists()


def test_no_digest_for_a_manager_without_an_address(sliding, departments):
    departments.south_a.email = ""
    departments.south_a.save(update_fields=["email"])
    zone_warnings_send(today=TODAY)
    assert [m.to for m in mail.outbox] == [[departments.north_a.email]]
    assert Notification.objects.filter(user=departments.south_a).count() == 1  # in-app all the same


class RefusingBackend(BaseEmailBackend):
    def send_messages(self, messages):
        raise smtplib.SMTPConnectError(421, "try later")


def test_a_refused_digest_is_sent_at_the_next_run(sliding, departments, settings):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    zone_warnings_send(today=TODAY)
    assert ZoneWarning.objects.filter(emailed_at__isnull=False).count() == 0
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    zone_warnings_send(today=TODAY)
    assert len(mail.outbox) == 2
    assert Notification.objects.count() == 2  # the in-app notification was not repeated


def test_no_warnings_when_switched_off(sliding, departments):
    ZoneSettings.objects.update(warn_days=0)
    assert zone_warnings_send(today=TODAY) == 0
    assert not Notification.objects.exists() and not mail.outbox


def test_partners_on_the_exchange_or_already_red_are_not_warned_about_red(departments):
    red = partner_with(manager=departments.north_a)
    done_event(red, moscow(D(2026, 2, 28)))  # exactly six months: still red today, exchange on Sep 1
    gone = partner_with(manager=None, on_exchange=True, zone=Zone.EXCHANGE)
    done_event(gone, moscow(D(2026, 4, 3)))
    zones_recompute(today=TODAY)
    zone_warnings_send(today=TODAY)
    assert set(ZoneWarning.objects.values_list("partner_id", "kind", "due_on")) == {
        (red.pk, "exchange", D(2026, 9, 1))
    }


def test_the_nightly_task_recomputes_then_warns(departments):
    partner = partner_with(manager=departments.north_a)
    done_event(partner, moscow(local_today() - datetime.timedelta(days=152)))  # yellow, red within days
    with translation.override("en"):
        counts = zones_nightly.delay().get()
    assert counts["warnings"] >= 1
    partner.refresh_from_db()
    assert partner.zone == Zone.YELLOW
    assert ZoneWarning.objects.filter(partner=partner, kind="red").exists()
    assert zones_nightly.delay().get()["warnings"] == 0
