"""The reactor's socket handlers run directly, and what escapes them is still logged."""

from twisted.internet import asyncioreactor
from twisted.python import log

from arsproject import twisted_reads


class Selectable:
    """A socket owner as the reactor sees it."""

    def logPrefix(self):
        return "WebSocketProtocol,3,127.0.0.1"


def test_asgi_installs_the_direct_handler_call():
    import arsproject.asgi  # noqa: F401

    assert asyncioreactor.callWithLogger is twisted_reads.call_logged


def test_a_handler_runs_with_its_arguments_and_its_result_is_returned():
    assert twisted_reads.call_logged(Selectable(), lambda a, b=0: a + b, 2, b=3) == 5


def test_an_escaping_error_is_logged_with_the_prefix_and_swallowed():
    seen = []
    log.addObserver(seen.append)
    try:

        def broken():
            raise GeneratorExit("handler ended badly")

        assert twisted_reads.call_logged(Selectable(), broken) is None
    finally:
        log.removeObserver(seen.append)
    errors = [event for event in seen if event.get("isError")]
    assert errors and errors[0]["system"] == "WebSocketProtocol,3,127.0.0.1"
    assert "handler ended badly" in str(errors[0]["failure"].value)
