"""Pydantic schemas of the clients API: what goes in and what comes out of /api/v1/partners and friends.

Input schemas only check shape and size (lengths match the database columns, so PostgreSQL never
rejects what SQLite accepted); the meaning (INN check digits, phones, e-mails, custom fields) is
checked by parties.inputs, the same code the web forms and imports use.
"""

import datetime
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import ConfigDict

from klientura.core.api import ErrorBody

from .inputs import ContactInput, CounterpartyInput, PartnerInput
from .models import ContactKind, CounterpartyKind, PartnerKind

MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
CustomValue = str | int | float | None
PartnerSort = Literal["name", "-name", "created", "-created"]

KindOfPartner = Literal[tuple(PartnerKind.values)]  # type: ignore[valid-type]
KindOfCounterparty = Literal[tuple(CounterpartyKind.values)]  # type: ignore[valid-type]
KindOfContactInfo = Literal[tuple(ContactKind.values)]  # type: ignore[valid-type]


class StrictIn(Schema):
    """Unknown fields are refused, so a typo ("manger_id") is an error, not silently ignored."""

    model_config = ConfigDict(extra="forbid")


# --- out: small pieces -----------------------------------------------------------------------


class UserRefOut(Schema):
    id: int
    username: str
    full_name: str

    @staticmethod
    def resolve_full_name(obj) -> str:
        return obj.get_full_name() or obj.username


class TagOut(Schema):
    id: int
    name: str
    color: str


class RegionOut(Schema):
    id: int
    name: str
    timezone: str


class SourceOut(Schema):
    id: int
    name: str


class BankAccountOut(Schema):
    id: int
    bik: str
    account: str
    bank_name: str
    is_main: bool


class ContactInfoOut(Schema):
    id: int
    kind: str
    value: str
    normalized: str
    comment: str
    is_main: bool


class PartnerRefOut(Schema):
    id: int
    name: str


class CounterpartyOut(Schema):
    id: int
    kind: str
    full_name: str
    short_name: str
    inn: str
    kpp: str
    ogrn: str
    legal_address: str
    actual_address: str
    management_name: str
    management_post: str
    bank_accounts: list[BankAccountOut]


class CounterpartyListItemOut(CounterpartyOut):
    partners: list[PartnerRefOut] = Field(description="The partners of this counterparty you may see.")

    @staticmethod
    def resolve_partners(obj) -> list:
        return list(getattr(obj, "visible_partners", []))


class ContactOut(Schema):
    id: int
    full_name: str
    last_name: str
    first_name: str
    middle_name: str
    position: str
    role: str
    birthday: datetime.date | None
    notes: str
    contact_infos: list[ContactInfoOut]


class ContactListItemOut(ContactOut):
    partners: list[PartnerRefOut] = Field(description="The partners of this contact you may see.")

    @staticmethod
    def resolve_partners(obj) -> list:
        return list(getattr(obj, "visible_partners", []))


class CustomFieldValueOut(Schema):
    code: str
    name: str
    kind: str
    value: Any = None


# --- out: partners ---------------------------------------------------------------------------


class PartnerOut(Schema):
    """A row of the client list."""

    id: int
    name: str
    kind: str
    manager: UserRefOut | None
    on_exchange: bool
    region: RegionOut | None
    tags: list[TagOut]
    main_phone: str
    main_email: str
    created_at: datetime.datetime
    updated_at: datetime.datetime


class PartnerCardOut(PartnerOut):
    """The client card: everything the card's overview and contacts tabs show."""

    source: SourceOut | None
    notes: str
    custom: dict[str, Any]
    custom_fields: list[CustomFieldValueOut]
    counterparties: list[CounterpartyOut]
    contacts: list[ContactOut]
    contact_infos: list[ContactInfoOut]


class PartnerPageOut(Schema):
    items: list[PartnerOut]
    next_cursor: str | None


class CounterpartyPageOut(Schema):
    items: list[CounterpartyListItemOut]
    next_cursor: str | None


class ContactPageOut(Schema):
    items: list[ContactListItemOut]
    next_cursor: str | None


class CountOut(Schema):
    count: int = Field(description="How many clients were changed (or touched, for tags).")


class ShareOut(Schema):
    partner_id: int
    user_id: int


# --- duplicates ------------------------------------------------------------------------------


class DuplicateCandidateOut(Schema):
    partner_id: int
    name: str
    manager: str
    visible: bool = Field(description="False: you may not open this client; ask its lead manager.")
    reasons: list[str]
    score: float


class DuplicatesOut(Schema):
    candidates: list[DuplicateCandidateOut]


class DuplicatesErrorBody(ErrorBody):
    candidates: list[DuplicateCandidateOut]


class DuplicatesErrorOut(Schema):
    """409 from registration: possible duplicates. Resend with their ids in confirmed_duplicate_ids."""

    error: DuplicatesErrorBody


# --- in: queries -----------------------------------------------------------------------------


