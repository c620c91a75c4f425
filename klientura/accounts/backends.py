from django.contrib.auth.backends import ModelBackend


class LoginBackend(ModelBackend):
    """Lets the login form tell a disabled user that the account is disabled (after a correct
    password only), while a disabled user's existing sessions stop working at once."""

    def user_can_authenticate(self, user) -> bool:
        return True

    def get_user(self, user_id):
        user = super().get_user(user_id)
        return user if user is not None and user.is_active else None
