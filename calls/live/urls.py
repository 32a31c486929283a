"""Routes of the calls app: Twilio webhooks (no trailing slash: Twilio signs the exact URL)."""

from django.urls import path

from calls.live import webhooks as views
from calls.monitoring import recording_views

urlpatterns = [
    path("twilio/voice", views.voice, name="twilio-voice"),
    path("twilio/connect-action", views.connect_action, name="twilio-connect-action"),
    path("twilio/status", views.status_callback, name="twilio-status"),
    path("twilio/whisper/<str:call_sid>", views.whisper, name="twilio-whisper"),
    path(
        "dashboard/calls/<str:call_sid>/recording.wav",
        recording_views.recording,
        name="call-recording",
    ),
]
