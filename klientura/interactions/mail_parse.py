"""Reading an e-mail message as it came from the mailbox, whatever state it is in.

Real mail carries unknown or misspelt charsets, raw 8-bit bytes in headers, broken base64 and HTML-only
bodies. Nothing here raises on such input: what cannot be decoded becomes U+FFFD (the replacement
character), so the message is still stored and a person can read the rest of it.
"""

import codecs
import datetime
import email
import email.header
import email.policy
import email.utils
import hashlib
import re
from dataclasses import dataclass, field
from email.message import Message
from html.parser import HTMLParser

from django.utils import timezone

MESSAGE_ID_MAX = 500
TEXT_MAX_CHARS = 1_000_000  # a body longer than this is cut: nobody reads it on a card
_ID_RE = re.compile(r"<[^<>\s]+>")
_SYNTHETIC_DOMAIN = "synthetic.klientura"


@dataclass
class ParsedAttachment:
    name: str
    content_type: str
    payload: bytes | None  # None when too large to keep
    size: int


@dataclass
class ParsedMail:
    message_id: str
    subject: str = ""
    from_name: str = ""
    from_address: str = ""
    to: str = ""
    cc: str = ""
    date: datetime.datetime | None = None
    in_reply_to: str = ""
    references: list[str] = field(default_factory=list)
    text: str = ""
    attachments: list[ParsedAttachment] = field(default_factory=list)

    @property
    def sender(self) -> str:
        return display_address(self.from_name, self.from_address)

    @property
    def kept_attachments(self) -> list[ParsedAttachment]:
        return [a for a in self.attachments if a.payload is not None]

    @property
    def skipped_attachments(self) -> list[dict]:
        return [{"name": a.name, "size": a.size} for a in self.attachments if a.payload is None]

    @property
    def thread_ids(self) -> list[str]:
        """Ids of the messages this one answers, nearest first: In-Reply-To, then References backwards."""
        ids = [self.in_reply_to] if self.in_reply_to else []
        return ids + [ref for ref in reversed(self.references) if ref not in ids]


