"""Training records: who trained, on what, when, with which instructor, and at what level.

A SQLAlchemy 2 database (models.py) whose schema is made and changed only by the Alembic
migrations shipped in `migrations/` (db.py runs them; no alembic.ini is needed). One SQLite
file in the user's data directory by default, owner-only; `--db URL` or `SIGHTLINE_DB`
points every records command at PostgreSQL (psycopg 3) for an academy whose lanes share
records. store.py keeps trainees and sessions (from a finished run, or a recording imported
later); retention.py exports, deletes and purges; commands.py is what `sightline trainee`,
`records` and `db` run.

Records read recordings and run results, never the reverse: sim, content, drivers and
engine must not import this package (tests/tools/records/test_boundaries.py). Trainee
names and IDs never go to a logger: they are printed only by the commands that were asked
for them.
"""
