import zoneinfo

from django.conf import settings
from django.utils import timezone


class SessionExpiryMiddleware:
    """Notice a session cookie that no longer opens a session, so the login page can say why."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.session_expired = bool(
            request.COOKIES.get(settings.SESSION_COOKIE_NAME)
            and not request.user.is_authenticated
            and request.session.session_key is None
        )
        return self.get_response(request)


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
