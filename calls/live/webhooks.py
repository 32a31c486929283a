"""Twilio webhooks: answer a call, say what happens after the stream, record the final status."""

from __future__ import annotations

import logging
import re
from functools import wraps

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.twiml.voice_response import Connect, Dial, VoiceResponse

from calls.compliance.notice import NOTICE_LANGUAGE
from calls.live.twilio_signature import TwilioNotConfigured, public_url, signature_is_valid
from calls.models import LIVE_STATUSES, EndReason
from calls.operations import shutdown
from calls.records import services
from calls.records.handover import NO_CONTEXT, WHISPER_INTRO, whisper_text
from prompts.services import NoProfileConfigured

logger = logging.getLogger(__name__)

APOLOGY = "죄송합니다. 지금은 AI 상담원과 연결할 수 없습니다."
TRANSFER_NOTICE = "상담원에게 연결해 드리겠습니다. 잠시만 기다려 주세요."
GOODBYE = "이용해 주셔서 감사합니다. 안녕히 계세요."
CALL_SID = re.compile(r"^CA[0-9a-fA-F]{32}$")


def twilio_webhook(view):
    """POST only, CSRF-exempt, and signed by Twilio over the public URL, or refused."""

    @csrf_exempt
    @require_POST
    @wraps(view)
    def checked(request, *args, **kwargs):
        url = public_url(request.get_full_path())
        try:
            valid = signature_is_valid(url, request.POST, request.headers.get("X-Twilio-Signature"))
        except TwilioNotConfigured:
            logger.error("refused %s: TWILIO_AUTH_TOKEN is not set", request.path)
            return HttpResponse("Twilio is not configured on this server.", status=503)
        if not valid:
            logger.warning("refused %s: missing or wrong X-Twilio-Signature", request.path)
            return HttpResponse("Invalid signature.", status=403)
        return view(request, *args, **kwargs)

    return checked


def twiml(response: VoiceResponse) -> HttpResponse:
    """An XML response Twilio will run."""
    return HttpResponse(str(response), content_type="text/xml")


def say_korean(response: VoiceResponse, text: str) -> None:
    """Speak Korean text to the caller."""
    response.say(text, language="ko-KR")


def say_notice(response: VoiceResponse, config: dict) -> None:
    """The profile's notice (AI use, recording), verbatim, before the stream and the model."""
    text = config.get("notice_text", "")
    if not text:
        return
    voice = config.get("notice_voice") or None
    response.say(text, language=NOTICE_LANGUAGE, voice=voice)


def apology(response: VoiceResponse) -> VoiceResponse:
    """Never dead air: apologise, then transfer when a number is configured, else hang up."""
    say_korean(response, APOLOGY)
    if settings.HUMAN_AGENT_NUMBER:
        say_korean(response, TRANSFER_NOTICE)
        response.dial(settings.HUMAN_AGENT_NUMBER)
    response.hangup()
    return response


def already_answered(status: str) -> VoiceResponse:
    """TwiML for a second webhook of a known call: no second stream, never dead air.

    A finished call is over: whoever replays its webhook gets a hang-up. A call still live
    here cannot get a second stream; if Twilio really retried (our first answer lost), the
    caller hears the apology and the transfer, as when the AI is unavailable.
    """
    if status in LIVE_STATUSES:
        return apology(VoiceResponse())
    response = VoiceResponse()
    response.hangup()
    return response


@twilio_webhook
def voice(request):
    """A call comes in: log it, freeze its configuration, connect the media stream."""
    params = request.POST
    if not params.get("CallSid"):
        return HttpResponse("CallSid is required.", status=400)
    if shutdown.state.draining:
        logger.warning("call %s refused: this process is shutting down", params["CallSid"])
        return HttpResponse("Shutting down; use another server.", status=503)
    try:
        call, token = services.answer_call(params.dict())
    except services.KnownCall as known:
        logger.warning(
            "call %s: webhook for a call already %s, not reopened", params["CallSid"], known.status
        )
        return twiml(already_answered(known.status))
    except NoProfileConfigured as error:
        logger.error("call %s: %s", params["CallSid"], error)
        return twiml(apology(VoiceResponse()))
    except DatabaseError as error:
        logger.error("call %s: database unavailable, apologising: %s", params["CallSid"], error)
        return twiml(apology(VoiceResponse()))
    response = VoiceResponse()
    say_notice(response, call.config)
    connect = Connect(action=public_url("/twilio/connect-action"))
    stream = connect.stream(url=settings.TWILIO_STREAM_ENDPOINT)
    stream.parameter(name="call_token", value=token)
    response.append(connect)
    logger.info("call %s answered, stream connecting", params["CallSid"])
    return twiml(response)


HANG_UP_REASONS = (
    EndReason.AGENT_HANGUP,
    EndReason.CALLER_IDLE,
    EndReason.SUPERVISOR_HANGUP,
    EndReason.CALLER_HANGUP,
)


@twilio_webhook
def connect_action(request):
    """The stream ended: answer from the call's end reason, never with silence."""
    try:
        reason = services.end_reason_of(request.POST.get("CallSid", ""))
    except DatabaseError as error:
        logger.error("connect-action: database unavailable, apologising: %s", error)
        reason = None
    response = VoiceResponse()
    if reason in HANG_UP_REASONS:
        response.hangup()
    elif reason == EndReason.TRANSFERRED and settings.HUMAN_AGENT_NUMBER:
        say_korean(response, TRANSFER_NOTICE)
        response.append(warm_dial(request.POST.get("CallSid", "")))
        response.hangup()
    elif reason == EndReason.TRANSFERRED:
        logger.error("transfer asked but HUMAN_AGENT_NUMBER is not set")
        apology(response)
    else:
        apology(response)
    return twiml(response)


def warm_dial(call_sid: str) -> Dial:
    """<Dial> the human agent, who first hears the call's summary from the whisper endpoint."""
    dial = Dial()
    if CALL_SID.match(call_sid):
        dial.number(settings.HUMAN_AGENT_NUMBER, url=public_url(f"/twilio/whisper/{call_sid}"))
    else:
        dial.number(settings.HUMAN_AGENT_NUMBER)
    return dial


@twilio_webhook
def whisper(request, call_sid: str):
    """Twilio runs this for the human agent's leg before connecting: the summary in Korean."""
    text = f"{WHISPER_INTRO} {NO_CONTEXT}"
    try:
        if CALL_SID.match(call_sid):
            text = whisper_text(call_sid)
    except DatabaseError as error:
        logger.error("whisper: database unavailable, no summary read: %s", error)
    response = VoiceResponse()
    say_korean(response, text)
    return twiml(response)


@twilio_webhook
def status_callback(request):
    """Twilio's final status; 200 even for an unknown call so Twilio stops retrying."""
    params = request.POST
    known = services.record_status_callback(
        params.get("CallSid", ""), params.get("CallStatus", ""), params.get("CallDuration")
    )
    if not known:
        logger.info("status callback for unknown call %s ignored", params.get("CallSid"))
    return HttpResponse(status=204 if known else 200)
