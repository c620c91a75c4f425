"""The Russian fake-data generator: deterministic, grammatical, valid, and fast enough for 10⁶ clients.

Pure Python, no database: runs with ``-p no:django`` as well as under pytest-django.
"""

import re
import time
from collections import Counter
from datetime import date
from random import Random
from zoneinfo import ZoneInfo

import phonenumbers
import pytest
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator

from klientura.core import fake_ru
from klientura.core.fake_ru import (
    REGIONS,
    agree,
    fake_company,
    fake_landline,
    fake_mobile,
    fake_person,
    fake_user,
    female_last_name,
    patronymics,
    slugify_ru,
    transliterate,
)

TODAY = date(2025, 6, 15)
LANDLINE = re.compile(r"^\+7 \((\d{3,4})\) (\d{2,3})-(\d{2})-(\d{2})$")
MOBILE = re.compile(r"^\+7 9\d{2} \d{3}-\d{2}-\d{2}$")
validate_email = EmailValidator()


def companies(n, seed=1):
    rng = Random(seed)
    return [fake_company(rng, today=TODAY) for _ in range(n)]


def persons(n, seed=1, domain=None):
    rng = Random(seed)
    return [fake_person(rng, domain, today=TODAY) for _ in range(n)]


def age_on(birthday, today):
    return today.year - birthday.year - ((today.month, today.day) < (birthday.month, birthday.day))


# --- determinism ----------------------------------------------------------------------------------
def test_same_seed_gives_same_data():
    assert companies(500, seed=7) == companies(500, seed=7)
    assert persons(500, seed=7, domain="a.ru") == persons(500, seed=7, domain="a.ru")
    assert [fake_user(Random(3), i) for i in range(50)] == [fake_user(Random(3), i) for i in range(50)]


def test_different_seeds_give_different_data():
    assert [c.short_name for c in companies(50, seed=1)] != [c.short_name for c in companies(50, seed=2)]


def test_generators_use_only_the_given_rng():
    """Interleaving other random calls elsewhere must not change a seeded stream."""
    import random

    random.seed(1)
    first = companies(100, seed=5)
    random.seed(999)
    random.random()
    assert companies(100, seed=5) == first


# --- grammar --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("masculine", "feminine", "neuter"),
    [
        ("Северный", "Северная", "Северное"),
        ("Золотой", "Золотая", "Золотое"),
        ("Синий", "Синяя", "Синее"),
        ("Русский", "Русская", "Русское"),
        ("Свежий", "Свежая", "Свежее"),
        ("Северо-Западный", "Северо-Западная", "Северо-Западное"),
    ],
)
def test_adjectives_agree_with_the_noun_gender(masculine, feminine, neuter):
    assert agree(masculine, "m") == masculine
    assert agree(masculine, "f") == feminine
    assert agree(masculine, "n") == neuter


def test_every_name_adjective_has_a_proper_feminine_and_neuter_form():
    for adjective in fake_ru._ADJECTIVES + fake_ru._GEO_ADJECTIVES:
        assert adjective.endswith(("ый", "ий", "ой")), adjective
        assert agree(adjective, "f").endswith(("ая", "яя")), adjective
        assert agree(adjective, "n").endswith(("ое", "ее")), adjective


@pytest.mark.parametrize(
    ("male", "female"),
    [
        ("Иванов", "Иванова"),
        ("Соловьёв", "Соловьёва"),
        ("Ильин", "Ильина"),
        ("Высоцкий", "Высоцкая"),
        ("Толстой", "Толстая"),
        ("Черных", "Черных"),
        ("Шевченко", "Шевченко"),
    ],
)
def test_female_last_names(male, female):
    assert female_last_name(male) == female


@pytest.mark.parametrize(
    ("father", "son", "daughter"),
    [
        ("Сергей", "Сергеевич", "Сергеевна"),
        ("Иван", "Иванович", "Ивановна"),
        ("Юрий", "Юрьевич", "Юрьевна"),
        ("Дмитрий", "Дмитриевич", "Дмитриевна"),
        ("Николай", "Николаевич", "Николаевна"),
        ("Игорь", "Игоревич", "Игоревна"),
        ("Илья", "Ильич", "Ильинична"),
        ("Никита", "Никитич", "Никитична"),
        ("Лев", "Львович", "Львовна"),
        ("Пётр", "Петрович", "Петровна"),
        ("Михаил", "Михайлович", "Михайловна"),
    ],
)
def test_patronymics(father, son, daughter):
    assert patronymics(father) == (son, daughter)


