"""One row of an import file turned into a checked `PartnerInput`, the way registration checks it.

`mapping_check` validates the user's column mapping; `rows_checked` builds every row's input
(classifiers and users are loaded once, by `RowResolver`) and records what is wrong with it as
the row's reasons.
"""

import re
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from klientura.accounts.models import User
from klientura.core.errors import ValidationFailed

from .duplicates import DuplicateCandidate
from .imports_reading import FIELDS, MULTI_FIELDS, ImportRow, ImportTable
from .inputs import ContactInput, CounterpartyInput, PartnerInput, partner_input_clean
from .models import BusinessRegion, CounterpartyKind, PartnerKind, Tag

OK, DUPLICATE, ERROR = "ok", "duplicate", "error"

# Database column widths that partner_input_clean does not check: a longer value must be a row
# error, not a database error in the middle of the import.
MAX_LENGTHS = {"phone": 40, "email": 254, "website": 500, "address": 500, "contact_position": 200}
MAX_NAME_PART = 100

# Where partner_input_clean reports an error → the import field the user mapped.
_ERROR_FIELDS = {
    "phones": "phone",
    "emails": "email",
    "counterparty.inn": "inn",
    "counterparty.kind": "inn",
    "counterparty.kpp": "kpp",
    "counterparty.ogrn": "ogrn",
    "counterparty.short_name": "name",
    "contact.last_name": "contact_name",
}
_KIND_ALIASES = {
    "клиент": PartnerKind.CLIENT,
    "покупатель": PartnerKind.CLIENT,
    "потенциальный": PartnerKind.PROSPECT,
    "потенциальный клиент": PartnerKind.PROSPECT,
    "поставщик": PartnerKind.SUPPLIER,
    "конкурент": PartnerKind.COMPETITOR,
    "прочее": PartnerKind.OTHER,
    "другое": PartnerKind.OTHER,
}
_LIST_SPLIT = re.compile(r"[,;\n]")


@dataclass
class RowReason:
    row: int  # as the user sees it in the file (the header is row 1 in most files)
    field: str  # the column's header in the file, or "" for the row as a whole
    message: str
    value: str = ""


@dataclass
class PreviewRow:
    number: int
    status: str = OK
    cells: dict[str, str] = field(default_factory=dict)  # field key → the file's text
    reasons: list[RowReason] = field(default_factory=list)
    candidates: list[DuplicateCandidate] = field(default_factory=list)
    data: PartnerInput | None = None


def mapping_check(table: ImportTable, mapping: dict[int, str]) -> dict[int, str]:
    """The mapping without skipped columns; ValidationFailed when it cannot work."""
    width = len(table.headers)
    clean = {int(i): key for i, key in mapping.items() if key and 0 <= int(i) < width}
    unknown = sorted({key for key in clean.values() if key not in FIELDS})
    if unknown:
        raise ValidationFailed(_("Unknown field: %(fields)s.") % {"fields": ", ".join(unknown)})
    if "name" not in clean.values():
        raise ValidationFailed(_("Choose the column that holds the client's name."))
    for key in FIELDS:
        columns = [table.headers[i] for i, k in sorted(clean.items()) if k == key]
        if len(columns) > 1 and key not in MULTI_FIELDS:
            raise ValidationFailed(
                _("Several columns are mapped to “%(field)s”: %(columns)s. Choose one.")
                % {"field": FIELDS[key], "columns": ", ".join(columns)}
            )
    return clean


def _row_cells(row: ImportRow, mapping: dict[int, str]) -> dict[str, str]:
    cells: dict[str, list[str]] = {}
    for index, key in mapping.items():
        value = row.cells[index].strip() if index < len(row.cells) else ""
        if value:
            cells.setdefault(key, []).append(value)
    return {key: "\n".join(values) for key, values in cells.items()}


class RowResolver:
    """Classifiers and users loaded once, so that turning a row into input costs no queries."""

    def __init__(self, actor):
        self.actor = actor
        self.may_assign = actor.has_perm("parties.reassign_partner")
        self.regions = {name.casefold(): pk for pk, name in BusinessRegion.objects.values_list("pk", "name")}
        self.tags = {name.casefold(): pk for pk, name in Tag.objects.values_list("pk", "name")}
        self.users: dict[str, set[int]] = {}
        self.logins: dict[str, int] = {}
        for pk, login, first, last in User.objects.filter(is_active=True).values_list(
            "pk", "username", "first_name", "last_name"
        ):
            self.logins[login.casefold()] = pk
            for key in {f"{last} {first}", f"{first} {last}"}:
                if key.strip():
                    self.users.setdefault(_words(key), set()).add(pk)
        self.kinds = {**_KIND_ALIASES, **{choice.value: choice.value for choice in PartnerKind}}
        for language, _name in settings.LANGUAGES:  # "Поставщик" and "Supplier" whatever the UI language
            with translation.override(language):
                self.kinds.update({str(choice.label).casefold(): choice.value for choice in PartnerKind})

    def kind(self, value: str) -> str:
        if not value:
            return PartnerKind.CLIENT
        return self.kinds.get(value.casefold(), value)  # an unknown kind is reported by the clean

    def region(self, value: str, errors: list) -> int | None:
        if not value:
            return None
        if value.casefold() not in self.regions:
            errors.append(("region", _("There is no business region “%(name)s”.") % {"name": value}))
        return self.regions.get(value.casefold())

    def tag_ids(self, value: str, errors: list) -> list[int]:
        ids = []
        for name in (part.strip() for part in _LIST_SPLIT.split(value)):
            if name and name.casefold() not in self.tags:
                errors.append(("tags", _("There is no tag “%(name)s”.") % {"name": name}))
            elif name and self.tags[name.casefold()] not in ids:
                ids.append(self.tags[name.casefold()])
        return ids

    def manager_id(self, value: str, errors: list) -> int | None:
        if not value:
            return None
        pk = self.logins.get(value.casefold())
        if pk is None:
            words = _words(value)
            found = self.users.get(words) or self.users.get(" ".join(words.split()[:2]), set())
            if len(found) > 1:
                errors.append(
                    ("manager", _("Several users are called “%(name)s”; write the login.") % {"name": value})
                )
                return None
            pk = next(iter(found), None)
        if pk is None:
            errors.append(("manager", _("There is no active user “%(name)s”.") % {"name": value}))
        elif pk != self.actor.pk and not self.may_assign:
            errors.append(
                (
                    "manager",
                    _("Only a head of sales or an administrator may give a client to another manager."),
                )
            )
        return pk


