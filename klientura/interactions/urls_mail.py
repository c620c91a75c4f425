"""URLs of mail (joined into interactions/urls.py): compose, the unsorted inbox, the mailbox status."""

from django.urls import path

from . import views_mail

urlpatterns = [
    path("mail/new/", views_mail.mail_compose, name="mail_compose"),
    path("mail/unsorted/", views_mail.unsorted_list, name="mail_unsorted"),
    path("mail/unsorted/<int:event_id>/", views_mail.unsorted_card, name="mail_unsorted_card"),
    path("mail/status/", views_mail.mailbox_status, name="mail_status"),
    path("mail/status/fetch/", views_mail.mailbox_fetch_now, name="mail_fetch_now"),
    path("mail/status/test/", views_mail.mail_test_send, name="mail_test_send"),
]
