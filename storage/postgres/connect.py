"""Opening a database connection: the conninfo's TLS policy is checked before anything is sent."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from storage.errors import StorageError

if TYPE_CHECKING:
    import psycopg

LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
SAFE_SSLMODES = frozenset({"require", "verify-ca", "verify-full"})
ENV_NAMES = {"host": "PGHOST", "hostaddr": "PGHOSTADDR", "sslmode": "PGSSLMODE"}


class InsecureConnection(StorageError):
    """A TCP connection to another machine without TLS; `host` names it."""

    def __init__(self, host: str) -> None:
        super().__init__(f"refusing an unencrypted connection to {host}: add sslmode=require "
                         "(or verify-full) to the database address", key="db_insecure", host=host)
        self.host = host


class ConnectFailed(StorageError):
    pass


def _is_local(host: str) -> bool:
    # An empty host, a socket directory or an abstract socket is a Unix-domain socket: never on a wire.
    return host == "" or host.startswith(("/", "@")) or host.lower() in LOCAL_HOSTS


def remote_hosts(conninfo: str) -> list[str]:
    """The hosts a conninfo (or URI) reaches over TCP on another machine, the PG* variables applied."""
    from psycopg.conninfo import conninfo_to_dict

    try:
        params = conninfo_to_dict(conninfo)
    except Exception as err:  # psycopg.ProgrammingError: libpq ends its message with a newline
        why = " ".join(str(err).split())
        raise ConnectFailed(f"the database address cannot be read: {why}", key="err_db_address",
                            why=why) from None
    value = {k: str(params.get(k) or os.environ.get(env, "")) for k, env in ENV_NAMES.items()}
    hosts = value["hostaddr"].split(",") if value["hostaddr"] else value["host"].split(",")
    return [h for h in (h.strip() for h in hosts) if not _is_local(h)]


def check_conninfo(conninfo: str) -> None:
    """Refuse a TCP connection to a host other than this machine unless TLS is required."""
    from psycopg.conninfo import conninfo_to_dict

    remote = remote_hosts(conninfo)
    if not remote:
        return
    sslmode = str(conninfo_to_dict(conninfo).get("sslmode") or os.environ.get("PGSSLMODE", "prefer"))
    if sslmode not in SAFE_SSLMODES:
        raise InsecureConnection(remote[0])


def connect(conninfo: str, *, check: bool = True) -> psycopg.Connection[tuple[object, ...]]:
    """An autocommit connection (transactions are explicit); a failure is one line."""
    import psycopg

    if check:
        check_conninfo(conninfo)
    try:
        return psycopg.connect(conninfo, autocommit=True, application_name="uppfoljning")
    except psycopg.Error as err:
        # libpq's reason spans lines (what failed, then a hint with a tab): all of it, on one line
        first = " ".join(str(err).split()) or "connection failed"
        raise ConnectFailed(f"cannot connect to the database: {first}", key="err_db_connect",
                            why=first) from None