class PartnerListQuery(Schema):
    q: str = Field("", max_length=200, description="Name, INN, phone, e-mail or a contact's name.")
    kind: KindOfPartner | None = None
    manager_id: Id | None = None
    region_id: Id | None = None
    tag_ids: list[Id] = Field([], description="Repeat the parameter for several tags.")
    tags_mode: Literal["any", "all"] = "any"
    sort: PartnerSort = "name"
    cursor: str | None = Field(None, max_length=2000)
    limit: int = Field(50, ge=1, le=200)


class SearchPageQuery(Schema):
    q: str = Field("", max_length=200)
    cursor: str | None = Field(None, max_length=2000)
    limit: int = Field(50, ge=1, le=200)


class RegistryQuery(Schema):
    inn: str = Field(..., max_length=20)
    kpp: str | None = Field(None, max_length=20)


# --- in: registration ------------------------------------------------------------------------


class CounterpartyIn(StrictIn):
    kind: KindOfCounterparty = CounterpartyKind.LEGAL.value
    full_name: str = Field("", max_length=500)
    short_name: str = Field("", max_length=300)
    inn: str = Field("", max_length=20)
    kpp: str = Field("", max_length=20)
    ogrn: str = Field("", max_length=20)
    legal_address: str = Field("", max_length=500)
    actual_address: str = Field("", max_length=500)
    management_name: str = Field("", max_length=300)
    management_post: str = Field("", max_length=200)
    bik: str = Field("", max_length=20)
    bank_account: str = Field("", max_length=30)
    bank_name: str = Field("", max_length=300)

    def to_input(self) -> CounterpartyInput:
        return CounterpartyInput(**self.model_dump())


class ContactIn(StrictIn):
    last_name: str = Field("", max_length=100)
    first_name: str = Field("", max_length=100)
    middle_name: str = Field("", max_length=98)  # full name = the three joined by spaces, ≤ 300
    position: str = Field("", max_length=200)
    role: str = Field("", max_length=200)
    birthday: datetime.date | None = None
    phone: str = Field("", max_length=40)
    email: str = Field("", max_length=254)

    def to_input(self) -> ContactInput:
        return ContactInput(**self.model_dump())


class PartnerIn(StrictIn):
    """A new client. Leave `name` empty to take it from the counterparty's short name."""

    name: str = Field("", max_length=300)
    kind: KindOfPartner = PartnerKind.CLIENT.value
    manager_id: Id | None = Field(None, description="Needs the right to assign clients to others.")
    region_id: Id | None = None
    source_id: Id | None = None
    notes: str = Field("", max_length=10000)
    tag_ids: list[Id] = Field([], max_length=100)
    custom: dict[str, CustomValue] = Field({}, description="Custom field code → value.")
    # Partner.main_phone keeps the first phone as typed, in 40 characters.
    phones: list[Annotated[str, Field(max_length=40)]] = Field([], max_length=20)
    emails: list[Annotated[str, Field(max_length=254)]] = Field([], max_length=20)
    website: str = Field("", max_length=500)
    address: str = Field("", max_length=500)
    counterparty: CounterpartyIn | None = None
    contact: ContactIn | None = None

    def to_input(self) -> PartnerInput:
        own = set(PartnerIn.model_fields) - {"counterparty", "contact"}
        data = self.model_dump(include=own)
        return PartnerInput(
            **data,
            counterparty=self.counterparty.to_input() if self.counterparty else None,
            contact=self.contact.to_input() if self.contact else None,
        )


class PartnerRegisterIn(PartnerIn):
    confirmed_duplicate_ids: list[Id] = Field(
        [], max_length=100, description="Candidates you checked and confirm are other clients."
    )
    skip_duplicate_check: bool = Field(False, description="Needs the right to register without the check.")


# --- in: changes -----------------------------------------------------------------------------


class PartnerPatchIn(StrictIn):
    """Only the fields sent are changed. In `custom`, a code set to null removes the value."""

    name: str | None = Field(None, max_length=300)
    kind: KindOfPartner | None = None
    region_id: Id | None = None
    source_id: Id | None = None
    notes: str | None = Field(None, max_length=10000)
    custom: dict[str, CustomValue] | None = None


class ManagerIn(StrictIn):
    manager_id: Id | None = Field(..., description="The new lead manager; null puts nobody in charge.")


class TagsAssignIn(StrictIn):
    partner_ids: list[Id] = Field(..., min_length=1, max_length=1000)
    tag_ids: list[Id] = Field(..., min_length=1, max_length=100)
    remove: bool = False


class ShareIn(StrictIn):
    user_id: Id


class MergeIn(StrictIn):
    survivor_id: Id = Field(..., description="The client that stays.")
    merged_id: Id = Field(..., description="The duplicate: its records move to the survivor.")


# --- registry --------------------------------------------------------------------------------


class RegistryPartyOut(Schema):
    inn: str
    kpp: str
    ogrn: str
    kind: Literal["legal", "individual"]
    counterparty_kind: KindOfCounterparty = Field(description="The counterparty kind to register it as.")
    full_name: str
    short_name: str
    legal_address: str
    management_name: str
    management_post: str
    status: str = Field(description="active, liquidating, liquidated, bankrupt, reorganizing or empty.")
