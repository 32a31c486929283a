"""Routes of the supervisors' dashboard and the calls JSON API."""

from django.urls import path

from calls.compliance import unredacted
from calls.monitoring import api, dashboard_views, history_export

urlpatterns = [
    path("dashboard/", dashboard_views.wallboard, name="dashboard-wallboard"),
    path("dashboard/calls/", dashboard_views.history, name="dashboard-history"),
    path("dashboard/calls/export.csv", history_export.history_csv, name="dashboard-history-csv"),
    path("dashboard/calls/<str:call_sid>/", dashboard_views.call_page, name="dashboard-call"),
    path(
        "dashboard/calls/<str:call_sid>/unredacted/",
        unredacted.unredacted_transcript,
        name="dashboard-call-unredacted",
    ),
    path("api/calls/", api.calls_list, name="api-calls"),
    path("api/calls/<str:call_sid>/", api.call_detail, name="api-call"),
    path("api/stats/", api.stats, name="api-stats"),
]
