"""Russian identifiers: real-world vectors, error codes, and properties of the generators.

Plain functions, no database. Runs with ``-p no:django`` (settings configured here) and under
pytest-django (its settings are used).
"""

import os
import random

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from klientura.parties.identifiers import (
    NOT_DIGITS,
    WRONG_CHECK_DIGIT,
    WRONG_FORMAT,
    WRONG_LENGTH,
    WRONG_PREFIX,
    inn_kind,
    make_bank_account,
    make_bik,
    make_correspondent_account,
    make_inn10,
    make_inn12,
    make_kpp,
    make_ogrn,
    make_ogrnip,
    validate_bank_account,
    validate_bik,
    validate_correspondent_account,
    validate_inn,
    validate_kpp,
    validate_ogrn,
    validate_ogrnip,
)

if not settings.configured and "DJANGO_SETTINGS_MODULE" not in os.environ:
    settings.configure(USE_I18N=False)

# Published requisites of real organisations and banks.
REAL_INNS = ["7707083893", "7736207543", "7736050003", "500100732259"]  # Sberbank, Yandex, Gazprom
REAL_OGRNS = ["1027700132195", "1027700229193", "1027700070518"]  # Sberbank, Yandex, Gazprom
REAL_OGRNIP = "304500116000157"  # the sample from the tax service's forms
REAL_KPP = "773601001"  # Sberbank
REAL_BIKS = ["044525225", "044525187", "044525593", "044525974"]  # Sber, VTB, Alfa, Tinkoff
REAL_CORRESPONDENT_ACCOUNTS = [
    ("30101810400000000225", "044525225"),
    ("30101810700000000187", "044525187"),
    ("30101810200000000593", "044525593"),
    ("30101810145250000974", "044525974"),
]
# Moscow tax accounts of the Federal Treasury held at Bank of Russia divisions (RKC rule).
REAL_RKC_ACCOUNTS = [
    ("40101810045250010041", "044525000"),
    ("40101810800000010041", "044583001"),
]
# Computed by hand with the key over BIK digits 7-9 (225) + account, weights 7,1,3,...
SETTLEMENT_ACCOUNT = ("40702810938000000001", "044525225")

seeds = st.integers(min_value=0, max_value=2**64)


def rejection(validator, *args) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        validator(*args)
    return info.value


def english(error: ValidationError) -> str:
    with translation.override("en"):
        return " ".join(error.messages)


def other_digits(digit: str) -> list[str]:
    return [d for d in "0123456789" if d != digit]


def replace_at(text: str, index: int, digit: str) -> str:
    return text[:index] + digit + text[index + 1 :]


# --- real-world vectors ---------------------------------------------------------------------


@pytest.mark.parametrize("inn", REAL_INNS)
def test_real_inns_validate(inn):
    assert validate_inn(inn) == inn


@pytest.mark.parametrize("ogrn", REAL_OGRNS)
def test_real_ogrns_validate(ogrn):
    assert validate_ogrn(ogrn) == ogrn


def test_real_ogrnip_kpp_validate():
    assert validate_ogrnip(REAL_OGRNIP) == REAL_OGRNIP
    assert validate_kpp(REAL_KPP) == REAL_KPP


@pytest.mark.parametrize("bik", REAL_BIKS)
def test_real_biks_validate(bik):
    assert validate_bik(bik) == bik


@pytest.mark.parametrize(("account", "bik"), REAL_CORRESPONDENT_ACCOUNTS)
def test_real_correspondent_accounts_validate(account, bik):
    assert validate_correspondent_account(account, bik) == account


@pytest.mark.parametrize(("account", "bik"), REAL_CORRESPONDENT_ACCOUNTS)
def test_correspondent_account_is_not_a_settlement_account_of_the_same_bank(account, bik):
    assert rejection(validate_bank_account, account, bik).code == WRONG_CHECK_DIGIT


@pytest.mark.parametrize(("account", "bik"), REAL_RKC_ACCOUNTS)
def test_accounts_at_bank_of_russia_divisions_use_the_rkc_key(account, bik):
    assert validate_bank_account(account, bik) == account


def test_settlement_account_validates_against_its_bank():
    account, bik = SETTLEMENT_ACCOUNT
    assert validate_bank_account(account, bik) == account
    assert rejection(validate_bank_account, account, "044525187").code == WRONG_CHECK_DIGIT


