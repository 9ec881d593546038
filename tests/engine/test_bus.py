"""The session's command bus (issue 13): every consumer of the sim's output receives the
same commands, in the same tick order, as the recorder writes; a replay seek keeps the
input queue; presenting sinks are not fed the ticks a seek passes over."""

from __future__ import annotations

import dataclasses

from content.pack import load_pack
from engine.fixed_loop import ManualClock
from engine.recorder import Recorder
from engine.session import CommandSink, Session
from sim.events import Flag, KeyPress, Malfunction, PlaySound, Shot
from sim.recording import read_recording

SCRIPT = [
    Shot(0.2, 0.25, 0.5, "w1"),  # in the no-shoot zone "left"
    PlaySound(0.3, "siren"),
    Malfunction(0.35, "w2"),
    Shot(0.4, 0.9, 0.5, "w2", "cew"),  # dead trigger: a dry pull
    Flag(0.45, "look"),
    KeyPress(0.5, "2"),
    Shot(0.9, 0.1, 0.5, "w1"),
]


class Spy:
    """A sink that keeps (tick, command) in the order it was given them."""

    def __init__(self) -> None:
        self.got: list[tuple[int, str, dict]] = []
        self.seeks = 0

    def on_tick(self, state, commands, events) -> None:
        self.got += [(state.tick, type(c).__name__, dataclasses.asdict(c)) for c in commands]

    def seek(self) -> None:
        self.seeks += 1


def test_recorder_devices_views_and_extensions_get_the_same_commands_in_tick_order(
    fixture_pack, tmp_path
):
    pack = load_pack(fixture_pack)
    clock = ManualClock()
    s = Session(pack, clock, 120, block_video=True)
    rec = s.subscribe(Recorder(tmp_path / "s.rec", {"format": 1}))
    device: list[tuple[int, str]] = []
    state_at = {}

    def on_command(cmd) -> None:  # a device sees commands only, as drivers' on_command does
        device.append((s.state.tick, type(cmd).__name__))

    s.subscribe(CommandSink(on_command), presents=True)
    view = s.subscribe(Spy(), presents=True)
    s.schedule(SCRIPT)
    frames = []
    for n in range(40):  # 30 fps frames: several ticks each
        clock.t = n / 30
        out = s.frame()
        frames.append(out)
        state_at[out.state.tick] = out.state
    s.close()
    rec.close()
    with open(tmp_path / "s.rec", "rb") as fh:
        records = read_recording(fh, "s.rec").records
    written = [(r["tick"], r["type"], r["f"]) for r in records if r.get("k") == "out"]
    kinds = [k for _, k, _ in written]
    # the run did something worth comparing: the start, shots with reports, a dry pull,
    # a sound, a branch
    for kind in ("PlayClip", "ShotMarker", "StartSound", "DryFire"):
        assert kind in kinds, kind
    assert written[0][:2] == (0, "PlayClip")  # the start of the scenario is tick 0
    # every report the sim chose is in the recording, right after its shot's marker
    for i, (_, kind, _) in enumerate(written):
        if kind == "ShotMarker":
            assert written[i + 1][1] == "StartSound" and written[i + 1][2]["source"] == "report"
    assert view.got == written
    assert device == [(t, k) for t, k, _ in written]
    # the frames' markers and entered segments are the same commands, in the same order
    markers = [dataclasses.asdict(m) for f in frames for m in f.new_markers]
    assert markers == [f for _, k, f in written if k == "ShotMarker"]
    entered = [seg for f in frames for seg in f.entered]
    assert entered == [f["segment"] for _, k, f in written if k == "PlayClip"]


def test_a_seek_keeps_the_queue_and_presenting_sinks_skip_what_it_passes_over(fixture_pack):
    pack = load_pack(fixture_pack)
    clock = ManualClock()
    s = Session(pack, clock, 120, block_video=True)
    everything, presenting = Spy(), Spy()
    s.subscribe(everything)
    s.subscribe(presenting, presents=True)
    queue = s.inputs
    s.schedule([Shot(0.2, 0.9, 0.5)])
    for n in range(20):
        clock.t = n / 30
        s.frame()
    shots_live = [c for c in presenting.got if c[1] == "ShotMarker"]
    assert len(shots_live) == 1
    s.seek(0.1, [Shot(0.2, 0.9, 0.5)])  # back: the scenario re-runs to 0.1 s
    assert s.inputs is queue and s.state.tick == 12
    assert presenting.seeks == 1 and everything.seeks == 0
    n_presenting = len(presenting.got)
    s.seek(0.5, [Shot(0.2, 0.9, 0.5)])  # forward over the shot: not presented again
    assert [c for c in presenting.got[n_presenting:] if c[1] == "ShotMarker"] == []
    # the shot at 0.2 s: live, then again on the forward seek (the re-run stopped at 0.1 s)
    assert sum(c[1] == "ShotMarker" for c in everything.got) == 2
    # whoever held the queue before the seeks is still heard
    queue.put_session(KeyPress(s.state.t_s + 0.01, "2"))
    clock.t += 0.1
    s.frame()
    assert s.state.segment == "b"
    s.close()
