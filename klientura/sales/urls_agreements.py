"""Agreements pages, included by klientura.sales.urls in the "sales" namespace."""

from django.urls import path

from . import views_agreements as views

urlpatterns = [
    path("", views.agreement_list_view, name="agreement_list"),
    path("new/", views.agreement_new_view, name="agreement_new"),
    path("<int:agreement_id>/", views.agreement_card_view, name="agreement_card"),
    path("<int:agreement_id>/edit/", views.agreement_edit_view, name="agreement_edit"),
    path("<int:agreement_id>/status/", views.agreement_status_view, name="agreement_status"),
]
