from django.urls import include, path

from . import views, views_documents, views_reports

app_name = "sales"

urlpatterns = [
    path("", views.order_list_view, name="order_list"),
    path("new/", views.order_new_view, name="order_new"),
    path("new/clients/", views.client_search_view, name="client_search"),
    path("selection/<int:partner_id>/", views.selection_view, name="selection"),
    path("orders/<int:order_id>/", views.order_card_view, name="order_card"),
    path("orders/<int:order_id>/edit/", views.order_edit_view, name="order_edit"),
    path("orders/<int:order_id>/confirm/", views.order_confirm_view, name="order_confirm"),
    path("orders/<int:order_id>/cancel/", views.order_cancel_view, name="order_cancel"),
    path("orders/<int:order_id>/close/", views.order_close_view, name="order_close"),
    path("orders/<int:order_id>/shipments/new/", views_documents.shipment_new_view, name="shipment_new"),
    path("orders/<int:order_id>/payments/new/", views_documents.payment_new_view, name="payment_new"),
    path("orders/<int:order_id>/invoices/new/", views_documents.invoice_new_view, name="invoice_new"),
    path("invoices/<int:invoice_id>/pdf/", views_documents.invoice_pdf_view, name="invoice_pdf"),
    path("invoices/<int:invoice_id>/send/", views_documents.invoice_send_view, name="invoice_send"),
    path(
        "invoices/<int:invoice_id>/send-now/", views_documents.invoice_send_now_view, name="invoice_send_now"
    ),
    path("receivables/", views_reports.receivables_view, name="receivables"),
    path("profit/", views_reports.profit_view, name="profit"),
    path("agreements/", include("klientura.sales.urls_agreements")),
    path("import/", include("klientura.sales.urls_import")),
]
