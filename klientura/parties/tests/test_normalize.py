"""Normalisers of phones, e-mails and company names.

Plain functions, no database. Runs with ``-p no:django`` (settings configured here) and under
pytest-django (its settings are used).
"""

import os

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from klientura.parties.normalize import (
    INVALID_EMAIL,
    INVALID_PHONE,
    name_similarity,
    normalize_email,
    normalize_name,
    normalize_phone,
    split_extension,
)

if not settings.configured and "DJANGO_SETTINGS_MODULE" not in os.environ:
    settings.configure(USE_I18N=False)


def rejection(function, *args) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        function(*args)
    return info.value


def english(error: ValidationError) -> str:
    with translation.override("en"):
        return " ".join(error.messages)


# --- phones -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "8 (912) 345-67-89",
        "+7 912 345 67 89",
        "89123456789",
        "79123456789",
        "9123456789",
        "(912) 345-67-89",
        "+7-912-345-67-89",
        "  +7 (912) 3456789  ",
        "8 (912) 345-67-89 доб. 123",
        "+7 912 345 67 89 ext 5",
    ],
)
def test_russian_mobile_spellings_give_one_e164(raw):
    assert normalize_phone(raw) == "+79123456789"


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("8 (495) 123-45-67", "RU", "+74951234567"),
        ("8-800-555-35-35", "RU", "+78005553535"),
        ("+375 29 123-45-67", "RU", "+375291234567"),
        ("8 029 123-45-67", "BY", "+375291234567"),
        ("030 1234567", "DE", "+49301234567"),
    ],
)
def test_phones_with_regions(raw, region, expected):
    assert normalize_phone(raw, default_region=region) == expected


@pytest.mark.parametrize(
    "raw",
    ["", "   ", "abc", "12345", "8 (912) 345-67", "+7 000 000 00 00", "+7 912 345 67 89 00 11", "доб. 12"],
)
def test_non_phones_are_rejected(raw):
    error = rejection(normalize_phone, raw)
    assert error.code == INVALID_PHONE
    assert english(error) == "Enter a valid phone number, for example +7 912 345-67-89."


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("8 (495) 123-45-67 доб. 123", ("8 (495) 123-45-67", "123")),
        ("8 (495) 123-45-67, доб 123", ("8 (495) 123-45-67", "123")),
        ("8 (495) 123-45-67 добавочный 7", ("8 (495) 123-45-67", "7")),
        ("8 (495) 123-45-67 (вн. 45)", ("8 (495) 123-45-67", "45")),
        ("+7 495 123 45 67 Доб.: 12", ("+7 495 123 45 67", "12")),
        ("+7 495 123 45 67 ext 12", ("+7 495 123 45 67", "12")),
        ("+7 495 123 45 67 ext. 12", ("+7 495 123 45 67", "12")),
        ("+7 495 123 45 67 EXT12", ("+7 495 123 45 67", "12")),
        ("+7 495 123 45 67 x12", ("+7 495 123 45 67", "12")),
        ("+7 495 123 45 67 #12", ("+7 495 123 45 67", "12")),
        ("+7 495 123 45 67", ("+7 495 123 45 67", "")),
        ("  8 912 345 67 89 ", ("8 912 345 67 89", "")),
        ("", ("", "")),
    ],
)
def test_split_extension(raw, expected):
    assert split_extension(raw) == expected


def test_extension_is_dropped_from_the_e164():
    raw = "8 (495) 123-45-67 доб. 123"
    assert normalize_phone(raw) == "+74951234567"
    assert split_extension(raw)[1] == "123"


# --- e-mails ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Ivan.Petrov@Example.COM ", "ivan.petrov@example.com"),
        ("sales+crm@romashka.ru", "sales+crm@romashka.ru"),
        ("INFO@ПОЧТА.РФ", "info@почта.рф"),
    ],
)
def test_emails_are_trimmed_and_lower_cased(raw, expected):
    assert normalize_email(raw) == expected


@pytest.mark.parametrize(
    "raw", ["", "   ", "ivan", "ivan@", "@example.com", "ivan petrov@example.com", "a@b.c"]
)
def test_non_emails_are_rejected(raw):
    error = rejection(normalize_email, raw)
    assert error.code == INVALID_EMAIL
    assert english(error) == "Enter a valid e-mail address, for example name@example.com."


