"""URLs of the deal reports (joined into deals/urls.py, mounted at /deals/)."""

from django.urls import path

from . import views_reports

urlpatterns = [
    path("reports/funnel/", views_reports.funnel, name="funnel"),
    path("reports/funnel/deals/", views_reports.funnel_deals_view, name="funnel_deals"),
    path("reports/effectiveness/", views_reports.effectiveness, name="effectiveness"),
]
