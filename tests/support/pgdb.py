"""A brand-new PostgreSQL database for tests that run real `filmbot` processes (they only take a URL).

A schema's search_path cannot travel in a DATABASE_URL for asyncpg, so a process test gets a whole fresh
database on the local server instead, dropped afterwards (WITH (FORCE): a killed child leaves no block).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from tests.dbutil import POSTGRES_URL, postgres_skip_reason


@asynccontextmanager
async def fresh_postgres_url() -> AsyncIterator[str]:
    """The URL of a new, empty database (skips the test when PostgreSQL is not reachable)."""
    if (reason := await postgres_skip_reason()) is not None:
        pytest.skip(reason)
    name = f"filmbot_test_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
        finally:
            async with admin.connect() as conn:
                await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()
