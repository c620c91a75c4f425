from . import urls_deals, urls_leads, urls_reports, urls_settings

app_name = "deals"

urlpatterns = [
    *urls_deals.urlpatterns,
    *urls_leads.urlpatterns,
    *urls_reports.urlpatterns,
    *urls_settings.urlpatterns,
]
