"""The instructor's station as an instructor reads it (issue 14): a headless run draws the
station into an offscreen buffer; the test reads its texts and its pixels.

Guards: the scenario clock stops while paused (session time runs on) and PAUSED is shown
over the live picture; a long flag note stays in its column (it overwrote the audio line);
coded trainee actions (V C D B I) appear in the feed; each branch thumbnail comes from its
own segment (branches that open on the same frame got the same thumbnail); a no-shoot hit
is red, unlike a threat hit; a console message ("flag saved") goes after a few seconds;
the shot feed has running totals."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import cv2
import numpy as np
import pytest

from engine.video_out import H264Writer
from tests.conftest import write_script

pytestmark = pytest.mark.render

HARNESS = """
import json, sys
from pathlib import Path
import cv2, numpy as np
from content.pack import load_pack
from drivers.scripted import load_script
from engine.app import RunConfig, SightlineApp

pack, script, out = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
app = SightlineApp(load_pack(pack), RunConfig(
    offscreen=True, seconds=7.0, instructor="buffer", width=640, height=360,
    script=load_script(script)))
view = app.instructor_view
# a key at the start (its event is stamped on the host clock, so this headless run never
# applies it): the console's message, "coded: backup requested", is what is checked
app.console.key("b", 0.0)
seen = []

def watch(task):
    st = app.session.state
    seen.append({"t": st.t_s, "message": view.message._text, "header": view.header._text})
    return task.cont

app.base.taskMgr.add(watch, "watch", sort=45)  # after the station's update (40)
app.run()

def box(text):
    lo, hi = text.np.getTightBounds(view.root)
    return [lo.x, hi.x]

buf = [o for o in app.base.graphicsEngine.getWindows() if o.getName() == "instructor"][0]
shot = buf.getScreenshot()
img = np.frombuffer(shot.getRamImageAs("BGR"), np.uint8).reshape(
    shot.getYSize(), shot.getXSize(), 3)[::-1]
cv2.imwrite(str(out / "station.png"), img)
def rows(name):  # one _Text a row (before issue 14: one _Text for all, or none)
    found = getattr(view, name, None) or []
    return found if isinstance(found, list) else [found]

