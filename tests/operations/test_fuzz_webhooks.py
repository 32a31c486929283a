"""Whatever form Twilio (or anyone) posts to a webhook, the answer is never a 500."""

from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator

FORM_TYPE = "application/x-www-form-urlencoded"
WEBHOOKS = ["/twilio/voice", "/twilio/connect-action", "/twilio/status"]
TWILIO_FIELDS = [
    "CallSid",
    "AccountSid",
    "From",
    "To",
    "CallStatus",
    "CallDuration",
    "Direction",
    "ApiVersion",
]
CALL_STATUSES = ["queued", "ringing", "in-progress", "completed", "busy", "failed", "no-answer"]

# Form values as Twilio sends them (text), including the odd characters a bug would send.
values = (
    st.text(max_size=80)
    | st.sampled_from(CALL_STATUSES)
    | st.integers(-(2**40), 2**40).map(str)
    | st.just("CA" + "d" * 32)
    | st.text(alphabet="CA0123456789abcdef", min_size=30, max_size=40)
)
forms = st.dictionaries(
    st.sampled_from(TWILIO_FIELDS) | st.text(min_size=1, max_size=20),
    values,
    max_size=10,
).map(lambda form: {key: value.replace("\x00", "") for key, value in form.items()})

fuzz = hypothesis_settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def signed(path: str, form: dict) -> dict:
    """The X-Twilio-Signature header Twilio would send for this form at this path."""
    validator = RequestValidator(settings.TWILIO_AUTH_TOKEN)
    return {
        "HTTP_X_TWILIO_SIGNATURE": validator.compute_signature(
            settings.APP_PUBLIC_BASE_URL + path, form
        )
    }


class TwilioClient(Client):
    """Posts forms url-encoded, as Twilio does, and reports a server error as a status code."""

    def __init__(self):
        super().__init__(raise_request_exception=False)

    def post_form(self, path: str, form: dict, **headers):
        """POST the form as application/x-www-form-urlencoded."""
        return self.post(path, urlencode(form), content_type=FORM_TYPE, **headers)


@pytest.fixture
def twilio():
    """A client standing in for Twilio."""
    return TwilioClient()


@pytest.mark.django_db
@fuzz
@given(path=st.sampled_from(WEBHOOKS), form=forms)
def test_a_signed_form_of_any_shape_never_makes_a_500(twilio, default_profile, path, form):
    response = twilio.post_form(path, form, **signed(path, form))
    assert response.status_code < 500, response.content[:300]


@pytest.mark.django_db
@fuzz
@given(
    path=st.sampled_from(WEBHOOKS),
    form=forms,
    signature=st.none() | st.text(max_size=60).map(lambda s: s.replace("\x00", "")),
)
def test_an_unsigned_or_forged_form_is_refused_with_403(twilio, path, form, signature):
    headers = {} if signature is None else {"HTTP_X_TWILIO_SIGNATURE": signature}
    response = twilio.post_form(path, form, **headers)
    assert response.status_code == 403


@pytest.mark.django_db
@fuzz
@given(path=st.sampled_from(WEBHOOKS), body=st.binary(max_size=300))
def test_a_body_that_is_not_a_form_never_makes_a_500(twilio, path, body):
    response = twilio.post(path, body, content_type=FORM_TYPE, HTTP_X_TWILIO_SIGNATURE="x")
    assert response.status_code < 500


@pytest.mark.django_db
@fuzz
@given(
    form=forms,
    call_status=st.sampled_from(CALL_STATUSES),
    duration=values,
)
def test_the_status_callback_of_a_known_call_takes_any_duration(
    twilio, default_profile, form, call_status, duration
):
    from calls.models import Call

    Call.objects.get_or_create(call_sid="CA" + "f" * 32)
    form = {**form, "CallSid": "CA" + "f" * 32, "CallStatus": call_status, "CallDuration": duration}
    response = twilio.post_form("/twilio/status", form, **signed("/twilio/status", form))
    assert response.status_code in (200, 204)


@pytest.mark.django_db
@pytest.mark.parametrize("duration", ["99999999999999999999", "²", "-1", "1.5"])
def test_an_absurd_call_duration_is_ignored_not_a_500(twilio, duration):
    from calls.models import Call

    Call.objects.create(call_sid="CA" + "f" * 32)
    form = {"CallSid": "CA" + "f" * 32, "CallStatus": "completed", "CallDuration": duration}
    response = twilio.post_form("/twilio/status", form, **signed("/twilio/status", form))
    assert response.status_code in (200, 204)
