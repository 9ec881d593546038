"""The records database: migrations from an empty database, the schema they make matching
the models, newer and foreign schemas refused in one line, the default SQLite file
owner-only, and --db / SIGHTLINE_DB choosing the database."""

from __future__ import annotations

import stat

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from tools.cli import main
from tools.records import db
from tools.records.db import RecordsError
from tools.records.models import Base

TABLES = {
    "classes",
    "trainees",
    "instructors",
    "sessions",
    "session_trainees",
    "scores",
    "outcomes",
    "qualifications",
}


def _engine(url):
    return db.make_engine(url)


def test_upgrade_from_an_empty_database_makes_every_table(db_url):
    before, after = db.upgrade(db_url)
    assert (before, after) == (None, db.head_revision())
    engine = _engine(db_url)
    try:
        assert set(inspect(engine).get_table_names()) >= TABLES
    finally:
        engine.dispose()


def test_the_migrations_make_exactly_the_models_schema(db_url):
    db.upgrade(db_url)
    engine = _engine(db_url)
    try:
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    finally:
        engine.dispose()
    assert diff == [], "models and migrations disagree: add a migration"


def test_downgrade_to_nothing_and_up_again(db_url):
    db.upgrade(db_url)
    db.downgrade(db_url, "base")
    engine = _engine(db_url)
    try:
        assert not TABLES & set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert db.upgrade(db_url)[1] == db.head_revision()


def test_opening_an_empty_database_migrates_it(db_url):
    engine = db.open_database(db_url)
    try:
        assert db.current_revision(engine) == db.head_revision()
    finally:
        engine.dispose()


def test_a_newer_schema_is_a_clear_one_line_error(db_url, capsys):
    db.upgrade(db_url)
    engine = _engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(RecordsError, match="schema 9999, newer than this Sightline knows"):
        db.open_database(db_url)
    assert main(["trainee", "list", "--db", db_url]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "upgrade Sightline" in err
    assert main(["db", "upgrade", "--db", db_url]) == 2


def test_a_database_with_foreign_tables_is_not_taken_over(db_url):
    engine = _engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE payroll (id INTEGER)"))
    engine.dispose()
    with pytest.raises(RecordsError, match="not a records database"):
        db.open_database(db_url)


def test_db_upgrade_and_status_commands(db_url, capsys):
    assert main(["db", "status", "--db", db_url]) == 0
    assert "schema none" in capsys.readouterr().out
    assert main(["db", "upgrade", "--db", db_url]) == 0
    assert f"none -> {db.head_revision()}" in capsys.readouterr().out
    assert main(["db", "upgrade", "--db", db_url]) == 0
    assert "up to date" in capsys.readouterr().out


def test_the_default_database_is_an_owner_only_file_in_the_data_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setattr("os.umask", lambda *_: 0)  # harmless: we chmod explicitly
    assert db.database_url() == f"sqlite:///{tmp_path / 'data' / 'sightline' / 'records.db'}"
    assert main(["trainee", "add", "T1", "--name", "Ann Example"]) == 0
    path = tmp_path / "data" / "sightline" / "records.db"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_a_world_readable_database_file_is_made_owner_only(tmp_path):
    path = tmp_path / "r.db"
    path.touch(mode=0o644)
    path.chmod(0o644)
    db.open_database(f"sqlite:///{path}").dispose()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_sightline_db_points_every_command_elsewhere(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'academy.db'}"
    monkeypatch.setenv("SIGHTLINE_DB", url)
    assert db.database_url() == url
    assert db.database_url("sqlite:///other.db") == "sqlite:///other.db"  # --db wins
    assert main(["trainee", "add", "T1", "--name", "Ann Example"]) == 0
    assert (tmp_path / "academy.db").exists()
    assert not (tmp_path / "xdg").exists()


def test_unusable_urls_are_one_line_errors(capsys):
    for url, says in [
        ("mysql://u@h/db", "SQLite or PostgreSQL"),
        ("not a url", "not a database URL"),
        ("postgresql://u:secret@127.0.0.1:1/db", "cannot open the records database"),
    ]:
        assert main(["trainee", "list", "--db", url]) == 2
        err = capsys.readouterr().err
        assert says in err and err.count("\n") == 1, err
        assert "secret" not in err  # passwords are masked


def test_postgresql_urls_use_psycopg_3():
    assert db._normalized("postgresql://u@h/d").drivername == "postgresql+psycopg"
    assert db._normalized("postgres://u@h/d").drivername == "postgresql+psycopg"
