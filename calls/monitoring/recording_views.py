"""Serves a call's recording to watchers with the listening right, never from a public path."""

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404

from calls.compliance.access_log import record_request
from calls.compliance.models import AccessAction
from calls.models import Call
from calls.monitoring.access import listener_required
from calls.records.recording_files import path_of


@listener_required
def recording(request, call_sid: str):
    """The call's stereo WAV: caller left, agent right."""
    call = get_object_or_404(Call, call_sid=call_sid)
    if not call.recording:
        raise Http404("this call has no recording")
    path = path_of(call.recording)
    if not path.exists():
        raise Http404("the recording file is gone (retention)")
    record_request(request, AccessAction.PLAY_RECORDING, call.call_sid)
    response = FileResponse(path.open("rb"), content_type="audio/wav")
    response["Cache-Control"] = "private, no-store"
    return response
