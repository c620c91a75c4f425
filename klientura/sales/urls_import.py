"""Import pages, included by klientura.sales.urls in the "sales" namespace under "import/"."""

from django.urls import path

from . import views_import as views

urlpatterns = [
    path("", views.import_upload_view, name="import_upload"),
    path("apply/", views.import_apply_view, name="import_apply"),
    path("sample/<str:kind>/", views.import_sample_view, name="import_sample"),
]
