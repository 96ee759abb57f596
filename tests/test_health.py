"""`/healthz`: 200 with the inbox's backlog while the database answers, 503 with the reason when it does not; HEAD
too; nothing else is served, and stopping it closes the port."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from danhgia.bot.health import HealthServer, start_health_server
from danhgia.storage.db import make_engine
from danhgia.storage.uow import Database
from danhgia.workflow.clock import ManualClock
from danhgia.workflow.services import Services, WorkflowConfig
from tests.conftest import VN


@pytest.fixture
async def health(services: Services) -> AsyncIterator[HealthServer]:
    """The endpoint on a free port of 127.0.0.1, over each backend."""
    server = await start_health_server(services, "127.0.0.1", 0)
    yield server
    await server.stop()


async def test_healthz_says_ok_with_the_inbox_backlog(
    health: HealthServer, services: Services, clock: ManualClock
) -> None:
    services.inbox.record(101, {"update_id": 101}, 7)
    clock.advance(timedelta(seconds=30))
    services.inbox.record(102, {"update_id": 102}, 8)
    services.inbox.record(100, {"update_id": 100}, 9)
    services.inbox.done(100)
    clock.advance(timedelta(seconds=60))
    async with httpx.AsyncClient() as client:
        answer = await client.get(health.url)
        head = await client.head(health.url)
        elsewhere = await client.get(health.url.replace("/healthz", "/metrics"))
        post = await client.post(health.url)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/json")
    assert answer.json() == {
        "status": "ok",
        "database": "ok",
        "inbox_pending": 2,
        "oldest_pending_seconds": 90,  # update 101, recorded 90 s ago on the services' clock
        "outbox_pending": 0,
    }
    assert head.status_code == 200 and head.content == b""
    assert int(head.headers["content-length"]) == len(answer.content)
    assert elsewhere.status_code == 404
    assert post.status_code == 405


async def test_healthz_with_an_empty_inbox_reports_zero(health: HealthServer) -> None:
    async with httpx.AsyncClient() as client:
        body = (await client.get(health.url)).json()
    assert body["inbox_pending"] == 0 and body["oldest_pending_seconds"] == 0


def _services(url: str) -> Services:
    return Services(Database(make_engine(url)), WorkflowConfig(timezone=VN, invite_ttl=timedelta(days=14)))


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("postgresql://danhgia@127.0.0.1:1/danhgia", id="postgresql-refused"),
        pytest.param("sqlite", id="sqlite-without-schema"),
    ],
)
async def test_healthz_says_503_with_the_reason_when_the_database_fails(url: str, tmp_path: Path) -> None:
    if url == "sqlite":
        url = f"sqlite:///{tmp_path / 'never-migrated.db'}"
    services = _services(url)
    server = await start_health_server(services, "127.0.0.1", 0)
    try:
        async with httpx.AsyncClient() as client:
            answer = await client.get(server.url)
            head = await client.head(server.url)
    finally:
        await server.stop()
        services.db.dispose()
    assert answer.status_code == 503
    body = answer.json()
    assert body["status"] == "error" and body["database"] == "error"
    assert body["reason"].startswith(("OperationalError", "ProgrammingError")), body
    assert head.status_code == 503 and head.content == b""


async def test_a_database_that_does_not_answer_in_time_gives_503(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    from danhgia.bot import health as health_module

    release = threading.Event()

    def stuck(_services: Services) -> None:
        release.wait()

    monkeypatch.setattr(health_module, "probe", stuck)
    server = await start_health_server(services, "127.0.0.1", 0, timeout=0.2)
    try:
        async with httpx.AsyncClient() as client:
            answer = await client.get(server.url)
    finally:
        release.set()
        await server.stop()
    assert answer.status_code == 503
    assert answer.json()["reason"] == "the database did not answer within 0.2 s"


async def test_stopping_closes_the_port(services: Services) -> None:
    server = await start_health_server(services, "127.0.0.1", 0)
    url = server.url
    await server.stop()
    async with httpx.AsyncClient() as client:
        with pytest.raises(httpx.ConnectError):
            await client.get(url)
