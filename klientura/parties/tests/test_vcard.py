"""vCard exchange: our writer checked by vobject, our reader fed by vobject and by real exports."""

import datetime

import pytest
import vobject
from django.conf import settings
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

if not settings.configured:  # runs without pytest-django too (-p no:django)
    settings.configure(USE_I18N=False)

from django.utils import translation

from klientura.parties.vcard import (
    VCardContact,
    VCardError,
    vcards_dump,
    vcards_load,
)

LONG_NOTE = (
    "Договор поставки № 17, продлён до 31.12; скидка 5%, оплата в рублях. "
    "Звонить после 10:00 (МСК), спрашивать бухгалтерию\\отдел закупок. "
    * 4
    + "\nВторая строка: эмодзи 🙂 и ещё немного кириллицы."
)


def rendered(message) -> str:
    with translation.override("en"):
        return str(message)


def sample_contacts() -> list[VCardContact]:
    return [
        VCardContact(
            last_name="Иванова",
            first_name="Мария",
            middle_name="Сергеевна",
            full_name="Иванова Мария Сергеевна",
            organization="ООО «Рога и копыта», филиал; Москва",
            title="Главный бухгалтер",
            role="Подписывает акты, счета",
            birthday=datetime.date(1984, 2, 29),
            phones=[("work", "+7 495 123-45-67"), ("cell", "+7 916 765-43-21"), ("fax", "+7 495 123-45-68")],
            emails=[("work", "m.ivanova@roga.example.ru"), ("home", "masha@example.com")],
            addresses=[("work", "125009, Москва, ул. Тверская, д. 1; офис 5")],
            urls=["https://roga.example.ru/o-nas"],
            note=LONG_NOTE,
            uid="urn:uuid:1b4e28ba-2fa1-11d2-883f-0016d3cca427",
        ),
        VCardContact(
            last_name="Smith",
            first_name="John",
            full_name="John Smith",
            phones=[("home", "+44 20 7946 0000")],
        ),
    ]


# ------------------------------------------------------------------------------- writer vs vobject


def test_dump_3_0_is_read_back_by_vobject():
    text = vcards_dump(sample_contacts(), version="3.0")

    cards = list(vobject.readComponents(text))

    assert len(cards) == 2
    card = cards[0]
    assert card.version.value == "3.0"
    assert card.fn.value == "Иванова Мария Сергеевна"
    assert (card.n.value.family, card.n.value.given, card.n.value.additional) == (
        "Иванова",
        "Мария",
        "Сергеевна",
    )
    assert card.org.value == ["ООО «Рога и копыта», филиал; Москва"]
    assert card.title.value == "Главный бухгалтер"
    assert card.role.value == "Подписывает акты, счета"
    assert card.bday.value == "1984-02-29"
    assert card.note.value == LONG_NOTE
    assert card.uid.value == "urn:uuid:1b4e28ba-2fa1-11d2-883f-0016d3cca427"
    assert [(t.params["TYPE"], t.value) for t in card.tel_list] == [
        (["WORK"], "+7 495 123-45-67"),
        (["CELL"], "+7 916 765-43-21"),
        (["FAX"], "+7 495 123-45-68"),
    ]
    assert [(e.params["TYPE"], e.value) for e in card.email_list] == [
        (["INTERNET", "WORK"], "m.ivanova@roga.example.ru"),
        (["INTERNET", "HOME"], "masha@example.com"),
    ]
    assert card.adr.value.street == "125009, Москва, ул. Тверская, д. 1; офис 5"
    assert card.adr.params["TYPE"] == ["WORK"]
    assert card.url.value == "https://roga.example.ru/o-nas"
    assert cards[1].fn.value == "John Smith"
    assert cards[1].tel.params["TYPE"] == ["HOME"]


def test_dump_4_0_is_read_back_by_vobject():
    text = vcards_dump(sample_contacts(), version="4.0")

    card = next(vobject.readComponents(text))

    assert card.version.value == "4.0"
    assert card.fn.value == "Иванова Мария Сергеевна"
    assert card.n.value.family == "Иванова"
    assert card.org.value == ["ООО «Рога и копыта», филиал; Москва"]
    assert card.bday.value == "19840229"
    assert card.note.value == LONG_NOTE
    assert [(t.params["TYPE"], t.value) for t in card.tel_list] == [
        (["work"], "+7 495 123-45-67"),
        (["cell"], "+7 916 765-43-21"),
        (["fax"], "+7 495 123-45-68"),
    ]
    assert [(e.params["TYPE"], e.value) for e in card.email_list] == [
        (["work"], "m.ivanova@roga.example.ru"),
        (["home"], "masha@example.com"),
    ]
    assert card.adr.value.street == "125009, Москва, ул. Тверская, д. 1; офис 5"


