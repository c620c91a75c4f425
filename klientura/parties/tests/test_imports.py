"""Import of clients from CSV/XLSX and of contact persons from vCard: imports*.py and contacts_vcard.py."""

import io
import os
import random
import time
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from django.utils import translation

from klientura.accounts import roles
from klientura.core.errors import Forbidden, NotFound, ValidationFailed
from klientura.core.fake_ru import fake_company
from klientura.core.models import AuditEntry
from klientura.parties import contacts_vcard, imports, imports_reading, imports_rows, imports_storage
from klientura.parties.identifiers import make_inn10, make_inn12, make_kpp
from klientura.parties.inputs import PartnerInput
from klientura.parties.models import (
    BusinessRegion,
    ContactInfo,
    ContactKind,
    ContactPerson,
    Counterparty,
    Partner,
    Tag,
)
from klientura.parties.services import partner_register
from klientura.parties.vcard import VCardContact

RNG = random.Random(20240601)
INN_A, INN_B, INN_C = make_inn10(RNG), make_inn10(RNG), make_inn10(RNG)
KPP_A = make_kpp(RNG, INN_A)
BAD_INN = INN_A[:-1] + str((int(INN_A[-1]) + 1) % 10)  # wrong check digit


def csv_upload(lines: list[str], *, encoding="utf-8", name="clients.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, "\r\n".join(lines).encode(encoding), content_type="text/csv")


def xlsx_upload(rows: list[list], name="clients.xlsx") -> SimpleUploadedFile:
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("Клиенты")
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def english(callable_, *args, **kwargs):
    with translation.override("en"):
        return callable_(*args, **kwargs)


def preview_of(actor, upload, mapping=None):
    table = imports_reading.import_read(upload)
    return table, imports.import_preview(actor=actor, table=table, mapping=mapping or table.guessed_mapping)


def by_row(preview) -> dict[int, imports_rows.PreviewRow]:
    return {row.number: row for row in preview.rows}


@pytest.fixture
def manager(make_user):
    return make_user(roles.SALES_MANAGER, username="ivanov", first_name="Иван", last_name="Иванов")


@pytest.fixture
def head(make_user):
    return make_user(roles.HEAD_OF_SALES, username="petrova", first_name="Анна", last_name="Петрова")


# ------------------------------------------------------------------------------------- reading


@pytest.mark.django_db
def test_csv_in_cp1251_with_semicolons_is_read_guessed_and_imported(head, manager):
    BusinessRegion.objects.create(name="Москва")
    Tag.objects.create(name="Опт")
    Tag.objects.create(name="VIP")
    upload = csv_upload(
        [
            "Наименование;ИНН;КПП;Телефон;E-mail;Регион;Менеджер;Теги;Вид;Контактное лицо;Должность;Примечание",
            f'ООО "Ромашка";{INN_A};{KPP_A};+7 (495) 123-45-67;info@romashka.ru;Москва;Иванов Иван;Опт, VIP;'
            "Клиент;Сидоров Пётр Ильич;Директор;Звонить после обеда",
            f"ИП Белов;{make_inn12(RNG)};;8 912 345-67-89 доб. 12;;;ivanov;;поставщик;;;",
        ],
        encoding="cp1251",
    )
    table, preview = preview_of(head, upload)

    assert table.headers[0] == "Наименование"
    assert table.guessed_mapping == {
        0: "name", 1: "inn", 2: "kpp", 3: "phone", 4: "email", 5: "region", 6: "manager", 7: "tags",
        8: "kind", 9: "contact_name", 10: "contact_position", 11: "notes",
    }  # fmt: skip
    assert [(row.number, row.status) for row in preview.rows] == [(2, "ok"), (3, "ok")]

    result = imports.import_apply(
        actor=head, table=table, mapping=table.guessed_mapping, accepted_rows=set(), file_name="clients.csv"
    )
    assert result.failed is None and result.imported == 2
    romashka = Partner.objects.get(name='ООО "Ромашка"')
    assert romashka.manager == manager
    assert romashka.region.name == "Москва"
    assert sorted(romashka.tags.values_list("name", flat=True)) == ["VIP", "Опт"]
    assert romashka.main_phone == "+7 (495) 123-45-67" and romashka.main_email == "info@romashka.ru"
    assert romashka.notes == "Звонить после обеда"
    counterparty = romashka.counterparties.get()
    assert (counterparty.inn, counterparty.kpp, counterparty.kind) == (INN_A, KPP_A, "legal")
    contact = romashka.contacts.get()
    assert (contact.last_name, contact.first_name, contact.middle_name) == ("Сидоров", "Пётр", "Ильич")
    assert contact.position == "Директор"
    belov = Partner.objects.get(name="ИП Белов")
    assert belov.kind == "supplier" and belov.counterparties.get().kind == "entrepreneur"
    assert belov.contact_infos.get(kind=ContactKind.PHONE).normalized == "+79123456789"
    assert AuditEntry.objects.filter(action="other", comment__contains="clients.csv").count() == 1


@pytest.mark.django_db
def test_xlsx_with_english_headers_and_numeric_cells(manager):
    upload = xlsx_upload(
        [
            [None],
            ["Company name", "INN", "Phone 1", "Phone 2", "Email", "Web site", "Address", "Comment"],
            ["Vector LLC", int(INN_B), 74951112233, "+7 812 111-22-33", "a@vector.ru", "https://vector.ru", "Moscow", ""],
            [None, None, None],
            ["Orion", None, None, None, "orion@example.com", None, None, "no INN"],
        ]
    )  # fmt: skip
    table, preview = preview_of(manager, upload)
    assert table.guessed_mapping == {
        0: "name", 1: "inn", 2: "phone", 3: "phone", 4: "email", 5: "website", 6: "address", 7: "notes",
    }  # fmt: skip
    assert [row.number for row in table.rows] == [3, 5]  # as Excel numbers them; empty rows skipped
    assert table.rows[0].cells[1] == INN_B  # a number cell comes back as digits, not "7707….0"
    assert [row.status for row in preview.rows] == ["ok", "ok"]

    result = imports.import_apply(
        actor=manager, table=table, mapping=table.guessed_mapping, accepted_rows=set()
    )
    assert result.imported == 2
    vector = Partner.objects.get(name="Vector LLC")
    assert vector.manager == manager
    assert sorted(vector.contact_infos.filter(kind="phone").values_list("normalized", flat=True)) == [
        "+74951112233",
        "+78121112233",
    ]
    assert vector.contact_infos.get(kind="website").value == "https://vector.ru"
    assert Partner.objects.get(name="Orion").notes == "no INN"


def test_mapping_guess_from_header_variants():
    guess = imports_reading.guess_mapping
    assert guess(["Название", "Телефон рабочий", "Эл. почта", "ФИО", "Сайт", "Тип"]) == {
        0: "name", 1: "phone", 2: "email", 3: "contact_name", 4: "website", 5: "kind",
    }  # fmt: skip
    # Only the first column of a single field is taken; unknown headers are left out.
    assert guess(["Наименование", "Полное наименование", "Цвет"]) == {0: "name"}


# ------------------------------------------------------------------------------------- rows


@pytest.mark.django_db
def test_invalid_inn_and_malformed_phone_rows_are_rejected_the_others_imported(manager):
    upload = csv_upload(
        [
            "Наименование;ИНН;Телефон",
            f"Альфа;{INN_A};+7 495 000-00-01",
            f"Бета;{BAD_INN};+7 495 000-00-02",
            f"Гамма;{INN_B};12-34",
            f"Дельта;{INN_C};",
        ]
    )
    table, preview = english(preview_of, manager, upload)
    rows = by_row(preview)
    assert [rows[n].status for n in (2, 3, 4, 5)] == ["ok", "error", "error", "ok"]
    [inn_reason] = rows[3].reasons
    assert (inn_reason.row, inn_reason.field, inn_reason.value) == (3, "ИНН", BAD_INN)
    assert "check digit" in inn_reason.message
    [phone_reason] = rows[4].reasons
    assert (phone_reason.row, phone_reason.field, phone_reason.value) == (4, "Телефон", "12-34")
    assert phone_reason.message == "Enter a valid phone number, for example +7 912 345-67-89."

    result = english(
        imports.import_apply, actor=manager, table=table, mapping=table.guessed_mapping, accepted_rows={3, 4}
    )
    assert result.imported == 2
    assert sorted(Partner.objects.values_list("name", flat=True)) == ["Альфа", "Дельта"]
    assert [(r.row, r.field) for r in result.rejected] == [(3, "ИНН"), (4, "Телефон")]


@pytest.mark.django_db
def test_row_references_are_checked_without_queries_per_row(manager, head, django_assert_max_num_queries):
    BusinessRegion.objects.create(name="Москва")
    upload = csv_upload(
        [
            "Name;Region;Tags;Manager;Kind",
            "A1;Урал;;;",
            "A2;;Нет такого;;",
            "A3;;;nobody-here;",
            "A4;;;petrova;",
            "A5;;;;alien",
            "A6;москва;;ivanov;prospect",
        ]
    )
    table = imports_reading.import_read(upload)
    with translation.override("en"):
        preview = imports.import_preview(actor=manager, table=table, mapping=table.guessed_mapping)
    reasons = {row.number: [r.message for r in row.reasons] for row in preview.rows}
    assert reasons[2] == ["There is no business region “Урал”."]
    assert reasons[3] == ["There is no tag “Нет такого”."]
    assert reasons[4] == ["There is no active user “nobody-here”."]
    assert reasons[5] == ["Only a head of sales or an administrator may give a client to another manager."]
    assert reasons[6] == ["Unknown partner kind."]
    assert by_row(preview)[7].status == "ok"
    # The head may give clients to others; the classifiers are loaded once, not per row.
    with django_assert_max_num_queries(12 + 4 * len(table.rows)):
        head_preview = imports.import_preview(actor=head, table=table, mapping=table.guessed_mapping)
    assert by_row(head_preview)[5].status == "ok"


@pytest.mark.django_db
def test_mapping_without_a_name_column_or_with_a_column_twice_is_refused(manager):
    table = imports_reading.import_read(csv_upload(["Наименование;ИНН;Компания", "A;;B"]))
    with translation.override("en"):
        with pytest.raises(ValidationFailed) as info:
            imports.import_preview(actor=manager, table=table, mapping={1: "inn"})
        assert str(info.value.message) == "Choose the column that holds the client's name."
        with pytest.raises(ValidationFailed) as info:
            imports.import_preview(actor=manager, table=table, mapping={0: "name", 2: "name"})
        assert "Several columns are mapped to “Name”: Наименование, Компания" in str(info.value.message)


@pytest.mark.django_db
def test_import_needs_the_permission(make_user):
    marketer = make_user(roles.MARKETER)
    table = imports_reading.import_read(csv_upload(["Name", "A"]))
    with pytest.raises(Forbidden):
        imports.import_preview(actor=marketer, table=table, mapping={0: "name"})
    with pytest.raises(Forbidden):
        imports.import_apply(actor=marketer, table=table, mapping={0: "name"}, accepted_rows=set())
    assert not Partner.objects.exists()


# ------------------------------------------------------------------------------------- duplicates


@pytest.mark.django_db
def test_row_with_the_phone_of_an_existing_partner_is_imported_only_if_accepted(manager):
    existing = partner_register(
        actor=manager, data=PartnerInput(name="Старый клиент", phones=["+74951234567"])
    )
    upload = csv_upload(["Name;Phone", "Новый клиент;8 (495) 123-45-67", "Другой;+7 495 765-43-21"])
    table, preview = english(preview_of, manager, upload)
    row = by_row(preview)[2]
    assert row.status == "duplicate"
    assert [c.partner_id for c in row.candidates] == [existing.pk]
    assert "same phone +74951234567" in row.reasons[0].message

    refused = english(
        imports.import_apply, actor=manager, table=table, mapping={0: "name", 1: "phone"}, accepted_rows=set()
    )
    assert refused.imported == 1
    assert [(r.row, r.message) for r in refused.rejected] == [(2, "Possible duplicate, not accepted.")]
    assert not Partner.objects.filter(name="Новый клиент").exists()

    Partner.objects.filter(name="Другой").delete()
    accepted = imports.import_apply(
        actor=manager, table=table, mapping={0: "name", 1: "phone"}, accepted_rows={2}
    )
    assert accepted.imported == 2 and accepted.rejected == []
    assert Partner.objects.filter(name="Новый клиент").exists()


@pytest.mark.django_db
def test_rows_repeating_an_inn_phone_or_email_within_the_file_are_flagged(manager):
    upload = csv_upload(
        [
            "Name;INN;Phone;E-mail",
            f"Первая;{INN_A};;one@example.com",
            f"Вторая;{INN_A};;",
            "Третья;;+7 495 111-11-11;",
            "Четвёртая;;8 495 111 11 11;ONE@example.com",
        ]
    )
    table, preview = english(preview_of, manager, upload)
    rows = by_row(preview)
    assert rows[2].status == "ok" and rows[3].status == "duplicate"
    assert [r.message for r in rows[3].reasons] == [f"Same INN {INN_A} as row 2."]
    assert [r.message for r in rows[5].reasons] == [
        "Same phone +74951111111 as row 4.",
        "Same e-mail one@example.com as row 2.",
    ]
    result = imports.import_apply(
        actor=manager, table=table, mapping=table.guessed_mapping, accepted_rows={3}
    )
    assert result.imported == 3  # the accepted repeat is imported; the unaccepted one is not
    assert Counterparty.objects.filter(inn=INN_A).count() == 2
    assert {r.row for r in result.rejected} == {5}


@pytest.mark.django_db
def test_similar_names_within_one_file_do_not_stop_the_import(manager):
    upload = csv_upload(["Name", 'ООО "Северная звезда"', 'АО "Северная звезда плюс"', "Северная звезда-2"])
    table, preview = preview_of(manager, upload)
    assert preview.ok == 3
    result = imports.import_apply(actor=manager, table=table, mapping={0: "name"}, accepted_rows=set())
    assert result.imported == 3 and result.failed is None


@pytest.mark.django_db
def test_a_failure_while_saving_imports_nothing_and_names_the_row(manager, monkeypatch):
    upload = csv_upload(["Name;E-mail", "Один;", "Два;", "Три;three@example.com", "Четыре;"])
    table = imports_reading.import_read(upload)
    real_register = imports.partner_register

    def register(*, actor, data, **kwargs):
        if data.name == "Три":  # e.g. a constraint added by a colleague's migration, a disk full…
            raise IntegrityError("UNIQUE constraint failed: parties_contactinfo.normalized")
        return real_register(actor=actor, data=data, **kwargs)

    monkeypatch.setattr(imports, "partner_register", register)
    with translation.override("en"):
        result = imports.import_apply(
            actor=manager, table=table, mapping=table.guessed_mapping, accepted_rows=set()
        )
    assert result.imported == 0 and result.partner_ids == []
    assert result.failed.row == 4
    assert result.failed.message.startswith("The database refused the row: UNIQUE constraint failed")
    assert not Partner.objects.exists()  # rows 2 and 3 were saved before, and are rolled back
    assert not ContactInfo.objects.exists()
    assert not AuditEntry.objects.filter(action__in=["create", "other"]).exists()


@pytest.mark.django_db
def test_a_row_that_became_a_duplicate_after_the_preview_is_not_imported(manager):
    table, preview = preview_of(manager, csv_upload(["Name;E-mail", "Один;", "Три;sales@example.com"]))
    assert preview.ok == 2
    partner_register(actor=manager, data=PartnerInput(name="Уже есть", emails=["sales@example.com"]))
    result = english(
        imports.import_apply, actor=manager, table=table, mapping=table.guessed_mapping, accepted_rows=set()
    )
    assert result.imported == 1 and result.failed is None
    assert [(r.row, r.message) for r in result.rejected] == [(3, "Possible duplicate, not accepted.")]


@pytest.mark.django_db
def test_a_user_who_may_import_but_not_register_is_refused(make_user):
    from django.contrib.auth.models import Permission

    clerk = make_user(None)
    clerk.user_permissions.add(Permission.objects.get(codename="import_partners"))
    table = imports_reading.import_read(csv_upload(["Name", "A"]))
    with pytest.raises(Forbidden):
        imports.import_preview(actor=clerk, table=table, mapping={0: "name"})


# ------------------------------------------------------------------------------------- refusals


def refusal(upload) -> str:
    with translation.override("en"):
        with pytest.raises(ValidationFailed) as info:
            imports_reading.import_read(upload)
        return str(info.value.message)


def test_an_executable_renamed_csv_is_refused():
    exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(range(256)) * 64
    assert refusal(SimpleUploadedFile("clients.csv", exe)).startswith("The file is not a CSV text file.")


def test_a_png_renamed_xlsx_is_refused():
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 200
    assert refusal(SimpleUploadedFile("clients.xlsx", png)).startswith("The file is not an Excel workbook")
    # A zip that is not a workbook (no [Content_Types].xml) is no better.
    buffer = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    assert refusal(SimpleUploadedFile("clients.xlsx", buffer.getvalue())).startswith(
        "The file is not an Excel"
    )


def test_a_50_mb_file_is_refused_before_it_is_parsed(monkeypatch):
    monkeypatch.setattr(imports_reading, "_csv_rows", pytest.fail)  # parsing would fail the test
    big = SimpleUploadedFile("clients.csv", b"a;b\r\n" * (10 * 1024 * 1024))
    assert refusal(big) == "The file is too large (50 MB); at most 20 MB may be uploaded."


def test_other_extensions_empty_files_and_header_only_files_are_refused():
    assert refusal(SimpleUploadedFile("clients.txt", b"a;b")) == "Only .csv and .xlsx files can be imported."
    assert refusal(SimpleUploadedFile("clients.csv", b"")) == "The file is empty."
    assert refusal(csv_upload(["Name;INN", ";"])) == "The file has no rows under its header row."


def test_too_many_rows_are_refused(monkeypatch):
    monkeypatch.setattr(imports_reading, "MAX_ROWS", 3)
    assert "more than 3 rows" in refusal(csv_upload(["Name", "a", "b", "c", "d"]))


def test_utf8_with_bom_and_comma_delimiter_and_quoted_separators():
    upload = csv_upload(["\ufeffName,Notes", '"Рога, копыта",«;»', "Б,"])
    table = imports_reading.import_read(upload)
    assert table.headers == ["Name", "Notes"]
    assert [row.cells for row in table.rows] == [["Рога, копыта", "«;»"], ["Б"]]


# ------------------------------------------------------------------------------------- storage


def test_uploads_are_kept_under_a_random_token_and_purged_after_a_day(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    token = imports_storage.upload_store(SimpleUploadedFile("x.csv", b"Name\r\nA"), extension="csv")
    path = tmp_path / "imports" / f"{token}.csv"
    assert path.read_bytes() == b"Name\r\nA"
    with imports_storage.upload_open(token, "csv") as stored:
        assert imports_reading.import_read(stored).rows[0].cells == ["A"]
    assert imports_storage.upload_open("../../etc/passwd", "csv") is None
    assert imports_storage.upload_open(token, "exe") is None
    old = time.time() - 25 * 3600
    os.utime(path, (old, old))
    assert imports_storage.upload_open(token, "csv") is None and not path.exists()
    other = imports_storage.upload_store(SimpleUploadedFile("y.csv", b"x"), extension="csv")
    os.utime(tmp_path / "imports" / f"{other}.csv", (old, old))
    assert imports_storage.uploads_purge() == 1
    assert list(Path(tmp_path, "imports").iterdir()) == []


# ------------------------------------------------------------------------------------- size


def company_rows(count: int) -> list[list]:
    rng = random.Random(7)
    rows = [["Наименование", "ИНН", "Телефон", "E-mail", "Адрес"]]
    for i in range(count):
        company = fake_company(rng)
        inn = make_inn12(rng) if company.legal_form == "ИП" else make_inn10(rng)
        rows.append([company.short_name, inn, company.phone, f"{i}.{company.email}", company.address.text])
    return rows


# pyproject.toml runs pytest with --strict-markers and has no "slow" marker: the full size is opt-in.
TEN_THOUSAND = pytest.param(
    10_000,
    marks=pytest.mark.skipif(
        os.environ.get("KLIENTURA_SLOW_TESTS") != "1", reason="slow: set KLIENTURA_SLOW_TESTS=1"
    ),
)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("size", [1_000, TEN_THOUSAND])
def test_a_large_xlsx_import_works_in_reasonable_time(manager, size):
    """Bench note: the figures are printed (pytest -s). Most of the time is partner_register."""
    upload = xlsx_upload(company_rows(size))
    started = time.perf_counter()
    table = imports_reading.import_read(upload)
    read = time.perf_counter()
    preview = imports.import_preview(actor=manager, table=table, mapping=table.guessed_mapping)
    checked = time.perf_counter()
    accepted = {row.number for row in preview.rows if row.status == "duplicate"}
    result = imports.import_apply(
        actor=manager, table=table, mapping=table.guessed_mapping, accepted_rows=accepted
    )
    done = time.perf_counter()
    print(
        f"\n{size} rows XLSX import: read {read - started:.1f} s, preview {checked - read:.1f} s, "
        f"apply {done - checked:.1f} s, total {done - started:.1f} s; "
        f"ok {preview.ok}, duplicates {preview.duplicates}, errors {preview.errors}"
    )
    assert result.failed is None and preview.errors == 0
    assert result.imported == preview.ok + preview.duplicates == Partner.objects.count() == size
    assert done - started < size * 0.06  # 60 ms a row at worst, on a slow shared machine


# ------------------------------------------------------------------------------------- vCard


def card(**kwargs) -> VCardContact:
    return VCardContact(
        **{"last_name": "Смирнова", "first_name": "Ольга", "full_name": "Смирнова Ольга", **kwargs}
    )


@pytest.mark.django_db
def test_vcard_contacts_are_attached_with_their_phones_and_emails(manager, make_partner):
    partner = make_partner(manager=manager)
    contacts = [
        card(title="Бухгалтер", phones=[("cell", "+7 912 345-67-89"), ("work", "8 (495) 111-22-33 доб. 7")],
             emails=[("work", "Olga@Example.com")], addresses=[("work", "Москва, Тверская, 1")]),
        card(last_name="Орлов", first_name="Пётр", full_name="Орлов Пётр", urls=["https://orlov.ru"]),
    ]  # fmt: skip
    persons = contacts_vcard.contacts_import_vcard(actor=manager, partner_id=partner.pk, contacts=contacts)
    assert [p.full_name for p in persons] == ["Смирнова Ольга", "Орлов Пётр"]
    assert set(partner.contacts.values_list("full_name", flat=True)) == {"Смирнова Ольга", "Орлов Пётр"}
    olga = ContactPerson.objects.get(full_name="Смирнова Ольга")
    assert olga.position == "Бухгалтер"
    infos = {(i.kind, i.normalized, i.is_main) for i in olga.contact_infos.all()}
    assert infos == {
        ("phone", "+79123456789", True),
        ("phone", "+74951112233", False),
        ("email", "olga@example.com", True),
        ("address", "москва, тверская, 1", True),
    }
    assert ContactInfo.objects.get(contact__full_name="Орлов Пётр").kind == "website"
    assert AuditEntry.objects.filter(action="create", object_repr="Орлов Пётр").exists()


@pytest.mark.django_db
def test_vcard_import_refuses_bad_cards_and_hidden_partners_changing_nothing(make_user, make_partner):
    owner, colleague = make_user(roles.SALES_MANAGER), make_user(roles.SALES_MANAGER)
    partner = make_partner(manager=owner)
    with pytest.raises(NotFound):
        contacts_vcard.contacts_import_vcard(actor=colleague, partner_id=partner.pk, contacts=[card()])
    with translation.override("en"), pytest.raises(ValidationFailed) as info:
        contacts_vcard.contacts_import_vcard(
            actor=owner, partner_id=partner.pk, contacts=[card(), card(phones=[("work", "12")])]
        )
    assert info.value.fields == {
        "contacts.2": ["Enter a valid phone number, for example +7 912 345-67-89. (12)"]
    }
    assert not ContactPerson.objects.exists()


@pytest.mark.django_db
def test_vcard_preview_numbers_cards_and_marks_problems(manager, make_partner):
    from klientura.parties.vcard import vcards_load

    partner = make_partner(manager=manager)
    contacts_vcard.contacts_import_vcard(actor=manager, partner_id=partner.pk, contacts=[card()])
    text = (
        "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Смирнова;Ольга;;;\r\nFN:Смирнова Ольга\r\nEND:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:3.0\r\nTEL:+7 912 000-00-00\r\nEND:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Без телефона\r\nTEL:abc\r\nEND:VCARD\r\n"
    )
    with translation.override("en"):
        preview = contacts_vcard.contacts_vcard_preview(
            actor=manager, partner_id=partner.pk, parsed=vcards_load(text)
        )
    assert [(c.number, c.importable, c.already_there) for c in preview.cards] == [
        (1, True, True),
        (3, False, False),
    ]
    assert preview.errors == ["Card 2 has no name (FN or N)."]