def test_generated_correspondent_account_of_sberbank_is_the_real_one():
    assert make_correspondent_account("044525225") == "30101810400000000225"


# --- normalisation of input ------------------------------------------------------------------


def test_spaces_of_any_kind_are_stripped():
    assert validate_inn(" 7707 083\u00a0893\t") == "7707083893"
    assert validate_ogrn("1 02 77 00 13219 5") == "1027700132195"
    assert validate_bik("04 45 25 225") == "044525225"
    assert validate_bank_account("40702 810 9 3800 0000001", "044525225") == SETTLEMENT_ACCOUNT[0]


def test_kpp_letters_are_upper_cased():
    assert validate_kpp("7736aa001") == "7736AA001"
    assert validate_kpp("7736 01 001") == "773601001"


def test_inn_kind():
    assert inn_kind("7707083893") == "legal"
    assert inn_kind("500100732259") == "individual"
    assert rejection(inn_kind, "7707083894").code == WRONG_CHECK_DIGIT


# --- wrong check digits ----------------------------------------------------------------------


@pytest.mark.parametrize("inn", REAL_INNS)
def test_every_wrong_last_inn_check_digit_is_rejected(inn):
    for digit in other_digits(inn[-1]):
        error = rejection(validate_inn, inn[:-1] + digit)
        assert error.code == WRONG_CHECK_DIGIT
        assert english(error) == "INN check digit is wrong."


def test_every_wrong_first_check_digit_of_a_12_digit_inn_is_rejected():
    inn = "500100732259"
    for digit in other_digits(inn[10]):
        assert rejection(validate_inn, replace_at(inn, 10, digit)).code == WRONG_CHECK_DIGIT


@pytest.mark.parametrize(
    ("validator", "value"),
    [*((validate_ogrn, ogrn) for ogrn in REAL_OGRNS), (validate_ogrnip, REAL_OGRNIP)],
)
def test_every_wrong_ogrn_check_digit_is_rejected(validator, value):
    for digit in other_digits(value[-1]):
        assert rejection(validator, value[:-1] + digit).code == WRONG_CHECK_DIGIT


@pytest.mark.parametrize(("account", "bik"), [SETTLEMENT_ACCOUNT, *REAL_RKC_ACCOUNTS])
def test_every_single_digit_change_of_an_account_is_rejected(account, bik):
    # Weights 7, 1 and 3 are coprime with 10, so any one changed digit changes the sum mod 10.
    for index, digit in enumerate(account):
        for other in other_digits(digit):
            error = rejection(validate_bank_account, replace_at(account, index, other), bik)
            assert error.code == WRONG_CHECK_DIGIT


@pytest.mark.parametrize(("account", "bik"), REAL_CORRESPONDENT_ACCOUNTS)
def test_every_single_digit_change_of_a_correspondent_account_is_rejected(account, bik):
    for index, digit in enumerate(account):
        for other in other_digits(digit):
            changed = replace_at(account, index, other)
            assert rejection(validate_correspondent_account, changed, bik).code == WRONG_CHECK_DIGIT


# --- wrong lengths, characters and formats --------------------------------------------------


@pytest.mark.parametrize(
    ("validator", "value", "code", "message"),
    [
        (validate_inn, "", WRONG_LENGTH, "INN must have 10 digits (organisation) or 12 digits (individual)."),
        (validate_inn, None, WRONG_LENGTH, None),
        (validate_inn, "770708389", WRONG_LENGTH, None),
        (validate_inn, "77070838933", WRONG_LENGTH, None),
        (validate_inn, "7707083893123", WRONG_LENGTH, None),
        (validate_inn, "77070838a3", NOT_DIGITS, "INN must contain digits only."),
        (validate_inn, "7707-083-893", NOT_DIGITS, None),
        (validate_inn, "٧٧٠٧٠٨٣٨٩٣", NOT_DIGITS, None),  # Arabic-Indic digits pass str.isdigit()
        (validate_inn, "７７０７０８３８９３", NOT_DIGITS, None),  # full-width digits
        (validate_kpp, "77360100", WRONG_LENGTH, "KPP must have 9 characters."),
        (validate_kpp, "7736010011", WRONG_LENGTH, None),
        (validate_kpp, "7736АА001", WRONG_FORMAT, None),  # Cyrillic А
        (validate_kpp, "77A601001", WRONG_FORMAT, None),
        (validate_kpp, "773601A01", WRONG_FORMAT, None),
        (validate_kpp, "7736-1001", WRONG_FORMAT, None),
        (validate_ogrn, "102770013219", WRONG_LENGTH, "OGRN must have 13 digits."),
        (validate_ogrn, REAL_OGRNIP, WRONG_LENGTH, None),
        (validate_ogrn, "10277001321O5", NOT_DIGITS, "OGRN must contain digits only."),
        (validate_ogrnip, "1027700132195", WRONG_LENGTH, "OGRNIP must have 15 digits."),
        (validate_ogrnip, "30450011600015x", NOT_DIGITS, None),
        (validate_bik, "04452522", WRONG_LENGTH, "BIK must have 9 digits."),
        (validate_bik, "04452522S", NOT_DIGITS, None),
        (validate_bik, "144525225", WRONG_PREFIX, "BIK must start with 04 (the code of Russia)."),
        (validate_bik, "004525988", WRONG_PREFIX, None),
    ],
)
def test_malformed_values_are_rejected_with_their_code(validator, value, code, message):
    error = rejection(validator, value)
    assert error.code == code
    if message is not None:
        assert english(error) == message