# --- Decoding text -----------------------------------------------------------------------------


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Bytes in a declared charset; an unknown charset is read as UTF-8, bad bytes become U+FFFD."""
    name = (charset or "utf-8").strip().strip('"').lower()
    if name in ("", "unknown-8bit", "x-unknown", "default"):
        name = "utf-8"
    try:
        codecs.lookup(name)
    except LookupError:
        name = "utf-8"
    try:
        return data.decode(name, "replace")
    except Exception:  # a codec may fail in its own ways (e.g. stateful ones on garbage)
        return data.decode("utf-8", "replace")


def _unsurrogate(text: str) -> str:
    """Raw 8-bit header bytes come from the parser as surrogate escapes; read them as UTF-8."""
    if not any("\udc80" <= char <= "\udcff" for char in text):
        return text
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def decode_header(value) -> str:
    """A header as readable text: RFC 2047 words decoded, broken pieces replaced, lines unfolded."""
    if value is None:
        return ""
    text = _unsurrogate(str(value))
    try:
        chunks = email.header.decode_header(text)
    except Exception:  # malformed encoded words: show the header as it is
        chunks = [(text, None)]
    parts = []
    for chunk, charset in chunks:
        if isinstance(chunk, str):
            parts.append(chunk)
        elif charset is None:
            # decode_header hands back the plain runs between encoded words this way.
            parts.append(chunk.decode("raw-unicode-escape", "replace"))
        else:
            parts.append(decode_bytes(chunk, charset))
    decoded = "".join(parts)
    return " ".join(decoded.replace("\x00", "").split())


def _raw_headers(msg: Message, name: str) -> list[str]:
    """A header's values as received: `msg.get()` wraps raw 8-bit values in a Header object that
    would already have replaced every byte of them, even the good UTF-8 ones."""
    name = name.lower()
    return [_unsurrogate(str(value)) for key, value in msg.raw_items() if key.lower() == name]


def _raw_header(msg: Message, name: str) -> str:
    values = _raw_headers(msg, name)
    return values[0] if values else ""


def _addresses(msg: Message, name: str) -> list[tuple[str, str]]:
    values = _raw_headers(msg, name)
    try:
        pairs = email.utils.getaddresses(values)
    except Exception:
        return []
    return [(decode_header(display), address.strip()) for display, address in pairs if address.strip()]


def display_address(name: str, address: str) -> str:
    """«Иван Петров <ivan@x.ru>», the name quoted when it holds a comma or the like, so the text reads
    back as one address; kept readable (not MIME-encoded) for the card and the compose form."""
    name = " ".join((name or "").split()).replace('"', "'")
    if not name:
        return address
    if any(char in name for char in "()<>@,;:\\.[]"):
        name = f'"{name}"'
    return f"{name} <{address}>"


def _format_addresses(pairs: list[tuple[str, str]]) -> str:
    return ", ".join(display_address(display, address) for display, address in pairs)


def _ids(value) -> list[str]:
    return [found for found in _ID_RE.findall(value or "") if len(found) <= MESSAGE_ID_MAX]


def _message_id(msg: Message, raw: bytes) -> str:
    found = _ids(_raw_header(msg, "Message-ID"))
    if found:
        return found[0]
    # No (usable) Message-ID: the same bytes always give the same id, so a second fetch is still a duplicate.
    return f"<{hashlib.sha256(raw).hexdigest()[:40]}@{_SYNTHETIC_DOMAIN}>"


def _date(msg: Message) -> datetime.datetime | None:
    value = _raw_header(msg, "Date")
    if not value:
        return None
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if moment is None:
        return None
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=datetime.UTC)
    # A sender's clock far off (or a forged date) must not put the letter years away on the card.
    now = timezone.now()
    if not datetime.datetime(1990, 1, 1, tzinfo=datetime.UTC) <= moment <= now + datetime.timedelta(days=2):
        return None
    return moment


# --- HTML to text ------------------------------------------------------------------------------


_BLOCK_TAGS = "p div br tr li h1 h2 h3 h4 h5 h6 table ul ol blockquote pre hr section article header footer"


class _TextFromHtml(HTMLParser):
    BLOCKS = frozenset(_BLOCK_TAGS.split())
    SKIPPED = frozenset({"script", "style", "head", "title"})

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0
        self.href = ""

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIPPED:
            self.skipping += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")
        elif tag == "a":
            self.href = dict(attrs).get("href") or ""
        if tag == "li":
            self.parts.append("• ")

    def handle_endtag(self, tag):
        if tag in self.SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n")
        elif tag == "a" and self.href.startswith(("http://", "https://")):
            self.parts.append(f" ({self.href})")
            self.href = ""

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(re.sub(r"\s+", " ", data))

    def text(self) -> str:
        lines = [line.strip() for line in "".join(self.parts).splitlines()]
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def html_to_text(html: str) -> str:
    parser = _TextFromHtml()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # the parser is lenient; this is for the truly pathological
        return re.sub(r"<[^>]*>", " ", html)
    return parser.text()


# --- Body and attachments ----------------------------------------------------------------------


def _payload(part: Message) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception:
        data = None
    if data is None:
        raw = part.get_payload()
        data = raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else b""
    return data


def _safe_filename(name: str, fallback: str) -> str:
    name = decode_header(name).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(char for char in name if char.isprintable()).strip(" .")
    return (name or fallback)[:200]


def _filename(part: Message, index: int) -> str:
    try:
        name = part.get_filename()
    except Exception:
        name = None
    if not name:
        try:
            name = part.get_param("name")
        except Exception:
            name = None
        if isinstance(name, tuple):  # an RFC 2231 value
            name = email.utils.collapse_rfc2231_value(name)
    extension = {"message/rfc822": ".eml", "text/html": ".html", "text/calendar": ".ics"}.get(
        part.get_content_type(), ".bin"
    )
    return _safe_filename(str(name or ""), f"attachment-{index}{extension}")


def _is_body_text(part: Message) -> bool:
    """Text shown as the letter (not a file): plain or HTML, not marked as an attachment, not named."""
    if part.get_content_type() not in ("text/plain", "text/html"):
        return False
    disposition = str(part.get("Content-Disposition") or "").split(";")[0].strip().lower()
    return disposition != "attachment" and not _filename_given(part)


def _filename_given(part: Message) -> bool:
    try:
        return bool(part.get_filename())
    except Exception:
        return False


def _text_of(part: Message) -> str:
    return decode_bytes(_payload(part), part.get_content_charset())


def _walk_leaves(msg: Message):
    """Every non-container part; an attached message (message/rfc822) is kept whole as an .eml file."""
    if msg.get_content_type() == "message/rfc822":
        yield msg
        return
    if msg.is_multipart():
        for sub in msg.get_payload() or []:
            if isinstance(sub, Message):
                yield from _walk_leaves(sub)
        return
    yield msg


def _attachment_bytes(part: Message) -> bytes:
    if part.get_content_type() == "message/rfc822":
        inner = part.get_payload()
        if isinstance(inner, list) and inner:
            try:
                return inner[0].as_bytes(policy=email.policy.compat32)
            except Exception:
                return str(inner[0]).encode("utf-8", "replace")
    return _payload(part)


def _body_and_attachments(msg: Message, max_attachment_bytes: int) -> tuple[str, list[ParsedAttachment]]:
    plain, html, attachments = [], [], []
    for index, part in enumerate(_walk_leaves(msg), start=1):
        if _is_body_text(part) or (part is msg and part.get_content_maintype() == "text"):
            # Some clients split the text around inline pictures: the pieces are read in order.
            (html if part.get_content_type() == "text/html" else plain).append(_text_of(part))
            continue
        data = _attachment_bytes(part)
        keep = len(data) <= max_attachment_bytes
        attachments.append(
            ParsedAttachment(
                _filename(part, index), part.get_content_type(), data if keep else None, len(data)
            )
        )
    text = "\n\n".join(piece.strip("\r\n") for piece in plain)
    if not text.strip() and html:
        text = "\n\n".join(html_to_text(piece) for piece in html)
    return text.replace("\x00", "")[:TEXT_MAX_CHARS], attachments


def parse_message(raw: bytes, *, max_attachment_bytes: int) -> ParsedMail:
    """Everything the CRM keeps of one message; attachments over the limit are listed without content."""
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    senders = _addresses(msg, "From") or _addresses(msg, "Sender")
    from_name, from_address = senders[0] if senders else ("", "")
    text, attachments = _body_and_attachments(msg, max_attachment_bytes)
    in_reply_to = _ids(_raw_header(msg, "In-Reply-To"))
    return ParsedMail(
        message_id=_message_id(msg, raw),
        subject=decode_header(_raw_header(msg, "Subject")),
        from_name=from_name,
        from_address=from_address,
        to=_format_addresses(_addresses(msg, "To")),
        cc=_format_addresses(_addresses(msg, "Cc")),
        date=_date(msg),
        in_reply_to=in_reply_to[0] if in_reply_to else "",
        references=_ids(_raw_header(msg, "References"))[-50:],
        text=text,
        attachments=attachments,
    )
