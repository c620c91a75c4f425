from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from klientura.core.errors import DomainError
from klientura.core.middleware import client_ip

from . import selectors, services
from .forms import ApiTokenForm, LoginForm, PreferencesForm, StyledPasswordChangeForm


def set_language_cookie(response, language: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


def login_view(request):
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    form = LoginForm(request, data=request.POST or None)
    if request.method == "GET" and request.session_expired:
        messages.info(request, _("Your session has expired. Please sign in again."))
    if request.method == "POST":
        username = (request.POST.get("username") or "").strip()
        if services.login_is_throttled(username=username, ip=client_ip(request)):
            form.add_error(
                None, form.error_messages["throttled"] % {"minutes": settings.LOGIN_THROTTLE_WINDOW_MINUTES}
            )
            return render(request, "accounts/login.html", {"form": form}, status=429)
        if form.is_valid():
            user = form.get_user()
            login(request, user)
            services.login_record_success(user=user)
            response = redirect(_safe_next(request) or settings.LOGIN_REDIRECT_URL)
            set_language_cookie(response, user.language)
            return response
        if not form.errors.as_data().get("__all__") or form.errors.as_data()["__all__"][0].code != "inactive":
            services.login_record_failure(username=username)
    return render(request, "accounts/login.html", {"form": form}, status=400 if form.errors else 200)


def _safe_next(request) -> str | None:
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


@require_POST
def logout_view(request):
    if request.user.is_authenticated:
        services.logout_record(user=request.user)
    logout(request)
    messages.info(request, _("You have signed out."))
    return redirect(settings.LOGOUT_REDIRECT_URL)


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    form_class = StyledPasswordChangeForm
    success_url = reverse_lazy("accounts:profile")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("Your password has been changed."))
        return response


@login_required
def profile_view(request):
    user = request.user
    form = PreferencesForm(
        request.POST or None, initial={"language": user.language, "timezone": user.timezone}
    )
    if request.method == "POST":
        if form.is_valid():
            services.user_set_preferences(
                actor=user, language=form.cleaned_data["language"], tz=form.cleaned_data["timezone"]
            )
            messages.success(request, _("Your settings have been saved."))
            response = redirect("accounts:profile")
            set_language_cookie(response, form.cleaned_data["language"])
            return response
        messages.error(request, _("Please correct the errors below."))
    return render(request, "accounts/profile.html", {"form": form, "section": "settings"})


@login_required
def tokens_view(request):
    form = ApiTokenForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        try:
            _token, new_key = services.api_token_create(actor=request.user, name=form.cleaned_data["name"])
            form = ApiTokenForm()
        except DomainError as exc:
            for field, errors in exc.fields.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
    tokens = selectors.api_tokens_of(actor=request.user)
    return render(
        request,
        "accounts/tokens.html",
        {"form": form, "tokens": tokens, "new_key": new_key, "section": "settings"},
    )


@login_required
@require_POST
def token_revoke_view(request, token_id: int):
    try:
        services.api_token_revoke(actor=request.user, token_id=token_id)
        messages.success(request, _("The token has been revoked. Programs using it can no longer sign in."))
    except DomainError:
        messages.error(request, _("That token does not exist or is already revoked."))
    return redirect("accounts:tokens")
