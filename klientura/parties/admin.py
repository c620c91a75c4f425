"""Classifiers the administrator keeps: regions, sources, tags, custom fields."""

from django.contrib import admin

from .models import BusinessRegion, CustomField, InformationSource, Tag


@admin.register(BusinessRegion)
class BusinessRegionAdmin(admin.ModelAdmin):
    list_display = ("name", "timezone")
    search_fields = ("name",)


@admin.register(InformationSource)
class InformationSourceAdmin(admin.ModelAdmin):
    search_fields = ("name",)


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("name", "color")
    search_fields = ("name",)


@admin.register(CustomField)
class CustomFieldAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "kind", "position", "is_active")
    list_editable = ("position", "is_active")