@pytest.mark.parametrize("version", ["3.0", "4.0"])
def test_dump_then_load_gives_the_same_contacts(version):
    contacts = sample_contacts()

    result = vcards_load(vcards_dump(contacts, version=version))

    assert result.errors == []
    assert result.contacts == contacts


def test_dump_fills_fn_when_the_full_name_is_empty():
    contact = VCardContact(last_name="Петров", first_name="Пётр", middle_name="Петрович")

    card = next(vobject.readComponents(vcards_dump([contact])))

    assert card.fn.value == "Петров Пётр Петрович"


def test_dump_refuses_an_unknown_version():
    with pytest.raises(ValueError, match="version"):
        vcards_dump([], version="2.1")


# ------------------------------------------------------------------------------- folding and bytes


@pytest.mark.parametrize("version", ["3.0", "4.0"])
@pytest.mark.parametrize("shift", range(4))
def test_folded_lines_fit_75_octets_and_never_split_a_character(version, shift):
    contact = VCardContact(
        full_name="x" * shift + "Щ" * 100,
        note="a" * shift + "Ёлки-палки, 🙂 " * 30,
        organization="€" * 60,
    )

    data = vcards_dump([contact], version=version).encode("utf-8")

    assert data.endswith(b"\r\n")
    assert b"\n" not in data.replace(b"\r\n", b"")
    lines = data[:-2].split(b"\r\n")
    for line in lines:
        assert len(line) <= 75
        line.decode("utf-8")  # a split multi-byte sequence would raise here
    continuations = [line for line in lines if line.startswith(b" ")]
    assert continuations, "the long values must have been folded"
    # a fold fell where the next character did not fit: the line stopped short of the limit
    assert any(len(line) < 75 for line in lines if line.startswith(b"FN:") or line.startswith(b"NOTE:"))
    assert vcards_load(data.decode("utf-8")).contacts[0].note == contact.note


# ------------------------------------------------------------------------------- reader vs vobject


def test_load_reads_cards_built_by_vobject():
    card = vobject.vCard()
    card.add("n").value = vobject.vcard.Name(family="Кузнецов", given="Алексей", additional="Иванович")
    card.add("fn").value = "Алексей Кузнецов"
    card.add("org").value = ["АО «Север, Юг; Запад»"]
    card.add("title").value = "Директор по развитию"
    card.add("bday").value = "1979-05-21"
    tel = card.add("tel")
    tel.value = "+7 812 555-01-02"
    tel.type_param = ["WORK", "VOICE"]
    cell = card.add("tel")
    cell.value = "+7 921 555-01-03"
    cell.type_param = "CELL"
    email = card.add("email")
    email.value = "a.kuznetsov@sever.example"
    email.type_param = ["INTERNET", "WORK"]
    adr = card.add("adr")
    adr.value = vobject.vcard.Address(street="Невский пр., 1", city="Санкт-Петербург", code="191186")
    adr.type_param = "WORK"
    card.add("url").value = "https://sever.example/team"
    card.add("note").value = LONG_NOTE
    card.add("uid").value = "kuznetsov-1"
    card.add("x-telegram").value = "@kuznetsov"
    other = vobject.vCard()
    other.add("n").value = vobject.vcard.Name(family="Orlova", given="Olga")
    other.add("fn").value = "Olga Orlova"
    text = card.serialize() + other.serialize()

    result = vcards_load(text)

    assert result.errors == []
    assert len(result.contacts) == 2
    contact = result.contacts[0]
    assert (contact.last_name, contact.first_name, contact.middle_name) == ("Кузнецов", "Алексей", "Иванович")
    assert contact.full_name == "Алексей Кузнецов"
    assert contact.organization == "АО «Север, Юг; Запад»"
    assert contact.title == "Директор по развитию"
    assert contact.birthday == datetime.date(1979, 5, 21)
    assert contact.phones == [("work", "+7 812 555-01-02"), ("cell", "+7 921 555-01-03")]
    assert contact.emails == [("work", "a.kuznetsov@sever.example")]
    assert contact.addresses == [("work", "Невский пр., 1, Санкт-Петербург, 191186")]
    assert contact.urls == ["https://sever.example/team"]
    assert contact.note == LONG_NOTE
    assert contact.uid == "kuznetsov-1"
    assert result.contacts[1] == VCardContact(last_name="Orlova", first_name="Olga", full_name="Olga Orlova")


