"""The API's one error format: {"error": {"code", "message", "fields"}} for every 4xx."""

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError

from .errors import DomainError


class ErrorBody(Schema):
    code: str
    message: str
    fields: dict[str, list[str]] = {}


class ErrorOut(Schema):
    error: ErrorBody


def error_responses(*statuses: int) -> dict:
    """The error answers an endpoint documents; 401 and 422 apply to every one of them."""
    return dict.fromkeys(sorted({401, 422, *statuses}), ErrorOut)


def error_response(api: NinjaAPI, request, status: int, code: str, message, fields=None):
    return api.create_response(
        request, {"error": {"code": code, "message": str(message), "fields": fields or {}}}, status=status
    )


def _field_name(loc) -> str:
    # ninja reports ("body", "payload", "name"): the client only cares about the last parts.
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "payload", "form", "header", "cookie")]
    return ".".join(parts) or "__all__"


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(DomainError)
    def domain_error(request, exc: DomainError):
        return error_response(api, request, exc.status, exc.code, exc.message, exc.fields)

    @api.exception_handler(NinjaValidationError)
    def validation_error(request, exc: NinjaValidationError):
        fields: dict[str, list[str]] = {}
        for error in exc.errors:
            fields.setdefault(_field_name(error.get("loc", ())), []).append(error.get("msg", ""))
        return error_response(
            api, request, 422, "validation_error", _("The request has invalid fields."), fields
        )

    @api.exception_handler(AuthenticationError)
    def authentication_error(request, exc):
        return error_response(api, request, 401, "not_authenticated", _("Sign in or send a valid API token."))

    @api.exception_handler(AuthorizationError)
    def authorization_error(request, exc):
        return error_response(api, request, 403, "forbidden", _("You do not have permission to do this."))

    @api.exception_handler(Throttled)
    def throttled(request, exc):
        return error_response(api, request, 429, "throttled", _("Too many requests. Try again later."))

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return error_response(api, request, 404, "not_found", _("Not found."))

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        code = {
            400: "bad_request",
            401: "not_authenticated",
            403: "forbidden",
            404: "not_found",
            405: "method_not_allowed",
            409: "conflict",
        }.get(exc.status_code, "error")
        message = exc.message
        if exc.status_code == 400:
            message = (
                _("The request body is not valid JSON.")
                if "pars" in str(exc.message).lower()
                else exc.message
            )
        return error_response(api, request, exc.status_code, code, message)
