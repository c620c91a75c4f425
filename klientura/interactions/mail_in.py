"""Incoming mail: read new messages from the IMAP mailbox and store each once as an incoming e-mail event.

The fetch never changes the mailbox: the folder is opened read-only and bodies are read with
BODY.PEEK, so nothing is marked read, moved or deleted — the company's mail client sees it as before.

Where it stopped is kept per folder in MailboxState (UIDVALIDITY + last UID). Every message is
stored in its own transaction that also moves `last_uid` on, under a row lock of the state, so two
fetches running at once take turns message by message and the second finds the work done; the unique
Message-ID is the last guard. One bad message never stops the run: it is recorded and the next one
is read. How a message becomes an event (and mail that matched no client is sorted) is in mail_store.py.
"""

import imaplib
import logging
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .mail_parse import ParsedMail, parse_message
from .mail_store import mail_store_incoming, unreadable_mail
from .models_mail import MailboxState

logger = logging.getLogger(__name__)

MAX_PER_RUN = 500  # the rest waits for the next run, so one run never takes for ever
SEARCH_WINDOW = 20_000  # UIDs asked about at once
MAX_ATTEMPTS = 3  # a message failing this many runs in a row is recorded as lost and passed over
NETWORK_ERRORS = (OSError, imaplib.IMAP4.error, ssl.SSLError, socket.timeout, EOFError)
StoreMessage = Callable[..., object]  # store(parsed, *, mail_uid) -> truthy if stored now


class MailboxError(Exception):
    """The mailbox could not be read (server down, wrong password, no such folder); message is for people."""


@dataclass(frozen=True)
class MailboxConfig:
    scheme: str
    host: str
    port: int
    user: str
    password: str
    folder: str
    address: str  # where clients' replies should go: ?address= in the URL, else the login if it is one

    @property
    def key(self) -> str:
        """The state's key: the mailbox without its password."""
        return f"{self.scheme}://{self.user}@{self.host}:{self.port}/{self.folder}"


def mailbox_config(url: str) -> MailboxConfig:
    """imap://user:password@host[:port]/FOLDER[?address=crm@example.ru]; imaps:// for TLS."""
    parts = urlsplit((url or "").strip())
    if parts.scheme not in ("imap", "imaps") or not parts.hostname:
        raise MailboxError(_("The mailbox address must look like imaps://user:password@host/INBOX."))
    try:
        port = parts.port or (993 if parts.scheme == "imaps" else 143)
    except ValueError:
        raise MailboxError(_("The mailbox address has a wrong port.")) from None
    user = unquote(parts.username or "")
    query = dict(pair.split("=", 1) for pair in parts.query.split("&") if "=" in pair)
    address = unquote(query.get("address", "")) or (user if "@" in user else "")
    return MailboxConfig(
        scheme=parts.scheme,
        host=parts.hostname,
        port=port,
        user=user,
        password=unquote(parts.password or ""),
        folder=unquote(parts.path.lstrip("/")) or "INBOX",
        address=address,
    )


def mailbox_address() -> str:
    """The configured mailbox's e-mail address (for Reply-To of outgoing mail), or "" if none."""
    if not settings.IMAP_URL:
        return ""
    try:
        return mailbox_config(settings.IMAP_URL).address
    except MailboxError:
        return ""


@dataclass
class FetchResult:
    key: str
    stored: int = 0
    duplicates: int = 0
    failed: int = 0
    error: str = ""


# --- Talking to the server ---------------------------------------------------------------------


def _connect(config: MailboxConfig) -> imaplib.IMAP4:
    timeout = settings.IMAP_TIMEOUT
    try:
        if config.scheme == "imaps":
            conn = imaplib.IMAP4_SSL(
                config.host, config.port, ssl_context=ssl.create_default_context(), timeout=timeout
            )
        else:
            conn = imaplib.IMAP4(config.host, config.port, timeout=timeout)
    except NETWORK_ERRORS as exc:
        raise MailboxError(
            _("Cannot connect to the mail server %(server)s: %(error)s")
            % {"server": f"{config.host}:{config.port}", "error": _reason(exc)}
        ) from exc
    try:
        conn.login(config.user, config.password)
    except NETWORK_ERRORS as exc:
        _logout(conn)
        raise MailboxError(
            _("The mail server %(server)s refused the login of %(user)s: %(error)s")
            % {"server": config.host, "user": config.user, "error": _reason(exc)}
        ) from exc
    return conn


def _reason(exc: BaseException) -> str:
    text = exc.args[0] if exc.args else ""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return str(text or exc.__class__.__name__)[:300]


def _logout(conn: imaplib.IMAP4) -> None:
    try:
        conn.logout()
    except Exception:  # the connection may be gone already; nothing to tidy then
        logger.debug("IMAP logout failed", exc_info=True)


