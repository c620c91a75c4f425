from django.urls import path

from . import views

app_name = "web"

urlpatterns = [
    path("", views.home_view, name="home"),
    path("section/<slug:key>/", views.section_view, name="section"),
    path("language/", views.set_language_view, name="set_language"),
    path("settings/system/", views.system_view, name="system"),
]
