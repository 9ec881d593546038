"""Sessions carry their lane: several lanes (tools/lanes) store into one database, and
the review filters by lane. NULL for a session run outside a lane, and for every session
stored before this revision.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sessions") as batch:  # batch: SQLite cannot ALTER freely
        batch.add_column(sa.Column("lane", sa.String(32), nullable=True))
        batch.create_index("ix_sessions_lane", ["lane"])


def downgrade() -> None:
    with op.batch_alter_table("sessions") as batch:
        batch.drop_index("ix_sessions_lane")
        batch.drop_column("lane")
