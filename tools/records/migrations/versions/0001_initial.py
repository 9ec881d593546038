"""The first records schema: classes, trainees, instructors, sessions with their
weapon-to-trainee mapping, rubric scores, outcomes, qualifications.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "classes",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=True),
        sa.Column("starts_on", sa.Date, nullable=True),
        sa.Column("ends_on", sa.Date, nullable=True),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_table(
        "trainees",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column(
            "class_id",
            sa.String(64),
            sa.ForeignKey("classes.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_index("ix_trainees_class_id", "trainees", ["class_id"])
    op.create_table(
        "instructors",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
    )
    op.create_table(
        "sessions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("started_at", TZ, nullable=False),
        sa.Column("duration_s", sa.Float, nullable=False),
        sa.Column("pack_title", sa.String(200), nullable=False),
        sa.Column("pack_hash", sa.String(64), nullable=True),
        sa.Column("pack_path", sa.Text, nullable=True),
        sa.Column("recording_path", sa.Text, nullable=True, unique=True),
        sa.Column("files", sa.JSON, nullable=False),
        sa.Column(
            "instructor_id",
            sa.Integer,
            sa.ForeignKey("instructors.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("ended", sa.Boolean, nullable=False),
        sa.Column("ending", sa.String(200), nullable=True),
    )
    op.create_index("ix_sessions_started_at", "sessions", ["started_at"])
    op.create_index("ix_sessions_instructor_id", "sessions", ["instructor_id"])
    op.create_table(
        "session_trainees",
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
        sa.Column("weapon", sa.String(32), nullable=True),
        sa.UniqueConstraint("session_id", "trainee_id", "weapon"),
    )
    op.create_index("ix_session_trainees_session_id", "session_trainees", ["session_id"])
    op.create_index("ix_session_trainees_trainee_id", "session_trainees", ["trainee_id"])
    op.create_table(
        "scores",
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
            nullable=True,
        ),
        sa.Column("weapon", sa.String(32), nullable=True),
        sa.Column("item", sa.String(64), nullable=False),
        sa.Column("level", sa.Integer, nullable=True),
        sa.Column("comment", sa.Text, nullable=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("t_s", sa.Float, nullable=True),
    )
    op.create_index("ix_scores_session_id", "scores", ["session_id"])
    op.create_index("ix_scores_trainee_id", "scores", ["trainee_id"])
    op.create_table(
        "outcomes",
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
        sa.Column("ending", sa.String(200), nullable=True),
        sa.Column("shots", sa.Integer, nullable=False),
        sa.Column("hits", sa.Integer, nullable=False),
        sa.Column("no_shoot_hits", sa.Integer, nullable=False),
        sa.Column("points", sa.Integer, nullable=False),
        sa.Column("level", sa.Integer, nullable=True),
        sa.Column("passed", sa.Boolean, nullable=True),
        sa.UniqueConstraint("session_id", "trainee_id"),
    )
    op.create_index("ix_outcomes_session_id", "outcomes", ["session_id"])
    op.create_index("ix_outcomes_trainee_id", "outcomes", ["trainee_id"])
    op.create_table(
        "qualifications",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "trainee_id",
            sa.String(64),
            sa.ForeignKey("trainees.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("result", sa.String(16), nullable=False),
        sa.Column("score", sa.Float, nullable=True),
        sa.Column("qualified_on", sa.Date, nullable=False),
        sa.Column("due_on", sa.Date, nullable=True),
        sa.Column(
            "session_id",
            sa.Integer,
            sa.ForeignKey("sessions.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column(
            "instructor_id",
            sa.Integer,
            sa.ForeignKey("instructors.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("notes", sa.Text, nullable=True),
    )
    op.create_index("ix_qualifications_trainee_id", "qualifications", ["trainee_id"])
    op.create_index("ix_qualifications_session_id", "qualifications", ["session_id"])


def downgrade() -> None:
    for table in (
        "qualifications",
        "outcomes",
        "scores",
        "session_trainees",
        "sessions",
        "instructors",
        "trainees",
        "classes",
    ):
        op.drop_table(table)
