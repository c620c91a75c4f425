from django.urls import path

from . import views

app_name = "parties"

urlpatterns = [
    path("", views.partner_list_view, name="partner_list"),
]
