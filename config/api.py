"""The API under /api/v1: every app adds its router here."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views import defaults
from ninja import NinjaAPI, Schema

from klientura.accounts.api_auth import api_auth
from klientura.core.api import error_response, install_error_handlers

api = NinjaAPI(
    title="Klientura API",
    version="1",
    description=str(
        _("Klientura CRM. Authenticate with a browser session or `Authorization: Bearer <token>`.")
    ),
    auth=api_auth,
    urls_namespace="api",
    docs_url="/docs",
)
install_error_handlers(api)


def page_not_found(request, exception):
    """The site's 404 (handler404): under the API, the API's error format instead of the HTML page."""
    if request.path.startswith(reverse("api:api-root")):
        return error_response(api, request, 404, "not_found", _("Not found."))
    return defaults.page_not_found(request, exception)


class MeOut(Schema):
    id: int
    username: str
    full_name: str
    email: str
    roles: list[str]
    language: str
    timezone: str


@api.get("/me", response=MeOut, tags=["accounts"], summary="The signed-in user")
def me(request):
    from klientura.accounts.roles import user_roles

    user = request.auth
    return {
        "id": user.pk,
        "username": user.username,
        "full_name": user.get_full_name(),
        "email": user.email,
        "roles": sorted(user_roles(user)),
        "language": user.language,
        "timezone": user.timezone,
    }


def _add_routers() -> None:
    from klientura.catalog.api import router as catalog_router
    from klientura.deals.api import router as deals_router
    from klientura.deals.api_leads import router as leads_router
    from klientura.deals.api_reports import router as deal_reports_router
    from klientura.interactions.api import router as interactions_router
    from klientura.parties.api import router as parties_router
    from klientura.sales.api import router as sales_router
    from klientura.segments.api import router as segments_router
    from klientura.segments.api_zones import router as zones_router

    api.add_router("/", parties_router)
    api.add_router("/", catalog_router)
    api.add_router("/", sales_router)
    api.add_router("/", interactions_router)
    api.add_router("/", deals_router)
    api.add_router("/", leads_router)
    api.add_router("/", deal_reports_router)
    api.add_router("/", segments_router)
    api.add_router("/", zones_router)


_add_routers()
