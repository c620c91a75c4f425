"""What the catalog's views share: permission checks, domain errors onto forms, upload limits."""

from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from klientura.core.errors import DomainError, Forbidden, NotFound

SECTION = "sales"
MULTIPART_SLACK = 64 * 1024  # the other form fields and the multipart framing around a file


def require(request, perm: str) -> None:
    """Deny by default: a user without the right gets 403, whatever the page."""
    if not request.user.has_perm(perm):
        raise PermissionDenied


def call(func, **kwargs):
    """Run a selector or service: missing records are 404, refused actions 403."""
    try:
        return func(**kwargs)
    except NotFound as exc:
        raise Http404 from exc
    except Forbidden as exc:
        raise PermissionDenied(str(exc.message)) from exc


def errors_to_form(form, exc: DomainError, rename: dict[str, str] | None = None) -> None:
    """Put a service's field errors on the form's fields (or on top of the form when unknown)."""
    rename = rename or {}
    if not exc.fields:
        form.add_error(None, str(exc.message))
    for name, errors in exc.fields.items():
        target = rename.get(name, name)
        for error in errors:
            form.add_error(target if target in form.fields else None, error)


def error_lines(form, exc: DomainError) -> str:
    """A service's errors for a flash message, each prefixed by its field's label ("Retail: ...")."""
    lines = []
    for name, errors in exc.fields.items():
        label = form.fields[name].label if name in form.fields else ""
        lines += [f"{label}: {error}" if label else error for error in errors]
    return " ".join(lines) or str(exc.message)


def form_error_lines(form) -> str:
    return " ".join(
        f"{form.fields[name].label}: {error}" if name in form.fields else str(error)
        for name, errors in form.errors.items()
        for error in errors
    )


def body_limited(max_bytes):
    """Refuse a POST larger than `max_bytes()` before its body is read, then check CSRF as usual.

    The CSRF middleware would read (and store) the whole upload just to find the token, so the
    size is checked first; the view below is still CSRF-protected.
    """

    def decorator(view):
        protected = csrf_protect(view)

        @csrf_exempt
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method == "POST" and _content_length(request) > max_bytes() + MULTIPART_SLACK:
                limit = max_bytes() // (1024 * 1024)
                messages.error(
                    request,
                    _("The file is too large; at most %(limit)s MB may be uploaded.") % {"limit": limit},
                )
                return redirect(request.get_full_path())
            return protected(request, *args, **kwargs)

        return wrapped

    return decorator


def _content_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0
