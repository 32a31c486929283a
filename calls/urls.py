"""Routes of the calls app: Twilio webhooks and, later, the dashboard."""

urlpatterns = []