@pytest.mark.parametrize(
    ("validator", "account", "code"),
    [
        (validate_bank_account, "4070281093800000000", WRONG_LENGTH),
        (validate_bank_account, "407028109380000000011", WRONG_LENGTH),
        (validate_bank_account, "4070281093800000000I", NOT_DIGITS),
        (validate_correspondent_account, "3010181040000000022", WRONG_LENGTH),
        (validate_correspondent_account, "3010181040000000022S", NOT_DIGITS),
    ],
)
def test_malformed_accounts_are_rejected_with_their_code(validator, account, code):
    assert rejection(validator, account, "044525225").code == code


@pytest.mark.parametrize("validator", [validate_bank_account, validate_correspondent_account])
def test_account_with_a_bad_bik_reports_the_bik(validator):
    error = rejection(validator, SETTLEMENT_ACCOUNT[0], "14452522")
    assert error.code == WRONG_LENGTH
    assert english(error) == "BIK must have 9 digits."


def test_messages_are_clear_for_accounts():
    error = rejection(validate_bank_account, "40702810938000000002", "044525225")
    assert english(error) == "Bank account does not match the BIK: its control key is wrong."


# --- generators ------------------------------------------------------------------------------


@given(seed=seeds)
def test_generated_identifiers_validate(seed):
    rng = random.Random(seed)
    inn10, inn12 = make_inn10(rng), make_inn12(rng)
    assert validate_inn(inn10) == inn10 and inn_kind(inn10) == "legal"
    assert validate_inn(inn12) == inn12 and inn_kind(inn12) == "individual"
    kpp = make_kpp(rng)
    assert validate_kpp(kpp) == kpp
    ogrn, ogrnip = make_ogrn(rng), make_ogrnip(rng)
    assert validate_ogrn(ogrn) == ogrn and ogrn[0] in "15"
    assert validate_ogrnip(ogrnip) == ogrnip and ogrnip[0] == "3"
    bik = make_bik(rng)
    assert validate_bik(bik) == bik
    account = make_bank_account(rng, bik)
    assert validate_bank_account(account, bik) == account
    correspondent = make_correspondent_account(bik)
    assert validate_correspondent_account(correspondent, bik) == correspondent
    assert correspondent.startswith("30101810") and correspondent.endswith(bik[-3:])


@given(seed=seeds)
def test_kpp_is_registered_at_the_tax_office_of_its_inn(seed):
    rng = random.Random(seed)
    inn = make_inn10(rng)
    kpp = make_kpp(rng, inn10=inn)
    assert validate_kpp(kpp) == kpp
    assert kpp[:4] == inn[:4]


def test_kpp_needs_an_organisation_inn():
    with pytest.raises(ValueError):
        make_kpp(random.Random(1), inn10="500100732259")
    with pytest.raises(ValidationError):
        make_kpp(random.Random(1), inn10="7707083894")


@given(seed=seeds, division=st.integers(min_value=0, max_value=49))
def test_generated_accounts_at_bank_of_russia_divisions_validate(seed, division):
    rng = random.Random(seed)
    bik = make_bik(rng)[:6] + f"{division:03d}"
    account = make_bank_account(rng, bik)
    assert validate_bank_account(account, bik) == account


def test_bank_of_russia_divisions_have_no_correspondent_account():
    with pytest.raises(ValueError):
        make_correspondent_account("044525000")


