"""Contact persons in and out of a mail program's address book as vCard.

Pure functions, no models: ``vcards_dump`` writes vCard 3.0 (RFC 2426) or 4.0 (RFC 6350);
``vcards_load`` reads what Google Contacts, Apple Contacts, Thunderbird, Outlook and old phones
(vCard 2.1 with QUOTED-PRINTABLE) export. Reading never raises on bad input: a card that cannot
become a contact is reported in ``errors`` and the others are kept.

Written by hand on purpose: the format is small, and owning it lets us bound memory, report
errors per card and keep Cyrillic as plain UTF-8.
"""

from __future__ import annotations

import datetime
import quopri
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

MAX_CARDS = 50_000
SUPPORTED_VERSIONS = ("3.0", "4.0")
PRODID = "-//Klientura//Klientura CRM//EN"
_MAX_OCTETS = 75  # per physical line, CRLF not counted (RFC 2426 2.6, RFC 6350 3.2)

NOT_VCARD = _("The text is not a vCard file: no BEGIN:VCARD line was found.")
TOO_MANY_CARDS = _("The file holds more than {limit} cards; split it into smaller files.")
NO_NAME = _("Card {card} has no name (FN or N).")
NOT_CLOSED = _("Card {card} is not closed with END:VCARD.")
BAD_BIRTHDAY = _("Card {card} has a birthday that is not a date ({value}); it was left empty.")


@dataclass
class VCardContact:
    last_name: str = ""
    first_name: str = ""
    middle_name: str = ""
    full_name: str = ""
    organization: str = ""
    title: str = ""  # position
    role: str = ""
    birthday: datetime.date | None = None
    phones: list[tuple[str, str]] = field(default_factory=list)  # (kind, number): work/cell/home/fax
    emails: list[tuple[str, str]] = field(default_factory=list)  # (kind, address): work/home
    addresses: list[tuple[str, str]] = field(default_factory=list)  # (kind, one-line address)
    urls: list[str] = field(default_factory=list)
    note: str = ""
    uid: str = ""


@dataclass(frozen=True)
class VCardError:
    card_index: int  # 1-based, as in the message; 0 when the text as a whole is refused
    line: int  # 1-based physical line where the card (or the faulty property) starts
    message: Promise | str
    skipped: bool = True  # False: the card was kept, only the faulty value was dropped


@dataclass
class VCardParseResult:
    contacts: list[VCardContact] = field(default_factory=list)
    errors: list[VCardError] = field(default_factory=list)


# ---------------------------------------------------------------------------------------- writing


def vcards_dump(contacts: Iterable[VCardContact], *, version: str = "3.0") -> str:
    """Serialise contacts as vCard text with CRLF line ends and lines folded at 75 octets."""
    if version not in SUPPORTED_VERSIONS:
        raise ValueError(f"vCard version must be one of {SUPPORTED_VERSIONS}, not {version!r}")
    return "".join(
        physical + "\r\n"
        for contact in contacts
        for logical in _card_lines(contact, version)
        for physical in _fold(logical)
    )


def _card_lines(contact: VCardContact, version: str) -> Iterator[str]:
    v4 = version == "4.0"
    yield "BEGIN:VCARD"
    yield f"VERSION:{version}"
    yield f"PRODID:{PRODID}"
    name = (contact.last_name, contact.first_name, contact.middle_name, "", "")
    yield "N:" + ";".join(_escape(part) for part in name)
    yield "FN:" + _escape(_display_name(contact))
    for prop, value in (("ORG", contact.organization), ("TITLE", contact.title), ("ROLE", contact.role)):
        if value:
            yield f"{prop}:{_escape(value)}"
    if contact.birthday is not None:
        yield "BDAY:" + _format_date(contact.birthday, basic=v4)
    for kind, number in contact.phones:
        if number.strip():
            yield f"TEL{_type_param([kind], v4)}:{_escape(number)}"
    for kind, address in contact.emails:
        if address.strip():
            kinds = [kind] if v4 else ["internet", kind]
            yield f"EMAIL{_type_param(kinds, v4)}:{_escape(address)}"
    for kind, address in contact.addresses:
        if address.strip():
            # One free-text line goes to the street component: PO box;extended;street;city;...
            yield f"ADR{_type_param([kind], v4)}:;;{_escape(address)};;;;"
    for url in contact.urls:
        if url.strip():
            yield "URL:" + _escape(url)
    if contact.note:
        yield "NOTE:" + _escape(contact.note)
    if contact.uid:
        yield "UID:" + _escape(contact.uid)
    yield "END:VCARD"


