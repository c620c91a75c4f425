from django.urls import path

from . import urls_calendar, urls_mail, urls_notifications, urls_reports, urls_surveys, views

app_name = "interactions"

urlpatterns = [
    path("", views.event_list, name="event_list"),
    path("new/", views.event_new, name="event_new"),
    path("<int:event_id>/", views.event_card, name="event_card"),
    path("<int:event_id>/edit/", views.event_edit, name="event_edit"),
    path("<int:event_id>/complete/", views.event_complete_view, name="event_complete"),
    path("<int:event_id>/status/", views.event_status_view, name="event_status"),
    path("<int:event_id>/participants/<int:participant_id>/link/", views.participant_link, name="participant_link"),
    path("attachments/<int:attachment_id>/", views.attachment_download, name="attachment_download"),
]
urlpatterns += urls_calendar.urlpatterns
urlpatterns += urls_surveys.urlpatterns
urlpatterns += urls_mail.urlpatterns
urlpatterns += urls_reports.urlpatterns
urlpatterns += urls_notifications.urlpatterns
