"""Import, export and vCard pages. No app_name: parties/urls.py adds these to its own patterns,
so they live in the "parties" namespace under /clients/."""

from django.urls import path

from . import views_exchange as views

urlpatterns = [
    path("import/", views.import_upload_view, name="import_upload"),
    path("import/result/", views.import_result_view, name="import_result"),
    path("import/<str:token>/", views.import_preview_view, name="import_preview"),
    path("import/<str:token>/confirm/", views.import_confirm_view, name="import_confirm"),
    path("export/", views.export_partners_view, name="export_partners"),
    path("vcard/export/", views.vcard_export_view, name="vcard_export"),
    path("vcard/import/", views.vcard_import_view, name="vcard_import"),
    path("vcard/import/<str:token>/", views.vcard_import_preview_view, name="vcard_import_preview"),
]