def _words(text: str) -> str:
    return " ".join(text.casefold().replace("ё", "е").split())


def _too_long(limit: int) -> str:
    return str(_("The value is too long (%(limit)s characters at most).") % {"limit": limit})


def _split_phones(value: str) -> list[str]:
    """Phones separated by commas or semicolons; "…, доб. 12" stays with its number."""
    phones: list[str] = []
    for part in _LIST_SPLIT.split(value):
        if phones and len(re.sub(r"\D", "", part)) < 5:
            phones[-1] = f"{phones[-1]}, {part.strip()}"
        elif part.strip():
            phones.append(part.strip())
    return phones


def _split_list(value: str) -> list[str]:
    return [part for part in re.split(r"[,;\s]+", value) if part]


def _counterparty(cells: dict[str, str]) -> CounterpartyInput | None:
    if not any(cells.get(key) for key in ("inn", "kpp", "ogrn")):
        return None
    inn = "".join(cells.get("inn", "").split())
    person = len(inn) == 12 or cells.get("name", "").upper().startswith("ИП ")
    return CounterpartyInput(
        kind=CounterpartyKind.ENTREPRENEUR if person else CounterpartyKind.LEGAL,
        short_name=cells.get("name", ""),
        inn=inn,
        kpp=cells.get("kpp", ""),
        ogrn=cells.get("ogrn", ""),
    )


def _contact(cells: dict[str, str], errors: list) -> ContactInput | None:
    name, position = cells.get("contact_name", ""), cells.get("contact_position", "")
    if not (name or position):
        return None
    parts = name.split()
    if any(len(part) > MAX_NAME_PART for part in parts):
        errors.append(("contact_name", _too_long(MAX_NAME_PART)))
    return ContactInput(
        last_name=parts[0] if parts else "",
        first_name=parts[1] if len(parts) > 1 else "",
        middle_name=" ".join(parts[2:]),
        position=position,
    )


def _partner_input(resolver: RowResolver, cells: dict[str, str], errors: list) -> PartnerInput:
    phones = _split_phones(cells.get("phone", ""))
    emails = _split_list(cells.get("email", ""))
    checked = {"phone": phones, "email": emails}
    checked.update({key: [cells.get(key, "")] for key in MAX_LENGTHS if key not in checked})
    for key, values in checked.items():
        if any(len(value) > MAX_LENGTHS[key] for value in values):
            errors.append((key, _too_long(MAX_LENGTHS[key])))
    return PartnerInput(
        name=cells.get("name", ""),
        kind=resolver.kind(cells.get("kind", "")),
        manager_id=resolver.manager_id(cells.get("manager", ""), errors),
        region_id=resolver.region(cells.get("region", ""), errors),
        tag_ids=resolver.tag_ids(cells.get("tags", ""), errors),
        notes=cells.get("notes", ""),
        phones=phones,
        emails=emails,
        website=cells.get("website", ""),
        address=cells.get("address", ""),
        counterparty=_counterparty(cells),
        contact=_contact(cells, errors),
    )


def _row_check(resolver: RowResolver, headers: dict[str, str], row: ImportRow, mapping) -> PreviewRow:
    """Build and clean one row's input; problems become the row's reasons."""
    result = PreviewRow(number=row.number, cells=_row_cells(row, mapping))
    errors: list[tuple[str, object]] = []
    data = _partner_input(resolver, result.cells, errors)
    try:
        partner_input_clean(data)
    except ValidationFailed as exc:
        errors += [
            (_ERROR_FIELDS.get(name, name), m) for name, messages in exc.fields.items() for m in messages
        ]
    for key, message in dict.fromkeys(errors):
        value = result.cells.get(key, "")
        result.reasons.append(RowReason(row.number, headers.get(key, ""), str(message), value))
    if result.reasons:
        result.status = ERROR
    else:
        result.data = data
    return result


def rows_checked(actor, table: ImportTable, mapping: dict[int, str]) -> list[PreviewRow]:
    """Each row built and cleaned. Classifiers and users are loaded once, not per row."""
    mapping = mapping_check(table, mapping)
    headers: dict[str, str] = {}
    for index, key in sorted(mapping.items()):
        headers[key] = f"{headers[key]}, {table.headers[index]}" if key in headers else table.headers[index]
    resolver = RowResolver(actor)
    return [_row_check(resolver, headers, row, mapping) for row in table.rows]
