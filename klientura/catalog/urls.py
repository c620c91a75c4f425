from django.urls import path

from . import views, views_import, views_settings

app_name = "catalog"

urlpatterns = [
    path("", views.product_list_view, name="product_list"),
    path("new/", views.product_create_view, name="product_create"),
    path("<int:product_id>/", views.product_card_view, name="product_card"),
    path("<int:product_id>/edit/", views.product_edit_view, name="product_edit"),
    path("<int:product_id>/photo/", views.product_photo_view, name="product_photo"),
    path("<int:product_id>/prices/", views.product_prices_view, name="product_prices"),
    path("<int:product_id>/stock/", views.product_stock_view, name="product_stock"),
    path("groups/new/", views_settings.group_create_view, name="group_create"),
    path("groups/<int:group_id>/edit/", views_settings.group_edit_view, name="group_edit"),
    path("price-types/", views_settings.price_type_list_view, name="price_type_list"),
    path("price-types/new/", views_settings.price_type_create_view, name="price_type_create"),
    path(
        "price-types/<int:price_type_id>/edit/", views_settings.price_type_edit_view, name="price_type_edit"
    ),
    path("warehouses/", views_settings.warehouse_list_view, name="warehouse_list"),
    path("warehouses/new/", views_settings.warehouse_create_view, name="warehouse_create"),
    path("warehouses/<int:warehouse_id>/edit/", views_settings.warehouse_edit_view, name="warehouse_edit"),
    path("import/", views_import.import_view, name="import"),
]
