import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from klientura.core.models import BaseModel


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("Unknown time zone: %(value)s."), code="timezone", params={"value": value})


def validate_language(value: str) -> None:
    if value not in dict(settings.LANGUAGES):
        raise ValidationError(_("Unknown language: %(value)s."), code="language", params={"value": value})


class Department(BaseModel):
    name = models.CharField(_("name"), max_length=200, unique=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    head = models.ForeignKey(
        "accounts.User",
        verbose_name=_("head"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="headed_departments",
    )

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    timezone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Moscow", validators=[validate_timezone]
    )
    language = models.CharField(_("language"), max_length=8, default="ru", validators=[validate_language])
    position = models.CharField(_("position"), max_length=200, blank=True, default="")
    phone = models.CharField(_("phone"), max_length=40, blank=True, default="")

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["last_name", "first_name", "username"]
        permissions = [("manage_system", _("Can manage users, classifiers and system settings"))]

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class ApiToken(BaseModel):
    """A personal API token. Only its SHA-256 is stored: the key is shown once, at creation."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("starts with"), max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class Absence(BaseModel):
    """A period a user is away (holiday, sick leave, trip): no new leads are routed to them."""

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="absences")
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"))
    reason = models.CharField(_("reason"), max_length=200, blank=True, default="")

    class Meta:
        verbose_name = _("absence")
        verbose_name_plural = _("absences")
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="absence_dates_ordered"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.starts_on} – {self.ends_on}"
