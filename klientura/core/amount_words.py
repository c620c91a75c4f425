"""Numbers and money in Russian words, as printed on invoices («Сумма прописью»).

Russian needs three noun forms after a number (1 рубль, 2 рубля, 5 рублей; 11–14 always take the
third) and the gender of the counted noun changes «один/одна/одно», «два/две» — so «одна тысяча,
две тысячи» but «один миллион, два миллиона», «одна копейка, две копейки».
"""

from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

MAX_NUMBER = 999_999_999_999_999

_ONES = {
    "masc": ("", "один", "два"),
    "fem": ("", "одна", "две"),
    "neut": ("", "одно", "два"),
}
_UNITS = (
    "",
    "",
    "",
    "три",
    "четыре",
    "пять",
    "шесть",
    "семь",
    "восемь",
    "девять",
    "десять",
    "одиннадцать",
    "двенадцать",
    "тринадцать",
    "четырнадцать",
    "пятнадцать",
    "шестнадцать",
    "семнадцать",
    "восемнадцать",
    "девятнадцать",
)
_TENS = (
    "",
    "",
    "двадцать",
    "тридцать",
    "сорок",
    "пятьдесят",
    "шестьдесят",
    "семьдесят",
    "восемьдесят",
    "девяносто",
)
_HUNDREDS = (
    "",
    "сто",
    "двести",
    "триста",
    "четыреста",
    "пятьсот",
    "шестьсот",
    "семьсот",
    "восемьсот",
    "девятьсот",
)


class Noun(NamedTuple):
    """A counted noun: its forms after 1, after 2–4 and after 5–20 (and 0), and its gender."""

    one: str
    few: str
    many: str
    gender: str = "masc"

    def after(self, n: int) -> str:
        return plural_form(n, self.one, self.few, self.many)


# Thousand and up, smallest first; a thousand is feminine, the rest masculine.
_SCALES = (
    Noun("тысяча", "тысячи", "тысяч", "fem"),
    Noun("миллион", "миллиона", "миллионов"),
    Noun("миллиард", "миллиарда", "миллиардов"),
    Noun("триллион", "триллиона", "триллионов"),
)


class Currency(NamedTuple):
    major: Noun
    minor: Noun


CURRENCIES = {
    "RUB": Currency(Noun("рубль", "рубля", "рублей"), Noun("копейка", "копейки", "копеек", "fem")),
    "USD": Currency(Noun("доллар США", "доллара США", "долларов США"), Noun("цент", "цента", "центов")),
    "EUR": Currency(Noun("евро", "евро", "евро"), Noun("цент", "цента", "центов")),
    "CNY": Currency(Noun("юань", "юаня", "юаней"), Noun("фэнь", "фэня", "фэней")),
    "KZT": Currency(Noun("тенге", "тенге", "тенге"), Noun("тиын", "тиына", "тиынов")),
    "BYN": Currency(
        Noun("белорусский рубль", "белорусских рубля", "белорусских рублей"),
        Noun("копейка", "копейки", "копеек", "fem"),
    ),
}


def plural_form(n: int, one: str, few: str, many: str) -> str:
    """The noun form that agrees with `n`: 1, 21, 101 → one; 2–4, 22–24 → few; 0, 5–20, 111 → many."""
    n = abs(n)
    if 11 <= n % 100 <= 14:
        return many
    if n % 10 == 1:
        return one
    if 2 <= n % 10 <= 4:
        return few
    return many


def _triple(n: int, gender: str) -> list[str]:
    """Words for 1…999 (nothing for 0), the last word in the given gender."""
    words = [_HUNDREDS[n // 100]]
    rest = n % 100
    if rest >= 20:
        words.append(_TENS[rest // 10])
        rest %= 10
    words.append(_ONES[gender][rest] if rest < 3 else _UNITS[rest])
    return [w for w in words if w]


def number_in_words(n: int, gender: str = "masc") -> str:
    """`n` in Russian words, lower case: 2001 → «две тысячи один»; `gender` is the counted noun's.

    Covers 0 … 999 999 999 999 999 and the same below zero («минус …»).
    """
    if gender not in _ONES:
        raise ValueError(f"gender must be one of {sorted(_ONES)}")
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError("number_in_words takes an int")
    if abs(n) > MAX_NUMBER:
        raise ValueError(f"{n} is out of range (at most {MAX_NUMBER:,} either side of zero)")
    if n == 0:
        return "ноль"
    if n < 0:
        return "минус " + number_in_words(-n, gender)
    words = _triple(n % 1000, gender)
    n //= 1000
    for scale in _SCALES:
        if not n:
            break
        group = n % 1000
        if group:
            words = [*_triple(group, scale.gender), scale.after(group), *words]
        n //= 1000
    return " ".join(words)


def _split_kopecks(amount: Decimal) -> tuple[int, int, int]:
    """(sign, whole units, hundredths) of an amount rounded half up to the hundredth."""
    kopecks = int((Decimal(amount) * 100).to_integral_value(rounding=ROUND_HALF_UP))
    sign = -1 if kopecks < 0 else 1
    whole, fraction = divmod(abs(kopecks), 100)
    return sign, whole, fraction


def money_in_words(amount: Decimal, currency: str = "RUB") -> str:
    """«Одна тысяча двести тридцать четыре рубля 56 копеек»: units in words, hundredths in digits.

    A currency without Russian names prints its code after the words: «Сто GBP 05».
    """
    if isinstance(amount, float):
        # A float has already lost kopecks (0.1 + 0.2); money must come as Decimal or a string.
        raise TypeError("money_in_words takes a Decimal, not a float")
    sign, whole, fraction = _split_kopecks(Decimal(amount))
    names = CURRENCIES.get((currency or "").upper())
    if names is None:
        text = f"{number_in_words(whole)} {currency} {fraction:02d}"
    else:
        text = (
            f"{number_in_words(whole, names.major.gender)} {names.major.after(whole)} "
            f"{fraction:02d} {names.minor.after(fraction)}"
        )
    if sign < 0:
        text = "минус " + text
    return text[0].upper() + text[1:]
