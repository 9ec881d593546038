"""The theater file and theater packs in the pack format (issue 19): `theater new` writes
a file that loads back with the arcs, overlaps and blends it says; a broken theater file
or theater pack is one line naming the file, line and key; lint flags zones off the
panorama; the range demo pack matches its generator."""

from __future__ import annotations

import pytest

from content import PACKS_DIR
from content.lint import lint_pack
from content.pack import PackError, load_pack
from content.theater import TheaterError, load_theater, new_theater_text, write_new
from tests.conftest import edit, run_cli


def test_new_theater_loads_back_with_even_arcs_and_matching_soft_edges(tmp_path):
    path = tmp_path / "t.toml"
    proc = run_cli("theater", "new", "--screens", "5", "--degrees", "300", "-o", str(path))
    assert proc.returncode == 0, proc.stderr
    th = load_theater(path)
    assert th.degrees == 300 and th.screens == 5
    arcs = [p.arc for p in th.projectors]
    assert arcs[0][0] == -150 and arcs[-1][1] == pytest.approx(150, abs=1e-3)
    for left, right in zip(th.projectors, th.projectors[1:], strict=False):
        overlap = left.arc[1] - right.arc[0]
        assert overlap > 0
        assert left.blend.right == pytest.approx(overlap, abs=1e-3)
        assert right.blend.left == pytest.approx(overlap, abs=1e-3)
    assert [p.display for p in th.projectors] == [1, 2, 3, 4, 5]
    again = run_cli("theater", "new", "--screens", "3", "--degrees", "180", "-o", str(path))
    assert again.returncode == 2 and "already exists" in again.stderr


@pytest.mark.parametrize(
    ("old", "new", "expect"),
    [
        ("arc = [-90.0", "arc = [-120.0", "projectors[0].arc: [-120, -23.3333] leaves"),
        ("gamma = 2.2", "gamma = 9.0", "projectors[0].blend.gamma: 9.0 is outside 1..3.5"),
        (
            "corners = [[0.0, 0.0], [1.0, 0.0]",
            "corners = [[1.0, 0.0], [0.0, 0.0]",
            "projectors[0].warp.corners: the corners must make a convex quad",
        ),
        ("display = 2", "display = 1", "projectors[1].display: display 1 is used twice"),
        ("offscreen = [1920, 1080]", "offscreen = [1921, 1080]", "projectors[0].offscreen"),
        ('name = "screen-1"', 'name = "screen-1"\nlens = 3', "projectors[0].lens: unknown key"),
    ],
)
def test_a_broken_theater_file_is_one_line_naming_file_line_and_key(tmp_path, old, new, expect):
    path = tmp_path / "t.toml"
    text = new_theater_text(3, 180, 15)
    assert old in text
    write_new(path, text.replace(old, new, 1))
    with pytest.raises(TheaterError) as err:
        load_theater(path)
    msg = str(err.value)
    assert "\n" not in msg and expect in msg, msg
    assert msg.startswith(f"{path}:"), msg
    assert msg.split(":")[1].isdigit(), msg  # a line number


def test_mesh_warp_loads_and_a_wrong_count_is_refused(tmp_path):
    text = new_theater_text(1, 60, 0).replace(
        "corners = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]]   # TL, TR, BR, BL",
        "corners = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]]\n"
        "mesh = { cols = 2, rows = 2, points = [[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]] }",
    )
    write_new(tmp_path / "ok.toml", text)
    assert load_theater(tmp_path / "ok.toml").projectors[0].geometry.warp.mesh_cols == 2
    write_new(tmp_path / "bad.toml", text.replace("[1.0, 1.0]] }", "] }"))
    with pytest.raises(TheaterError, match=r"mesh\.points: expected cols x rows = 4"):
        load_theater(tmp_path / "bad.toml")


def test_range_pack_is_a_three_screen_panorama():
    pack = load_pack(PACKS_DIR / "range")
    assert pack.scenario.panorama.degrees == 180
    seg = pack.scenario.segments["street"]
    assert len(seg.screen_clips) == 3 and seg.clip == seg.screen_clips[1]
    assert seg.media_aspect == pytest.approx(4.0)
    assert [f for f in lint_pack(PACKS_DIR / "range")] == []


def test_screen_clips_need_a_panorama_and_one_size(pack):
    edit(pack, 'clip = "media/a.mp4"', 'clips = ["media/a.mp4", "media/b.mp4"]')
    with pytest.raises(
        PackError, match=r"segments.a.clips: clips one per screen need a \[panorama\]"
    ):
        load_pack(pack)
    edit(pack, 'start = "a"', 'start = "a"\n\n[panorama]\ndegrees = 180')
    assert load_pack(pack).scenario.segments["a"].screen_clips == ("media/a.mp4", "media/b.mp4")


def test_lint_flags_zones_off_the_panorama_and_a_narrow_panoramic_clip(pack):
    edit(pack, 'start = "a"', 'start = "a"\n\n[panorama]\ndegrees = 180')
    edit(pack, "[0.5, 0.0], [0.5, 1.0]", "[1.2, 0.0], [1.2, 1.0]")
    findings = [str(f) for f in lint_pack(pack)]
    assert any(
        "segments.a.zones[0]: zone 'left' has points off the panorama" in f for f in findings
    ), findings
    assert any("segments.a.clip: aspect 1.78: a panoramic clip" in f for f in findings), findings


def test_an_error_in_a_projectors_blend_or_warp_names_its_own_line():
    """Errors in [projectors.blend] and [projectors.warp] pointed at the [[projectors]]
    line above them."""
    from content._locate import locate

    text = (
        'format = 1\ndegrees = 180\n[[projectors]]\nname = "a"\n[projectors.blend]\nleft = 0.1\n'
        'right = 0.2\n[projectors.warp]\ncorners = 1\n[[projectors]]\nname = "b"\n'
        "[projectors.blend]\nleft = 0.3\n"
    )
    assert [
        locate(text, p)
        for p in (
            "projectors[0].blend.right",
            "projectors[0].warp",
            "projectors[1].blend.left",
            "projectors[1].name",
            "projectors[1].warp.corners",  # no warp table: the entry's own line
        )
    ] == [7, 8, 13, 11, 10]
