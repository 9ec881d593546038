"""The records tests run once against SQLite and once against a real PostgreSQL server
started here: Debian's `postgresql` binaries (`initdb` into a temporary folder, `pg_ctl`
on a free 127.0.0.1 port, stopped at the end). PostgreSQL refuses to run as root, so as
root the server runs as `nobody` in a folder that user owns. Without the binaries the
PostgreSQL half is skipped, saying so (tools/setup.sh installs them in test mode).

`db_url` is a fresh, empty database for each test on the parametrized backend. Every test
here also gets its own XDG_DATA_HOME and no SIGHTLINE_DB, so nothing touches the user's
records.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest


def _pg_bin() -> Path | None:
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).resolve().parent
    for d in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if (Path(d) / "initdb").exists() and (Path(d) / "pg_ctl").exists():
            return Path(d)
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    """A throwaway PostgreSQL cluster: trust authentication on 127.0.0.1 only."""

    def __init__(self, bindir: Path):
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="sightline-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            import pwd

            nobody = pwd.getpwnam("nobody")
            os.chown(self.root, nobody.pw_uid, nobody.pw_gid)
            self.as_user = ["runuser", "-u", "nobody", "--"]

    def _run(self, *cmd: str) -> None:
        proc = subprocess.run(
            [*self.as_user, *cmd], capture_output=True, text=True, timeout=60, cwd=self.root
        )
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed: {proc.stdout[-800:]}{proc.stderr[-800:]}")

    def start(self) -> None:
        self._run(
            str(self.bindir / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "sightline",
            "--auth=trust",
            "--encoding=UTF8",
            "--no-sync",
        )
        opts = f"-h 127.0.0.1 -p {self.port} -k {self.root} -c fsync=off"
        self._run(
            str(self.bindir / "pg_ctl"),
            "start",
            "-w",
            "-t",
            "60",
            "-D",
            str(self.data),
            "-l",
            str(self.root / "log"),
            "-o",
            opts,
        )

    def stop(self) -> None:
        try:
            self._run(str(self.bindir / "pg_ctl"), "stop", "-m", "fast", "-D", str(self.data))
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://sightline@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        import psycopg

        name = "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(
            f"host=127.0.0.1 port={self.port} user=sightline dbname=postgres", autocommit=True
        ) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


@pytest.fixture(scope="session")
def postgres():
    bindir = _pg_bin()
    if bindir is None:
        pytest.skip(
            "PostgreSQL binaries (initdb, pg_ctl) not found: install Debian's postgresql "
            "package (bash tools/setup.sh test does) to run the records tests on PostgreSQL"
        )
    server = PostgresServer(bindir)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def backend(request) -> str:
    """The database server the records tests run against (session-scoped: one
    PostgreSQL server for the whole run)."""
    if request.param == "postgresql":
        request.getfixturevalue("postgres")
    return request.param


@pytest.fixture
def db_url(request, backend, tmp_path) -> str:
    """A fresh, empty records database on `backend`."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'records' / 'records.db'}"
    return request.getfixturevalue("postgres").new_database()


@pytest.fixture(autouse=True)
def _private_data_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("SIGHTLINE_DB", raising=False)
