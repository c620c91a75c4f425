"""URLs of surveys (joined into interactions/urls.py, mounted at /events/)."""

from django.urls import path

from . import views_surveys

urlpatterns = [
    path("surveys/", views_surveys.survey_list_view, name="survey_list"),
    path("surveys/plan/", views_surveys.survey_plan_view, name="survey_plan"),
    path("surveys/report/", views_surveys.survey_report_view, name="survey_report"),
    path("surveys/<int:survey_id>/", views_surveys.survey_card_view, name="survey_card"),
    path("surveys/<int:survey_id>/answers/", views_surveys.survey_answer_view, name="survey_answer"),
    path("surveys/<int:survey_id>/link/", views_surveys.survey_link_renew_view, name="survey_link_renew"),
    path("surveys/questionnaires/", views_surveys.survey_template_list_view, name="survey_template_list"),
    path("surveys/questionnaires/new/", views_surveys.survey_template_new_view, name="survey_template_new"),
    path(
        "surveys/questionnaires/<int:template_id>/",
        views_surveys.survey_template_edit_view,
        name="survey_template_edit",
    ),
    path(
        "surveys/questionnaires/<int:template_id>/active/",
        views_surveys.survey_template_active_view,
        name="survey_template_active",
    ),
    # The client's page: no login, the signed token is the key.
    path("surveys/reply/<str:token>/", views_surveys.survey_public_view, name="survey_public"),
]
