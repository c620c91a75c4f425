from django.urls import path

from . import views, views_actions, views_card

urlpatterns = [
    path("", views.board, name="board"),
    path("list/", views.deal_list, name="deal_list"),
    path("new/", views_card.deal_new, name="deal_new"),
    path("<int:deal_id>/", views_card.deal_card, name="deal_card"),
    path("<int:deal_id>/edit/", views_card.deal_edit, name="deal_edit"),
    path("<int:deal_id>/move/", views_actions.deal_move, name="deal_move"),
    path("<int:deal_id>/win/", views_actions.deal_win, name="deal_win"),
    path("<int:deal_id>/lose/", views_actions.deal_lose, name="deal_lose"),
    path("<int:deal_id>/reopen/", views_actions.deal_reopen, name="deal_reopen"),
    path("<int:deal_id>/participants/", views_actions.participant_add, name="participant_add"),
    path(
        "<int:deal_id>/participants/<int:participant_id>/remove/",
        views_actions.participant_remove,
        name="participant_remove",
    ),
    path("<int:deal_id>/orders/", views_actions.order_link, name="order_link"),
    path("<int:deal_id>/orders/<int:order_id>/unlink/", views_actions.order_unlink, name="order_unlink"),
    path("<int:deal_id>/demand/", views_actions.demand_line_add, name="demand_line_add"),
    path(
        "<int:deal_id>/demand/<int:line_id>/remove/",
        views_actions.demand_line_remove,
        name="demand_line_remove",
    ),
]
urlpatterns += [
    path("pick/partners/", views_card.partner_options, name="partner_options"),
    path("pick/products/", views_card.product_options, name="product_options"),
]
