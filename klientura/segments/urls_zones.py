"""Zone and client exchange pages under /zones/."""

from django.urls import path

from . import views_zones

app_name = "zones"

urlpatterns = [
    path("", views_zones.dashboard, name="dashboard"),
    path("moves/", views_zones.moves, name="moves"),
    path("exchange/", views_zones.exchange, name="exchange"),
    path("exchange/<int:partner_id>/take/", views_zones.exchange_take, name="exchange_take"),
    path("settings/", views_zones.zone_settings, name="settings"),
    path("partner/<int:partner_id>/history/", views_zones.partner_history, name="partner_history"),
]
