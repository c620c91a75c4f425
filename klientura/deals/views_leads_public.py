"""The public lead form: a small standalone page for the company's site (often inside an iframe).

No login and no CRM chrome; Russian unless ?lang=en. CSRF is exempted for this one view: in a frame
on another site our cookies are blocked, so the CSRF cookie would never arrive. The signed token,
the honeypot and the rate limits of lead_form_guard stand in for it (docs/decisions/0006).
"""

from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from klientura.core.errors import NotFound, ValidationFailed
from klientura.core.middleware import client_ip

from . import lead_form_guard as guard
from .forms_leads import PublicLeadForm
from .models_leads import LeadChannel
from .selectors_leads import lead_form_by_key
from .services_leads import lead_submit

LANGUAGES = ("ru", "en")
TOKEN_FIELD = "token"  # noqa: S105 - a form field name, not a secret


def _language(request) -> str:
    wanted = request.GET.get("lang", "")
    return wanted if wanted in LANGUAGES else settings.LANGUAGE_CODE


def _message(request, *, status: int, title: str, text: str, lead_form=None):
    context = {"title": title, "text": text, "lead_form": lead_form}
    response = render(request, "deals/leads/public_message.html", context, status=status)
    if lead_form is not None:
        guard.frame_headers(response, lead_form)
    return response


def _page(request, lead_form, form, *, status: int = 200, problem: str = ""):
    context = {
        "lead_form": lead_form,
        "form": form,
        "token": guard.token_issue(lead_form),
        "token_field": TOKEN_FIELD,
        "honeypot": guard.HONEYPOT_FIELD,
        "problem": problem,
        "lang": _language(request),
    }
    response = render(request, "deals/leads/public_form.html", context, status=status)
    guard.frame_headers(response, lead_form)
    return response


_TOKEN_PROBLEMS = {
    "too_fast": lambda: _("The form was sent too quickly. Please check it and send it again."),
    "expired": lambda: _("The page has been open too long. Please send the form again."),
    "invalid": lambda: _("The form could not be checked. Please send it again."),
}


@csrf_exempt
@never_cache
def lead_form_public(request, key: str):
    with translation.override(_language(request)):
        try:
            lead_form = lead_form_by_key(key)
        except NotFound:
            return _message(
                request,
                status=404,
                title=_("This form is not available"),
                text=_("It may have been switched off. Please contact the company another way."),
            )
        if request.method == "POST":
            return _post(request, lead_form)
        if request.GET.get("sent") == "1":
            return _thanks(request, lead_form)
        return _page(request, lead_form, PublicLeadForm())


def _thanks(request, lead_form):
    if lead_form.thank_you:  # the company's own words say it all
        return _message(request, status=200, title=lead_form.thank_you, text="", lead_form=lead_form)
    text = _("We have received your request and will contact you soon.")
    return _message(request, status=200, title=_("Thank you!"), text=text, lead_form=lead_form)


def _post(request, lead_form):
    ip = client_ip(request)
    if not guard.rate_allowed(ip=ip, form=lead_form):
        return _message(
            request,
            status=429,
            title=_("Too many requests"),
            text=_(
                "Too many requests were sent from here. Please wait ten minutes and try again, or call us."
            ),
            lead_form=lead_form,
        )
    if guard.honeypot_filled(request.POST):
        # A robot: it is shown the usual thanks (so it learns nothing) and nothing is saved.
        return _sent(request, lead_form)
    form = PublicLeadForm(request.POST)
    problem = guard.token_problem(request.POST.get(TOKEN_FIELD, ""), lead_form)
    if problem:
        form.is_valid()  # keep what the visitor typed
        return _page(request, lead_form, form, status=400, problem=_TOKEN_PROBLEMS[problem]())
    if not form.is_valid():
        return _page(request, lead_form, form, status=422)
    try:
        lead_submit(channel=LeadChannel.WEB_FORM, data=form.to_input(ip=ip), form=lead_form)
    except ValidationFailed as exc:
        for name, errors in exc.fields.items():
            for error in errors:
                form.add_error(name if name in form.fields else None, error)
        return _page(request, lead_form, form, status=422)
    return _sent(request, lead_form)


def _sent(request, lead_form):
    query = {"sent": "1"}
    if request.GET.get("lang") in LANGUAGES:
        query["lang"] = request.GET["lang"]
    return redirect(f"{request.path}?{urlencode(query)}")
