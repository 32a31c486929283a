"""Top-level URL routes."""

from django.contrib import admin
from django.urls import include, path

from calls.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("", include("calls.urls")),
    path("", include("calls.dashboard_urls")),
]
