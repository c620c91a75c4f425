"""Russian tax and bank identifiers: INN, KPP, OGRN, OGRNIP, BIK and bank accounts.

Validators strip whitespace and return the normalised value, or raise ``ValidationError``
with a translatable message and one of the stable codes below. Generators build valid values
for tests and demo data from a caller's ``random.Random``, so a seed reproduces them.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from typing import Literal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

NOT_DIGITS = "not_digits"
WRONG_LENGTH = "wrong_length"
WRONG_FORMAT = "wrong_format"
WRONG_PREFIX = "wrong_prefix"
WRONG_CHECK_DIGIT = "wrong_check_digit"

_INN10_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_WEIGHTS_FIRST = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_WEIGHTS_SECOND = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
# The account key covers 3 digits taken from the BIK followed by the 20-digit account.
_ACCOUNT_WEIGHTS = (7, 1, 3) * 8
# str.isdigit() accepts "²" or Arabic-Indic digits; identifiers are ASCII digits only.
_DIGITS_RE = re.compile(r"[0-9]+")
_KPP_RE = re.compile(r"[0-9]{4}[0-9A-Z]{2}[0-9]{3}")
# Credit institutions have conditional numbers 050-999; lower ones are Bank of Russia divisions.
_FIRST_CREDIT_INSTITUTION_NUMBER = 50

InnKind = Literal["legal", "individual"]


def _compact(value: object) -> str:
    if value is None:
        return ""
    return "".join(str(value).split())


def _require_digits(text: str, lengths: Sequence[int], *, not_digits, wrong_length) -> None:
    if text and not _DIGITS_RE.fullmatch(text):
        raise ValidationError(not_digits, code=NOT_DIGITS)
    if len(text) not in lengths:
        raise ValidationError(wrong_length, code=WRONG_LENGTH)


def _weighted_sum(digits: str, weights: Sequence[int]) -> int:
    return sum(int(digit) * weight for digit, weight in zip(digits, weights, strict=False))


def _with_inn_check_digits(body: str) -> str:
    """Append the check digit(s) to the first 9 (organisation) or 10 (individual) digits."""
    if len(body) == 9:
        return body + str(_weighted_sum(body, _INN10_WEIGHTS) % 11 % 10)
    body += str(_weighted_sum(body, _INN12_WEIGHTS_FIRST) % 11 % 10)
    return body + str(_weighted_sum(body, _INN12_WEIGHTS_SECOND) % 11 % 10)


def _ogrn_check_digit(body: str, modulus: int) -> str:
    return str(int(body) % modulus % 10)


def _is_bank_of_russia_division(bik: str) -> bool:
    return int(bik[6:9]) < _FIRST_CREDIT_INSTITUTION_NUMBER


def _settlement_key_prefix(bik: str) -> str:
    # Accounts held at a Bank of Russia division (RKC) are keyed by "0" + digits 5-6 of its BIK.
    if _is_bank_of_russia_division(bik):
        return "0" + bik[4:6]
    return bik[6:9]


def _correspondent_key_prefix(bik: str) -> str:
    # A bank's correspondent account is held at the Bank of Russia, so it uses the RKC rule.
    return "0" + bik[4:6]


def _account_key_ok(prefix: str, account: str) -> bool:
    return _weighted_sum(prefix + account, _ACCOUNT_WEIGHTS) % 10 == 0


# --- validators -------------------------------------------------------------------------------


def validate_inn(value: str) -> str:
    inn = _compact(value)
    _require_digits(
        inn,
        (10, 12),
        not_digits=_("INN must contain digits only."),
        wrong_length=_("INN must have 10 digits (organisation) or 12 digits (individual)."),
    )
    if inn != _with_inn_check_digits(inn[:-1] if len(inn) == 10 else inn[:-2]):
        raise ValidationError(_("INN check digit is wrong."), code=WRONG_CHECK_DIGIT)
    return inn


def inn_kind(inn: str) -> InnKind:
    """Whether a (valid) INN belongs to an organisation or to an individual."""
    return "legal" if len(validate_inn(inn)) == 10 else "individual"


def validate_kpp(value: str) -> str:
    # Lower-case letters are a typing slip, not a different KPP.
    kpp = _compact(value).upper()
    if len(kpp) != 9:
        raise ValidationError(_("KPP must have 9 characters."), code=WRONG_LENGTH)
    if not _KPP_RE.fullmatch(kpp):
        raise ValidationError(
            _("KPP must be 4 digits, then 2 digits or capital Latin letters, then 3 digits."),
            code=WRONG_FORMAT,
        )
    return kpp


def validate_ogrn(value: str) -> str:
    ogrn = _compact(value)
    _require_digits(
        ogrn,
        (13,),
        not_digits=_("OGRN must contain digits only."),
        wrong_length=_("OGRN must have 13 digits."),
    )
    if ogrn[-1] != _ogrn_check_digit(ogrn[:-1], 11):
        raise ValidationError(_("OGRN check digit is wrong."), code=WRONG_CHECK_DIGIT)
    return ogrn


def validate_ogrnip(value: str) -> str:
    ogrnip = _compact(value)
    _require_digits(
        ogrnip,
        (15,),
        not_digits=_("OGRNIP must contain digits only."),
        wrong_length=_("OGRNIP must have 15 digits."),
    )
    if ogrnip[-1] != _ogrn_check_digit(ogrnip[:-1], 13):
        raise ValidationError(_("OGRNIP check digit is wrong."), code=WRONG_CHECK_DIGIT)
    return ogrnip


def validate_bik(value: str) -> str:
    bik = _compact(value)
    _require_digits(
        bik,
        (9,),
        not_digits=_("BIK must contain digits only."),
        wrong_length=_("BIK must have 9 digits."),
    )
    if not bik.startswith("04"):
        raise ValidationError(_("BIK must start with 04 (the code of Russia)."), code=WRONG_PREFIX)
    return bik


def _validate_account_digits(value: str, *, not_digits, wrong_length) -> str:
    account = _compact(value)
    _require_digits(account, (20,), not_digits=not_digits, wrong_length=wrong_length)
    return account


def validate_bank_account(account: str, bik: str) -> str:
    """Check a settlement (current) account against the BIK of the bank that holds it."""
    bik = validate_bik(bik)
    number = _validate_account_digits(
        account,
        not_digits=_("Bank account must contain digits only."),
        wrong_length=_("Bank account must have 20 digits."),
    )
    if not _account_key_ok(_settlement_key_prefix(bik), number):
        raise ValidationError(
            _("Bank account does not match the BIK: its control key is wrong."),
            code=WRONG_CHECK_DIGIT,
        )
    return number


def validate_correspondent_account(account: str, bik: str) -> str:
    """Check a bank's correspondent account (held at the Bank of Russia) against the bank's BIK."""
    bik = validate_bik(bik)
    number = _validate_account_digits(
        account,
        not_digits=_("Correspondent account must contain digits only."),
        wrong_length=_("Correspondent account must have 20 digits."),
    )
    if not _account_key_ok(_correspondent_key_prefix(bik), number):
        raise ValidationError(
            _("Correspondent account does not match the BIK: its control key is wrong."),
            code=WRONG_CHECK_DIGIT,
        )
    return number


# --- generators for tests and demo data ------------------------------------------------------


def _digits(rng: random.Random, count: int) -> str:
    return "".join(str(rng.randrange(10)) for _ in range(count))


def _two_digits(rng: random.Random, low: int = 1, high: int = 99) -> str:
    return f"{rng.randint(low, high):02d}"


def _tax_office(rng: random.Random) -> str:
    """Region code + inspection number: the first 4 digits of an INN or a KPP."""
    return _two_digits(rng) + _two_digits(rng)


def make_inn10(rng: random.Random) -> str:
    return _with_inn_check_digits(_tax_office(rng) + _digits(rng, 5))


def make_inn12(rng: random.Random) -> str:
    return _with_inn_check_digits(_tax_office(rng) + _digits(rng, 6))


_KPP_REASONS = ("01", "01", "01", "01", "02", "03", "43", "44", "45", "50", "51", "AA")


def make_kpp(rng: random.Random, inn10: str | None = None) -> str:
    """A KPP registered at the INN's tax office when an organisation's INN is given."""
    if inn10 is None:
        office = _tax_office(rng)
    else:
        inn = validate_inn(inn10)
        if len(inn) != 10:
            raise ValueError("Only organisations (10-digit INN) have a KPP.")
        office = inn[:4]
    return office + rng.choice(_KPP_REASONS) + f"{rng.randint(1, 3):03d}"


def make_ogrn(rng: random.Random) -> str:
    # sign (1 or 5) + year + region + 7-digit record number
    body = rng.choice("15") + _two_digits(rng, 2, 25) + _two_digits(rng) + _digits(rng, 7)
    return body + _ogrn_check_digit(body, 11)


def make_ogrnip(rng: random.Random) -> str:
    # sign 3 + year + region + 9-digit record number
    body = "3" + _two_digits(rng, 4, 25) + _two_digits(rng) + _digits(rng, 9)
    return body + _ogrn_check_digit(body, 13)


def make_bik(rng: random.Random) -> str:
    """The BIK of a credit institution (not of a Bank of Russia division)."""
    number = rng.randint(_FIRST_CREDIT_INSTITUTION_NUMBER, 999)
    return "04" + _two_digits(rng) + _two_digits(rng, 0, 99) + f"{number:03d}"


_BALANCE_ACCOUNTS = ("40702", "40702", "40702", "40701", "40802", "40817")


def _fill_key(prefix: str, head: str, tail: str) -> str:
    """Insert the control key (9th digit of an account) that makes the account check pass."""
    for key in "0123456789":
        account = head + key + tail
        if _account_key_ok(prefix, account):
            return account
    raise AssertionError("unreachable: the key's weight is coprime with 10")


def make_bank_account(rng: random.Random, bik: str) -> str:
    """A rouble settlement account that passes ``validate_bank_account`` with this BIK."""
    bik = validate_bik(bik)
    head = rng.choice(_BALANCE_ACCOUNTS) + "810"
    return _fill_key(_settlement_key_prefix(bik), head, _digits(rng, 11))


def make_correspondent_account(bik: str) -> str:
    """The correspondent account a bank with this BIK has at the Bank of Russia."""
    bik = validate_bik(bik)
    if _is_bank_of_russia_division(bik):
        raise ValueError("A Bank of Russia division has no correspondent account.")
    return _fill_key(_correspondent_key_prefix(bik), "30101810", "00000000" + bik[6:9])
