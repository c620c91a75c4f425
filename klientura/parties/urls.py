from django.urls import path

from . import urls_exchange, views

app_name = "parties"

urlpatterns = [
    path("", views.partner_list_view, name="partner_list"),
    path("bulk/", views.partner_bulk_view, name="partner_bulk"),
    path("new/", views.partner_register_view, name="partner_register"),
    path("registry/", views.registry_lookup_view, name="registry_lookup"),
    path("<int:partner_id>/", views.partner_card_view, name="partner_card"),
    path("<int:partner_id>/edit/", views.partner_edit_view, name="partner_edit"),
    path("<int:partner_id>/merge/", views.partner_merge_view, name="partner_merge"),
]

urlpatterns += urls_exchange.urlpatterns