# --- company names ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        'ООО "Ромашка"',
        "«РОМАШКА», ООО",
        "ООО «Ромашка»",
        "ООО „Ромашка“",
        "ООО “Ромашка”",
        "ООО 'Ромашка'",
        "ООО ‘Ромашка’",
        "ООО ''Ромашка''",
        "Общество с ограниченной ответственностью «Ромашка»",
        "ОБЩЕСТВО С ОГРАНИЧЕННОЙ ОТВЕТСТВЕННОСТЬЮ РОМАШКА",
        "  Ромашка  ",
        "Ромашка, ООО.",
        "АО Ромашка",
        "ПАО «Ромашка»",
        "Публичное акционерное общество «Ромашка»",
        "Акционерное общество Ромашка",
        "ЗАО Ромашка",
        "ОАО Ромашка",
        "НАО Ромашка",
        "ФГУП «Ромашка»",
        "МУП Ромашка",
        "ГУП Ромашка",
        "АНО Ромашка",
        "НКО Ромашка",
        "ТОО Ромашка",
        'OOO "Ромашка"',  # Latin O
    ],
)
def test_quotes_and_legal_forms_are_dropped(raw):
    assert normalize_name(raw) == "ромашка"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ИП Иванов Иван Иванович", "иванов иван иванович"),
        ("Индивидуальный предприниматель Иванов И.И.", "иванов и и"),
        ("Romashka LLC", "romashka"),
        ("Romashka Ltd.", "romashka"),
        ("Romashka, Inc.", "romashka"),
        ("Romashka GmbH", "romashka"),
        ("McDonald’s Ltd", "mcdonalds"),
        ("ООО «Ёлка-Плюс»", "елка плюс"),
        ("Ёлка", "елка"),
        ("Е\u0308лка", "елка"),  # "Ё" written with a combining diaeresis
        ("Рога   и\tкопыта!!!", "рога и копыта"),
        ("ПАО Сбербанк", "сбербанк"),
        ("АО «Тинькофф Банк»", "тинькофф банк"),
        ("ООО «Рога & Копыта»", "рога копыта"),
        ("ООО", ""),
        ("", ""),
    ],
)
def test_normalize_name_examples(raw, expected):
    assert normalize_name(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Аоника", "аоника"),
        ("Ипподром", "ипподром"),
        ("Пао-Пао Ромашка", "ромашка"),
        ("Ооопс", "ооопс"),
        ("Incom Ltd", "incom"),
        ("Акционерное", "акционерное"),
        ("Общество любителей ромашек", "общество любителей ромашек"),
    ],
)
def test_legal_forms_are_only_removed_as_whole_words(raw, expected):
    assert normalize_name(raw) == expected


def test_removing_one_legal_form_that_reveals_another_is_stable():
    assert normalize_name("Акционерное ООО общество Ромашка") == "ромашка"


names = st.text(
    alphabet=st.sampled_from(list("абвгдеёжзийклмнопрстуфхцчшщъыьэюяАОПИЁ ООО\"'«»„“”‘’.,-&abcLTDinc0123")),
    max_size=40,
)


@given(raw=st.one_of(names, st.text(max_size=40)))
def test_normalize_name_is_idempotent(raw):
    once = normalize_name(raw)
    assert normalize_name(once) == once


@given(raw=st.text(max_size=40))
def test_normalize_name_output_is_plain_words(raw):
    result = normalize_name(raw)
    assert result == " ".join(result.split())
    assert "ё" not in result


# --- similarity -------------------------------------------------------------------------------


def test_same_company_spelled_differently_is_identical():
    assert name_similarity('ООО "Ромашка"', "«РОМАШКА», ООО") == 1.0
    assert name_similarity("Рога и Копыта", 'ЗАО "Копыта и рога"') == 1.0


def test_close_names_are_similar_and_different_names_are_not():
    assert name_similarity("Ромашка", "Ромашкаа") > 0.9
    assert name_similarity("ООО Ромашка Плюс", "Ромашка") > 0.5
    assert name_similarity("Ромашка", "Газпром нефть") < 0.5


def test_names_that_are_only_legal_forms_match_nothing():
    assert name_similarity("ООО", "ООО") == 0.0
    assert name_similarity("", "Ромашка") == 0.0


@given(a=names, b=names)
def test_similarity_is_a_symmetric_fraction(a, b):
    score = name_similarity(a, b)
    assert 0.0 <= score <= 1.0
    assert score == name_similarity(b, a)
