"""Normalisers for phones, e-mails and company names, used by the duplicate check and search.

Each returns one canonical form, so that two spellings of the same thing compare equal.
"""

from __future__ import annotations

import re
import unicodedata

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils.translation import gettext_lazy as _
from rapidfuzz import fuzz

INVALID_PHONE = "invalid_phone"
INVALID_EMAIL = "invalid_email"

# "доб. 123", "вн. 12", "ext 45", "x45", "#45", optionally in brackets, at the end of the string.
_EXTENSION_RE = re.compile(
    r"[\s,;(]*(?<![^\W\d_])"
    r"(?:доб(?:авочный)?|вн(?:утр(?:енний)?)?|ext(?:ension)?|x|#)"
    r"[\s.:]*(?P<extension>\d{1,10})\s*\)?\s*$",
    re.IGNORECASE,
)

_email_validator = EmailValidator(
    message=_("Enter a valid e-mail address, for example name@example.com."),
    code=INVALID_EMAIL,
)

# Apostrophes inside a word ("McDonald's") are dropped; every other quote separates words.
_INNER_APOSTROPHE_RE = re.compile(r"(?<=\w)['‘’‛ʼ`´](?=\w)")
_NOT_WORD_RE = re.compile(r"[\W_]+")

_LEGAL_FORMS = (
    "ооо",
    "оао",
    "зао",
    "пао",
    "ао",
    "нао",
    "ип",
    "нко",
    "ано",
    "гуп",
    "муп",
    "фгуп",
    "тоо",
    "ooo",  # the Cyrillic abbreviation typed with Latin letters
    "общество с ограниченной ответственностью",
    "товарищество с ограниченной ответственностью",
    "акционерное общество",
    "публичное акционерное общество",
    "непубличное акционерное общество",
    "открытое акционерное общество",
    "закрытое акционерное общество",
    "индивидуальный предприниматель",
    "некоммерческая организация",
    "автономная некоммерческая организация",
    "государственное унитарное предприятие",
    "муниципальное унитарное предприятие",
    "федеральное государственное унитарное предприятие",
    "llc",
    "ltd",
    "inc",
    "gmbh",
)


def _forms_by_first_word() -> dict[str, list[tuple[str, ...]]]:
    index: dict[str, list[tuple[str, ...]]] = {}
    for form in _LEGAL_FORMS:
        words = tuple(form.split())
        index.setdefault(words[0], []).append(words)
    for forms in index.values():
        forms.sort(key=len, reverse=True)  # the longest phrase wins
    return index


_FORMS_BY_FIRST_WORD = _forms_by_first_word()


def split_extension(raw: str) -> tuple[str, str]:
    """Split "8 (495) 123-45-67 доб. 123" into ("8 (495) 123-45-67", "123")."""
    text = (raw or "").strip()
    match = _EXTENSION_RE.search(text)
    if match is None:
        return text, ""
    return text[: match.start()].strip(), match.group("extension")


def normalize_phone(raw: str, default_region: str = "RU") -> str:
    """The number in E.164 ("+79123456789"); an extension is dropped (see ``split_extension``)."""
    number, _extension = split_extension(raw)
    error = ValidationError(
        _("Enter a valid phone number, for example +7 912 345-67-89."), code=INVALID_PHONE
    )
    try:
        parsed = phonenumbers.parse(number, default_region)
    except phonenumbers.NumberParseException as exc:
        raise error from exc
    if not phonenumbers.is_valid_number(parsed):
        raise error
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def normalize_email(raw: str) -> str:
    email = (raw or "").strip().lower()
    _email_validator(email)
    if len(email) > 254:  # RFC 5321's limit for a path, and our column's width
        raise ValidationError(
            _("The e-mail address is too long (254 characters at most)."), code=INVALID_EMAIL
        )
    return email


def _drop_legal_forms_once(words: list[str]) -> list[str]:
    kept: list[str] = []
    i = 0
    while i < len(words):
        for form in _FORMS_BY_FIRST_WORD.get(words[i], ()):
            if tuple(words[i : i + len(form)]) == form:
                i += len(form)
                break
        else:
            kept.append(words[i])
            i += 1
    return kept


def _drop_legal_forms(words: list[str]) -> list[str]:
    # Repeat: dropping "ооо" from "акционерное ооо общество" reveals another form, and the
    # result must be stable when normalised again (it may be stored and re-normalised).
    while (kept := _drop_legal_forms_once(words)) != words:
        words = kept
    return words


def normalize_name(raw: str) -> str:
    """A company name reduced for fuzzy comparison: 'ООО "Ромашка"' -> 'ромашка'."""
    # NFKC folds full-width letters and composes "е" + U+0308 into "ё" before it is replaced;
    # the second NFKC recomposes what case folding decomposed.
    folded = unicodedata.normalize("NFKC", raw or "").casefold()
    text = unicodedata.normalize("NFKC", folded).replace("ё", "е")
    text = _INNER_APOSTROPHE_RE.sub("", text)
    words = _NOT_WORD_RE.sub(" ", text).split()
    return " ".join(_drop_legal_forms(words))


def name_similarity(a: str, b: str) -> float:
    """0..1, word order ignored; names that are empty after normalising match nothing."""
    left, right = normalize_name(a), normalize_name(b)
    if not left or not right:
        return 0.0
    return fuzz.token_sort_ratio(left, right) / 100
