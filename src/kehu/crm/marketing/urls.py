"""Pages of the marketing app: what recipients reach from a message (no sign-in) and
the campaign screens."""

from django.urls import URLPattern, URLResolver, path

from kehu.crm.marketing import tracking

app_name = "marketing"
urlpatterns: list[URLPattern | URLResolver] = [
    path("t/o/<str:token>/", tracking.open_pixel, name="open"),
    path("t/c/<str:token>/", tracking.click, name="click"),
    path("u/<str:token>/", tracking.unsubscribe, name="unsubscribe"),
]