# ------------------------------------------------------------------------------- real exports

GOOGLE_EXPORT = (
    "BEGIN:VCARD\r\n"
    "VERSION:3.0\r\n"
    "FN:Иван Петров\r\n"
    "N:Петров;Иван;Сергеевич;;\r\n"
    "EMAIL;TYPE=INTERNET;TYPE=WORK:ivan.petrov@example.ru\r\n"
    "EMAIL;TYPE=INTERNET;TYPE=HOME:ivan@example.com\r\n"
    "TEL;TYPE=CELL:+7 916 123-45-67\r\n"
    "TEL;TYPE=WORK:+7 (495) 123-45-67\r\n"
    "ADR;TYPE=WORK:;;ул. Тверская\\, д. 1;Москва;;125009;Россия\r\n"
    "ORG:ООО «Ромашка»\r\n"
    "TITLE:Менеджер по закупкам\r\n"
    "BDAY:1985-04-12\r\n"
    "item1.URL:http\\://romashka.example.ru\r\n"
    "item1.X-ABLabel:\r\n"
    "NOTE:Познакомились на выставке\\nв Крокус Экспо\r\n"
    "CATEGORIES:myContacts,Поставщики\r\n"
    "END:VCARD\r\n"
    "BEGIN:VCARD\r\n"
    "VERSION:3.0\r\n"
    "FN:Ольга\r\n"
    "N:;Ольга;;;\r\n"
    "TEL;TYPE=CELL:+7 903 000-11-22\r\n"
    "BDAY:--0308\r\n"
    "END:VCARD\r\n"
)

APPLE_EXPORT = (
    "BEGIN:VCARD\r\n"
    "VERSION:3.0\r\n"
    "PRODID:-//Apple Inc.//macOS 14.4//EN\r\n"
    "N:Смирнова;Анна;;;\r\n"
    "FN:Анна Смирнова\r\n"
    "ORG:Рога и копыта;Отдел продаж\r\n"
    "TITLE:Директор\r\n"
    "EMAIL;type=INTERNET;type=WORK;type=pref:anna@roga.example\r\n"
    "TEL;type=CELL;type=VOICE;type=pref:+7 903 000-00-01\r\n"
    "TEL;type=WORK;type=FAX:+7 495 000-00-02\r\n"
    "item1.TEL:+7 495 000-00-03\r\n"
    "item1.X-ABLabel:_$!<Mobile>!$_\r\n"
    "item2.TEL:+7 495 000-00-04\r\n"
    "item2.X-ABLabel:Дача\r\n"
    "item3.ADR;type=HOME;type=pref:;;Ленинский проспект\\, 5\\nкв. 10;Москва;;119049;Россия\r\n"
    "item3.X-ABADR:ru\r\n"
    "BDAY;X-APPLE-OMIT-YEAR=1604:1604-03-08\r\n"
    "PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAMCAgICAgMCAgIDAwMDBAYEBAQEBAgGBg\r\n"
    " UGCQgKCgkICQkKDA8MCgsOCwkJDRENDg8QEBEQCgwSExIQEw8QEBD/2wBDAQMDAwQDBAgEBAgQ\r\n"
    " CwkLEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBD/wA\r\n"
    "X-ABUID:5AD380FD-B2DE-4261-BA99-DE1D1DB52FBE:ABPerson\r\n"
    "UID:5AD380FD-B2DE-4261-BA99-DE1D1DB52FBE\r\n"
    "END:VCARD\r\n"
)

