"""Building one batch of clients: every row of every table, with the ids already assigned."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from random import Random

from klientura.core.fake_ru import fake_company
from klientura.web.seeding import companies, people
from klientura.web.seeding.context import SeedContext

_SECOND_CONTACT_SHARE = 0.4


@dataclass
class Rows:
    """The rows of a batch by table; the attribute names are the ``Table.key``s."""

    partners: list[tuple] = field(default_factory=list)
    partner_tags: list[tuple] = field(default_factory=list)
    counterparties: list[tuple] = field(default_factory=list)
    counterparty_partners: list[tuple] = field(default_factory=list)
    bank_accounts: list[tuple] = field(default_factory=list)
    contacts: list[tuple] = field(default_factory=list)
    contact_partners: list[tuple] = field(default_factory=list)
    contact_infos: list[tuple] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {f.name: len(getattr(self, f.name)) for f in fields(self)}


@dataclass(frozen=True)
class BatchIds:
    partners: Sequence[int]
    counterparties: Sequence[int]
    contacts: Sequence[int]


def contact_counts(rng: Random, clients: int) -> list[int]:
    """How many contact persons each client of the batch gets: drawn first, to reserve their ids."""
    return [2 if rng.random() < _SECOND_CONTACT_SHARE else 1 for _ in range(clients)]


def batch_build(rng: Random, ctx: SeedContext, ids: BatchIds, counts: Sequence[int]) -> Rows:
    rows = Rows()
    contact_ids = iter(ids.contacts)
    for partner_id, counterparty_id, count in zip(ids.partners, ids.counterparties, counts, strict=True):
        own_contacts = [next(contact_ids) for _ in range(count)]
        _client_add(rows, rng, ctx, partner_id, counterparty_id, own_contacts)
    return rows


def _client_add(
    rows: Rows, rng: Random, ctx: SeedContext, partner_id: int, counterparty_id: int, contact_ids: list[int]
) -> None:
    company = fake_company(rng, today=ctx.today)
    rows.partners.append(companies.partner_row(rng, ctx, partner_id, company))
    rows.partner_tags += companies.partner_tag_rows(rng, ctx, partner_id)
    rows.contact_infos += people.partner_info_rows(ctx, partner_id, company)
    rows.counterparties.append(companies.counterparty_row(rng, ctx, counterparty_id, company))
    rows.counterparty_partners.append((counterparty_id, partner_id))
    bank_account = companies.bank_account_row(rng, ctx, counterparty_id)
    if bank_account is not None:
        rows.bank_accounts.append(bank_account)
    persons = people.contact_people(rng, ctx, company, len(contact_ids))
    for contact_id, person in zip(contact_ids, persons, strict=True):
        rows.contacts.append(people.contact_row(ctx, contact_id, person))
        rows.contact_partners.append((contact_id, partner_id))
        rows.contact_infos += people.contact_info_rows(ctx, contact_id, person)