def test_persons_have_the_forms_of_their_gender():
    people = persons(5000)
    genders = Counter(p.gender for p in people)
    assert set(genders) == {"male", "female"}
    assert min(genders.values()) > 2000
    female_forms = {female_last_name(m) for m in fake_ru._MALE_LAST_NAMES}
    for p in people:
        if p.gender == "female":
            assert p.first_name in fake_ru._FEMALE_FIRST_NAMES
            assert p.last_name in female_forms
            assert not p.last_name.endswith(("ов", "ев", "ёв", "ин", "ский", "цкий", "ой"))
            assert p.middle_name.endswith(("вна", "ична"))
        else:
            assert p.first_name in fake_ru._MALE_FIRST_NAMES
            assert p.last_name in fake_ru._MALE_LAST_NAMES
            assert p.middle_name.endswith("ич")


def test_company_names_agree_in_gender():
    feminine = re.compile(r"\b\w+(ая|яя) (Звезда|Волна|Линия|Гавань|Заря|Река|компания|группа)\b")
    masculine = re.compile(r"\b\w+(ый|ий|ой) (Ветер|Мост|Берег|Маяк|холдинг|альянс|центр)\b")
    neuter = re.compile(r"\b\w+(ое|ее) (Сияние|Поле|Море|Солнце|объединение|агентство)\b")
    wrong = re.compile(
        r"\b\w+(ый|ий|ой|ое|ее) (Звезда|компания)\b|\b\w+(ая|яя|ое|ее) (Ветер|холдинг)\b"
        r"|\b\w+(ая|яя|ый|ий|ой) (Сияние|объединение)\b"
    )
    names = [c.name for c in companies(20_000) if c.legal_form != "ИП"]
    assert not [n for n in names if wrong.search(n)]
    for pattern in (feminine, masculine, neuter):
        assert any(pattern.search(n) for n in names), pattern.pattern


# --- companies ------------------------------------------------------------------------------------
def test_company_shape():
    sample = companies(5000)
    forms = Counter(c.legal_form for c in sample)
    assert set(forms) == {"ООО", "АО", "ПАО", "ИП"}
    assert 0.10 < forms["ИП"] / len(sample) < 0.20
    assert forms["ООО"] > forms["АО"] > forms["ПАО"]
    for c in sample:
        assert c.region in REGIONS
        assert c.industry
        assert c.address.city == c.region.city
        assert c.address.text.startswith(c.address.postal_code)
        assert len(c.address.postal_code) == 6
        assert c.email.endswith("@" + c.domain)
        assert c.website in ("", f"https://{c.domain}")
        if c.legal_form == "ИП":
            assert c.owner is not None
            assert c.short_name == f"ИП {c.owner.short_name}"
            assert re.fullmatch(r"ИП [А-ЯЁ][а-яё-]+ [А-ЯЁ]\. [А-ЯЁ]\.", c.short_name), c.short_name
            assert c.full_name == f"Индивидуальный предприниматель {c.owner.full_name}"
            assert c.address.premises.startswith("кв. ")
        else:
            assert c.owner is None
            assert c.short_name == f'{c.legal_form} "{c.name}"'
            assert c.full_name.endswith(f' "{c.name}"')
            assert c.full_name.split(" ")[0] in ("Общество", "Акционерное", "Публичное")
    examples = {c.full_name for c in sample}
    assert any(n.startswith('Общество с ограниченной ответственностью "') for n in examples)


def test_moscow_gets_the_most_clients():
    regions = Counter(c.region.name for c in companies(5000))
    assert regions.most_common(1)[0][0] == "Москва"
    assert len(regions) == len(REGIONS)


def test_100k_companies_are_fast_and_mostly_distinct():
    rng = Random(2024)
    started = time.perf_counter()
    names = [fake_company(rng).short_name for _ in range(100_000)]
    elapsed = time.perf_counter() - started
    assert elapsed < 20, f"{elapsed:.1f} s"  # a loose sanity bound; about 1.5 s on a laptop
    assert len(set(names)) >= 90_000


# --- phones ---------------------------------------------------------------------------------------
def assert_valid_ru(number, expected_types):
    parsed = phonenumbers.parse(number, None)
    assert phonenumbers.is_valid_number(parsed), number
    assert phonenumbers.region_code_for_number(parsed) == "RU", number
    assert phonenumbers.number_type(parsed) in expected_types, number


FIXED = {phonenumbers.PhoneNumberType.FIXED_LINE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}
MOBILES = {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}


def test_landlines_use_the_region_code_and_are_valid():
    rng = Random(11)
    for region in REGIONS:
        for _ in range(500):
            number = fake_landline(rng, region)
            match = LANDLINE.fullmatch(number)
            assert match, number
            assert match.group(1) == region.area_code
            assert len("".join(match.groups())) == 10
            assert_valid_ru(number, FIXED)


def test_mobiles_are_formatted_and_valid():
    rng = Random(12)
    for _ in range(20_000):
        number = fake_mobile(rng)
        assert MOBILE.fullmatch(number), number
        assert_valid_ru(number, MOBILES)


