"""The demo data generator: its users, the validity of its data, and that it can run twice."""

import io
import re

import pytest
from django.core.management import call_command
from django.db import connection

from klientura.accounts import roles
from klientura.accounts.models import Department, User
from klientura.core.models import AuditEntry
from klientura.deals.models import Deal
from klientura.parties import identifiers
from klientura.parties.models import (
    BankAccount,
    BusinessRegion,
    ContactInfo,
    ContactKind,
    ContactPerson,
    Counterparty,
    CounterpartyKind,
    CustomField,
    InformationSource,
    Partner,
    Tag,
)
from klientura.parties.normalize import normalize_name, normalize_phone
from klientura.web.seeding import bulkload
from klientura.web.seeding.events import events_delete
from klientura.web.seeding.run import demo_seed
from klientura.web.seeding.sales import sales_documents_delete
from klientura.web.seeding.staff import DEFAULT_PASSWORD, MOSCOW, REGIONS
from klientura.web.seeding.tables import TABLES

pytestmark = pytest.mark.django_db

CLIENTS = 40
MANAGERS = ["manager1", "manager2", "manager3", "manager4", "manager5"]
DEMO_USERNAMES = {"admin", "director", "marketer", "head1", "head2", *MANAGERS}


def seed(**options) -> str:
    out = io.StringIO()
    call_command("seed", stdout=out, no_progress=True, **{"clients": CLIENTS, **options})
    return out.getvalue()


def roles_of(username: str) -> set[str]:
    return set(User.objects.get(username=username).groups.values_list("name", flat=True))


def test_seed_creates_the_demo_users_in_their_roles_and_departments():
    seed()
    assert set(User.objects.values_list("username", flat=True)) == DEMO_USERNAMES
    moscow, regions = Department.objects.get(name=MOSCOW), Department.objects.get(name=REGIONS)
    assert (moscow.head.username, regions.head.username) == ("head1", "head2")
    assert set(moscow.members.values_list("username", flat=True)) == {"head1", *MANAGERS[:3]}
    assert set(regions.members.values_list("username", flat=True)) == {"head2", *MANAGERS[3:]}
    assert roles_of("head1") == roles_of("head2") == {roles.HEAD_OF_SALES}
    assert all(roles_of(name) == {roles.SALES_MANAGER} for name in MANAGERS)
    assert roles_of("director") == {roles.DIRECTOR}
    assert roles_of("marketer") == {roles.MARKETER}
    admin = User.objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser and roles_of("admin") == {roles.ADMINISTRATOR}
    assert not User.objects.exclude(username="admin").filter(is_superuser=True).exists()
    assert all(user.check_password(DEFAULT_PASSWORD) for user in User.objects.all())


def test_seed_creates_the_classifiers():
    seed()
    assert BusinessRegion.objects.filter(
        name="Калининградская область", timezone="Europe/Kaliningrad"
    ).exists()
    assert BusinessRegion.objects.count() == 17
    assert set(InformationSource.objects.values_list("name", flat=True)) >= {"Сайт", "2ГИС"}
    assert set(Tag.objects.values_list("name", flat=True)) == {
        "VIP",
        "Оптовик",
        "Новая коллекция",
        "Кровати",
        "Тендер",
    }
    segment = CustomField.objects.get(code="segment_size")
    assert segment.choices == ["малый", "средний", "крупный"]
    assert CustomField.objects.get(code="employees").kind == "number"


def test_every_client_has_a_counterparty_contacts_and_contact_info():
    seed()
    partners = Partner.objects.prefetch_related("counterparties", "contacts__contact_infos", "contact_infos")
    assert len(partners) == CLIENTS
    for partner in partners:
        assert partner.name_normalized == normalize_name(partner.name)
        assert partner.custom["segment_size"] in CustomField.objects.get(code="segment_size").choices
        assert len(partner.counterparties.all()) == 1
        assert 1 <= len(partner.contacts.all()) <= 2
        kinds = {info.kind for info in partner.contact_infos.all()}
        assert {ContactKind.PHONE, ContactKind.EMAIL, ContactKind.ADDRESS} <= kinds
        assert partner.main_phone and partner.main_email
        for contact in partner.contacts.all():
            assert {i.kind for i in contact.contact_infos.all()} == {ContactKind.PHONE, ContactKind.EMAIL}
    assert Partner.objects.exclude(region=None).count() == CLIENTS
    assert 0 < BankAccount.objects.count() < CLIENTS


def test_identifiers_pass_their_validators():
    seed()
    for c in Counterparty.objects.all():
        if c.kind == CounterpartyKind.LEGAL:
            assert len(identifiers.validate_inn(c.inn)) == 10
            assert identifiers.validate_kpp(c.kpp)[:4] == c.inn[:4]
            assert identifiers.validate_ogrn(c.ogrn) == c.ogrn
        else:
            assert c.kind == CounterpartyKind.ENTREPRENEUR and c.short_name.startswith("ИП ")
            assert len(identifiers.validate_inn(c.inn)) == 12
            assert c.kpp == ""
            assert identifiers.validate_ogrnip(c.ogrn) == c.ogrn
        assert c.legal_address and c.management_name
    for account in BankAccount.objects.all():
        assert identifiers.validate_bank_account(account.account, account.bik) == account.account


