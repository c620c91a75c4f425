from django.urls import path

from . import views_settings

urlpatterns = [
    path("settings/", views_settings.settings_index, name="settings"),
    path("settings/kinds/new/", views_settings.kind_edit, name="kind_new"),
    path("settings/kinds/<int:kind_id>/", views_settings.kind_edit, name="kind_edit"),
    path("settings/kinds/<int:kind_id>/stages/new/", views_settings.stage_edit, name="stage_new"),
    path("settings/kinds/<int:kind_id>/stages/<int:stage_id>/", views_settings.stage_edit, name="stage_edit"),
    path("settings/kinds/<int:kind_id>/stages/order/", views_settings.stages_reorder, name="stages_reorder"),
    path("settings/lists/<slug:slug>/", views_settings.classifier_list, name="classifier_list"),
    path("settings/lists/<slug:slug>/<int:item_id>/", views_settings.classifier_list, name="classifier_edit"),
    path(
        "settings/lists/<slug:slug>/<int:item_id>/active/",
        views_settings.classifier_toggle,
        name="classifier_toggle",
    ),
]
