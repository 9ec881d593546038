"""Storing sessions from the command line: a run (`sightline run`/`demo` with --trainee or
--instructor-name), a replay of a recording with them, and `sightline records import REC`
(a recording made without them, or a killed run's).

`check_run(args)` runs before a run starts, so a mistyped trainee ID or an unusable
database is a one-line error before anyone trains, not after; `store_run(args, pack,
result)` stores the finished run (also one ended early from the station); `store_replay`
and `import_recording` store a recording's session, re-simulated from its inputs. Without
--trainee and --instructor-name nothing is stored and the database is not opened. Prints
one line naming the session number and the database, never a trainee.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from tools.records.db import database_url, shown
from tools.records.store import (
    Attribution,
    check_trainees,
    facts_from_runtime,
    now_utc,
    parse_attribution,
    records,
    store_session,
)


def attribution_of(args) -> Attribution:
    return parse_attribution(
        getattr(args, "trainee", None) or [], getattr(args, "instructor_name", None)
    )


def check_run(args) -> None:
    """Before a run: the trainees named must be in the records, and the database usable."""
    attribution = attribution_of(args)
    if not attribution:
        return
    with records(database_url(getattr(args, "db", None))) as s:
        check_trainees(s, attribution)
    args.records_started_at = now_utc()


def store_run(args, pack, result) -> None:
    """After a run (`tools.run_cmd.run_command`): store its session when --trainee or
    --instructor-name was given."""
    attribution = attribution_of(args)
    if not attribution:
        return
    runtime = result.session.runtime
    url = database_url(getattr(args, "db", None))
    started = getattr(args, "records_started_at", None) or now_utc() - dt.timedelta(
        seconds=float(runtime.state.t_s)
    )
    camera = getattr(result, "camera_out", None)
    files = [
        p
        for p in (
            result.video_out,
            getattr(args, "instructor_video_out", None),
            getattr(args, "audio_out", None),
            camera,
        )
        if p is not None and Path(p).exists()
    ]
    facts = facts_from_runtime(
        runtime,
        pack,
        started_at=started,
        recording_path=result.recorded_to,
        source="run",
        files=files,
        lane=getattr(args, "lane", None),  # sightline lane run --lane NAME
    )
    sid, _ = store_session(url, facts, attribution)
    args.records_session_id = sid  # a course's result is stored against it
    print(f"Records: session {sid} stored in {shown(url)}")


def import_recording(
    url: str, path: Path, pack_dir: Path | None, attribution: Attribution, source="import"
) -> tuple[int, bool]:
    """Store the session of a recording, re-simulated from its inputs up to its last tick
    (a killed run's recording ends where it was cut). Its date is the file's last change
    less the session's length."""
    from tools.recordings import load_recording

    recording = load_recording(path, pack_dir)
    inputs = recording.inputs_by_tick()
    runtime = recording.runtime()
    while runtime.state.tick < recording.last_tick:
        runtime.step(inputs.get(runtime.state.tick + 1, []))
    ended_at = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)
    facts = facts_from_runtime(
        runtime,
        recording.pack,
        started_at=ended_at - dt.timedelta(seconds=float(runtime.state.t_s)),
        recording_path=path,
        source=source,
        lane=_lane(recording.config.get("lane")),  # a lane's recording names its lane
    )
    return store_session(url, facts, attribution)


def _lane(value) -> str | None:
    """A recording's lane name, if it is one (recordings are files from elsewhere)."""
    from drivers.broker import LANE_RE

    return value if isinstance(value, str) and LANE_RE.fullmatch(value) else None


def store_replay(args) -> None:
    """Before `sightline replay REC` plays or verifies: with --trainee or
    --instructor-name, store (or re-attribute) the recording's session."""
    attribution = attribution_of(args)
    if not attribution:
        return
    url = database_url(getattr(args, "db", None))
    sid, new = import_recording(url, args.recording, args.pack, attribution, "replay")
    print(f"Records: session {sid} {'stored' if new else 'updated'} in {shown(url)}")
