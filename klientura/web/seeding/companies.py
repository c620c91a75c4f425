"""Rows for a client company: its partner, tags, counterparty and bank account."""

from __future__ import annotations

from datetime import timedelta
from random import Random

from klientura.core.fake_ru import FakeCompany, FakePerson, fake_address, fake_person
from klientura.parties.identifiers import (
    make_bank_account,
    make_inn10,
    make_inn12,
    make_kpp,
    make_ogrn,
    make_ogrnip,
)
from klientura.parties.models import CounterpartyKind, PartnerKind
from klientura.parties.normalize import normalize_name
from klientura.web.seeding.classifiers import SEGMENT_SIZES
from klientura.web.seeding.context import SeedContext

_KINDS = (
    (PartnerKind.CLIENT.value,) * 80
    + (PartnerKind.PROSPECT.value,) * 13
    + (PartnerKind.SUPPLIER.value,) * 6
    + (PartnerKind.OTHER.value,)
)
EXCHANGE_SHARE = 0.03
_NO_SOURCE_SHARE = 0.1
_BANK_ACCOUNT_SHARE = 0.5
# How many tags a partner gets: mostly none, a few one or two.
_TAG_COUNTS = (0,) * 6 + (1,) * 3 + (2,)
# Employees by segment size; an entrepreneur's business is always small.
_ENTREPRENEUR_STAFF = 15
_EMPLOYEES = dict(zip(SEGMENT_SIZES, ((1, 100), (101, 250), (251, 5000)), strict=True))
_SEGMENTS = (SEGMENT_SIZES[0],) * 6 + (SEGMENT_SIZES[1],) * 3 + (SEGMENT_SIZES[2],)
_DIRECTOR = "Генеральный директор"


def partner_row(rng: Random, ctx: SeedContext, partner_id: int, company: FakeCompany) -> tuple:
    on_exchange = rng.random() < EXCHANGE_SHARE
    manager_id = None if on_exchange else rng.choice(ctx.managers_for(company.region))
    sources = ctx.classifiers.source_ids
    source_id = None if rng.random() < _NO_SOURCE_SHARE else rng.choice(sources)
    # Clients of two to four years' standing: registration counts as a contact for the zones, so it
    # must predate the seeded orders and events (derived from the id: the random stream stays as it was).
    registered = ctx.now - timedelta(days=730 + (partner_id * 7919) % 730)
    return (
        partner_id,
        registered,
        registered,
        company.short_name,
        normalize_name(company.short_name),
        rng.choice(_KINDS),
        manager_id,
        on_exchange,
        ctx.classifiers.region_ids[company.region.name],
        source_id,
        "",
        custom_values(rng, company),
        company.phone,
        company.email.lower(),
        "",  # the zone: the segments seed computes it once orders and events exist
    )


def custom_values(rng: Random, company: FakeCompany) -> dict:
    if company.owner is not None:  # an entrepreneur
        return {"segment_size": SEGMENT_SIZES[0], "employees": rng.randint(1, _ENTREPRENEUR_STAFF)}
    segment = rng.choice(_SEGMENTS)
    return {"segment_size": segment, "employees": rng.randint(*_EMPLOYEES[segment])}


def partner_tag_rows(rng: Random, ctx: SeedContext, partner_id: int) -> list[tuple]:
    count = rng.choice(_TAG_COUNTS)
    if not count:
        return []
    return [(partner_id, tag_id) for tag_id in rng.sample(ctx.classifiers.tag_ids, count)]


def counterparty_row(rng: Random, ctx: SeedContext, counterparty_id: int, company: FakeCompany) -> tuple:
    if company.owner is not None:
        kind, head = CounterpartyKind.ENTREPRENEUR.value, company.owner
        inn, kpp, ogrn = make_inn12(rng), "", make_ogrnip(rng)
    else:
        kind, head = CounterpartyKind.LEGAL.value, _director(rng, ctx, company)
        inn = make_inn10(rng)
        kpp, ogrn = make_kpp(rng, inn), make_ogrn(rng)
    legal = company.address.text
    actual = legal if rng.random() < 0.7 else fake_address(rng, company.region).text
    return (
        counterparty_id,
        ctx.now,
        ctx.now,
        kind,
        company.full_name,
        company.short_name,
        inn,
        kpp,
        ogrn,
        legal,
        actual,
        head.full_name,
        head.position,
    )


def _director(rng: Random, ctx: SeedContext, company: FakeCompany) -> FakePerson:
    return fake_person(rng, company.domain, today=ctx.today, position=_DIRECTOR)


def bank_account_row(rng: Random, ctx: SeedContext, counterparty_id: int) -> tuple | None:
    if rng.random() >= _BANK_ACCOUNT_SHARE:
        return None
    bank_name, bik = rng.choice(ctx.banks)
    return (ctx.now, ctx.now, counterparty_id, bik, make_bank_account(rng, bik), bank_name, True)
