"""Segment pages under /segments/."""

from django.urls import path

from . import views, views_report

app_name = "segments"

urlpatterns = [
    path("", views.segment_list, name="segment_list"),
    path("new/", views.segment_edit, name="segment_new"),
    path("preview/", views.segment_preview, name="segment_preview"),
    path("<int:segment_id>/", views_report.segment_members, name="segment_members"),
    path("<int:segment_id>/edit/", views.segment_edit, name="segment_edit"),
    path("<int:segment_id>/refresh/", views.segment_refresh, name="segment_refresh"),
    path("<int:segment_id>/delete/", views.segment_delete, name="segment_delete"),
    path("<int:segment_id>/export/", views_report.segment_export, name="segment_export"),
    path("<int:segment_id>/changes/", views_report.segment_changes, name="segment_changes"),
]