def _select(conn: imaplib.IMAP4, folder: str) -> tuple[int, int | None]:
    """Open the folder read-only (EXAMINE); its UIDVALIDITY and UIDNEXT (None if the server is silent)."""
    status, _detail = conn.select(_quoted(folder), readonly=True)
    if status != "OK":
        raise MailboxError(_("The mail server has no folder %(folder)s.") % {"folder": folder})
    try:
        uidvalidity = int(conn.response("UIDVALIDITY")[1][0])
    except (TypeError, ValueError, IndexError):
        raise MailboxError(_("The mail server did not tell the folder's UIDVALIDITY.")) from None
    try:
        uidnext = int(conn.response("UIDNEXT")[1][0])
    except (TypeError, ValueError, IndexError):
        uidnext = None
    return uidvalidity, uidnext


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _search(conn: imaplib.IMAP4, first: int, last: int | str) -> list[int]:
    status, data = conn.uid("SEARCH", None, f"UID {first}:{last}")
    if status != "OK":
        raise MailboxError(_("The mail server refused to list new messages."))
    return [int(uid) for uid in b" ".join(item or b"" for item in data).split() if uid.isdigit()]


def _new_uids(conn: imaplib.IMAP4, last_uid: int, uidnext: int | None, limit: int) -> list[int]:
    """UIDs above last_uid, oldest first, at most `limit`. Asked in windows below UIDNEXT: one answer
    listing a whole big folder would overflow imaplib's line limit on a first run."""
    if uidnext is None:
        found = _search(conn, last_uid + 1, "*")
    else:
        found, start = [], last_uid + 1
        while start < uidnext and len(found) < limit:
            end = min(start + SEARCH_WINDOW, uidnext) - 1
            found += _search(conn, start, end)
            start = end + 1
    # "n:*" always matches the newest message, even when its UID is below n: filter.
    return sorted({uid for uid in found if uid > last_uid})[:limit]


def _fetch_raw(conn: imaplib.IMAP4, uid: int) -> bytes | None:
    """The whole message, unread flag untouched; None if it vanished from the folder meanwhile."""
    status, data = conn.uid("FETCH", str(uid), "(BODY.PEEK[])")
    if status != "OK":
        raise MailboxError(_("The mail server refused to give message %(uid)s.") % {"uid": uid})
    for item in data:
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], bytes):
            return item[1]
    return None


# --- The state of the folder -------------------------------------------------------------------


def _ensure_state(key: str) -> None:
    try:
        with transaction.atomic():
            MailboxState.objects.get_or_create(key=key)
    except IntegrityError:  # a fetch running at the same time has just made it
        pass


@transaction.atomic
def _start_run(key: str, uidvalidity: int) -> MailboxState:
    state = MailboxState.objects.select_for_update().get(key=key)
    if state.uidvalidity != uidvalidity:
        if state.uidvalidity is not None:
            # The server renumbered the folder: read it all again; Message-IDs keep it from doubling.
            logger.warning(
                "Mailbox %s: UIDVALIDITY %s -> %s, reading it anew", key, state.uidvalidity, uidvalidity
            )
        state.uidvalidity, state.last_uid = uidvalidity, 0
        state.failing_uid, state.failing_attempts = None, 0
    state.last_fetch_at = timezone.now()
    state.save()
    return state


def _record_error(key: str, text: str) -> None:
    logger.error("Mailbox %s: %s", key, text)
    MailboxState.objects.filter(key=key).update(last_error=text[:2000], last_error_at=timezone.now())


def _finish_run(key: str, result: FetchResult) -> None:
    now = timezone.now()
    if result.error:
        _record_error(key, result.error)
    else:
        MailboxState.objects.filter(key=key).update(last_success_at=now)


# --- One message -------------------------------------------------------------------------------


def _parsed(raw: bytes) -> ParsedMail:
    try:
        return parse_message(raw, max_attachment_bytes=settings.MAIL_MAX_ATTACHMENT_BYTES)
    except Exception:  # the parser is built not to fail; if it does, keep the raw message for a person
        logger.exception("Could not parse an incoming message; stored as an unreadable letter")
        return unreadable_mail(raw)


def store_as_event(parsed: ParsedMail, *, mail_uid: str):
    """The default fate of a message: an incoming e-mail event (None if it was stored before)."""
    return mail_store_incoming(parsed, mail_uid=mail_uid)


