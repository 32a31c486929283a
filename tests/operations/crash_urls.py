"""A URLconf with one view that fails, to see what Sentry would receive from a real request."""

from django.http import HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
def crash(request):
    """Fail the way a bug would, with secrets in a local variable and in the message."""
    call_token = request.POST.get("call_token", "")
    from django.conf import settings

    twilio_auth = settings.TWILIO_AUTH_TOKEN
    raise RuntimeError(f"could not verify with {twilio_auth} for call_token={call_token}")
    return HttpResponse()  # pragma: no cover


urlpatterns = [path("crash", crash)]
