from django.urls import path

from kehu.crm.portal import staff_views, views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("sign-in/", views.sign_in, name="sign_in"),
    path("sign-in/link/<str:token>/", views.link, name="link"),
    path("sign-in/code/", views.code_request, name="code_request"),
    path("sign-in/code/enter/", views.code_enter, name="code_enter"),
    path("sign-out/", views.sign_out, name="sign_out"),
    path("language/", views.language, name="language"),
    path("orders/", views.orders, name="orders"),
    path("orders/<int:pk>/", views.order_detail, name="order_detail"),
    path("invoices/", views.invoices, name="invoices"),
    path("invoices/<int:pk>/", views.invoice_detail, name="invoice_detail"),
    path("tickets/", views.tickets, name="tickets"),
    path("tickets/new/", views.ticket_create, name="ticket_create"),
    path("tickets/<int:pk>/", views.ticket_detail, name="ticket_detail"),
    path("points/", views.points, name="points"),
    path("me/", views.profile, name="profile"),
    # staff: who of a customer's contacts may use the portal
    path("staff/customers/<int:pk>/", staff_views.customer_access, name="staff_access"),
]