def _store_one(*, key: str, uidvalidity: int, uid: int, raw: bytes, advance: bool, store: StoreMessage) -> str:
    """Store one message and move the folder's progress on, in one transaction: "stored" or "duplicate"."""
    parsed = _parsed(raw)
    with transaction.atomic():
        state = MailboxState.objects.select_for_update().get(key=key)
        if state.uidvalidity != uidvalidity or state.last_uid >= uid:
            return "duplicate"  # another fetch running at the same time got here first
        event = store(parsed, mail_uid=f"{uidvalidity}:{uid}")
        if advance:
            state.last_uid = uid
            state.failing_uid, state.failing_attempts = None, 0
        state.fetched_total += 1 if event else 0
        state.save()
    if event and parsed.skipped_attachments:
        logger.warning(
            "Message %s: attachments too large, not kept: %s", parsed.message_id, parsed.skipped_attachments
        )
    return "stored" if event else "duplicate"


@transaction.atomic
def _note_failure(*, key: str, uid: int, error: str, advance: bool) -> bool:
    """Count a failed attempt at a message; True when it has failed too often and is passed over."""
    state = MailboxState.objects.select_for_update().get(key=key)
    attempts = state.failing_attempts + 1 if state.failing_uid == uid else 1
    lost = attempts >= MAX_ATTEMPTS
    text = _("Message %(uid)s could not be stored: %(error)s") % {"uid": uid, "error": error}
    if lost:
        text += " " + _("It failed %(count)s times and is passed over; it stays in the mailbox.") % {
            "count": attempts
        }
    if lost and advance:
        state.last_uid = uid
        state.failing_uid, state.failing_attempts = None, 0
    else:
        state.failing_uid, state.failing_attempts = uid, attempts
    state.last_error, state.last_error_at = text[:2000], timezone.now()
    state.save()
    logger.error("Mailbox %s: %s", key, text)
    return lost


def _handle(conn, *, key: str, uidvalidity: int, uid: int, advance: bool, store: StoreMessage) -> str:
    """Fetch and store one message: "stored", "duplicate", "lost" (given up, but handled) or "failed"
    (to be tried on the next run)."""
    raw = _fetch_raw(conn, uid)  # a network failure here ends the run (raised to the caller)
    if raw is None:
        return "duplicate"
    try:
        return _store_one(key=key, uidvalidity=uidvalidity, uid=uid, raw=raw, advance=advance, store=store)
    except Exception as exc:  # whatever it is, it is this message's problem: record it and go on
        logger.exception("Mailbox %s: message %s failed", key, uid)
        lost = _note_failure(key=key, uid=uid, error=_reason(exc), advance=advance)
        return "lost" if lost else "failed"


# --- The run -----------------------------------------------------------------------------------


def _run(conn, config: MailboxConfig, result: FetchResult, limit: int, store: StoreMessage) -> None:
    uidvalidity, uidnext = _select(conn, config.folder)
    state = _start_run(config.key, uidvalidity)
    advance = True  # last_uid moves on only past a gapless row of handled messages
    for uid in _new_uids(conn, state.last_uid, uidnext, limit):
        outcome = _handle(conn, key=config.key, uidvalidity=uidvalidity, uid=uid, advance=advance, store=store)
        if outcome == "stored":
            result.stored += 1
        elif outcome == "duplicate":
            result.duplicates += 1
        else:
            result.failed += 1
            if outcome == "failed":
                advance = False
                result.error = str(MailboxState.objects.get(key=config.key).last_error)


def mailbox_fetch(
    url: str, *, limit: int = MAX_PER_RUN, store: StoreMessage = store_as_event, setting: str = "IMAP_URL"
) -> FetchResult:
    """Read the new messages of one mailbox folder; errors are recorded on its state, never raised.

    `store(parsed, mail_uid=)` decides what a message becomes (an event by default; the deals app
    makes leads of its mailbox's letters) and returns something falsy for one it had already."""
    try:
        config = mailbox_config(url)
    except MailboxError as exc:
        logger.error("%s: %s", setting, exc)
        return FetchResult(key="", error=str(exc))
    result = FetchResult(key=config.key)
    _ensure_state(config.key)
    try:
        conn = _connect(config)
    except MailboxError as exc:
        result.error = str(exc)
        MailboxState.objects.filter(key=config.key).update(last_fetch_at=timezone.now())
        _finish_run(config.key, result)
        return result
    try:
        _run(conn, config, result, limit, store)
    except MailboxError as exc:
        result.error = str(exc)
    except NETWORK_ERRORS as exc:
        result.error = _("The connection to the mail server broke off: %(error)s") % {"error": _reason(exc)}
    finally:
        _logout(conn)
    _finish_run(config.key, result)
    logger.info(
        "Mailbox %s: %s stored, %s duplicates, %s failed",
        config.key,
        result.stored,
        result.duplicates,
        result.failed,
    )
    return result


def mailbox_fetch_configured() -> FetchResult | None:
    """The periodic job: fetch the mailbox of settings.IMAP_URL, if one is configured."""
    if not settings.IMAP_URL:
        return None
    return mailbox_fetch(settings.IMAP_URL)
