"""Records read recordings and run results, never the reverse: the database libraries are
imported only inside tools/records, and nothing in sim, content, drivers or engine imports
the records (tests/test_architecture.py keeps those packages off tools as a whole)."""

from __future__ import annotations

from tests.test_architecture import ROOT, imports_of

DB_LIBRARIES = {"sqlalchemy", "alembic", "psycopg"}


def test_database_libraries_stay_inside_tools_records():
    bad = []
    for package in ("sim", "content", "drivers", "engine", "tools"):
        for path in sorted((ROOT / package).rglob("*.py")):
            if path.is_relative_to(ROOT / "tools" / "records"):
                continue
            for name, line in imports_of(path):
                if name in DB_LIBRARIES:
                    bad.append(f"{path.relative_to(ROOT)}:{line}: imports {name}")
    assert not bad, "\n".join(bad)
