from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import activate
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from klientura.accounts import services as account_services
from klientura.accounts.models import validate_language
from klientura.accounts.views import set_language_cookie
from klientura.core.errors import ValidationFailed
from klientura.core.selectors import heartbeat_status

from .navigation import SECTION_PLANS, SECTIONS


@login_required
def home_view(request):
    return render(request, "web/home.html", {"section": "home"})


@login_required
def section_view(request, key: str):
    if key not in SECTION_PLANS:
        raise Http404
    label = next(label for k, label, _icon, _url in SECTIONS if k == key)
    return render(
        request, "web/section_planned.html", {"section": key, "title": label, "plan": SECTION_PLANS[key]}
    )


@require_POST
def set_language_view(request):
    language = request.POST.get("language", "")
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    response = redirect(target)
    try:
        if request.user.is_authenticated:
            account_services.user_set_preferences(actor=request.user, language=language)
        else:
            validate_language(language)
    except (ValidationFailed, DjangoValidationError):
        messages.error(request, _("Unknown language: %(value)s.") % {"value": language[:20]})
        return response
    activate(language)
    set_language_cookie(response, language)
    return response


@login_required
@permission_required("accounts.manage_system", raise_exception=True)
def system_view(request):
    return render(request, "web/system.html", {"section": "settings", "heartbeat": heartbeat_status()})
