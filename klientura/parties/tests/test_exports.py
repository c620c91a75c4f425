"""Export of the client list (CSV, XLSX) and of contact persons (vCard)."""

import csv
import datetime
import io

import openpyxl
import pytest
import vobject
from django.utils import translation

from klientura.core.errors import Forbidden, NotFound, ValidationFailed
from klientura.core.models import AuditEntry
from klientura.parties import exports
from klientura.parties.inputs import ContactInput, CounterpartyInput, PartnerInput
from klientura.parties.models import BusinessRegion, ContactInfo, ContactPerson, Partner, Tag
from klientura.parties.selectors import PartnerFilters
from klientura.parties.services import partner_register
from klientura.parties.vcard import vcards_load

FORMULA = '=HYPERLINK("http://x")'


def csv_rows(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf")  # the BOM that makes Excel read UTF-8
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline=""), delimiter=";"))


def xlsx_rows(content: bytes) -> list[list]:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def export(actor, fmt="csv", **filters):
    with translation.override("en"):
        content, content_type, filename = exports.partners_export(
            actor=actor, filters=PartnerFilters(**filters), fmt=fmt
        )
    assert filename.endswith("." + fmt)
    assert content_type == exports.CONTENT_TYPES[fmt]
    return csv_rows(content) if fmt == "csv" else xlsx_rows(content)


@pytest.fixture
def team(departments):
    return departments


@pytest.fixture
def romashka(team):
    region = BusinessRegion.objects.create(name="Москва")
    partner = partner_register(
        actor=team.north_head,
        data=PartnerInput(
            name='ООО "Ромашка"',
            manager_id=team.north_a.pk,
            region_id=region.pk,
            phones=["+7 495 123-45-67"],
            emails=["info@romashka.ru"],
            counterparty=CounterpartyInput(short_name="Ромашка", inn="7707083893", kpp="773601001"),
            contact=ContactInput(
                last_name="Смирнова", first_name="Ольга", phone="+79123456789", email="o@romashka.ru"
            ),
        ),
    )
    partner.tags.set([Tag.objects.create(name="Опт"), Tag.objects.create(name="VIP")])
    return partner


def test_neutralize_cell():
    for text in ("=1+2", "+7 495", "-5", "@SUM(A1)", "\tx", "\rx", "＝1"):
        assert exports.neutralize_cell(text) == "'" + text
    for value in ("Ромашка", "", " =1", 42, None, datetime.date(2024, 1, 1)):
        assert exports.neutralize_cell(value) == value


@pytest.mark.django_db
def test_csv_has_the_columns_bom_and_semicolons(team, romashka):
    header, row = export(team.north_a)
    assert header == [
        "Name",
        "Kind",
        "INN",
        "KPP",
        "Lead manager",
        "Business region",
        "Phone",
        "E-mail",
        "Tags",
        "Created",
    ]
    assert row[:6] == ['ООО "Ромашка"', "Client", "7707083893", "773601001", str(team.north_a), "Москва"]
    assert row[6:9] == ["'+7 495 123-45-67", "info@romashka.ru", "VIP, Опт"]  # "+…" is neutralised too
    assert datetime.datetime.strptime(row[9], "%Y-%m-%d %H:%M")


@pytest.mark.django_db
def test_formula_cells_are_neutralised_in_csv_and_xlsx(team):
    partner_register(actor=team.north_a, data=PartnerInput(name=FORMULA, notes="x"))
    assert export(team.north_a, "csv")[1][0] == "'" + FORMULA
    header, row = export(team.north_a, "xlsx")
    assert header[0] == "Name"
    assert row[0] == "'" + FORMULA  # a string, not a formula
    sheet = openpyxl.load_workbook(io.BytesIO(exports.partners_export(
        actor=team.north_a, filters=PartnerFilters(), fmt="xlsx")[0])).worksheets[0]  # fmt: skip
    assert sheet["A2"].data_type == "s"
    assert isinstance(row[9], datetime.datetime)


@pytest.mark.django_db
def test_only_visible_partners_are_exported(team, romashka, make_partner):
    make_partner(name="Чужой клиент", manager=team.north_b)
    make_partner(name="Южный клиент", manager=team.south_a)
    assert [r[0] for r in export(team.north_a)[1:]] == ['ООО "Ромашка"']
    assert [r[0] for r in export(team.north_head)[1:]] == ['ООО "Ромашка"', "Чужой клиент"]
    assert len(export(team.director)[1:]) == 3