def _display_name(contact: VCardContact) -> str:
    """FN is mandatory in both versions; fall back to what a mail program would show."""
    if contact.full_name.strip():
        return contact.full_name
    composed = _compose_name(contact.last_name, contact.first_name, contact.middle_name)
    if composed:
        return composed
    fallbacks = [contact.organization, *(address for _kind, address in contact.emails)]
    return next((value for value in fallbacks if value.strip()), "")


def _compose_name(last: str, first: str, middle: str) -> str:
    # Russian order (Фамилия Имя Отчество), as the contact person card shows it.
    return " ".join(part.strip() for part in (last, first, middle) if part.strip())


def _format_date(value: datetime.date, *, basic: bool) -> str:
    # Not strftime: it does not zero-pad years before 1000 on every platform.
    separator = "" if basic else "-"
    return f"{value.year:04d}{separator}{value.month:02d}{separator}{value.day:02d}"


_TYPE_TOKEN = re.compile(r"[^A-Za-z0-9-]")


def _type_param(kinds: list[str], v4: bool) -> str:
    tokens = []
    for kind in kinds:
        token = _TYPE_TOKEN.sub("", kind)
        token = token.lower() if v4 else token.upper()
        if token and token not in tokens:
            tokens.append(token)
    return ";TYPE=" + ",".join(tokens) if tokens else ""


_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]|[\ud800-\udfff]")


