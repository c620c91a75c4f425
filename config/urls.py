from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve

from .api import api

# Unknown paths under /api/v1/ answer in the API's error format (outside DEBUG, like every handler404).
handler404 = "config.api.page_not_found"

urlpatterns = [
    path("", include("klientura.web.urls")),
    path("", include("klientura.accounts.urls")),
    path("clients/", include("klientura.parties.urls")),
    path("catalog/", include("klientura.catalog.urls")),
    path("sales/", include("klientura.sales.urls")),
    path("events/", include("klientura.interactions.urls")),
    path("deals/", include("klientura.deals.urls")),
    path("segments/", include("klientura.segments.urls")),
    path("zones/", include("klientura.segments.urls_zones")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    urlpatterns += [re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT})]
