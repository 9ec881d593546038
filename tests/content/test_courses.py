"""course.toml (content/courses.py): the bundled courses load and lint clean, their demo
scripts are the plan's, and broken courses are refused with one line naming the file, the
line and the key."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from content.courses import COURSES_DIR, CourseError, lint_course, load_course, resolve
from content.courses import load_any as load_pack
from sim.course import plan
from tools.course.script import script_from_plan, to_jsonl

BUNDLED = ("drills", "nj-pistol")


@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_courses_lint_clean_and_their_demo_scripts_match_the_plan(name):
    root = resolve(name)
    assert lint_course(root) == []
    course = load_course(root)
    shipped = (root / "demo-inputs.jsonl").read_text(encoding="utf-8")
    assert shipped == to_jsonl(script_from_plan(plan(course)))


def test_the_qualification_cites_its_source_and_turns_distances_into_sizes():
    course = load_course(resolve("nj-pistol"))
    assert course.kind == "qualification" and "New Jersey" in course.source
    assert course.pass_percent == 80 and course.max_score == 50
    heights = [s.targets[0].height for s in course.stages]
    assert heights == sorted(heights)  # 15 yd smallest ... 3 yd largest
    # 0.889 m at 15 yd on a 2 m picture seen from 5 yd: a third of 0.889 / 2
    assert heights[0] == pytest.approx(0.889 / 3 / 2.0, rel=1e-3)


def test_a_course_loads_as_a_pack_with_ready_and_live_segments():
    pack = load_pack(resolve("drills"))
    assert pack.course is not None and pack.manifest == "course.toml"
    assert pack.scenario.start == "draw-ready"
    assert {"draw-ready", "draw", "turner", "course-end"} <= set(pack.scenario.segments)


def _course(tmp_path: Path, text: str) -> Path:
    root = tmp_path / "c"
    root.mkdir(exist_ok=True)
    (root / "course.toml").write_text(text, encoding="utf-8")
    return root


GOOD = """format_version = 1
title = "t"

[[stages]]
id = "s"
time_s = 5
targets = [{ name = "p", shape = "plate", height = 0.1, shots = 1 }]
"""


@pytest.mark.parametrize(
    ("change", "where", "line"),
    [
        (("time_s = 5", "time_s = 500"), "stages[0].time_s: must be 0.5-120", 6),
        (("shots = 1 }", "shots = 1, bogus = 2 }"), "stages[0].targets[0].bogus: unknown key", 7),
        (("height = 0.1", "height = 3.0"), "the target would be 3.000 screens tall", 7),
        (('title = "t"', 'title = "t"\nkind = "qualification"'), "source: a qualification", None),
        (
            (
                'shape = "plate", height = 0.1, shots = 1',
                'shape = "plate", height = 0.1, shoot = false, shots = 1',
            ),
            "a no-shoot target wants no shots",
            7,
        ),
    ],
)
def test_broken_courses_name_file_line_and_key(tmp_path, change, where, line):
    root = _course(tmp_path, GOOD.replace(*change))
    with pytest.raises(CourseError) as err:
        load_course(root)
    msg = str(err.value)
    assert where in msg and "\n" not in msg
    assert msg.startswith(str(root / "course.toml") + (f":{line}" if line else ""))


def test_paths_may_not_leave_the_course(tmp_path):
    root = _course(tmp_path, GOOD.replace('title = "t"', 'title = "t"\nbackdrop = "../x.mp4"'))
    with pytest.raises(CourseError, match="backdrop"):
        load_course(root)


def test_lint_reports_every_broken_stage(tmp_path):
    two = GOOD + GOOD[GOOD.index("[[stages]]") :].replace('id = "s"', 'id = "s2"')
    root = _course(tmp_path, two.replace("time_s = 5", "time_s = 0"))
    findings = lint_course(root)
    assert [f.where for f in findings] == ["stages[0].time_s", "stages[1].time_s"]
    assert all(f.level == "error" and f.line for f in findings)


def test_targets_wanted_that_never_face_together_are_refused(tmp_path):
    text = GOOD.replace(
        'targets = [{ name = "p", shape = "plate", height = 0.1, shots = 1 }]',
        'targets = [{ name = "p", shape = "plate", height = 0.1, shots = 1, hide = 1 },\n'
        '  { name = "q", shape = "plate", height = 0.1, shots = 1, show = 2 }]',
    )
    with pytest.raises(CourseError, match="never all show their face"):
        load_course(_course(tmp_path, text))


def test_a_course_copied_elsewhere_uses_the_bundled_backdrop(tmp_path):
    shutil.copy(COURSES_DIR / "drills" / "course.toml", _course(tmp_path, "") / "course.toml")
    pack = load_pack(tmp_path / "c")
    seg = pack.scenario.segments["draw"]
    assert Path(pack.clip_path(seg.clip)).is_file()


def test_a_damaged_or_huge_picture_is_refused_when_the_course_loads(tmp_path):
    """A stage's picture of random bytes behind a PNG signature (or a 60000x60000 header)
    passed lint and stopped the running course when its stage came."""
    import struct
    import zlib

    import cv2
    import numpy as np

    root = _course(tmp_path, GOOD.replace("time_s = 5", 'time_s = 5\nimage = "pic.png"'))
    cv2.imwrite(str(root / "pic.png"), np.full((40, 60, 3), 200, np.uint8))
    assert load_course(root).stages[0].image == "pic.png"
    rng = np.random.default_rng(4)
    (root / "pic.png").write_bytes(b"\x89PNG\r\n\x1a\n" + rng.bytes(4000))
    with pytest.raises(CourseError, match=r"course\.toml:7: stages\[0\]\.image: 'pic\.png': "):
        load_course(root)
    ihdr = struct.pack(">IIBBBBB", 60000, 60000, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    header = struct.pack(">I", len(ihdr)) + chunk + struct.pack(">I", zlib.crc32(chunk))
    (root / "pic.png").write_bytes(b"\x89PNG\r\n\x1a\n" + header + b"\0" * 64)
    with pytest.raises(CourseError, match=r"'pic\.png': no usable picture size in its header"):
        load_course(root)
    cv2.imwrite(str(root / "pic.png"), np.zeros((4, 8200, 3), np.uint8))  # a real one, too wide
    with pytest.raises(CourseError, match=r"'pic\.png': picture size 8200x4 is out of bounds"):
        load_course(root)
    assert [f.where for f in lint_course(root)] == ["stages[0].image"]


@pytest.mark.parametrize(
    "zone",
    [
        '{ name = "z", points = 5, ellipse = [0.0, 0.0, -0.2, 0.3] }',
        '{ name = "z", points = 5, rect = [0.2, -0.1, -0.2, 0.1] }',
    ],
)
def test_a_zone_with_no_area_is_refused(tmp_path, zone):
    """A negative radius or an inverted rect was accepted: a zone nothing could hit."""
    text = GOOD.replace('shape = "plate", height = 0.1', f"height = 0.1, zones = [{zone}]")
    with pytest.raises(CourseError, match=r"stages\[0\]\.targets\[0\]\.zones\[0\]\.\w+: no area"):
        load_course(_course(tmp_path, text))