def test_phones_are_normalised_to_e164_and_emails_to_lower_case():
    seed()
    phones = ContactInfo.objects.filter(kind=ContactKind.PHONE)
    assert phones.count() >= CLIENTS * 2
    for info in phones:
        assert re.fullmatch(r"\+7\d{10}", info.normalized)
        assert normalize_phone(info.value) == info.normalized
    for info in ContactInfo.objects.filter(kind=ContactKind.EMAIL):
        assert info.value == info.normalized == info.normalized.lower()


def test_partners_are_spread_across_the_managers_and_some_are_on_the_exchange():
    seed(clients=200)
    per_manager = {name: Partner.objects.filter(manager__username=name).count() for name in MANAGERS}
    assert all(count >= 10 for count in per_manager.values()), per_manager
    assert not Partner.objects.filter(manager=None, on_exchange=False).exists()
    on_exchange = Partner.objects.filter(on_exchange=True)
    assert 0 < on_exchange.count() < 20
    assert not on_exchange.exclude(manager=None).exists()
    moscow_time = Partner.objects.filter(region__timezone="Europe/Moscow").exclude(manager=None)
    assert set(moscow_time.values_list("manager__department__name", flat=True)) == {MOSCOW}


def test_a_second_run_adds_nothing_and_duplicates_no_user():
    seed()
    output = seed()
    assert "--append" in output
    assert User.objects.count() == len(DEMO_USERNAMES)
    assert Partner.objects.count() == CLIENTS
    assert Department.objects.count() == 2


def test_append_adds_new_clients_with_the_same_users():
    seed()
    first_names = set(Partner.objects.values_list("name", flat=True))
    output = seed(append=True, password="other-password")
    assert User.objects.count() == len(DEMO_USERNAMES)
    assert Partner.objects.count() == Counterparty.objects.count() == 2 * CLIENTS
    later_names = set(Partner.objects.values_list("name", flat=True)) - first_names
    assert len(later_names) > CLIENTS // 2
    assert "other-password" not in output  # existing users keep their password
    assert User.objects.get(username="manager1").check_password(DEFAULT_PASSWORD)


def test_the_same_seed_gives_the_same_clients():
    seed(seed=5)
    names = list(Partner.objects.order_by("id").values_list("name", "counterparties__inn"))
    Deal.objects.all().delete()
    events_delete()  # deals, events and orders protect their clients
    sales_documents_delete()
    for table in reversed(TABLES):  # empty the client tables, keep the users
        table.model.objects.all().delete()
    seed(seed=5, append=True)
    assert list(Partner.objects.order_by("id").values_list("name", "counterparties__inn")) == names


def test_the_printed_table_lists_every_user_with_the_password():
    output = seed(password="Zebra-Telescope-42")
    lines = output.splitlines()
    header = next(
        i
        for i, line in enumerate(lines)
        if line.split()[:4] == ["username", "role", "department", "password"]
    )
    table = lines[header + 2 : header + 2 + len(DEMO_USERNAMES)]
    assert {line.split()[0] for line in table} == DEMO_USERNAMES
    assert all(line.rstrip().endswith("Zebra-Telescope-42") for line in table)
    assert "rows/s" in output
    assert User.objects.get(username="head2").check_password("Zebra-Telescope-42")


def test_seeding_writes_no_audit_trail():
    seed()
    assert not AuditEntry.objects.exists()


def test_bad_arguments_are_refused():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        seed(clients=-1)
    with pytest.raises(CommandError):
        seed(batch_size=0)
    assert not User.objects.exists()


def test_small_batches_give_the_same_result():
    seed(batch_size=7, clients=30)
    assert Partner.objects.count() == Counterparty.objects.count() == 30
    assert ContactPerson.objects.count() == ContactPerson.partners.through.objects.count()


def _schema_snapshot() -> tuple[list, list]:
    tables = [t.db_table for t in TABLES]
    return sorted(bulkload.secondary_indexes(tables)), sorted(bulkload.foreign_keys(tables))


postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="bulk-load mode is PostgreSQL's"
)


@postgresql_only
def test_bulk_load_puts_back_every_index_and_foreign_key():
    seed()  # leaves deferred foreign-key checks pending in the test's transaction
    before = _schema_snapshot()
    assert before[0] and before[1]
    result = demo_seed(clients=CLIENTS, seed=1, password="x", append=True, rebuild_indexes=True)
    assert "indexes rebuilt" in result.method
    assert _schema_snapshot() == before
    assert Partner.objects.count() == 2 * CLIENTS
    assert (
        ContactInfo.objects.filter(partner__isnull=False).values("partner").distinct().count() == 2 * CLIENTS
    )


@postgresql_only
def test_a_failed_bulk_load_leaves_tables_indexes_and_keys_as_they_were():
    seed()
    before = _schema_snapshot()

    def crash(size):
        raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        demo_seed(clients=CLIENTS, seed=2, password="x", append=True, rebuild_indexes=True, on_batch=crash)
    assert _schema_snapshot() == before
    assert Partner.objects.count() == CLIENTS
