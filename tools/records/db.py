"""Where the records database is, opening it, and migrating it.

`database_url(flag)`: `--db URL`, else `SIGHTLINE_DB`, else one SQLite file,
`$XDG_DATA_HOME/sightline/records.db` (`~/.local/share/...` without XDG_DATA_HOME). The
folder is made 0700 and the file 0600 before SQLite opens it (SQLite gives its journal
files the database file's mode). `postgresql://` URLs use psycopg 3.

`open_database(url)` returns an Engine on a database at the schema this program knows:
an empty database is migrated to it at once; an older one asks for `sightline db upgrade`
(a shared academy database is migrated when its keeper chooses, after a backup); a newer
one, written by a later Sightline, is refused in one line. The schema is only ever made by
the Alembic scripts in `migrations/` (run here programmatically, so no alembic.ini is
needed in the user's folder).
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DatabaseError, NoSuchModuleError

from sim.errors import UserError

MIGRATIONS = Path(__file__).with_name("migrations")
ENV_VAR = "SIGHTLINE_DB"


class RecordsError(UserError):
    """A records database or records command problem the user can fix (one line)."""


def default_path() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "sightline" / "records.db"


def database_url(flag: str | None = None) -> str:
    """The database every records command uses: `--db`, `SIGHTLINE_DB`, or the default
    SQLite file."""
    url = flag or os.environ.get(ENV_VAR)
    if url:
        return url
    return f"sqlite:///{default_path()}"


def shown(url: str) -> str:
    """The URL with any password masked, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(unreadable URL)"


def _normalized(url: str):
    try:
        u = make_url(url)
    except ArgumentError:
        raise RecordsError(
            f"--db {shown(url)}: not a database URL (sqlite:///FILE or postgresql://USER@HOST/DB)"
        ) from None
    if u.drivername in ("postgresql", "postgres"):
        u = u.set(drivername="postgresql+psycopg")  # psycopg 3, not SQLAlchemy's psycopg2
    if u.get_backend_name() not in ("sqlite", "postgresql"):
        raise RecordsError(f"--db {shown(url)}: records live in SQLite or PostgreSQL")
    return u


def _owner_only_sqlite(path: Path) -> None:
    """Make the SQLite file (and a folder we create for it) owner-only before SQLite
    opens it."""
    folder = path.parent
    if not folder.exists():
        folder.mkdir(parents=True, mode=0o700)
        os.chmod(folder, 0o700)  # mkdir's mode is filtered by the umask
    elif path == default_path() and folder.stat().st_uid == os.getuid():
        os.chmod(folder, 0o700)  # our own data folder
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        os.fchmod(fd, 0o600)  # also when it existed with wider permissions
    finally:
        os.close(fd)


def make_engine(url: str) -> Engine:
    u = _normalized(url)
    if u.get_backend_name() == "sqlite" and u.database not in (None, "", ":memory:"):
        try:
            _owner_only_sqlite(Path(u.database).expanduser())
        except OSError as exc:
            raise RecordsError(
                f"{u.database}: cannot create the records database ({exc.strerror})"
            ) from None
    try:
        engine = create_engine(u)
    except NoSuchModuleError as exc:
        raise RecordsError(f"--db {shown(url)}: {exc}") from None
    if u.get_backend_name() == "sqlite":

        @event.listens_for(engine, "connect")
        def _foreign_keys(dbapi_conn, _record) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")  # off by default in SQLite
            cur.close()

    return engine


def _alembic_config(connection):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def _script():
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config(None))


def head_revision() -> str:
    return _script().get_current_head()


def current_revision(engine: Engine) -> str | None:
    """The database's schema revision; None for a database with no records tables."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        heads = MigrationContext.configure(conn).get_current_heads()
    return heads[0] if heads else None


def check_known(engine: Engine, url: str) -> str | None:
    current = current_revision(engine)
    if current is None:
        return None
    known = {r.revision for r in _script().walk_revisions()}
    if current not in known:
        raise RecordsError(
            f"the records database {shown(url)} has schema {current}, newer than this "
            f"Sightline knows (up to {head_revision()}): upgrade Sightline to use it"
        )
    return current


def _connect_error(url: str, exc: DatabaseError) -> RecordsError:
    first = str(exc.orig or exc).strip().splitlines()[0]
    return RecordsError(f"cannot open the records database {shown(url)}: {first}")


def upgrade(url: str, revision: str = "head") -> tuple[str | None, str]:
    """Migrate the database to `revision`; (revision before, revision after)."""
    from alembic import command

    engine = make_engine(url)
    try:
        before = check_known(engine, url)
        with engine.begin() as conn:
            command.upgrade(_alembic_config(conn), revision)
        return before, current_revision(engine)
    except DatabaseError as exc:  # also "file is not a database"
        raise _connect_error(url, exc) from None
    finally:
        engine.dispose()


def downgrade(url: str, revision: str) -> None:
    """For tests of the migrations: back to `revision` ("base" drops every table)."""
    from alembic import command

    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            command.downgrade(_alembic_config(conn), revision)
    finally:
        engine.dispose()


def open_database(url: str) -> Engine:
    """An Engine on the records database at this program's schema (see the module
    docstring for empty, older and newer databases)."""
    engine = make_engine(url)
    try:
        current = check_known(engine, url)
        if current is None:
            if inspect(engine).get_table_names():
                raise RecordsError(
                    f"{shown(url)} holds tables but no Sightline schema version: "
                    "not a records database"
                )
            engine.dispose()
            upgrade(url)
            engine = make_engine(url)
        elif current != head_revision():
            raise RecordsError(
                f"the records database {shown(url)} is at schema {current}, older than "
                f"this Sightline's {head_revision()}: run `sightline db upgrade` (after a "
                "backup)"
            )
    except DatabaseError as exc:  # also "file is not a database"
        engine.dispose()
        raise _connect_error(url, exc) from None
    except BaseException:
        engine.dispose()
        raise
    return engine


def status(url: str) -> tuple[str | None, str]:
    """(the database's schema revision or None, this program's)."""
    engine = make_engine(url)
    try:
        return check_known(engine, url), head_revision()
    except DatabaseError as exc:  # also "file is not a database"
        raise _connect_error(url, exc) from None
    finally:
        engine.dispose()
