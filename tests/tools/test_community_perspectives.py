"""Perspectives (issue 23): beside the room's votes, what happened in officers' stored
sessions of the same pack at the question's segment: counts only, and only from five
sessions up. The sessions are real recordings of the demo pack stored in a real SQLite
records database."""

from __future__ import annotations

import json
from types import SimpleNamespace

from content import DEMO_PACK
from content.pack import load_pack
from sim.events import KeyPress
from sim.runtime import ScenarioRuntime
from tests.conftest import run_cli, write_script
from tools.community.perspectives import OTHER, from_records
from tools.community.texts import reveal_pages
from tools.records.sessions import import_recording
from tools.records.store import Attribution

COVER = "Take cover, give clear commands"
DRAW = "Draw and order him to stop"
GRAB = "Close in and grab his arm"


def record(pack, path, key: str | None, seconds: float = 7.0) -> None:
    """A recorded session of `pack` where the instructor pressed `key` at 2 s."""
    from engine.recorder import Recorder, run_header

    cfg = SimpleNamespace(
        tick_hz=120, width=1280, height=720, fps=30, offscreen=True, devices=[],
        levels={}, reports={}, trainee_camera=None, trainee_mic=None, record=path,
    )  # fmt: skip
    rt = ScenarioRuntime(pack.scenario, 120, 16 / 9)
    rec = Recorder(path, run_header(pack, cfg, 16 / 9))
    rec.on_tick(rt.state, rt.start_commands(), ())
    for tick in range(1, round(seconds * 120) + 1):
        events = [KeyPress(tick / 120, key)] if key and tick == 240 else []
        result = rt.step(events)
        rec.on_tick(result.state, result.commands, events)
    rec.close()


def store(tmp_path, keys) -> str:
    pack = load_pack(DEMO_PACK)
    url = f"sqlite:///{tmp_path / 'records.db'}"
    for i, key in enumerate(keys):
        path = tmp_path / f"s{i}.rec"
        record(pack, path, key)
        import_recording(url, path, None, Attribution(instructor="Sgt Example"))
    return url


def test_officers_choices_are_counted_per_choice_from_five_sessions(tmp_path):
    url = store(tmp_path, ["1", "1", "1", "2", None])
    seen = from_records(load_pack(DEMO_PACK), url)
    assert seen == {"approach": {COVER: 3, DRAW: 1, GRAB: 0, OTHER: 1}}  # standoff: 1 < 5
    pages = reveal_pages(load_pack(DEMO_PACK), "approach", None, seen)
    assert pages[0].title == "What trained officers did here"
    assert pages[0].lines[0] == f"{COVER}: 3 of 5 sessions (60%)"


def test_fewer_than_five_sessions_show_nothing(tmp_path):
    url = store(tmp_path, ["1", "2", "3", "1"])
    assert from_records(load_pack(DEMO_PACK), url) == {}
    pages = reveal_pages(load_pack(DEMO_PACK), "approach", None, {})
    assert all("officers" not in p.title for p in pages)


def test_the_take_home_report_sets_them_beside_the_room(tmp_path):
    url = store(tmp_path, ["2", "2", "1", "3", "2"])
    script = write_script(
        tmp_path / "v.jsonl",
        [{"t": 4.5, "type": "vote", "choice": COVER}, {"t": 5, "type": "continue"}],
    )
    rec = tmp_path / "room.rec"
    out = run_cli(
        "community", "run", str(DEMO_PACK), "--offscreen", "--no-server", "--fps", "5",
        "--script", str(script), "--record", str(rec), "--perspectives", "--db", url,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "Officers' perspectives for Demo: the doorway: approach" in out.stdout
    out = run_cli(
        "community", "report", str(rec), "-o", str(tmp_path / "r"), "--json",
        "--perspectives", "--db", url,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    (q,) = json.loads((tmp_path / "r" / "community.json").read_text())["questions"]
    assert q["choices"] == {COVER: 1, DRAW: 0, GRAB: 0}
    assert q["officers"] == {COVER: 1, DRAW: 3, GRAB: 1}
    text = (tmp_path / "r" / "community.json").read_text()
    assert "Sgt Example" not in text
