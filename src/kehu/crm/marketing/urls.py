"""Pages of the marketing app (none yet: see the package docstring)."""

from django.urls import URLPattern, URLResolver

app_name = "marketing"
urlpatterns: list[URLPattern | URLResolver] = []
