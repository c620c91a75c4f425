import zoneinfo
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.shortcuts import resolve_url
from django.utils import timezone
from django.utils.translation import gettext as _


class SessionExpiryMiddleware:
    """Notice a session cookie that no longer opens a session, so the login page can say why.

    The response that notices it also deletes the dead cookie, so when it sends the user to the login
    page, the reason travels there as a message (this middleware sits after the messages one)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.session_expired = bool(
            request.COOKIES.get(settings.SESSION_COOKIE_NAME)
            and not request.user.is_authenticated
            and request.session.session_key is None
        )
        response = self.get_response(request)
        if request.session_expired and _redirects_to_login(response):
            messages.info(request, _("Your session has expired. Please sign in again."))
        return response


def _redirects_to_login(response) -> bool:
    if response.status_code not in (301, 302, 303, 307, 308) or "Location" not in response:
        return False
    return urlsplit(response["Location"]).path == resolve_url(settings.LOGIN_URL)


class UserPreferencesMiddleware:
    """Show times in the signed-in user's own time zone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            try:
                timezone.activate(zoneinfo.ZoneInfo(user.timezone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        return self.get_response(request)
