"""URLs of notifications (joined into interactions/urls.py)."""

from django.urls import path

from . import views_notifications as views

urlpatterns = [
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/bell/", views.notification_bell, name="notification_bell"),
    path("notifications/menu/", views.notification_menu, name="notification_menu"),
    path("notifications/read-all/", views.notifications_read_all, name="notifications_read_all"),
    path("notifications/<int:notification_id>/open/", views.notification_open, name="notification_open"),
    path("notifications/<int:notification_id>/read/", views.notification_read, name="notification_read"),
]
