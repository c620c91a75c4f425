"""Writes for users, sessions and tokens."""

import datetime
import hashlib
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from klientura.core.audit import audit_log, model_update
from klientura.core.errors import NotFound, ValidationFailed
from klientura.core.models import AuditAction, AuditEntry

from .models import ApiToken, User, validate_language, validate_timezone

TOKEN_PREFIX = "kl_"  # noqa: S105 - a public marker, not a secret


def login_is_throttled(*, username: str, ip: str | None) -> bool:
    """Too many failed logins for this user name, or from this address, within the window."""
    since = timezone.now() - datetime.timedelta(minutes=settings.LOGIN_THROTTLE_WINDOW_MINUTES)
    failures = AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILED, at__gte=since)
    limit = settings.LOGIN_THROTTLE_ATTEMPTS
    if failures.filter(username=username.lower()[:150]).count() >= limit:
        return True
    # An address gets more room: an office behind one NAT has many users.
    return bool(ip) and failures.filter(ip=ip).count() >= limit * 4


def login_record_failure(*, username: str) -> None:
    audit_log(actor=None, action=AuditAction.LOGIN_FAILED, username=username.lower())


def login_record_success(*, user: User) -> None:
    audit_log(actor=user, action=AuditAction.LOGIN, username=user.username.lower())


def logout_record(*, user: User) -> None:
    audit_log(actor=user, action=AuditAction.LOGOUT, username=user.username.lower())


@transaction.atomic
def user_set_preferences(*, actor: User, language: str | None = None, tz: str | None = None) -> dict:
    errors = {}
    data = {}
    for field, value, check in (
        ("language", language, validate_language),
        ("timezone", tz, validate_timezone),
    ):
        if value is None:
            continue
        try:
            check(value)
        except Exception as exc:
            errors[field] = list(getattr(exc, "messages", [str(exc)]))
        data[field] = value
    if errors:
        raise ValidationFailed(fields=errors)
    return model_update(actor=actor, instance=actor, data=data, fields=["language", "timezone"])


def _hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, actor: User, name: str) -> tuple[ApiToken, str]:
    """Create a token for the actor; returns it with the key, which is never shown again."""
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(
            fields={"name": [_("Give the token a name, e.g. the program that will use it.")]}
        )
    if len(name) > 100:
        raise ValidationFailed(fields={"name": [_("The name is too long (100 characters at most).")]})
    key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=actor, name=name, prefix=key[:10], key_hash=_hash_key(key))
    audit_log(actor=actor, action=AuditAction.CREATE, instance=token, changes={"name": [None, name]})
    return token, key


@transaction.atomic
def api_token_revoke(*, actor: User, token_id: int) -> ApiToken:
    token = ApiToken.objects.select_for_update().filter(pk=token_id, user=actor, revoked_at=None).first()
    if token is None:
        raise NotFound()
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at", "updated_at"])
    audit_log(actor=actor, action=AuditAction.UPDATE, instance=token, changes={"revoked": [False, True]})
    return token


def api_token_authenticate(*, key: str) -> User | None:
    """The active user a bearer key belongs to, or None. Records when the token was last used."""
    if not key or not key.startswith(TOKEN_PREFIX) or len(key) > 100:
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=_hash_key(key), revoked_at=None).first()
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    # Write at most once a minute per token: a busy integration must not turn reads into writes.
    if token.last_used_at is None or now - token.last_used_at > datetime.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
