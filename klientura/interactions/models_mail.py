"""Bookkeeping of the incoming-mail fetch: where it stopped in each mailbox folder."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from klientura.core.models import BaseModel


class MailboxState(BaseModel):
    """Per mailbox folder: its UIDVALIDITY and the last UID fetched, so each run reads only new mail.

    A changed UIDVALIDITY means the server renumbered the folder; the fetch then starts over and
    relies on Message-ID to store nothing twice.
    """

    key = models.CharField(_("mailbox"), max_length=300, unique=True)
    uidvalidity = models.BigIntegerField(null=True, blank=True)
    last_uid = models.BigIntegerField(default=0)
    last_fetch_at = models.DateTimeField(_("last fetched"), null=True, blank=True)
    last_success_at = models.DateTimeField(_("last fetched without errors"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True, default="")
    last_error_at = models.DateTimeField(_("last error at"), null=True, blank=True)
    fetched_total = models.PositiveBigIntegerField(_("messages stored"), default=0)
    # A message that keeps failing (say, the database refuses it) is retried a few times, then
    # recorded as lost and passed over, so one message cannot hold up the mailbox for ever.
    failing_uid = models.BigIntegerField(null=True, blank=True)
    failing_attempts = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("mailbox state")
        verbose_name_plural = _("mailbox states")

    def __str__(self) -> str:
        return self.key
