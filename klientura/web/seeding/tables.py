"""The tables the seeder fills: each one's model and the fields of its rows, in row order.

Rows are plain tuples so that one builder feeds both writers: PostgreSQL's COPY and the ORM's
``bulk_create`` on every other database.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from django.db import models

from klientura.parties.models import BankAccount, ContactInfo, ContactPerson, Counterparty, Partner

STAMPS = ("created_at", "updated_at")


@dataclass(frozen=True)
class Table:
    key: str  # the attribute of ``Rows`` that holds this table's rows
    model: type[models.Model]
    fields: tuple[str, ...]  # attnames ("manager_id"), in the order of a row's values

    @property
    def db_table(self) -> str:
        return self.model._meta.db_table

    @cached_property
    def columns(self) -> tuple[str, ...]:
        return tuple(self.model._meta.get_field(name).column for name in self.fields)

    @cached_property
    def json_positions(self) -> tuple[int, ...]:
        """Where the row holds a dict or list that a JSON column stores."""
        return tuple(
            i
            for i, name in enumerate(self.fields)
            if isinstance(self.model._meta.get_field(name), models.JSONField)
        )


PARTNERS = Table(
    "partners",
    Partner,
    (
        "id",
        *STAMPS,
        "name",
        "name_normalized",
        "kind",
        "manager_id",
        "on_exchange",
        "region_id",
        "source_id",
        "notes",
        "custom",
        "main_phone",
        "main_email",
        "zone",
    ),
)
PARTNER_TAGS = Table("partner_tags", Partner.tags.through, ("partner_id", "tag_id"))
COUNTERPARTIES = Table(
    "counterparties",
    Counterparty,
    (
        "id",
        *STAMPS,
        "kind",
        "full_name",
        "short_name",
        "inn",
        "kpp",
        "ogrn",
        "legal_address",
        "actual_address",
        "management_name",
        "management_post",
    ),
)
COUNTERPARTY_PARTNERS = Table(
    "counterparty_partners", Counterparty.partners.through, ("counterparty_id", "partner_id")
)
BANK_ACCOUNTS = Table(
    "bank_accounts", BankAccount, (*STAMPS, "counterparty_id", "bik", "account", "bank_name", "is_main")
)
CONTACTS = Table(
    "contacts",
    ContactPerson,
    (
        "id",
        *STAMPS,
        "last_name",
        "first_name",
        "middle_name",
        "full_name",
        "position",
        "role",
        "birthday",
        "notes",
    ),
)
CONTACT_PARTNERS = Table(
    "contact_partners", ContactPerson.partners.through, ("contactperson_id", "partner_id")
)
CONTACT_INFOS = Table(
    "contact_infos",
    ContactInfo,
    (*STAMPS, "partner_id", "contact_id", "kind", "value", "normalized", "comment", "is_main"),
)

# Parents before children, in the order the writers fill them.
TABLES: tuple[Table, ...] = (
    PARTNERS,
    PARTNER_TAGS,
    COUNTERPARTIES,
    COUNTERPARTY_PARTNERS,
    BANK_ACCOUNTS,
    CONTACTS,
    CONTACT_PARTNERS,
    CONTACT_INFOS,
)
