"""Top-level URL routes."""

from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from calls.operations.health import healthz
from calls.operations.metrics import metrics

urlpatterns = [
    # The dashboard sends anonymous visitors on to the login page.
    path("", RedirectView.as_view(pattern_name="dashboard-wallboard"), name="home"),
    path("favicon.ico", RedirectView.as_view(url=static("favicon.svg")), name="favicon"),
    path("healthz", healthz, name="healthz"),
    path("metrics", metrics, name="metrics"),
    path("admin/", admin.site.urls),
    path("", include("calls.live.urls")),
    path("", include("calls.monitoring.urls")),
]