json.dump({
    "frames": seen,
    "status": view.status._text,
    "totals": getattr(getattr(view, "totals", None), "_text", ""),
    "shots": [(r._text, list(r.node.getTextColor())) for r in rows("shots")],
    "feed": [r.node.getText() for r in rows("feed")],  # as drawn (cut to fit)
    "feed_boxes": [box(r) for r in rows("feed") if r._text],
    "audio_x": box(view.audio)[0],
    "aspect": view.aspect,
}, open(out / "station.json", "w"))
"""


def _grey_then(path, colour_bgr) -> None:
    """A 2 s clip that opens on the same grey frame as its sibling, then turns a colour."""
    with H264Writer(path, 320, 180, fps=30, crf=12, preset="ultrafast") as out:
        for i in range(60):
            img = np.full((180, 320, 3), 128 if i < 15 else 0, np.uint8)
            if i >= 15:
                img[:] = colour_bgr
            out.write(img, i / 30)


@pytest.fixture(scope="module")
def station(tmp_path_factory, fixture_pack):
    root = tmp_path_factory.mktemp("station")
    pack = root / "pack"
    shutil.copytree(fixture_pack, pack)
    _grey_then(pack / "media" / "b.mp4", (0, 200, 0))  # green
    _grey_then(pack / "media" / "c.mp4", (200, 0, 0))  # blue
    note = (
        "a very long note about the trainee's stance, grip, and how late the warning "
        "came after the subject turned towards the officer"
    )
    script = write_script(
        root / "in.jsonl",
        [
            {"t": 0.10, "type": "shot", "x": 0.25, "y": 0.5},  # segment a: 'left' no-shoot
            {"t": 0.15, "type": "shot", "x": 0.9, "y": 0.5},  # a miss
            {"t": 0.20, "type": "action", "action": "cover-taken"},
            {"t": 0.25, "type": "action", "action": "verbal-command"},
            {"t": 0.30, "type": "flag", "note": note},
            {"t": 0.35, "type": "sound", "sound": "dog"},
            {"t": 0.50, "type": "pause"},
        ],
    )
    proc = subprocess.run(
        [sys.executable, "-c", HARNESS, str(pack), str(script), str(root)],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    data = json.loads((root / "station.json").read_text())
    data["img"] = cv2.imread(str(root / "station.png"))
    print(f"station picture: {root / 'station.png'}")
    return data


def test_scenario_clock_stops_while_paused_and_the_pause_is_shown(station):
    last = station["frames"][-1]["header"]
    assert "scenario    0.5 s" in last and "session 7.0 s" in last, last
    assert station["status"].startswith("PAUSED")
    # the amber PAUSED band over the top of the live picture
    band = station["img"][70:100, 100:700].reshape(-1, 3).mean(axis=0)
    assert band[2] > 80 and band[0] < 40, band  # B, G, R: amber-brown


def test_a_long_flag_note_stays_in_its_column(station):
    feed = [t for t in station["feed"] if t]
    flag = next(b for t, b in zip(feed, station["feed_boxes"], strict=True) if "FLAG" in t)
    assert feed[-1].startswith("FLAG") and feed[-1].endswith("...")
    assert flag[1] < station["audio_x"] - 0.02, (flag, station["audio_x"])


def test_coded_actions_show_in_the_feed(station):
    feed = "\n".join(station["feed"])
    assert "ACTION" in feed and "cover taken" in feed and "verbal command" in feed
    assert feed.index("cover taken") < feed.index("verbal command") < feed.index("FLAG")


def test_each_branch_thumbnail_shows_its_own_segment(station):
    img = station["img"]
    # thumbnails in the right column, rows 0 ([2] -> b) and 1 ([3] -> c)
    h, w = img.shape[:2]
    col_x = int(w * 0.61)
    b = img[int(h * 0.13) : int(h * 0.19), col_x : col_x + 100].reshape(-1, 3).mean(axis=0)
    c = img[int(h * 0.24) : int(h * 0.29), col_x : col_x + 100].reshape(-1, 3).mean(axis=0)
    assert b[1] > 120 and b[0] < 60, b  # green, not the shared grey first frame
    assert c[0] > 120 and c[1] < 60, c  # blue


def test_a_no_shoot_hit_is_red_and_the_feed_has_totals(station):
    (no_shoot, colour), (miss, miss_colour) = station["shots"][:2]
    assert "NO-SHOOT" in no_shoot and "miss" in miss
    assert colour[0] > 0.9 and colour[1] < 0.5  # red
    assert miss_colour != colour
    assert station["totals"].startswith("2 fired   1 hit (1 NO-SHOOT)   1 missed")
    # and red on screen: the first shot row, under the picture
    img = station["img"]
    row = img[520:540, 20:300].reshape(-1, 3)
    bright = row[row.max(axis=1) > 150]
    assert len(bright) > 20 and (bright[:, 2] > bright[:, 1] + 60).mean() > 0.8


def test_a_console_message_goes_after_a_few_seconds(station):
    frames = station["frames"]
    assert frames[0]["message"] == "coded: backup requested"
    later = [f["message"] for f in frames if f["t"] > 6.0]  # MESSAGE_S is 5 s
    assert later and all(m == "" for m in later)


def test_scenario_clock_counts_only_unpaused_time_and_follows_a_seek_back():
    from engine.instructor_texts import ScenarioClock

    clock = ScenarioClock()
    assert clock.update(1.0, False) == pytest.approx(1.0)
    assert clock.update(2.0, True) == pytest.approx(2.0)  # paused at 2.0
    assert clock.update(5.0, True) == pytest.approx(2.0)
    assert clock.paused_since_s == pytest.approx(2.0)
    assert clock.update(6.0, False) == pytest.approx(2.0)  # resumed at 6.0
    assert clock.update(7.5, False) == pytest.approx(3.5)
    assert clock.update(1.5, False) == pytest.approx(1.5)  # a replay seek back
    assert clock.update(3.0, False) == pytest.approx(3.0)
