"""URLs of leads, lead forms, routing rules and absences (joined into deals/urls.py, under /deals/)."""

from django.urls import path

from . import views_leads, views_leads_public, views_leads_settings

urlpatterns = [
    path("leads/", views_leads.lead_list, name="lead_list"),
    path("leads/<int:lead_id>/", views_leads.lead_card, name="lead_card"),
    path("leads/<int:lead_id>/assign/", views_leads.lead_assign, name="lead_assign"),
    path("leads/<int:lead_id>/reject/", views_leads.lead_reject, name="lead_reject"),
    path("leads/forms/", views_leads_settings.lead_forms, name="lead_forms"),
    path("leads/forms/new/", views_leads_settings.lead_form_edit, name="lead_form_new"),
    path("leads/forms/<int:form_id>/", views_leads_settings.lead_form_edit, name="lead_form_edit"),
    path("leads/rules/", views_leads_settings.routing_rules, name="routing_rules"),
    path("leads/rules/new/", views_leads_settings.routing_rule_edit, name="routing_rule_new"),
    path("leads/rules/order/", views_leads_settings.routing_rules_reorder, name="routing_rules_reorder"),
    path("leads/rules/<int:rule_id>/", views_leads_settings.routing_rule_edit, name="routing_rule_edit"),
    path(
        "leads/rules/<int:rule_id>/delete/",
        views_leads_settings.routing_rule_delete,
        name="routing_rule_delete",
    ),
    path("leads/absences/", views_leads_settings.absences, name="absences"),
    path(
        "leads/absences/<int:absence_id>/remove/", views_leads_settings.absence_remove, name="absence_remove"
    ),
    # The company's site: no login; the form's unguessable key is its address.
    path("form/<str:key>/", views_leads_public.lead_form_public, name="lead_form_public"),
]
