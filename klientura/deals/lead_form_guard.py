"""Spam protection of the public lead form (see docs/decisions/0005-public-lead-form.md).

The form is embedded on other sites, where browsers block our cookies in frames, so a CSRF cookie
cannot be relied on. Instead:
- a signed token, issued with the page, says which form it is and when it was shown: a post sooner
  than MIN_SECONDS after (a robot) or later than a day (a stale page) is refused;
- a honeypot field, invisible to people, that robots fill in;
- rate limits per visitor address and per form, counted in the shared cache (Redis or the file
  cache in production, so every web process sees the same counts).
"""

import time

from django.conf import settings
from django.core import signing
from django.core.cache import cache

SALT = "klientura.deals.lead_form"
MIN_SECONDS = 2
MAX_AGE_SECONDS = 24 * 60 * 60
HONEYPOT_FIELD = "website"


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def token_issue(form) -> str:
    return signing.dumps({"f": form.pk, "t": round(time.time(), 3)}, salt=SALT)


def token_problem(token: str, form) -> str | None:
    """None if the token is good for this form now; else "expired", "too_fast" or "invalid"."""
    try:
        data = signing.loads(token or "", salt=SALT, max_age=MAX_AGE_SECONDS)
    except signing.SignatureExpired:
        return "expired"
    except signing.BadSignature:
        return "invalid"
    if not isinstance(data, dict) or data.get("f") != form.pk or not isinstance(data.get("t"), int | float):
        return "invalid"
    if time.time() - data["t"] < MIN_SECONDS:
        return "too_fast"
    return None


def _count(key: str, window: int) -> int:
    """Attempts in the current fixed window of `window` seconds, this one included."""
    bucket = f"leadform:{key}:{int(time.time() // window)}"
    if cache.add(bucket, 1, timeout=window + 5):
        return 1
    try:
        return cache.incr(bucket)
    except ValueError:  # expired between add and incr
        cache.set(bucket, 1, timeout=window + 5)
        return 1


def rate_allowed(*, ip: str | None, form) -> bool:
    """Count this post; False when the address or the form is over its limit (nothing is saved then).

    The address is checked first, so one noisy visitor does not use up the form's allowance.
    """
    window = _setting("LEAD_FORM_RATE_WINDOW_SECONDS", 600)
    if _count(f"ip:{ip or 'unknown'}", window) > _setting("LEAD_FORM_RATE_PER_IP", 5):
        return False
    return _count(f"form:{form.pk}", window) <= _setting("LEAD_FORM_RATE_PER_FORM", 100)


def honeypot_filled(post) -> bool:
    return bool((post.get(HONEYPOT_FIELD) or "").strip())


def frame_headers(response, form) -> None:
    """Only the form's own sites may show it in a frame; with none listed, nobody may."""
    if form.allowed_origins:
        response["Content-Security-Policy"] = "frame-ancestors 'self' " + " ".join(form.allowed_origins)
        response.xframe_options_exempt = True  # X-Frame-Options cannot list sites; CSP decides
    else:
        response["Content-Security-Policy"] = "frame-ancestors 'none'"
