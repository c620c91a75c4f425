"""URLs of calendars (joined into interactions/urls.py, mounted at /events/)."""

from django.urls import path

from . import views_calendar

urlpatterns = [
    path("calendar/", views_calendar.my_calendar, name="my_calendar"),
    path("calendar/employee/", views_calendar.employee_calendar, name="employee_calendar"),
    path("calendar/events.json", views_calendar.calendar_events, name="calendar_events"),
    path(
        "calendar/events/<int:event_id>/move/", views_calendar.calendar_event_move, name="calendar_event_move"
    ),
    path("calendar/department/", views_calendar.department_calendar, name="department_calendar"),
    path("calendar/sharing/", views_calendar.calendar_sharing, name="calendar_sharing"),
    path("calendar/sharing/revoke/", views_calendar.calendar_grant_revoke, name="calendar_grant_revoke"),
    path("calendar/feed/", views_calendar.calendar_feed_manage, name="calendar_feed_manage"),
    path("calendar/feed/<str:token>.ics", views_calendar.calendar_feed, name="calendar_feed"),
]
