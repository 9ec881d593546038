"""Courses of fire: one row per trainee and course run, with its score, percent, pass and
the whole per-stage report (docs/courses.md); a qualification course's run also makes a
qualifications row (its date and the date it falls due again) that this one points at.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "course_results",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "session_id",
            sa.Integer,
            sa.ForeignKey("sessions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "trainee_id",
            sa.String(64),
            sa.ForeignKey("trainees.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("course", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("score", sa.Integer, nullable=False),
        sa.Column("max_score", sa.Integer, nullable=False),
        sa.Column("percent", sa.Float, nullable=False),
        sa.Column("passed", sa.Boolean, nullable=False),
        sa.Column("report", sa.JSON, nullable=False),
        sa.Column(
            "qualification_id",
            sa.Integer,
            sa.ForeignKey("qualifications.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.UniqueConstraint("session_id", "trainee_id"),
    )
    op.create_index("ix_course_results_session_id", "course_results", ["session_id"])
    op.create_index("ix_course_results_trainee_id", "course_results", ["trainee_id"])


def downgrade() -> None:
    op.drop_table("course_results")