THUNDERBIRD_EXPORT = (
    "BEGIN:VCARD\r\n"
    "VERSION:4.0\r\n"
    "EMAIL;PREF=1:petr@example.org\r\n"
    "FN:Пётр Кузнецов\r\n"
    "N:Кузнецов;Пётр;;;\r\n"
    "TEL;TYPE=work;VALUE=TEXT:+7 812 555-01-02\r\n"
    "TEL;TYPE=cell;VALUE=TEXT:+7 921 555-01-03\r\n"
    'TEL;VALUE=uri;TYPE="voice,home":tel:+7-812-555-0104;ext=5\r\n'
    "ORG:Балтийская верфь\r\n"
    "TITLE:Инженер\r\n"
    "BDAY;VALUE=DATE:19790521\r\n"
    "URL;VALUE=URL:https://verf.example.ru\r\n"
    "ADR;TYPE=work:;;Невский пр.\\, 1;Санкт-Петербург;;191186;Россия\r\n"
    "NOTE:Звонить после 10:00\r\n"
    "UID:b7a4e3e2-6c4e-4c9a-9a7b-1f2f3a4b5c6d\r\n"
    "END:VCARD\r\n"
)

# An Android phone's export: vCard 2.1, bare parameters, UTF-8 in QUOTED-PRINTABLE with soft breaks.
PHONE_2_1_EXPORT = (
    "BEGIN:VCARD\r\n"
    "VERSION:2.1\r\n"
    "N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=D0=A1=D0=B8=D0=B4=D0=BE=D1=80=D0=BE=D0=B2;=D0=90=D0=BB=D0=B5=D0=BA=D1=81=\r\n"
    "=D0=B5=D0=B9;=D0=9F=D0=B5=D1=82=D1=80=D0=BE=D0=B2=D0=B8=D1=87;;\r\n"
    "FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=D0=90=D0=BB=D0=B5=D0=BA=D1=81=D0=B5=D0=B9 =D0=9F=D0=B5=D1=82=D1=80=D0=BE=\r\n"
    "=D0=B2=D0=B8=D1=87 =D0=A1=D0=B8=D0=B4=D0=BE=D1=80=D0=BE=D0=B2\r\n"
    "TEL;CELL;PREF:+79161234567\r\n"
    "TEL;WORK;VOICE:+74951234567\r\n"
    "TEL;HOME;FAX:+74951234568\r\n"
    "EMAIL;INTERNET;HOME:sidorov@example.ru\r\n"
    "ORG;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=D0=97=D0=90=D0=9E =D0=9B=D0=B5=D1=81=D1=82=D0=BE=D1=80=D0=B3\r\n"
    "NOTE;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=D0=9F=D0=BE=D1=81=D1=82=D0=B0=D0=B2=D1=89=D0=B8=D0=BA =D0=BF=D0=B8=D0=BB=\r\n"
    "=D0=BE=D0=BC=D0=B0=D1=82=D0=B5=D1=80=D0=B8=D0=B0=D0=BB=D0=BE=D0=B2=0D=0A=D0=B7=D0=B2=D0=BE=D0=BD=\r\n"
    "=D0=B8=D1=82=D1=8C =D1=83=D1=82=D1=80=D0=BE=D0=BC\r\n"
    "BDAY:19700115\r\n"
    "PHOTO;ENCODING=BASE64;JPEG:/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAMCAgICAgMCAgIDAwMDBAYEBAQEBAgGBg\r\n"
    " UGCQgKCgkICQkKDA8MCgsOCwkJDRENDg8QEBEQCgwSExIQEw8QEBD\r\n"
    "\r\n"
    "END:VCARD\r\n"
)


def test_load_google_contacts_export():
    result = vcards_load(GOOGLE_EXPORT)

    assert result.errors == []
    ivan, olga = result.contacts
    assert ivan == VCardContact(
        last_name="Петров",
        first_name="Иван",
        middle_name="Сергеевич",
        full_name="Иван Петров",
        organization="ООО «Ромашка»",
        title="Менеджер по закупкам",
        birthday=datetime.date(1985, 4, 12),
        phones=[("cell", "+7 916 123-45-67"), ("work", "+7 (495) 123-45-67")],
        emails=[("work", "ivan.petrov@example.ru"), ("home", "ivan@example.com")],
        addresses=[("work", "ул. Тверская, д. 1, Москва, 125009, Россия")],
        urls=["http://romashka.example.ru"],
        note="Познакомились на выставке\nв Крокус Экспо",
    )
    assert olga.first_name == "Ольга"
    assert olga.birthday is None  # --MMDD: the day is known, the year is not


