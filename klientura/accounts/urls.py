from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("settings/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("settings/profile/", views.profile_view, name="profile"),
    path("settings/tokens/", views.tokens_view, name="tokens"),
    path("settings/tokens/<int:token_id>/revoke/", views.token_revoke_view, name="token_revoke"),
]
