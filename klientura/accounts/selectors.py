from .access import user_scope
from .models import ApiToken, User


def api_tokens_of(*, actor: User):
    return ApiToken.objects.filter(user=actor).order_by("-created_at")


def users_visible(*, actor: User):
    return user_scope(User.objects.filter(is_active=True), actor).select_related("department")


def sales_users():
    """Active users who can lead partners (for manager pickers)."""
    from .roles import HEAD_OF_SALES, SALES_MANAGER

    return User.objects.filter(is_active=True, groups__name__in=[SALES_MANAGER, HEAD_OF_SALES]).distinct()
