"""Top-level URL routes."""

from django.contrib import admin
from django.urls import include, path

from calls.health import healthz
from calls.metrics import metrics

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("metrics", metrics, name="metrics"),
    path("admin/", admin.site.urls),
    path("", include("calls.urls")),
    path("", include("calls.dashboard_urls")),
]
