"""URLs of the interaction reports (joined into interactions/urls.py, mounted at /events/)."""

from django.urls import path

from . import views_reports

urlpatterns = [
    path("reports/", views_reports.report_index, name="report_index"),
    path("reports/calendar/", views_reports.report_calendar, name="report_calendar"),
    path("reports/contacts/", views_reports.report_contacts, name="report_contacts"),
    path("reports/contact-info/", views_reports.report_contact_info, name="report_contact_info"),
]