def _escape(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # Control characters other than TAB are not allowed in a value; lone surrogates cannot be UTF-8.
    text = _UNSAFE.sub(lambda m: "" if m.group() < "\ud800" else "\ufffd", text)
    return text.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;").replace("\n", "\\n")


def _fold(line: str) -> list[str]:
    """Split a content line into ≤ 75-octet pieces, never inside a UTF-8 sequence."""
    if len(line.encode("utf-8")) <= _MAX_OCTETS:
        return [line]
    pieces: list[str] = []
    current: list[str] = []
    size, limit = 0, _MAX_OCTETS
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            pieces.append("".join(current))
            current, size, limit = [], 0, _MAX_OCTETS - 1  # the leading space takes one octet
        current.append(char)
        size += width
    pieces.append("".join(current))
    return [pieces[0], *(" " + piece for piece in pieces[1:])]


# ---------------------------------------------------------------------------------------- reading


@dataclass
class _Property:
    group: str
    name: str
    params: dict[str, list[str]]
    value: str
    line: int


@dataclass
class _Card:
    index: int
    line: int
    properties: list[_Property] = field(default_factory=list)


# Only these are kept while reading; PHOTO, X-… and the rest are dropped at once.
_WANTED = frozenset(
    {"VERSION", "N", "FN", "ORG", "TITLE", "ROLE", "BDAY", "TEL", "EMAIL", "ADR", "URL", "NOTE", "UID"}
    | {"X-ABLABEL"}
)
_BEGIN_LINE = re.compile(r"(?<![^\r\n])BEGIN[ \t]*:[ \t]*VCARD[ \t]*(?![^\r\n])", re.IGNORECASE)


def vcards_load(text: str, *, max_cards: int = MAX_CARDS) -> VCardParseResult:
    """Read vCard 2.1/3.0/4.0 text into contacts; problems go to ``errors``, never raised."""
    result = VCardParseResult()
    text = text.removeprefix("\ufeff")
    refused_at = _position_of_card(text, max_cards + 1)
    if refused_at is not None:
        return _refused(text.count("\n", 0, refused_at) + 1, max_cards)
    card: _Card | None = None
    count = 0
    for number, line in _logical_lines(text):
        prop = _parse_line(line, number)
        if prop is None:
            continue
        if _is_marker(prop, "BEGIN"):
            if card is not None:
                result.errors.append(_card_error(NOT_CLOSED, card))
            count += 1
            if count > max_cards:  # a BEGIN the quick count above missed, e.g. a folded one
                return _refused(number, max_cards)
            card = _Card(count, number)
        elif card is None:
            continue
        elif _is_marker(prop, "END"):
            _finish_card(card, result)
            card = None
        elif prop.name in _WANTED:
            card.properties.append(prop)
    if card is not None:
        result.errors.append(_card_error(NOT_CLOSED, card))
    if count == 0:
        result.errors.append(VCardError(0, 1, NOT_VCARD))
    return result


def _refused(line: int, max_cards: int) -> VCardParseResult:
    error = VCardError(0, line, format_lazy(TOO_MANY_CARDS, limit=max_cards))
    return VCardParseResult(errors=[error])


def _position_of_card(text: str, ordinal: int) -> int | None:
    """Offset of the ordinal-th BEGIN:VCARD, found without parsing anything."""
    for seen, match in enumerate(_BEGIN_LINE.finditer(text), 1):
        if seen == ordinal:
            return match.start()
    return None


def _is_marker(prop: _Property, name: str) -> bool:
    return prop.name == name and prop.value.strip().upper() == "VCARD"


def _card_error(
    message: Promise, card: _Card, *, line: int = 0, skipped: bool = True, **kwargs
) -> VCardError:
    text = format_lazy(message, card=card.index, **kwargs)
    return VCardError(card.index, line or card.line, text, skipped)


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _physical_lines(text: str) -> Iterator[str]:
    # Not str.splitlines(): it also breaks on U+2028, U+0085 and friends, which are plain text here.
    start = 0
    for match in _LINE_BREAK.finditer(text):
        yield text[start : match.start()]
        start = match.end()
    yield text[start:]


def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """Unfold: a line starting with space/TAB continues the previous one; so does the line
    after a QUOTED-PRINTABLE value ending in a soft break ``=``. Yields (first line number, line)."""
    pending: list[str] = []
    start = 0
    for number, line in enumerate(_physical_lines(text), 1):
        if pending:
            if line[:1] in (" ", "\t"):
                pending.append(line[1:])
                continue
            joined = "".join(pending)
            if joined.endswith("=") and _is_quoted_printable(joined):
                pending = [joined[:-1], line]
                continue
            yield start, joined
            pending = []
        if line.strip():
            pending, start = [line], number
    if pending:
        yield start, "".join(pending)


def _is_quoted_printable(line: str) -> bool:
    head = line.split(":", 1)[0]
    return "QUOTED-PRINTABLE" in head.upper()


_NAME = re.compile(r"\s*(?:([A-Za-z0-9-]+)\.)?([A-Za-z0-9-]+)")
_PARAM_NAME = re.compile(r"[A-Za-z0-9-]*")
_PARAM_VALUE = re.compile(r'[^,;:"]*')
_ENCODINGS = frozenset({"QUOTED-PRINTABLE", "BASE64", "B", "8BIT", "7BIT"})


def _parse_line(line: str, number: int) -> _Property | None:
    """``[group.]NAME *(;param) : value``; anything else (stray base64, garbage) gives None."""
    match = _NAME.match(line)
    if match is None:
        return None
    group, name = match.group(1) or "", match.group(2).upper()
    pos = match.end()
    params: dict[str, list[str]] = {}
    while pos < len(line) and line[pos] == ";":
        pos, param, values = _parse_param(line, pos + 1)
        params.setdefault(param, []).extend(values)
    if pos >= len(line) or line[pos] != ":":
        return None
    return _Property(group.upper(), name, params, line[pos + 1 :], number)


def _parse_param(line: str, pos: int) -> tuple[int, str, list[str]]:
    match = _PARAM_NAME.match(line, pos)
    name, pos = match.group().upper(), match.end()
    if pos >= len(line) or line[pos] != "=":
        # vCard 2.1 bare parameter: TEL;CELL:…, NOTE;QUOTED-PRINTABLE:…
        return pos, ("ENCODING" if name in _ENCODINGS else "TYPE"), [name]
    values = []
    pos += 1
    while True:
        if pos < len(line) and line[pos] == '"':
            end = line.find('"', pos + 1)
            end = len(line) if end < 0 else end
            values.append(line[pos + 1 : end])
            pos = end + 1
        else:
            match = _PARAM_VALUE.match(line, pos)
            values.append(match.group())
            pos = match.end()
        if pos < len(line) and line[pos] == ",":
            pos += 1
            continue
        return pos, name, values


def _decoded(prop: _Property) -> str:
    """The raw value with QUOTED-PRINTABLE (vCard 2.1) undone; still backslash-escaped."""
    encoding = [value.upper() for value in prop.params.get("ENCODING", [])]
    if "QUOTED-PRINTABLE" not in encoding:
        return prop.value
    raw = quopri.decodestring(prop.value.encode("utf-8"))
    charset = (prop.params.get("CHARSET") or ["utf-8"])[0]
    try:
        text = raw.decode(charset)
    except (LookupError, UnicodeDecodeError):
        text = raw.decode("utf-8", errors="replace")
    return text.replace("\r\n", "\n").replace("\r", "\n")


_ESCAPED = re.compile(r"\\(.)", re.DOTALL)
_UNESCAPES = {"n": "\n", "N": "\n", "\\": "\\", ",": ",", ";": ";", ":": ":"}


def _unescape(value: str, *, legacy: bool) -> str:
    if legacy:  # vCard 2.1 escapes only the semicolon; a backslash is an ordinary character
        return value.replace("\\;", ";")
    return _ESCAPED.sub(lambda m: _UNESCAPES.get(m.group(1), m.group()), value)


def _split_components(value: str) -> list[str]:
    """Split a structured value (N, ADR, ORG) on semicolons that are not escaped."""
    parts: list[str] = []
    current: list[str] = []
    chars = iter(value)
    for char in chars:
        if char == "\\":
            current.append(char + next(chars, ""))
        elif char == ";":
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def _finish_card(card: _Card, result: VCardParseResult) -> None:
    reader = _CardReader(card)
    contact = reader.read()
    name_parts = (contact.last_name, contact.first_name, contact.middle_name)
    if not contact.full_name.strip():
        if not any(part.strip() for part in name_parts):
            result.errors.append(_card_error(NO_NAME, card))  # the card's lesser faults do not matter
            return
        contact.full_name = _compose_name(*name_parts)
    result.contacts.append(contact)
    result.errors.extend(reader.errors)


# Kinds are reduced to one word; the first of these that a property carries wins.
_TEL_KINDS = ("fax", "cell", "pager", "work", "home")
_OTHER_KINDS = ("work", "home")
_GENERIC_TYPES = frozenset(
    {"pref", "voice", "msg", "text", "internet", "x400", "dom", "intl", "postal", "parcel"}
)
_TYPE_ALIASES = {"mobile": "cell", "iphone": "cell", "cellular": "cell", "business": "work"}
_APPLE_LABELS = {  # Apple and Google write item1.X-ABLabel:_$!<Mobile>!$_ next to item1.TEL
    "mobile": "cell",
    "iphone": "cell",
    "main": "work",
    "work": "work",
    "home": "home",
    "workfax": "fax",
    "homefax": "fax",
    "otherfax": "fax",
    "pager": "pager",
    "other": "other",
}
_SINGLE_TEXT = {"FN": "full_name", "TITLE": "title", "ROLE": "role", "UID": "uid"}  # the first one wins
_APPLE_LABEL = re.compile(r"_\$!<(.*)>!\$_")


class _CardReader:
    """Turns the kept properties of one card into a contact; the first FN, N, ORG… wins."""

    def __init__(self, card: _Card):
        self.card = card
        self.errors: list[VCardError] = []
        self.contact = VCardContact()
        versions = [p.value.strip() for p in card.properties if p.name == "VERSION"]
        self.legacy = versions[:1] == ["2.1"]
        self.labels = {p.group: self.text(p) for p in card.properties if p.name == "X-ABLABEL" and p.group}
        self.seen: set[str] = set()
        self.notes: list[str] = []

    def read(self) -> VCardContact:
        for prop in self.card.properties:
            first_time = prop.name not in self.seen
            self.seen.add(prop.name)
            if prop.name in _SINGLE_TEXT:
                if first_time:
                    setattr(self.contact, _SINGLE_TEXT[prop.name], self.text(prop))
                continue
            handler = getattr(self, "read_" + prop.name.lower().replace("-", "_"), None)
            if handler is not None:
                handler(prop, first_time)
        self.contact.note = "\n".join(self.notes)
        return self.contact

    def text(self, prop: _Property) -> str:
        return _unescape(_decoded(prop), legacy=self.legacy)

    def components(self, prop: _Property) -> list[str]:
        return [_unescape(part, legacy=self.legacy) for part in _split_components(_decoded(prop))]

    def kind(self, prop: _Property, preferred: tuple[str, ...]) -> str:
        types = [t.strip().lower() for value in prop.params.get("TYPE", []) for t in value.split(",")]
        types = [_TYPE_ALIASES.get(t, t) for t in types if t and t not in _GENERIC_TYPES]
        label = _APPLE_LABEL.fullmatch(self.labels.get(prop.group, "").strip()) if prop.group else None
        labelled = [_APPLE_LABELS.get(label.group(1).lower(), "")] if label else []
        for candidate in preferred:
            if candidate in types:
                return candidate
        return next((t for t in labelled + types if t), "")

    def read_n(self, prop: _Property, first_time: bool) -> None:
        if first_time:
            parts = [*self.components(prop), "", ""]
            self.contact.last_name, self.contact.first_name, self.contact.middle_name = parts[:3]

    def read_org(self, prop: _Property, first_time: bool) -> None:
        if first_time:  # organisation;unit;subunit — one line for us
            self.contact.organization = ", ".join(part for part in self.components(prop) if part)

    def read_note(self, prop: _Property, first_time: bool) -> None:
        self.notes.append(self.text(prop))

    def read_tel(self, prop: _Property, first_time: bool) -> None:
        number = self.text(prop)
        is_uri = [v.lower() for v in prop.params.get("VALUE", [])] == ["uri"]
        if is_uri and number[:4].lower() == "tel:":  # vCard 4.0 TEL;VALUE=uri:tel:+7…
            number = number[4:]
        if number.strip():
            self.contact.phones.append((self.kind(prop, _TEL_KINDS), number))

    def read_email(self, prop: _Property, first_time: bool) -> None:
        address = self.text(prop)
        if address.strip():
            self.contact.emails.append((self.kind(prop, _OTHER_KINDS), address))

    def read_adr(self, prop: _Property, first_time: bool) -> None:
        address = ", ".join(part for part in self.components(prop) if part)
        if address.strip():
            self.contact.addresses.append((self.kind(prop, _OTHER_KINDS), address))

    def read_url(self, prop: _Property, first_time: bool) -> None:
        url = self.text(prop)
        if url.strip():
            self.contact.urls.append(url)

    def read_bday(self, prop: _Property, first_time: bool) -> None:
        if not first_time:
            return
        value = self.text(prop)
        try:
            self.contact.birthday = _parse_birthday(value, prop.params)
        except ValueError:
            shown = value if len(value) <= 40 else value[:40] + "…"
            error = _card_error(BAD_BIRTHDAY, self.card, line=prop.line, skipped=False, value=shown)
            self.errors.append(error)


_FULL_DATE = re.compile(r"(\d{4})-?(\d{2})-?(\d{2})")
_DOTTED_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
_NO_YEAR = re.compile(r"--(\d{2})-?(\d{2})|---\d{2}|--\d{2}|\d{4}(-\d{2})?")


def _parse_birthday(value: str, params: dict[str, list[str]]) -> datetime.date | None:
    """A date, or None when the card gives no full date (no year, text, a time only).

    Raises ValueError for what is not a date at all.
    """
    value = value.strip()
    if [v.lower() for v in params.get("VALUE", [])] == ["text"]:
        return None
    value = value.split("T", 1)[0]  # 1985-04-12T00:00:00Z, or T102200 (a time without a date)
    if not value:
        return None
    if match := _FULL_DATE.fullmatch(value):
        year, month, day = (int(group) for group in match.groups())
    elif match := _DOTTED_DATE.fullmatch(value):
        day, month, year = (int(group) for group in match.groups())
    elif match := _NO_YEAR.fullmatch(value):
        if match.group(1):
            datetime.date(2000, int(match.group(1)), int(match.group(2)))  # reject --1345
        return None
    else:
        raise ValueError(value)
    omitted = [v.strip() for v in params.get("X-APPLE-OMIT-YEAR", [])]
    if year == 0 or str(year) in omitted:  # Apple writes 1604-03-08 for "8 March, year unknown"
        datetime.date(2000, month, day)
        return None
    return datetime.date(year, month, day)
