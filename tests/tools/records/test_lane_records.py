"""Shared records: two lanes on one broker store their sessions in one database (SQLite,
and a PostgreSQL server the records tests start), each session carrying its lane."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import write_script
from tools.cli import main


def lane(broker, name, pack, db_url, trainee, script, *extra):
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tools.cli",
            "lane",
            "run",
            str(pack),
            "--lane",
            name,
            "--broker",
            broker.url,
            "--auth",
            str(broker.auth_file(name)),
            "--offscreen",
            "--size",
            "160x90",
            "--inputs",
            str(script),
            "--trainee",
            trainee,
            "--instructor-name",
            "Sgt Example",
            "--db",
            db_url,
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.mark.render
def test_two_lanes_store_their_sessions_in_one_database_with_their_lane(
    broker, db_url, fixture_pack, tmp_path, capsys
):
    for tid in ("T1", "T2"):
        assert main(["trainee", "add", tid, "--name", f"Trainee {tid}", "--db", db_url]) == 0
    script = write_script(tmp_path / "in.jsonl", [{"t": 0.5, "type": "end"}])
    procs = [
        lane(broker, "a", fixture_pack, db_url, "T1", script, "--record", str(tmp_path / "a.rec")),
        lane(broker, "b", fixture_pack, db_url, "T2", script),
    ]
    outs = [p.communicate(timeout=180)[0] for p in procs]
    for p, out in zip(procs, outs, strict=True):
        assert p.returncode == 0, out
        assert "Records: session" in out
    for tid, lane_name in (("T1", "a"), ("T2", "b")):
        capsys.readouterr()
        assert main(["trainee", "show", tid, "--json", "--db", db_url]) == 0
        (session,) = json.loads(capsys.readouterr().out)["sessions"]
        assert session["lane"] == lane_name and session["instructor"] == "Sgt Example"
    from tools.recordings import load_recording

    assert load_recording(tmp_path / "a.rec").config["lane"] == "a"  # `records import` reads it
