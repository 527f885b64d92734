"""A throwaway PostgreSQL server for tests and benchmarks: initdb and pg_ctl as a non-root user, in a
temporary folder, on a Unix socket there and on a free localhost port."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

TEST_USER = "pgtest"

# login -> (display name, role, units): two units, every role, all connected to over the socket.
LOGINS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "cw_a": ("Anna", "caseworker", ("A",)),
    "cw_a2": ("Bertil", "caseworker", ("A",)),
    "cw_b": ("Cecilia", "caseworker", ("B",)),
    "sup_a": ("Doris", "supervisor", ("A",)),
    "ana": ("Erik", "analyst", ("A", "B")),
    "adm": ("Frida", "admin", ("A",)),
}


def _tool(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PgServer:
    base: Path
    port: int
    runner: list[str]
    pg_ctl: str
    databases: list[str] = field(default_factory=list)

    @property
    def socket_dir(self) -> str:
        return str(self.base / "sock")

    def dsn(self, user: str = "postgres", dbname: str = "postgres") -> str:
        return f"host={self.socket_dir} port={self.port} user={user} dbname={dbname}"

    def tcp_dsn(self, user: str = "postgres", dbname: str = "postgres") -> str:
        return f"host=localhost port={self.port} user={user} dbname={dbname}"

    def superuser(self, dbname: str = "postgres") -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(self.dsn("postgres", dbname), autocommit=True)

    def stop(self) -> None:
        subprocess.run([*self.runner, self.pg_ctl, "-D", str(self.base / "data"), "-m", "immediate",
                        "stop"], capture_output=True, check=False)
        shutil.rmtree(self.base, ignore_errors=True)


def start_server(*, fast: bool = True, max_connections: int = 120, settings: str = "") -> PgServer | str:
    """A running server, or why there is none. `fast` turns fsync off (tests); benchmarks keep it."""
    initdb, pg_ctl = _tool("initdb"), _tool("pg_ctl")
    if initdb is None or pg_ctl is None:
        return "PostgreSQL's initdb/pg_ctl are not installed"
    runner: list[str] = []
    base = Path(tempfile.mkdtemp(prefix="uppf-pg-"))
    if os.geteuid() == 0:  # the server refuses to run as root: drop to a plain user
        if subprocess.run(["id", TEST_USER], capture_output=True, check=False).returncode != 0:
            made = subprocess.run(["useradd", "--system", "--no-create-home", TEST_USER],
                                  capture_output=True, text=True, check=False)
            gone = subprocess.run(["id", TEST_USER], capture_output=True, check=False).returncode != 0
            if made.returncode != 0 and gone:  # another test worker may have just created it
                return f"cannot create the user {TEST_USER}: {made.stderr.strip()}"
        shutil.chown(base, TEST_USER, TEST_USER)
        runner = ["runuser", "-u", TEST_USER, "--"]
    base.chmod(0o700)
    port = _free_port()
    server = PgServer(base, port, runner, pg_ctl)
    (base / "sock").mkdir()
    if runner:
        shutil.chown(base / "sock", TEST_USER, TEST_USER)
    init = subprocess.run([*runner, initdb, "-D", str(base / "data"), "-U", "postgres", "-A", "trust",
                           "-E", "UTF8", "--locale=C", "--no-sync"], capture_output=True, text=True,
                          check=False)
    if init.returncode != 0:
        server.stop()
        return f"initdb failed: {init.stderr.strip()[-300:]}"
    for attempt in range(3):
        # Test workers run side by side (pytest -n): a port found free may be taken by the time the
        # server binds it, so a failed start tries another.
        opts = (f"-k {base / 'sock'} -p {server.port} -c listen_addresses=127.0.0.1 "
                f"-c max_connections={max_connections} -c shared_buffers=64MB")
        if settings:  # e.g. "-c commit_delay=200" for a benchmark
            opts += " " + settings
        if fast:
            opts += " -c fsync=off -c full_page_writes=off -c synchronous_commit=off"
        started = subprocess.run([*runner, pg_ctl, "-D", str(base / "data"), "-l", str(base / "log"),
                                  "-w", "-t", "60", "-o", opts, "start"], capture_output=True, text=True,
                                 check=False)
        if started.returncode == 0:
            break
        if attempt < 2:
            server.port = _free_port()
            continue
        log = (base / "log").read_text(errors="replace")[-500:] if (base / "log").exists() else ""
        server.stop()
        return f"pg_ctl start failed: {started.stderr.strip()[-300:]} {log}"
    with server.superuser() as conn:
        for login in LOGINS:
            conn.execute(f'CREATE ROLE "{login}" LOGIN')
    return server


def create_database(server: PgServer, name: str) -> str:
    """A fresh database with the schema, the two units and every test login's staff row."""
    from storage.postgres import admin

    with server.superuser() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    with server.superuser(name) as conn:
        admin.upgrade(conn, init=True)
        for login, (display, role, units) in LOGINS.items():
            for unit in units:
                admin.grant(conn, login, role, unit, display)
    server.databases.append(name)
    return name


def clean_database(server: PgServer, name: str) -> None:
    """Empty every case table, the audit log included (as the superuser, triggers off)."""
    with server.superuser(name) as conn, conn.transaction():
        conn.execute("SET LOCAL session_replication_role = replica")
        conn.execute("TRUNCATE uppfoljning.cases, uppfoljning.followups, uppfoljning.addenda, uppfoljning.followup_codes, "
                     "uppfoljning.goal_codes, uppfoljning.presence, uppfoljning.forms, "
                     "uppfoljning.audit, uppfoljning.audit_heads CASCADE")  # CASCADE: tables added later
