"""The instructor's course keys on a running app: `]` skips the stage, `[` repeats it from
its instructions; both are recorded jumps, and the report counts the repeat's attempt."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytestmark = pytest.mark.render

SCRIPT = """
from content.courses import resolve
from content.courses import load_any as load_pack
from engine.app import RunConfig, SightlineApp
from sim.course_scoring import score_log

pack = load_pack(resolve("drills"))
app = SightlineApp(pack, RunConfig(offscreen=True, width=320, height=180, fps=10,
                                   seconds=20, instructor="buffer"))
sent = set()

def keys(task):
    t = app.frames / 10
    if t >= 2.0 and "skip" not in sent:  # in draw's instructions: skip the drill
        sent.add("skip"); app.base.messenger.send("]")
    if t >= 9.0 and "repeat" not in sent:  # failure is live: repeat it
        sent.add("repeat"); app.base.messenger.send("inst-[")
    return task.cont

app.base.taskMgr.add(keys, "test-keys", sort=5)
result = app.run()
log = result.session.log()
print("SEGMENTS", " ".join(log.segments_played))
report = score_log(pack.course, log)
print("DRAW", report["stages"][0]["skipped"], "FAILURE", report["stages"][1]["attempts"])
"""


def test_skip_and_repeat_keys_jump_and_are_counted():
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    segs = proc.stdout.split("SEGMENTS")[1].splitlines()[0].split()
    assert segs[:5] == ["draw-ready", "failure-ready", "failure", "failure-ready", "failure"]
    assert "DRAW True FAILURE 2" in proc.stdout
