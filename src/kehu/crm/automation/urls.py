"""Pages of the automation app (none yet: see the package docstring)."""

from django.urls import URLPattern, URLResolver

app_name = "automation"
urlpatterns: list[URLPattern | URLResolver] = []
