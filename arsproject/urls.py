"""Top-level URL routes."""

from django.contrib import admin
from django.urls import include, path

from calls.operations.health import healthz
from calls.operations.metrics import metrics

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("metrics", metrics, name="metrics"),
    path("admin/", admin.site.urls),
    path("", include("calls.live.urls")),
    path("", include("calls.monitoring.urls")),
]
