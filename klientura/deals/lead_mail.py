"""Leads from the sales mailbox (settings.LEADS_IMAP_URL, e.g. sales@ of the company site).

Each new letter becomes a lead: the sender's address is its e-mail, the From name its person, the
text body its message, and the Message-ID makes a letter fetched twice one lead. Reading the mailbox
reuses interactions' IMAP client as it is (read-only EXAMINE, BODY.PEEK, per-folder UIDVALIDITY and
last UID under a row lock, a failing letter retried a few times then passed over), so the company's
mail client sees the mailbox unchanged; only what happens to one letter differs: here lead_submit
instead of an incoming e-mail event.
"""

import logging

from django.conf import settings
from django.db import transaction

from klientura.core.errors import ValidationFailed, error_text
from klientura.interactions import mail_in
from klientura.interactions.mail_in import FetchResult, MailboxError
from klientura.interactions.mail_parse import ParsedMail

from .inputs_leads import LeadInput
from .models_leads import Lead, LeadChannel
from .services_leads import lead_submit

logger = logging.getLogger(__name__)

SUBJECT_PREFIX_MAX = 300


def lead_input_from_mail(parsed: ParsedMail) -> LeadInput:
    subject = " ".join((parsed.subject or "").split())[:SUBJECT_PREFIX_MAX]
    body = (parsed.text or "").strip()
    message = f"{subject}\n\n{body}".strip() if subject else body
    return LeadInput(
        person_name=(parsed.from_name or "")[:100],
        email=parsed.from_address,
        message=message[:10_000],
        message_id=parsed.message_id,
    )


def _take_letter(parsed: ParsedMail) -> bool:
    """Make the letter a lead; False if it was one already. A letter that cannot be a lead (no
    usable sender address) is logged and passed over: retrying it would never help."""
    if Lead.objects.filter(message_id=parsed.message_id).exists():
        return False
    try:
        with transaction.atomic():
            lead_submit(channel=LeadChannel.EMAIL, data=lead_input_from_mail(parsed))
    except ValidationFailed as exc:
        logger.warning("Lead mailbox: letter %s is not a lead: %s", parsed.message_id, error_text(exc))
        return False
    return True


def _store_letter(parsed: ParsedMail, *, mail_uid: str) -> bool:
    return _take_letter(parsed)


def lead_mailbox_fetch(url: str, *, limit: int = mail_in.MAX_PER_RUN) -> FetchResult:
    """Read the new letters of the lead mailbox; errors are recorded on its state, never raised."""
    return mail_in.mailbox_fetch(url, limit=limit, store=_store_letter, setting="LEADS_IMAP_URL")


def _same_mailbox(a: str, b: str) -> bool:
    try:
        return bool(a and b) and mail_in.mailbox_config(a).key == mail_in.mailbox_config(b).key
    except MailboxError:
        return False


def lead_mailbox_fetch_configured() -> FetchResult | None:
    """The periodic job. The lead mailbox must not be the one events are read from (IMAP_URL): both
    jobs would share one folder's progress and each take letters from the other."""
    if not settings.LEADS_IMAP_URL:
        return None
    if _same_mailbox(settings.LEADS_IMAP_URL, settings.IMAP_URL):
        logger.error(
            "LEADS_IMAP_URL is the mailbox of IMAP_URL: give leads a mailbox (or folder) of their own"
        )
        return FetchResult(key="", error="LEADS_IMAP_URL and IMAP_URL are the same mailbox.")
    return lead_mailbox_fetch(settings.LEADS_IMAP_URL)
