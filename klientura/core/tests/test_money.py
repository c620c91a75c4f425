"""Money arithmetic is exact to the kopeck: property-based tests over random lines and splits."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from klientura.core.money import KOPECK, VatMode, allocate, line_amounts, round_money

quantities = st.decimals(min_value=Decimal("0.001"), max_value=Decimal("100000"), places=3)
prices = st.decimals(min_value=Decimal("0"), max_value=Decimal("1000000"), places=2)
discounts = st.decimals(min_value=Decimal("0"), max_value=Decimal("100"), places=2)
vat_rates = st.sampled_from(
    [Decimal("0"), Decimal("5"), Decimal("7"), Decimal("10"), Decimal("20"), Decimal("22")]
)
modes = st.sampled_from([VatMode.INCLUDED, VatMode.ON_TOP, VatMode.WITHOUT])
amounts = st.decimals(min_value=Decimal("-10000000"), max_value=Decimal("10000000"), places=2)
weights = st.lists(
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100"), places=2), min_size=1, max_size=12
)


def _is_kopecks(value: Decimal) -> bool:
    return value == value.quantize(KOPECK)


@given(quantities, prices, discounts, vat_rates, modes)
def test_line_amounts_are_kopecks_and_consistent(quantity, price, discount, vat, mode):
    line = line_amounts(
        quantity=quantity, price=price, discount_percent=discount, vat_percent=vat, vat_mode=mode
    )
    assert all(_is_kopecks(v) for v in (line.gross, line.discount, line.amount, line.vat, line.total))
    assert line.gross - line.discount == line.amount
    assert line.net + line.vat == line.total
    assert 0 <= line.discount <= line.gross
    exact_vat = {
        VatMode.INCLUDED: line.amount * vat / (100 + vat),
        VatMode.ON_TOP: line.amount * vat / 100,
        VatMode.WITHOUT: Decimal("0"),
    }[mode]
    assert abs(line.vat - exact_vat) <= Decimal("0.005")


@given(st.lists(st.tuples(quantities, prices, discounts, vat_rates), min_size=1, max_size=30), modes)
def test_document_totals_are_sums_of_lines(lines, mode):
    computed = [
        line_amounts(quantity=q, price=p, discount_percent=d, vat_percent=v, vat_mode=mode)
        for q, p, d, v in lines
    ]
    total = sum((c.total for c in computed), Decimal("0"))
    vat = sum((c.vat for c in computed), Decimal("0"))
    assert total - vat == sum((c.net for c in computed), Decimal("0"))
    assert _is_kopecks(total) and _is_kopecks(vat)


@given(amounts, weights)
def test_allocate_hands_out_every_kopeck(amount, shares):
    parts = allocate(amount, shares)
    assert sum(parts, Decimal("0")) == amount
    assert all(_is_kopecks(p) for p in parts)
    total_weight = sum(shares)
    for part, weight in zip(parts, shares, strict=True):
        assert abs(part - amount * weight / total_weight) < KOPECK  # each within one kopeck of exact


def test_round_money_rounds_half_up():
    assert round_money(Decimal("0.005")) == Decimal("0.01")
    assert round_money(Decimal("2.675")) == Decimal("2.68")
    assert round_money(Decimal("-0.005")) == Decimal("-0.01")