def test_generators_are_reproducible_from_a_seed():
    first, second = random.Random(42), random.Random(42)
    for make in (make_inn10, make_inn12, make_kpp, make_ogrn, make_ogrnip, make_bik):
        assert make(first) == make(second)


# --- single changed digits -------------------------------------------------------------------
#
# A check digit computed as (r mod 10) with r = (weighted sum) mod 11 cannot tell r = 0 from
# r = 10. Every INN/OGRN weight (and every power of 10) is coprime with 11, so changing one
# digit of the body always changes r; the change goes unnoticed exactly when r moves between 0
# and 10. The properties below state that precisely instead of claiming every change is caught.


def inn10_residue(inn: str) -> int:
    return sum(int(d) * w for d, w in zip(inn[:9], (2, 4, 10, 3, 5, 9, 4, 6, 8), strict=True)) % 11


def inn12_first_residue(inn: str) -> int:
    weights = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
    return sum(int(d) * w for d, w in zip(inn[:10], weights, strict=True)) % 11


def is_valid(validator, value: str) -> bool:
    try:
        validator(value)
    except ValidationError as error:
        assert error.code == WRONG_CHECK_DIGIT
        return False
    return True


changes = st.tuples(st.integers(min_value=0, max_value=14), st.integers(min_value=1, max_value=9))


def change_digit(value: str, change: tuple[int, int]) -> tuple[int, str]:
    index, step = change[0] % len(value), change[1]
    return index, replace_at(value, index, str((int(value[index]) + step) % 10))


@given(seed=seeds, change=changes)
def test_one_changed_digit_of_an_inn10_is_caught_unless_the_residue_swaps_0_and_10(seed, change):
    inn = make_inn10(random.Random(seed))
    index, changed = change_digit(inn, change)
    if index == 9:
        assert not is_valid(validate_inn, changed)
    else:
        swapped = {inn10_residue(inn), inn10_residue(changed)} == {0, 10}
        assert is_valid(validate_inn, changed) == swapped


@given(seed=seeds, change=changes)
def test_one_changed_digit_of_an_inn12_is_caught(seed, change):
    inn = make_inn12(random.Random(seed))
    index, changed = change_digit(inn, change)
    if index >= 10 or {inn12_first_residue(inn), inn12_first_residue(changed)} != {0, 10}:
        assert not is_valid(validate_inn, changed)


@given(seed=seeds, change=changes)
def test_one_changed_digit_of_an_ogrn_is_caught_unless_the_residue_swaps_0_and_10(seed, change):
    ogrn = make_ogrn(random.Random(seed))
    index, changed = change_digit(ogrn, change)
    if index == 12:
        assert not is_valid(validate_ogrn, changed)
    else:
        swapped = {int(ogrn[:12]) % 11, int(changed[:12]) % 11} == {0, 10}
        assert is_valid(validate_ogrn, changed) == swapped


@given(seed=seeds, change=changes)
def test_one_changed_digit_of_an_ogrnip_is_caught_unless_residues_agree_mod_10(seed, change):
    # Modulus 13 leaves residues 0..12, so 0/10, 1/11 and 2/12 share a check digit.
    ogrnip = make_ogrnip(random.Random(seed))
    index, changed = change_digit(ogrnip, change)
    if index == 14:
        assert not is_valid(validate_ogrnip, changed)
    else:
        collides = int(ogrnip[:14]) % 13 % 10 == int(changed[:14]) % 13 % 10
        assert is_valid(validate_ogrnip, changed) == collides


@given(seed=seeds, change=st.tuples(st.integers(min_value=0, max_value=19), st.integers(1, 9)))
def test_one_changed_digit_of_a_generated_account_is_always_caught(seed, change):
    rng = random.Random(seed)
    bik = make_bik(rng)
    _, changed = change_digit(make_bank_account(rng, bik), change)
    assert rejection(validate_bank_account, changed, bik).code == WRONG_CHECK_DIGIT


@pytest.mark.parametrize(
    ("validator", "original", "changed"),
    [(validate_inn, "5707083890", "0707083890"), (validate_ogrn, "7027700132190", "6027700132190")],
)
def test_the_0_10_blind_spot_exists(validator, original, changed):
    """Documents the limitation of the official algorithms: both values pass."""
    assert sum(a != b for a, b in zip(original, changed, strict=True)) == 1
    assert validator(original) == original
    assert validator(changed) == changed
