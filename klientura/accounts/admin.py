from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from .models import Department, User


@admin.register(User)
class KlienturaUserAdmin(UserAdmin):
    fieldsets = (
        *UserAdmin.fieldsets,
        (_("Klientura"), {"fields": ("department", "position", "phone", "language", "timezone")}),
    )
    list_display = ("username", "last_name", "first_name", "department", "is_active")
    list_filter = ("department", "groups", "is_active")


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("name", "parent", "head")
    autocomplete_fields = ("head",)
    search_fields = ("name",)
