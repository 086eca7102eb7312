"""A real PgBouncer in transaction-pooling mode in front of the local PostgreSQL, started for one test.

Needs Debian's `pgbouncer` package (`apt-get install pgbouncer`); the test skips with that reason without it.
PgBouncer refuses to run as root, so as root it is started as the `postgres` user, its files in a directory
that user can read.
"""

from __future__ import annotations

import asyncio
import os
import pwd
import shutil
import socket
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.dbutil import POSTGRES_URL

BINARY = shutil.which("pgbouncer") or ("/usr/sbin/pgbouncer" if os.path.exists("/usr/sbin/pgbouncer") else None)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@asynccontextmanager
async def pgbouncer(pool_size: int = 3) -> AsyncIterator[str]:
    """Yields a URL template of the bouncer: `.format(database=...)` gives a database's pooled URL."""
    if BINARY is None:
        pytest.skip("pgbouncer is not installed (Debian: apt-get install pgbouncer)")
    server = make_url(POSTGRES_URL)
    port = _free_port()
    directory = Path(tempfile.mkdtemp(prefix="pgbouncer-"))
    os.chmod(directory, 0o755)
    user = server.username or "postgres"
    (directory / "users.txt").write_text(f'"{user}" ""\n', encoding="utf-8")
    (directory / "pgbouncer.ini").write_text(
        f"""[databases]
* = host={server.host or "127.0.0.1"} port={server.port or 5432}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {directory / "users.txt"}
pool_mode = transaction
default_pool_size = {pool_size}
max_client_conn = 200
ignore_startup_parameters = extra_float_digits,options,search_path
logfile = {directory / "pgbouncer.log"}
""",
        encoding="utf-8",
    )
    for name in ("users.txt", "pgbouncer.ini"):
        os.chmod(directory / name, 0o644)
    as_user: list[str] = []
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("pgbouncer refuses to run as root and there is no postgres user to run it as")
        as_user = ["-u", "postgres"]
        shutil.chown(directory, "postgres")
    process = await asyncio.create_subprocess_exec(
        BINARY, *as_user, str(directory / "pgbouncer.ini"),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        for _ in range(100):
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.close()
                break
            except OSError:
                if process.returncode is not None:
                    pytest.skip(f"pgbouncer did not start: {(await process.stderr.read()).decode()[-500:]}")  # type: ignore[union-attr]
                await asyncio.sleep(0.05)
        url = server.set(host="127.0.0.1", port=port, database="DATABASE").render_as_string(hide_password=False)
        yield url.replace("/DATABASE", "/{database}")
    finally:
        if process.returncode is None:
            process.terminate()
            await process.wait()
        shutil.rmtree(directory, ignore_errors=True)
