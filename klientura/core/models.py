from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class BaseModel(models.Model):
    """Every domain record knows when it was created and last changed."""

    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class AuditAction(models.TextChoices):
    CREATE = "create", _("Created")
    UPDATE = "update", _("Changed")
    DELETE = "delete", _("Deleted")
    MERGE = "merge", _("Merged")
    LOGIN = "login", _("Logged in")
    LOGIN_FAILED = "login_failed", _("Failed login")
    LOGOUT = "logout", _("Logged out")
    ACCESS_DENIED = "access_denied", _("Access refused")
    OTHER = "other", _("Other")


class AuditEntry(models.Model):
    """One thing that happened: who changed which fields of which record, or a security event.

    Written by services in the same transaction as the change it describes, so the trail can never
    disagree with the data. `changes` maps a field name to [old, new] (display values).
    """

    at = models.DateTimeField(_("when"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=20, choices=AuditAction.choices)
    content_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.CASCADE)
    object_id = models.CharField(max_length=64, blank=True, default="")
    object_repr = models.CharField(_("record"), max_length=300, blank=True, default="")
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    comment = models.CharField(_("comment"), max_length=500, blank=True, default="")
    username = models.CharField(max_length=150, blank=True, default="")
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")
        indexes = [
            models.Index(fields=["content_type", "object_id", "-at"], name="audit_object_idx"),
            models.Index(fields=["action", "username", "at"], name="audit_login_idx"),
            models.Index(fields=["action", "ip", "at"], name="audit_ip_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"


class Heartbeat(models.Model):
    """A periodic job writes one row a minute, so the administrator can tell a dead worker."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    worker = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        verbose_name = _("heartbeat")

    def __str__(self) -> str:
        return f"{self.worker} {self.at:%Y-%m-%d %H:%M:%S}"
