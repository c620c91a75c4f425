"""Russian amounts in words: a table of known cases, and properties checked by an independent parser."""

import itertools
import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from klientura.core.amount_words import MAX_NUMBER, money_in_words, number_in_words, plural_form

D = Decimal


@pytest.mark.parametrize(
    ("n", "words"),
    [
        (0, "ноль"),
        (1, "один"),
        (2, "два"),
        (5, "пять"),
        (11, "одиннадцать"),
        (12, "двенадцать"),
        (19, "девятнадцать"),
        (20, "двадцать"),
        (21, "двадцать один"),
        (40, "сорок"),
        (90, "девяносто"),
        (100, "сто"),
        (101, "сто один"),
        (111, "сто одиннадцать"),
        (200, "двести"),
        (999, "девятьсот девяносто девять"),
        (1000, "одна тысяча"),
        (1001, "одна тысяча один"),
        (2000, "две тысячи"),
        (4000, "четыре тысячи"),
        (5000, "пять тысяч"),
        (11000, "одиннадцать тысяч"),
        (21000, "двадцать одна тысяча"),
        (22000, "двадцать две тысячи"),
        (1_000_000, "один миллион"),
        (2_000_000, "два миллиона"),
        (5_000_000, "пять миллионов"),
        (1_001_000, "один миллион одна тысяча"),
        (2_000_000_001, "два миллиарда один"),
        (3_000_000_000_000, "три триллиона"),
        (
            MAX_NUMBER,
            "девятьсот девяносто девять триллионов девятьсот девяносто девять миллиардов "
            "девятьсот девяносто девять миллионов девятьсот девяносто девять тысяч "
            "девятьсот девяносто девять",
        ),
    ],
)
def test_number_in_words_known_cases(n, words):
    assert number_in_words(n) == words


@pytest.mark.parametrize(
    ("n", "gender", "words"),
    [
        (1, "fem", "одна"),
        (2, "fem", "две"),
        (21, "fem", "двадцать одна"),
        (1, "neut", "одно"),
        (2, "neut", "два"),
        (2002, "fem", "две тысячи две"),
    ],
)
def test_gender_changes_one_and_two(n, gender, words):
    assert number_in_words(n, gender) == words


def test_negative_and_out_of_range():
    assert number_in_words(-21) == "минус двадцать один"
    with pytest.raises(ValueError):
        number_in_words(MAX_NUMBER + 1)
    with pytest.raises(ValueError):
        number_in_words(5, "plural")
    with pytest.raises(TypeError):
        number_in_words(1.5)


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        ("1234.56", "Одна тысяча двести тридцать четыре рубля 56 копеек"),
        ("0", "Ноль рублей 00 копеек"),
        ("1.01", "Один рубль 01 копейка"),
        ("2.02", "Два рубля 02 копейки"),
        ("5.05", "Пять рублей 05 копеек"),
        ("11.11", "Одиннадцать рублей 11 копеек"),
        ("21.21", "Двадцать один рубль 21 копейка"),
        ("22.22", "Двадцать два рубля 22 копейки"),
        ("112.12", "Сто двенадцать рублей 12 копеек"),
        ("1000000", "Один миллион рублей 00 копеек"),
        ("2000.005", "Две тысячи рублей 01 копейка"),  # rounded half up to the kopeck
        ("-3.50", "Минус три рубля 50 копеек"),
    ],
)
def test_money_in_words_roubles(amount, text):
    assert money_in_words(D(amount)) == text


@pytest.mark.parametrize(
    ("amount", "currency", "text"),
    [
        ("1.01", "USD", "Один доллар США 01 цент"),
        ("3.05", "USD", "Три доллара США 05 центов"),
        ("25.00", "USD", "Двадцать пять долларов США 00 центов"),
        ("1.02", "EUR", "Один евро 02 цента"),
        ("1000.11", "EUR", "Одна тысяча евро 11 центов"),
        ("2.01", "CNY", "Два юаня 01 фэнь"),
        ("7.70", "GBP", "Семь GBP 70"),
    ],
)
def test_money_in_words_other_currencies(amount, currency, text):
    assert money_in_words(D(amount), currency) == text


def test_money_refuses_floats():
    with pytest.raises(TypeError):
        money_in_words(0.1 + 0.2)


# --- An independent reading of the words back into a number ------------------------------------

_VALUES = {
    "ноль": 0, "один": 1, "одна": 1, "одно": 1, "два": 2, "две": 2, "три": 3, "четыре": 4,
    "пять": 5, "шесть": 6, "семь": 7, "восемь": 8, "девять": 9, "десять": 10, "одиннадцать": 11,
    "двенадцать": 12, "тринадцать": 13, "четырнадцать": 14, "пятнадцать": 15, "шестнадцать": 16,
    "семнадцать": 17, "восемнадцать": 18, "девятнадцать": 19, "двадцать": 20, "тридцать": 30,
    "сорок": 40, "пятьдесят": 50, "шестьдесят": 60, "семьдесят": 70, "восемьдесят": 80,
    "девяносто": 90, "сто": 100, "двести": 200, "триста": 300, "четыреста": 400, "пятьсот": 500,
    "шестьсот": 600, "семьсот": 700, "восемьсот": 800, "девятьсот": 900,
}  # fmt: skip
_SCALE_STEMS = {"тысяч": 10**3, "миллион": 10**6, "миллиард": 10**9, "триллион": 10**12}


def _parse(words: str) -> int:
    total = group = 0
    for word in words.split():
        scale = next((v for stem, v in _SCALE_STEMS.items() if word.startswith(stem)), None)
        if scale:
            assert group, f"a scale word without a count in {words!r}"
            total, group = total + group * scale, 0
        else:
            group += _VALUES[word]
    return total + group


@given(st.integers(min_value=0, max_value=MAX_NUMBER))
def test_words_read_back_to_the_number(n):
    words = number_in_words(n)
    assert words and words == words.strip() and "  " not in words
    assert _parse(words) == n


@given(st.integers(min_value=1, max_value=MAX_NUMBER))
def test_thousands_take_the_feminine(n):
    words = number_in_words(n).split()
    for before, word in itertools.pairwise(words):
        if word.startswith("тысяч"):
            assert before not in ("один", "два")
        if word.startswith(("миллион", "миллиард", "триллион")):
            assert before not in ("одна", "две")


def _expected_form(n: int, forms: tuple[str, str, str]) -> str:
    """Written apart from the code under test: the last two digits decide the noun's form."""
    if n % 100 in (11, 12, 13, 14):
        return forms[2]
    return {1: forms[0], 2: forms[1], 3: forms[1], 4: forms[1]}.get(n % 10, forms[2])


@given(st.integers(min_value=0, max_value=10**12), st.integers(min_value=0, max_value=99))
def test_money_words_agree_with_the_amount(roubles, kopecks):
    amount = D(roubles) + D(kopecks) / 100
    text = money_in_words(amount)
    match = re.fullmatch(r"(.+) (рубль|рубля|рублей) (\d\d) (копейка|копейки|копеек)", text)
    assert match, text
    assert text[0].isupper()
    assert _parse(match[1].lower()) == roubles
    assert match[2] == _expected_form(roubles, ("рубль", "рубля", "рублей"))
    assert int(match[3]) == kopecks
    assert match[4] == _expected_form(kopecks, ("копейка", "копейки", "копеек"))


@pytest.mark.parametrize(
    ("n", "form"), [(0, "c"), (1, "a"), (4, "b"), (11, "c"), (14, "c"), (101, "a"), (112, "c")]
)
def test_plural_form(n, form):
    assert plural_form(n, "a", "b", "c") == form
