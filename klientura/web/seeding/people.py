"""Rows for the people at a client and for everybody's contact information."""

from __future__ import annotations

from random import Random

from klientura.core.fake_ru import FakeCompany, FakePerson, fake_person
from klientura.parties.models import ContactKind
from klientura.web.seeding.context import SeedContext

# fake_ru writes "+7 916 123-45-67" and "+7 (495) 123-45-67": dropping the layout gives E.164, and
# is a hundred times faster than parsing with phonenumbers (the tests check the two agree).
_PHONE_LAYOUT = str.maketrans("", "", " ()-")
_PHONE, _EMAIL, _WEBSITE, _ADDRESS = (
    ContactKind.PHONE.value,
    ContactKind.EMAIL.value,
    ContactKind.WEBSITE.value,
    ContactKind.ADDRESS.value,
)
_LEGAL_ADDRESS = "Юридический адрес"
# Contact roles by words in the position (the first match wins).
_ROLES = (
    ("директор", "Лицо, принимающее решение"),
    ("предприниматель", "Лицо, принимающее решение"),
    ("бухгалтер", "Бухгалтерия"),
    ("закуп", "Закупки"),
    ("снабж", "Закупки"),
)


def e164(phone: str) -> str:
    return phone.translate(_PHONE_LAYOUT)


def contact_role(position: str) -> str:
    lowered = position.lower()
    return next((role for word, role in _ROLES if word in lowered), "")


def contact_people(rng: Random, ctx: SeedContext, company: FakeCompany, count: int) -> list[FakePerson]:
    """The entrepreneur himself comes first at an ИП; the others work at the company."""
    people = [company.owner] if company.owner is not None else []
    while len(people) < count:
        people.append(fake_person(rng, company.domain, today=ctx.today))
    return people


def contact_row(ctx: SeedContext, contact_id: int, person: FakePerson) -> tuple:
    return (
        contact_id,
        ctx.now,
        ctx.now,
        person.last_name,
        person.first_name,
        person.middle_name,
        person.full_name,
        person.position,
        contact_role(person.position),
        person.birthday,
        "",
    )


def _info(ctx: SeedContext, partner_id, contact_id, kind: str, value: str, normalized: str, comment=""):
    return (ctx.now, ctx.now, partner_id, contact_id, kind, value, normalized, comment, True)


def partner_info_rows(ctx: SeedContext, partner_id: int, company: FakeCompany) -> list[tuple]:
    email = company.email.lower()
    address = company.address.text
    rows = [
        _info(ctx, partner_id, None, _PHONE, company.phone, e164(company.phone)),
        _info(ctx, partner_id, None, _EMAIL, email, email),
        _info(ctx, partner_id, None, _ADDRESS, address, address.lower(), _LEGAL_ADDRESS),
    ]
    if company.website:
        rows.append(_info(ctx, partner_id, None, _WEBSITE, company.website, company.website.lower()))
    return rows


def contact_info_rows(ctx: SeedContext, contact_id: int, person: FakePerson) -> list[tuple]:
    email = person.email.lower()
    return [
        _info(ctx, None, contact_id, _PHONE, person.phone, e164(person.phone)),
        _info(ctx, None, contact_id, _EMAIL, email, email),
    ]
