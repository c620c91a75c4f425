"""The manager's selection form (подбор товаров): the product tree, stock, recommended and minimum
prices, the agreement's price and this client's last price for each product, in a fixed number of
queries whatever the catalog's size."""

from klientura.catalog.selectors import group_tree, groups_flat, products_for_selection
from klientura.core.money import HUNDRED, round_money

from .selectors import agreement_open_to, last_prices
from .terms import agreement_terms

SELECTION_LIMIT = 60


def selection_context(*, partner, group_id: int | None, q: str, agreement_id: int | None) -> dict:
    terms = agreement_terms(agreement_open_to(partner=partner, agreement_id=agreement_id))
    products = list(
        products_for_selection(group_id=group_id, q=q, price_type_id=terms.price_type_id)[
            : SELECTION_LIMIT + 1
        ]
    )
    more = len(products) > SELECTION_LIMIT
    products = products[:SELECTION_LIMIT]
    previous = last_prices(partner_id=partner.pk, product_ids=[p.pk for p in products])
    for product in products:
        base = product.type_price if product.type_price is not None else product.recommended_price
        product.agreed_price = (
            round_money(base * (HUNDRED - terms.discount_percent) / HUNDRED) if base is not None else None
        )
        product.last = previous.get(product.pk)
    return {
        "groups": groups_flat(group_tree()),
        "selection": products,
        "selection_more": more,
        "selection_group": group_id,
        "selection_q": q,
    }
