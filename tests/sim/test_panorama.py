"""Panorama coordinates and theater geometry (issue 19), as pure maths: the maps between a
projector's output, its picture and the panorama invert each other through keystone and
mesh warps; Bourke's ramps sum to one across an overlap; a shot on screen 3 of a
three-screen theater lands in the zone drawn there."""

from __future__ import annotations

import numpy as np
import pytest

from content import PACKS_DIR
from content.pack import load_pack
from content.theater import load_theater, new_theater_text, write_new
from drivers.input_queue import InputQueue
from engine.theater_app import ScreenInputs
from sim.events import Shot
from sim.hit_zones import point_in_polygon
from sim.panorama import (
    Geometry,
    Panorama,
    Warp,
    blend_weight,
    content_to_angle,
    even_arcs,
    output_to_panorama,
    panorama_to_output,
    ramp,
    single_screen_geometry,
)
from sim.runtime import ScenarioRuntime

KEYSTONE = Warp(((0.05, 0.02), (0.97, 0.0), (1.0, 0.96), (0.0, 1.0)))
MESH = Warp(
    KEYSTONE.corners,
    tuple(
        (x + (0.03 if (x, y) == (0.5, 0.5) else 0.0), y) for y in (0, 0.5, 1) for x in (0, 0.5, 1)
    ),
    3,
    3,
)


@pytest.mark.parametrize("projection", ["flat", "curved"])
@pytest.mark.parametrize("warp", [Warp(), KEYSTONE, MESH], ids=["none", "keystone", "mesh"])
def test_output_and_panorama_maps_invert_each_other(projection, warp):
    geo = Geometry((20.0, 90.0), projection, warp)
    pano = Panorama(180.0)
    for x, y in [(0.2, 0.3), (0.5, 0.5), (0.9, 0.8)]:
        at = output_to_panorama(x, y, geo, pano)
        assert at is not None
        back = panorama_to_output(*at, geo, pano)
        assert back == pytest.approx((x, y), abs=1e-6)


def test_ramps_of_neighbours_sum_to_one_in_linear_light():
    x = np.linspace(0, 1, 101)
    for curve in (1.0, 2.0, 3.5):
        assert np.allclose(ramp(x, curve) + ramp(1 - x, curve), 1.0)
    arcs = even_arcs(3, 180.0, 0.15)
    overlap = arcs[0][1] - arcs[1][0]
    angles = np.linspace(-89.99, 89.99, 721)
    total = (
        blend_weight(angles, arcs[0], 0, overlap)
        + blend_weight(angles, arcs[1], overlap, overlap)
        + blend_weight(angles, arcs[2], overlap, 0)
    )
    assert np.allclose(total, 1.0)
    assert arcs[0][0] == -90 and arcs[-1][1] == pytest.approx(90)


def test_flat_screen_angles_follow_atan():
    geo = Geometry((-30.0, 30.0), "flat")
    assert content_to_angle(0.5, geo) == pytest.approx(0.0)
    assert content_to_angle(1.0, geo) == pytest.approx(30.0)
    assert content_to_angle(0.75, geo) == pytest.approx(
        np.degrees(np.arctan(np.tan(np.radians(30)) / 2))
    )


def test_single_screen_window_and_strip():
    pano = Panorama(180.0, "window")
    geo = single_screen_geometry(pano, 4.0, 16 / 9)
    assert geo.arc == pytest.approx((-40.0, 40.0))  # 16/9 of a 4:1 strip's 180 degrees
    strip = single_screen_geometry(Panorama(180.0, "strip"), 4.0, 16 / 9)
    assert (
        output_to_panorama(0.5, 0.1, strip.__class__(strip.arc, "curved", strip.warp), pano) is None
    )
    assert output_to_panorama(0.5, 0.5, strip, pano) == pytest.approx((0.5, 0.5))


def test_a_shot_on_screen_3_hits_the_zone_shown_there(tmp_path):
    """The range pack's gunman stands on the right-hand screen. A tracker on screen 3 sees
    him at some point of its picture; its shot, mapped into the panorama, hits him."""
    path = tmp_path / "theater.toml"
    write_new(path, new_theater_text(3, 180, 15))
    screen3 = load_theater(path).projectors[2].geometry
    pack = load_pack(PACKS_DIR / "range")
    pano = pack.scenario.panorama
    seg = pack.scenario.segments["street"]
    gunman = next(z for z in seg.zones if z.name == "gunman")
    shot_media_t = 5.3
    poly = gunman.polygon_at(shot_media_t)
    cx, cy = poly.mean(axis=0)
    assert point_in_polygon(cx, cy, poly)
    on_screen = panorama_to_output(cx, cy, screen3, pano)
    assert on_screen is not None and 0 < on_screen[0] < 1  # screen 3 shows him
    assert panorama_to_output(cx, cy, load_theater(path).projectors[1].geometry, pano) is None
    queue = InputQueue()
    ScreenInputs(queue, screen3, pano).put_session(Shot(shot_media_t, *on_screen, "w1"))
    (stamped,) = queue.drain()
    assert (stamped.event.x_norm, stamped.event.y_norm) == pytest.approx((cx, cy), abs=1e-6)
    rt = ScenarioRuntime(pack.scenario, tick_hz=120)
    rt.start_commands()
    for _ in range(round(shot_media_t * 120) - 1):
        rt.step([])
    rt.step([stamped.event])
    (shot,) = rt.shots
    assert (shot.zone, shot.role, shot.segment) == ("gunman", "threat", "street")
    assert rt.state.score == 10
