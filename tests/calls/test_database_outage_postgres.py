"""PostgreSQL goes away mid-call (its connection cut inside the test): the call goes on, and
every record is written once the database is back."""

import asyncio
import os
import secrets
import socket

import psycopg
import pytest
from django.conf import settings

from calls.simulator.twilio_caller import TwilioCaller
from tests.calls.waiting import eventually
from tests.server_process import start_server

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

POSTGRES = ("127.0.0.1", 5432)
ADMIN_DSN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"


def postgres_reachable() -> bool:
    """Whether the machine's PostgreSQL answers on its standard port."""
    try:
        with socket.create_connection(POSTGRES, 1):
            return True
    except OSError:
        return False


class CuttableProxy:
    """A TCP proxy in front of PostgreSQL; cut() is the database going down, restore() back."""

    def __init__(self):
        self.server = None
        self.down = False
        self.links: set[asyncio.StreamWriter] = set()

    async def start(self) -> int:
        self.server = await asyncio.start_server(self.accept, "127.0.0.1", 0)
        return self.server.sockets[0].getsockname()[1]

    async def accept(self, reader, writer):
        if self.down:
            writer.close()
            return
        upstream_reader, upstream_writer = await asyncio.open_connection(*POSTGRES)
        self.links.update({writer, upstream_writer})
        await asyncio.gather(self.pipe(reader, upstream_writer), self.pipe(upstream_reader, writer))

    async def pipe(self, reader, writer):
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()
            self.links.discard(writer)

    def cut(self):
        self.down = True
        for writer in list(self.links):
            writer.transport.abort()

    def restore(self):
        self.down = False

    async def stop(self):
        self.cut()
        self.server.close()
        await self.server.wait_closed()


@pytest.fixture
async def outage_database():
    """A fresh PostgreSQL database reached through a cuttable proxy."""
    if not postgres_reachable():
        if os.environ.get("ARS_REQUIRE_REDIS") == "1":  # CI: the services must be there
            pytest.fail("PostgreSQL is required in CI")
        pytest.skip("PostgreSQL is not running on 127.0.0.1:5432")
    name = f"ars_outage_{secrets.token_hex(4)}"
    with psycopg.connect(ADMIN_DSN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    proxy = CuttableProxy()
    port = await proxy.start()
    yield name, proxy, port
    await proxy.stop()
    with psycopg.connect(ADMIN_DSN, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def rows(name: str, query: str, *args):
    """Query the outage database directly (not through the proxy)."""
    dsn = f"host=127.0.0.1 port=5432 user=postgres dbname={name}"
    with psycopg.connect(dsn) as connection:
        return connection.execute(query, args).fetchall()


async def test_a_call_outlives_a_postgres_outage_and_nothing_is_lost(
    outage_database, fake_ai, tmp_path
):
    name, proxy, port = outage_database
    server = await asyncio.to_thread(
        start_server,
        tmp_path,
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{port}/{name}",
        OPENAI_REALTIME_URL=fake_ai.url,
    )
    try:
        caller = TwilioCaller(
            base_url=server.base_url,
            auth_token=settings.TWILIO_AUTH_TOKEN,
            account_sid=settings.TWILIO_ACCOUNT_SID,
            clock="real",
        )
        call = await caller.dial()
        session = await fake_ai.next_session()
        await call.wait_for(lambda c: c.heard_ms > 500 and c.buffered_ms == 0, timeout=15)

        proxy.cut()  # the database is gone
        stored_before = rows(name, "SELECT count(*) FROM calls_utterance")[0][0]
        await call.send_speech(600)
        heard = call.heard_ms
        await call.wait_for(lambda c: c.heard_ms > heard + 800, timeout=15)  # the agent answers
        await eventually(
            lambda: any(r.event["type"] == "response.done" for r in session.sent[-40:]),
            within=5,
        )
        stored = rows(name, "SELECT count(*) FROM calls_utterance")[0][0]
        assert stored == stored_before  # nothing can be written during the outage

        proxy.restore()  # the database is back
        await call.hang_up()

        async def written():
            while True:
                utterances = rows(
                    name,
                    "SELECT u.speaker, u.text FROM calls_utterance u JOIN calls_call c "
                    "ON c.id = u.call_id WHERE c.call_sid = %s",
                    call.call_sid,
                )
                status = rows(
                    name, "SELECT status FROM calls_call WHERE call_sid = %s", call.call_sid
                )
                if status and status[0][0] == "completed" and len(utterances) >= 3:
                    return utterances
                await asyncio.sleep(0.2)  # the server retries with backoff; poll its result

        utterances = await asyncio.wait_for(written(), 30)
        assert ("caller", "배송 상태를 알고 싶어요.") in utterances
        assert sum(1 for speaker, _ in utterances if speaker == "agent") >= 2
    finally:
        server.stop()
