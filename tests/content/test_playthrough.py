"""Playthroughs: every branch of every bundled pack, driven through the sim headless.

For each transition of each segment, the driver reaches the segment along a shortest path
from the start, then fires that transition the way a session would: a key press, a coded
action, a shot inside the zone at the current media time (with the required weapon), a
shot outside every zone, or simply waiting for a time, deadline or the end of the clip.
"""

from __future__ import annotations

from collections import deque

import numpy as np
import pytest

from content import PACKS_DIR
from content.pack import Pack, load_pack
from sim.events import KeyPress, Said, Shot, TraineeAction
from sim.runtime import ScenarioRuntime
from sim.scenario import Transition

HZ = 120
SCREEN = 16 / 9
PACKS = sorted(d for d in PACKS_DIR.iterdir() if (d / "scenario.toml").exists())
MAX_WAIT_TICKS = HZ * 60


def to_screen(mx: float, my: float, media_aspect: float) -> tuple[float, float]:
    if media_aspect >= SCREEN:
        h = SCREEN / media_aspect
        return mx, (1 - h) / 2 + my * h
    w = media_aspect / SCREEN
    return (1 - w) / 2 + mx * w, my


def area(poly) -> float:
    x, y = poly[:, 0], poly[:, 1]
    return abs(float((x * np.roll(y, -1) - np.roll(x, -1) * y).sum())) / 2


def fire(rt: ScenarioRuntime, pack: Pack, tr: Transition) -> None:
    """Make `tr` (a transition of the current segment) happen; assert it did."""
    seg = pack.scenario.segments[rt.state.segment]
    trig = tr.trigger
    before = len(rt.branches)
    if trig.kind == "key":
        rt.step([KeyPress(0, trig.key)])
    elif trig.kind == "action":
        rt.step([TraineeAction(0, trig.action)])
    elif trig.kind == "said":
        rt.step([Said(0, trig.phrases[-1], trig.phrases[-1])])
    elif trig.kind in ("hit", "shot"):
        rt.step()  # the shot lands at the media time of the next tick
        kind = trig.weapon or "firearm"
        if trig.kind == "hit":
            zone = next(
                z
                for z in seg.zones
                if (trig.zone and z.name == trig.zone) or (trig.role and z.role == trig.role)
            )
            poly = zone.polygon_at(rt.state.media_t_s + 1 / HZ)
            for _ in range(MAX_WAIT_TICKS):  # a zone not on screen yet (walks in): wait
                if area(poly) > 1e-4:
                    break
                rt.step()
                poly = zone.polygon_at(rt.state.media_t_s + 1 / HZ)
            x, y = poly.mean(axis=0)
            if pack.scenario.panorama is None:  # a theater pack's shots are panorama x, y
                x, y = to_screen(x, y, seg.media_aspect)
        else:
            x, y = 0.005, 0.005  # a corner no zone covers
        rt.step([Shot(0, x, y, "w1", kind)])
    else:  # time, no-shot, end: wait for it
        for _ in range(MAX_WAIT_TICKS):
            if len(rt.branches) > before:
                break
            rt.step()
    assert len(rt.branches) == before + 1, f"{trig.describe()} did not fire in {seg.id}"
    taken = rt.branches[-1]
    assert (taken.to_segment, taken.trigger) == (tr.to, trig.describe())


def paths(pack: Pack) -> dict[str, list[Transition]]:
    """A shortest list of transitions from the start to each reachable segment."""
    sc = pack.scenario
    route = {sc.start: []}
    todo = deque([sc.start])
    while todo:
        cur = todo.popleft()
        for tr in sc.segments[cur].transitions:
            if tr.to not in route:
                route[tr.to] = [*route[cur], tr]
                todo.append(tr.to)
    return route


def cases():
    for pack_dir in PACKS:
        pack = load_pack(pack_dir)
        for seg_id, path in paths(pack).items():
            for i, tr in enumerate(pack.scenario.segments[seg_id].transitions):
                yield pytest.param(pack, path, tr, id=f"{pack_dir.name}:{seg_id}[{i}]->{tr.to}")


@pytest.mark.parametrize(("pack", "path", "transition"), list(cases()))
def test_every_branch_can_be_taken(pack, path, transition):
    rt = ScenarioRuntime(pack.scenario, HZ, SCREEN)
    rt.step()  # let the clip start
    for tr in path:
        fire(rt, pack, tr)
    fire(rt, pack, transition)


@pytest.mark.parametrize("pack_dir", PACKS, ids=lambda p: p.name)
def test_every_pack_reaches_an_ending_when_left_alone_or_scripted(pack_dir):
    pack = load_pack(pack_dir)
    rt = ScenarioRuntime(pack.scenario, HZ, SCREEN)
    from drivers.scripted import load_script

    script = {round(e.t_s * HZ): [e] for e in load_script(pack_dir / "demo-inputs.jsonl")}
    for _ in range(MAX_WAIT_TICKS):
        rt.step(script.get(rt.state.tick + 1, []))
        if rt.state.ended:
            break
    assert rt.state.ended, f"{pack_dir.name}: still in {rt.state.segment} after 60 s"


@pytest.mark.parametrize("pack_dir", PACKS, ids=lambda p: p.name)
def test_scripted_runs_are_deterministic_tick_by_tick(pack_dir):
    from drivers.scripted import load_script

    pack = load_pack(pack_dir)
    events = load_script(pack_dir / "demo-inputs.jsonl")

    def digests(script):
        rt = ScenarioRuntime(pack.scenario, HZ, SCREEN)
        by_tick = {}
        for e in script:
            by_tick.setdefault(max(1, round(e.t_s * HZ)), []).append(e)
        return [rt.step(by_tick.get(rt.state.tick + 1, [])).state.digest for _ in range(HZ * 12)]

    first = digests(events)
    assert first == digests(events)
    moved = [
        type(e)(**{**{f: getattr(e, f) for f in e.__slots__}, "t_s": e.t_s + 0.5})
        for e in events[:1]
    ] + events[1:]
    assert digests(moved) != first  # the digest does see the inputs