def test_load_apple_contacts_export():
    result = vcards_load(APPLE_EXPORT)

    assert result.errors == []
    (anna,) = result.contacts
    assert anna.full_name == "Анна Смирнова"
    assert anna.organization == "Рога и копыта, Отдел продаж"
    assert anna.emails == [("work", "anna@roga.example")]
    assert anna.phones == [
        ("cell", "+7 903 000-00-01"),
        ("fax", "+7 495 000-00-02"),
        ("cell", "+7 495 000-00-03"),
        ("", "+7 495 000-00-04"),
    ]
    assert anna.addresses == [("home", "Ленинский проспект, 5\nкв. 10, Москва, 119049, Россия")]
    assert anna.birthday is None  # X-APPLE-OMIT-YEAR: the year 1604 means "not given"
    assert anna.uid == "5AD380FD-B2DE-4261-BA99-DE1D1DB52FBE"


def test_load_thunderbird_export():
    result = vcards_load(THUNDERBIRD_EXPORT)

    assert result.errors == []
    (petr,) = result.contacts
    assert (petr.last_name, petr.first_name, petr.full_name) == ("Кузнецов", "Пётр", "Пётр Кузнецов")
    assert petr.emails == [("", "petr@example.org")]
    assert petr.phones == [
        ("work", "+7 812 555-01-02"),
        ("cell", "+7 921 555-01-03"),
        ("home", "+7-812-555-0104;ext=5"),
    ]
    assert petr.birthday == datetime.date(1979, 5, 21)
    assert petr.urls == ["https://verf.example.ru"]
    assert petr.addresses == [("work", "Невский пр., 1, Санкт-Петербург, 191186, Россия")]
    assert petr.note == "Звонить после 10:00"


def test_load_vcard_2_1_quoted_printable_from_a_phone():
    result = vcards_load(PHONE_2_1_EXPORT)

    assert result.errors == []
    (contact,) = result.contacts
    assert (contact.last_name, contact.first_name, contact.middle_name) == ("Сидоров", "Алексей", "Петрович")
    assert contact.full_name == "Алексей Петрович Сидоров"
    assert contact.organization == "ЗАО Лесторг"
    assert contact.note == "Поставщик пиломатериалов\nзвонить утром"
    assert contact.phones == [("cell", "+79161234567"), ("work", "+74951234567"), ("fax", "+74951234568")]
    assert contact.emails == [("home", "sidorov@example.ru")]
    assert contact.birthday == datetime.date(1970, 1, 15)


def test_load_accepts_lf_line_ends_tab_folding_and_comma_joined_types():
    text = (
        "begin:vcard\n"
        "version:3.0\n"
        "fn:Очень длинное имя,\n"
        "\t которое продолжается\n"
        "tel;type=work,voice:+7 1\n"
        "tel;type=WORK;type=FAX:+7 2\n"
        "end:vcard\n"
    )

    (contact,) = vcards_load(text).contacts

    assert contact.full_name == "Очень длинное имя, которое продолжается"
    assert contact.phones == [("work", "+7 1"), ("fax", "+7 2")]


# ------------------------------------------------------------------------------- errors


def test_a_broken_card_is_reported_and_the_good_ones_are_kept():
    text = (
        GOOGLE_EXPORT  # cards 1 and 2
        + "BEGIN:VCARD\r\nVERSION:3.0\r\nTEL:+7 000\r\nNOTE:кто это?\r\nEND:VCARD\r\n"  # card 3: no name
        + "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Кривая дата\r\nBDAY:вчера\r\nEND:VCARD\r\n"  # card 4
        + THUNDERBIRD_EXPORT  # card 5
    )

    result = vcards_load(text)

    assert [c.full_name for c in result.contacts] == ["Иван Петров", "Ольга", "Кривая дата", "Пётр Кузнецов"]
    no_name, bad_date = result.errors
    assert (no_name.card_index, no_name.line, no_name.skipped) == (3, 25, True)
    assert rendered(no_name.message) == "Card 3 has no name (FN or N)."
    assert (bad_date.card_index, bad_date.line, bad_date.skipped) == (4, 33, False)
    assert rendered(bad_date.message) == (
        "Card 4 has a birthday that is not a date (вчера); it was left empty."
    )
    assert result.contacts[2].birthday is None


