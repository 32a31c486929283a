"""GET /api/calls/ and /api/calls/<CallSid>/: staff session or API token, JSON, masked numbers."""

import pytest
from django.urls import reverse

from calls.models import ApiToken, CallEvent, Speaker, Utterance

pytestmark = pytest.mark.django_db


def issue_token(user, name="CRM") -> tuple[ApiToken, str]:
    """Create a token for this user and return it with its secret."""
    token = ApiToken(name=name, user=user)
    raw = token.issue()
    token.save()
    return token, raw


def bearer(raw):
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_without_credentials_the_api_answers_401(client):
    response = client.get(reverse("api-calls"))
    assert response.status_code == 401
    assert response.json() == {"error": "authentication_required"}


def test_a_wrong_or_revoked_token_is_401(client, staff_user):
    token, raw = issue_token(staff_user)
    assert client.get(reverse("api-calls"), **bearer("nope")).status_code == 401
    token.is_active = False
    token.save()
    assert client.get(reverse("api-calls"), **bearer(raw)).status_code == 401


def test_a_token_of_someone_not_staff_is_403(client, plain_user):
    _, raw = issue_token(plain_user)
    assert client.get(reverse("api-calls"), **bearer(raw)).status_code == 403


def test_only_a_hash_of_the_token_is_stored(staff_user):
    token, raw = issue_token(staff_user)
    stored = ApiToken.objects.get(pk=token.pk)
    assert raw not in (stored.token_hash, stored.prefix) and len(stored.token_hash) == 64
    assert stored.token_hash == ApiToken.hash_token(raw)


def test_a_staff_token_lists_calls_with_masked_numbers_and_filters(client, staff_user, make_call):
    failed = make_call(status="failed", end_reason="error")
    make_call(status="completed", end_reason="caller_hangup")
    token, raw = issue_token(staff_user)
    body = client.get(reverse("api-calls"), {"status": "failed"}, **bearer(raw)).json()
    assert [c["call_sid"] for c in body["results"]] == [failed.call_sid]
    assert body["results"][0]["from_number"] == "010-****-5678"
    assert body["next_cursor"] is None
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_the_list_pages_with_next_cursor(client, staff_user, make_call):
    for _ in range(3):
        make_call(status="completed")
    client.force_login(staff_user)
    first = client.get(reverse("api-calls"), {"limit": 2}).json()
    second = client.get(reverse("api-calls"), {"limit": 2, "cursor": first["next_cursor"]}).json()
    assert len(first["results"]) == 2 and len(second["results"]) == 1
    assert second["next_cursor"] is None


def test_bad_filters_are_a_400_naming_the_field(client, staff_user):
    client.force_login(staff_user)
    response = client.get(reverse("api-calls"), {"status": "exploded"})
    assert response.status_code == 400
    assert "status" in response.json()["fields"]


def test_a_superusers_token_sees_full_numbers(client, superuser, make_call):
    make_call()
    _, raw = issue_token(superuser)
    body = client.get(reverse("api-calls"), **bearer(raw)).json()
    assert body["results"][0]["from_number"] == "+821012345678"


def test_call_detail_has_utterances_events_and_metrics(client, staff_user, make_call):
    call = make_call(status="completed", interruptions=1, last_response_latency_ms=700)
    Utterance.objects.create(call=call, speaker=Speaker.CALLER, text="상담원 연결해 주세요")
    CallEvent.objects.create(call=call, kind="tool_call", data={"name": "transfer"})
    client.force_login(staff_user)
    response = client.get(reverse("api-call", args=[call.call_sid]))
    assert "상담원 연결해 주세요" in response.content.decode()  # UTF-8, not \\u escapes
    body = response.json()
    assert body["call"]["call_sid"] == call.call_sid
    assert [u["text"] for u in body["utterances"]] == ["상담원 연결해 주세요"]
    assert [e["kind"] for e in body["events"]] == ["tool_call"]
    assert body["metrics"]["interruptions"] == 1
    assert body["metrics"]["last_latency_ms"] == 700


def test_an_unknown_call_is_a_json_404(client, staff_user):
    client.force_login(staff_user)
    response = client.get(reverse("api-call", args=["CAmissing"]))
    assert response.status_code == 404
    assert response.json() == {"error": "not_found"}
