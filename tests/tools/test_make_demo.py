"""The demo-pack generator: each pack's spec holds everything about it, the shipped demo
input scripts are what the specs say, and the doorway script's hit lands on its zone
through the one letterbox rule. (The shipped scenario.toml and guidebook are checked
against the generator in tests/content/test_pack.py.)"""

from __future__ import annotations

import json

import numpy as np
import pytest

from content import PACKS_DIR
from sim.hit_zones import point_in_polygon, screen_to_media
from tools.demo_pack_spec import SCREEN_ASPECT
from tools.demo_packs import PACKS
from tools.figures import H, W


@pytest.mark.parametrize("pack", PACKS, ids=lambda p: p.folder)
def test_shipped_demo_inputs_match_the_spec_script(pack):
    shipped = (PACKS_DIR / pack.folder / "demo-inputs.jsonl").read_text()
    assert shipped == "".join(json.dumps(e) + "\n" for e in pack.script)


@pytest.mark.parametrize("pack", PACKS, ids=lambda p: p.folder)
def test_segment_timings_fall_inside_their_segments(pack):
    names = {seg.name for seg in pack.segments}
    assert pack.start in names
    for seg in pack.segments:
        times = [t for _, t in seg.cues] + [t for _, t in seg.sounds]
        times += [line.at_s for line in seg.speech]
        times += [] if seg.flash_at_s is None else [seg.flash_at_s]
        assert all(0 <= t < seg.duration_s for t in times), seg.name
        assert all(tr["to"] in names for tr in seg.transitions), seg.name


def test_doorway_script_hit_lands_in_the_torso_zone():
    doorway = next(p for p in PACKS if p.folder == "demo")
    key, _miss, hit = doorway.script
    draw = next(s for s in doorway.segments if s.name == "draw")
    torso = next(z for z in draw.zones if z.name == "torso")
    media_t = hit["t"] - key["t"]
    mx, my = screen_to_media(hit["x"], hit["y"], SCREEN_ASPECT, W / H)
    poly = np.array(torso.poly(draw.figures(media_t)[torso.figure]))
    assert point_in_polygon(mx, my, poly)