def test_a_card_without_end_is_reported():
    text = "BEGIN:VCARD\nFN:Первый\nBEGIN:VCARD\nFN:Второй\nEND:VCARD\nBEGIN:VCARD\nFN:Обрыв"

    result = vcards_load(text)

    assert [c.full_name for c in result.contacts] == ["Второй"]
    assert [(e.card_index, e.line) for e in result.errors] == [(1, 1), (3, 6)]
    assert rendered(result.errors[0].message) == "Card 1 is not closed with END:VCARD."


@pytest.mark.parametrize(
    "text",
    ["", "Фамилия;Имя;Телефон\nИванов;Иван;+7 000\n", "BEGIN:VCALENDAR\nEND:VCALENDAR\n", "\x00\xff garbage"],
)
def test_text_that_is_not_vcard_gives_one_error(text):
    result = vcards_load(text)

    assert result.contacts == []
    assert result.errors == [VCardError(0, 1, result.errors[0].message)]
    assert rendered(result.errors[0].message) == (
        "The text is not a vCard file: no BEGIN:VCARD line was found."
    )


def test_too_many_cards_are_refused_before_parsing():
    card = "BEGIN:VCARD\r\nFN:x\r\nEND:VCARD\r\n"

    result = vcards_load(card * 50_001)

    assert result.contacts == []
    (error,) = result.errors
    assert (error.card_index, error.line) == (0, 150_001)
    assert rendered(error.message) == "The file holds more than 50000 cards; split it into smaller files."
    assert len(vcards_load(card * 4, max_cards=4).contacts) == 4
    folded = "BEGIN:VC\r\n ARD\r\nFN:y\r\nEND:VCARD\r\n"  # unseen by the quick count
    (late,) = vcards_load(card * 4 + folded, max_cards=4).errors
    assert (late.card_index, late.line) == (0, 13)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1985-04-12", datetime.date(1985, 4, 12)),
        ("19850412", datetime.date(1985, 4, 12)),
        ("1985-04-12T00:00:00Z", datetime.date(1985, 4, 12)),
        ("12.04.1985", datetime.date(1985, 4, 12)),
        ("--0412", None),
        ("--04-12", None),
        ("---12", None),
        ("1985", None),
        ("", None),
    ],
)
def test_birthday_forms(value, expected):
    text = f"BEGIN:VCARD\nVERSION:4.0\nFN:Тест\nBDAY:{value}\nEND:VCARD\n"

    result = vcards_load(text)

    assert result.errors == []
    assert result.contacts[0].birthday == expected


# ------------------------------------------------------------------------------- property

_TEXT = st.text(st.characters(exclude_categories=("Cs", "Cc"), include_characters="\n"), max_size=90)
_FILLED = _TEXT.filter(str.strip)


def _entries(kinds):
    return st.lists(st.tuples(st.sampled_from(kinds), _FILLED), max_size=3)


_CONTACTS = st.builds(
    VCardContact,
    last_name=_TEXT,
    first_name=_TEXT,
    middle_name=_TEXT,
    full_name=_FILLED,  # a card needs a name to be a contact at all
    organization=_TEXT,
    title=_TEXT,
    role=_TEXT,
    birthday=st.none() | st.dates(),
    phones=_entries(["", "work", "cell", "home", "fax"]),
    emails=_entries(["", "work", "home"]),
    addresses=_entries(["", "work", "home"]),
    urls=st.lists(_FILLED, max_size=2),
    note=_TEXT,
    uid=_TEXT,
)


@hypothesis_settings(max_examples=150, deadline=None)
@given(contacts=st.lists(_CONTACTS, min_size=1, max_size=3), version=st.sampled_from(["3.0", "4.0"]))
def test_dump_then_load_is_the_identity(contacts, version):
    text = vcards_dump(contacts, version=version)

    result = vcards_load(text)

    assert result.errors == []
    assert result.contacts == contacts
    assert all(len(line.encode("utf-8")) <= 75 for line in text.split("\r\n"))


@hypothesis_settings(max_examples=300, deadline=None)
@given(body=st.text(max_size=300))
def test_load_never_raises_on_garbage(body):
    for text in (body, f"BEGIN:VCARD\r\n{body}\r\nEND:VCARD\r\n", f"BEGIN:VCARD\nFN:{body}\n{body}"):
        result = vcards_load(text)

        assert len(result.contacts) + sum(e.skipped for e in result.errors) >= 1
