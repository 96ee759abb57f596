"""Fixtures of the several-instances tests: a fresh PostgreSQL database and a Redis server, each skipped with the
reason when no server answers."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator

import psycopg
import pytest
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from danhgia.storage.db import normalise_url
from tests.conftest import POSTGRES_URL

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _postgres_answers(url: str) -> bool:
    try:
        psycopg.connect(
            make_url(normalise_url(url)).set(drivername="postgresql").render_as_string(False), connect_timeout=3
        ).close()
    except psycopg.Error:
        return False
    return True


@pytest.fixture
def pg_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh, migrated PostgreSQL database (the several-instances mechanisms exist on PostgreSQL only)."""
    if not POSTGRES_URL:
        pytest.skip(
            "several instances need PostgreSQL: set TEST_POSTGRES_URL (e.g. postgresql://postgres@127.0.0.1:5432/test)"
        )
    if not _postgres_answers(POSTGRES_URL):
        pytest.skip(f"no PostgreSQL server answers at TEST_POSTGRES_URL ({make_url(POSTGRES_URL).host})")
    template = request.getfixturevalue("postgres_template")
    admin = create_engine(normalise_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    name = f"danhgia_m_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    yield make_url(normalise_url(POSTGRES_URL)).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
async def redis_prefix() -> AsyncIterator[str]:
    """A key prefix of its own on the Redis server at TEST_REDIS_URL (default 127.0.0.1:6379); its keys are removed
    afterwards."""
    client = Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
    try:
        await client.ping()
    except (RedisError, OSError) as error:
        await client.aclose()
        pytest.skip(f"the shared sending budget needs Redis: none answers at {REDIS_URL} ({error})")
    prefix = f"danhgia-test:{uuid.uuid4().hex[:8]}"
    yield prefix
    keys = [key async for key in client.scan_iter(match="{" + prefix + "}*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()