@pytest.mark.django_db
def test_the_list_filters_apply(team, romashka, make_partner):
    make_partner(name="Поставщик бумаги", manager=team.north_a, kind="supplier")
    make_partner(name="Ещё клиент", manager=team.north_a)
    assert [r[0] for r in export(team.north_a, kind="supplier")[1:]] == ["Поставщик бумаги"]
    assert [r[0] for r in export(team.north_a, q="7707083893")[1:]] == ['ООО "Ромашка"']
    tag = Tag.objects.get(name="VIP")
    assert [r[0] for r in export(team.north_a, "xlsx", tag_ids=[tag.pk])[1:]] == ['ООО "Ромашка"']
    assert [r[0] for r in export(team.north_a, sort="-name")[1:]] == [
        "Поставщик бумаги",
        'ООО "Ромашка"',
        "Ещё клиент",
    ]


@pytest.mark.django_db
def test_export_queries_do_not_grow_with_the_rows(
    team, romashka, make_partner, django_assert_max_num_queries
):
    for i in range(30):
        partner = make_partner(name=f"Клиент {i}", manager=team.north_a)
        partner.tags.add(Tag.objects.get(name="Опт"))
    with django_assert_max_num_queries(8):
        rows = export(team.north_a, "csv")
    assert len(rows) == 32


@pytest.mark.django_db
def test_export_needs_the_permission_and_a_known_format_and_is_audited(team, romashka):
    with pytest.raises(Forbidden):
        exports.partners_export(actor=team.nobody, filters=PartnerFilters(), fmt="csv")
    with pytest.raises(ValidationFailed):
        exports.partners_export(actor=team.north_a, filters=PartnerFilters(), fmt="pdf")
    export(team.north_a, "xlsx")
    entry = AuditEntry.objects.get(action="other", actor=team.north_a)
    assert entry.comment == "Exported 1 partners (XLSX)."


# ------------------------------------------------------------------------------------- vCard


@pytest.mark.django_db
def test_vcard_export_round_trips_through_vobject(team, romashka):
    olga = ContactPerson.objects.get(full_name="Смирнова Ольга")
    olga.position, olga.birthday = "Главный бухгалтер", datetime.date(1985, 4, 12)
    olga.save()
    ContactInfo.objects.create(
        contact=olga, kind="phone", value="8 (495) 111-22-33", normalized="+74951112233"
    )
    content, content_type, filename = exports.contacts_vcard_export(actor=team.north_a)
    assert content_type.startswith("text/vcard") and filename.endswith(".vcf")
    [card] = list(vobject.readComponents(content.decode("utf-8")))
    assert card.fn.value == "Смирнова Ольга"
    assert card.n.value.family == "Смирнова" and card.n.value.given == "Ольга"
    assert card.org.value == ['ООО "Ромашка"']
    assert card.title.value == "Главный бухгалтер"
    assert card.bday.value == "1985-04-12"
    phones = {(tel.value, tuple(tel.params.get("TYPE", []))) for tel in card.contents["tel"]}
    assert phones == {("+79123456789", ("CELL",)), ("8 (495) 111-22-33", ("WORK",))}
    assert card.email.value == "o@romashka.ru"

    text = exports.contacts_vcard_export(actor=team.north_a, version="4.0")[0].decode()
    assert "VERSION:4.0" in text
    assert vcards_load(text).contacts[0].phones[0] == ("cell", "+79123456789")


@pytest.mark.django_db
def test_vcard_export_sees_only_visible_partners_and_follows_filters(team, romashka, make_partner):
    hidden = make_partner(name="Чужой", manager=team.south_a)
    person = ContactPerson.objects.create(full_name="Чужой Контакт", last_name="Чужой")
    person.partners.add(hidden)
    names = lambda actor, **kw: [c.full_name for c in vcards_load(  # noqa: E731
        exports.contacts_vcard_export(actor=actor, **kw)[0].decode()).contacts]  # fmt: skip
    assert names(team.north_a) == ["Смирнова Ольга"]
    assert names(team.director) == ["Смирнова Ольга", "Чужой Контакт"]
    assert names(team.director, filters=PartnerFilters(q="Чужой")) == ["Чужой Контакт"]
    assert names(team.director, partner_id=romashka.pk) == ["Смирнова Ольга"]
    with pytest.raises(NotFound):
        exports.contacts_vcard_export(actor=team.north_a, partner_id=hidden.pk)
    with pytest.raises(ValidationFailed):
        exports.contacts_vcard_export(actor=team.north_a, version="2.1")
    with pytest.raises(Forbidden):
        exports.contacts_vcard_export(actor=team.nobody)
    assert Partner.objects.count() == 2