def test_every_mobile_code_is_valid_across_its_whole_range():
    for code in fake_ru._MOBILE_CODES:
        for subscriber in ("000-00-00", "999-99-99", "123-45-67", "500-00-01"):
            assert_valid_ru(f"+7 {code} {subscriber}", MOBILES)


def test_company_phones_are_valid():
    for c in companies(3000):
        assert LANDLINE.fullmatch(c.phone) or MOBILE.fullmatch(c.phone), c.phone
        assert_valid_ru(c.phone, FIXED | MOBILES)


# --- e-mails and users ----------------------------------------------------------------------------
def assert_email(address):
    assert address.isascii(), address
    try:
        validate_email(address)
    except ValidationError:  # pragma: no cover - the message is the point
        pytest.fail(f"invalid e-mail {address!r}")


def test_emails_are_ascii_and_valid():
    for c in companies(10_000):
        assert_email(c.email)
        if c.owner:
            assert_email(c.owner.email)
    for p in persons(5000, domain="severnaya-zvezda.ru"):
        assert_email(p.email)
        assert p.email.endswith("@severnaya-zvezda.ru")
    for p in persons(2000):
        assert_email(p.email)


def test_person_email_is_built_from_the_name():
    for p in persons(2000, domain="x.ru"):
        local = p.email.split("@")[0]
        assert slugify_ru(p.last_name, "") in local.split(".")


def test_company_domain_is_the_transliterated_name():
    for c in companies(2000):
        if c.legal_form != "ИП":
            assert c.domain.rpartition(".")[0] == slugify_ru(c.name)


def test_demo_users_are_unique_and_valid():
    rng = Random(5)
    users = [fake_user(rng, i) for i in range(300)]
    usernames = [u[0] for u in users]
    assert len(set(usernames)) == len(usernames)
    for username, first, last, email in users:
        assert re.fullmatch(r"[a-z.0-9]+", username) and len(username) <= 150
        assert first and last
        assert email == f"{username}@{fake_ru.DEMO_USER_DOMAIN}"
        assert_email(email)


# --- people ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("today", [TODAY, date(2024, 2, 29), date(2025, 1, 1), date(2025, 12, 31)])
def test_ages_are_22_to_65(today):
    rng = Random(today.toordinal())
    ages = [age_on(fake_person(rng, today=today).birthday, today) for _ in range(5000)]
    assert min(ages) >= 22
    assert max(ages) <= 65
    assert min(ages) <= 23 and max(ages) >= 64


def test_person_names_and_positions():
    for p in persons(1000):
        assert p.full_name == f"{p.last_name} {p.first_name} {p.middle_name}"
        assert p.short_name == f"{p.last_name} {p.first_name[0]}. {p.middle_name[0]}."
        assert p.position
    assert "Генеральный директор" in {p.position for p in persons(1000)}


# --- regions and transliteration ------------------------------------------------------------------
def test_regions():
    assert 15 <= len(REGIONS) <= 20
    assert len({r.name for r in REGIONS}) == len(REGIONS)
    for name, timezone, city, area_code in REGIONS:
        assert ZoneInfo(timezone)
        assert name and city
        assert re.fullmatch(r"\d{3,4}", area_code)
    zones = {r.name: r.timezone for r in REGIONS}
    assert zones["Москва"] == "Europe/Moscow"
    assert zones["Новосибирская область"] == "Asia/Novosibirsk"
    assert zones["Свердловская область"] == "Asia/Yekaterinburg"
    assert zones["Приморский край"] == "Asia/Vladivostok"
    assert zones["Калининградская область"] == "Europe/Kaliningrad"
    assert zones["Самарская область"] == "Europe/Samara"
    assert zones["Камчатский край"] == "Asia/Kamchatka"


@pytest.mark.parametrize(
    ("text", "latin", "slug"),
    [
        ("Северная Звезда", "Severnaya Zvezda", "severnaya-zvezda"),
        ("Щукин", "Shchukin", "shchukin"),
        ("Объединённая Юг-Строй 24", "Obedinennaya Yug-Stroy 24", "obedinennaya-yug-stroy-24"),
        ("Хабаровск", "Khabarovsk", "khabarovsk"),
        ('ТД "Ёлка" и К', 'TD "Elka" i K', "td-elka-i-k"),
    ],
)
def test_transliteration(text, latin, slug):
    assert transliterate(text) == latin
    assert slugify_ru(text) == slug


def test_transliteration_covers_the_whole_alphabet():
    alphabet = "абвгдеёжзийклмнопрстуфхцчшщъыьэюя"
    assert transliterate(alphabet + alphabet.upper()).isascii()
    assert re.fullmatch(r"[a-z]+", slugify_ru(alphabet))
