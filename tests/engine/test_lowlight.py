"""Low light and flashlights, rendered headless: a lit cone where asked and darkness
elsewhere, a golden image (within a tolerance), and a broken shader that fails loudly."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.conftest import run_cli

pytestmark = pytest.mark.render
GOLDEN = Path(__file__).parent / "golden" / "lowlight-draw-320x180.png"


def render(tmp_path, *args) -> np.ndarray:
    from content import DEMO_PACK

    out = tmp_path / "frame.png"
    proc = run_cli(
        "render-frame",
        str(DEMO_PACK),
        "--segment",
        "draw",
        "--t",
        "2.0",
        "--size",
        "320x180",
        *args,
        "-o",
        str(out),
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-1500:]
    return cv2.imread(str(out))


def test_a_cone_is_lit_and_the_rest_is_dark(tmp_path):
    day = render(tmp_path)
    night = render(tmp_path, "--lowlight", "0.12", "--flashlight", "0.25,0.5")
    cone = night[70:110, 60:100].mean()  # around (0.25, 0.5) of 320x180
    far = night[70:110, 220:260].mean()
    assert cone > 3 * far, (cone, far)
    assert abs(cone - day[70:110, 60:100].mean()) < 25  # daylight colours inside the cone
    assert far < 0.35 * day[70:110, 220:260].mean()
    # rod vision: outside the cone the colour is mostly gone
    b, g, r = (night[70:110, 220:260, i].astype(float).mean() for i in range(3))
    assert max(b, g, r) - min(b, g, r) < 6


def test_rendered_low_light_frame_matches_the_golden_image(tmp_path):
    frame = render(tmp_path, "--lowlight", "0.12", "--flashlight", "0.5,0.45")
    golden = cv2.imread(str(GOLDEN))
    assert frame.shape == golden.shape
    diff = np.abs(frame.astype(int) - golden.astype(int))
    assert diff.mean() < 2.0 and np.percentile(diff, 99) < 25  # grain differs; the picture not
    # Averaged over 9x9 the grain is gone and the picture must match closely. (Issue 20
    # replaced the sine-hash grain by interleaved gradient noise and moved the cones' light
    # to a vertex grid: the golden was redrawn then; against the previous one the raw
    # difference was grain alone: 9x9-averaged mean 0.44, p99 2 levels. Redrawn again when
    # that noise, a visible weave, became a hash of the pixel and the frame: raw mean 4.7,
    # 9x9-averaged mean 0.39, p99 1 level.)
    smooth = np.abs(cv2.blur(frame, (9, 9)).astype(int) - cv2.blur(golden, (9, 9)).astype(int))
    assert smooth.mean() < 1.0 and np.percentile(smooth, 99) < 4


def test_a_broken_shader_is_an_error_not_a_white_screen(tmp_path):
    code = """
from engine import panda_setup
panda_setup.configure(True, 64, 64)
from direct.showbase.ShowBase import ShowBase
from panda3d.core import CardMaker
from engine.lowlight import RGB_PREFIX, LowLightPass, ShaderError
base = ShowBase(windowType="offscreen")
cm = CardMaker("c"); cm.setFrame(-1, 1, -1, 1)
card = base.render2d.attachNewNode("card")
day = card.attachNewNode(cm.generate())
ll = LowLightPass(card, day, 64, 64, sampler=RGB_PREFIX + "vec9 broken;")
base.graphicsEngine.renderFrame()
try:
    ll.check()
    print("NO ERROR")
except ShaderError as exc:
    print("SHADER ERROR:", exc)
print("shader still on card:", card.getShader() is not None)
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert "SHADER ERROR: the low-light shader failed to compile" in proc.stdout, proc.stdout
    assert "shader still on card: False" in proc.stdout  # back to plain video


def test_a_scripted_flashlight_lights_a_headless_low_light_run(tmp_path, fixture_pack):
    """Issue 14: `view flashlight on` showed no beam in a headless run (no mouse): a script
    places the beam with flashlight events, moves it and switches it off."""
    from tests.conftest import write_script

    script = write_script(
        tmp_path / "night.jsonl",
        [
            {"t": 0.0, "type": "view", "setting": "low-light", "on": True},
            {"t": 0.0, "type": "view", "setting": "flashlight", "on": True},
            {"t": 0.0, "type": "flashlight", "light": "f1", "on": True, "x": 0.75, "y": 0.25},
            {"t": 1.0, "type": "flashlight", "light": "f1", "on": True, "x": 0.75, "y": 0.75},
            {"t": 1.5, "type": "flashlight", "light": "f1", "on": False},
        ],
    )
    out = tmp_path / "night.mp4"
    proc = run_cli(
        "run",
        str(fixture_pack),
        "--offscreen",
        "--size",
        "320x180",
        "--seconds",
        "1.9",
        "--inputs",
        str(script),
        "--video-out",
        str(out),
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-1500:]
    cap = cv2.VideoCapture(str(out))
    frames = []
    while (got := cap.read())[0]:
        frames.append(got[1])

    def light(img, y_norm):  # on the clip's plain colour half, where the beam points
        y = round(y_norm * 180)
        return img[y - 8 : y + 8, 232:248].mean()

    up, down, off = frames[27], frames[42], frames[54]  # 0.9 s (faded in), 1.4 s, 1.8 s
    assert light(up, 0.25) > 3 * light(up, 0.75), (light(up, 0.25), light(up, 0.75))
    assert light(down, 0.75) > 3 * light(down, 0.25), (light(down, 0.75), light(down, 0.25))
    assert light(off, 0.75) < 0.5 * light(down, 0.75)  # switched off: dark again


def test_a_cone_is_lit_when_the_session_starts_in_the_dark_with_bgr_frames():
    """The night grid (cones lit per vertex) was shown only on a day-to-night change or a
    switch to YUV planes: a run uploading BGR frames (the app's default) that was dark from
    its first frame drew the cones from the card's four corners, i.e. no cone at all."""
    code = """
import numpy as np
from engine import panda_setup
panda_setup.configure(True, 320, 180)
from direct.showbase.ShowBase import ShowBase
from engine.trainee_view import TraineeView
base = ShowBase(windowType="offscreen")
view = TraineeView(base.render2d, 320 / 180, True, (320, 180, 0, 0))
view.night.mix = 1.0
view.update_night(True, [(0.25, 0.5)], 0.0, 1.0)   # dark before any frame, as a night pack
view.show_frame(np.full((180, 320, 3), 200, np.uint8), 320 / 180, "grey")
base.graphicsEngine.renderFrame()
base.graphicsEngine.renderFrame()
view.check_shader()
shot = base.win.getScreenshot()
img = np.frombuffer(shot.getRamImageAs("BGR"), np.uint8).reshape(180, 320, 3)[::-1]
print("cone", img[80:100, 70:90].mean(), "far", img[80:100, 230:250].mean())
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-1500:]
    cone, far = (float(v) for v in proc.stdout.split()[-3::2])
    assert cone > 150 and far < 60, proc.stdout


NIGHT_COVER = """
import sys
import cv2, numpy as np
from engine import panda_setup
panda_setup.configure(True, 320, 180)
from direct.showbase.ShowBase import ShowBase
import engine.lowlight as ll
import engine.trainee_view as tv
class EveryPixel(ll.NightCover):  # the reference: every block summing every light per pixel
    def boxes(self, lights, aspect, sx, sz):
        return [(i, 0, self._shape[0], 0, self._shape[1]) for i in range(len(lights))]
if sys.argv[1] == "full":
    ll.NightCover = EveryPixel
base = ShowBase(windowType="offscreen")
view = tv.TraineeView(base.render2d, 320 / 180, True, (320, 180, 0, 0), output=base.win)
rng = np.random.default_rng(3)
if sys.argv[3] == "bgr":
    view.show_frame(rng.integers(60, 220, (180, 320, 3), dtype=np.uint8), 4 / 3, "noise")
else:  # the planes of a BT.709 video-range clip, converted in the shaders
    from engine.yuv_planes import YuvFrame
    y = rng.integers(16, 236, (180, 240), dtype=np.uint8)
    u, v = (rng.integers(16, 241, (90, 120), dtype=np.uint8) for _ in range(2))
    view.show_frame(YuvFrame((y, u, v), (240, 120, 120), 240, 180, "yuv", "bt709", False),
                    4 / 3, "noise")
view.night.mix, view.night.noise = 1.0, 0.0
# two cones overlapping, one across the picture's edge, one on the letterbox bar
view.update_night(True, [(0.3, 0.4), (0.42, 0.5), (0.97, 0.1), (0.05, 0.8)], 0.0, 1.0)
base.graphicsEngine.renderFrame()
base.graphicsEngine.renderFrame()
view.check_shader()
shot = base.win.getScreenshot()
img = np.frombuffer(shot.getRamImageAs("BGR"), np.uint8).reshape(180, 320, 3)[::-1]
cv2.imwrite(sys.argv[2], img)
r = view.lowlight.cover.rectangles
print(r["dark"], r[1], r[2], r[0])
"""


@pytest.mark.parametrize("source", ["bgr", "yuv"])
def test_the_night_cover_draws_what_every_pixel_summing_every_light_draws(tmp_path, source):
    """The cover lights each rectangle with only the cones whose box falls on it (one, two,
    or the full sum where three or more overlap) and the rest with the muzzle flash alone:
    the picture must be the one where every pixel sums every light, cones overlapping, on
    the picture's edge and on a letterboxed bar included, from a handful of rectangles."""
    got = {}
    for cover in ("cover", "full"):
        out = tmp_path / f"{cover}.png"
        proc = subprocess.run(
            [sys.executable, "-c", NIGHT_COVER, cover, str(out), source],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert proc.returncode == 0, proc.stderr[-1500:]
        counts = tuple(int(v) for v in proc.stdout.split()[-4:])
        got[cover] = (cv2.imread(str(out)).astype(int), counts)
    (cover, (dark, one, two, many)), (full, full_counts) = got["cover"], got["full"]
    assert full_counts == (0, 0, 0, 1)  # the reference: one rectangle, all lights per pixel
    assert dark > 0 and one > 0 and two > 0 and many == 0  # the parts all in use
    assert dark + one + two <= 20  # a few rectangles, not a grid
    assert np.abs(cover - full).max() <= 1
    lit = cover[72:76, 94:98].mean()  # inside the first cone, and dark far from any
    assert lit > 3 * cover[150:160, 200:210].mean()


def test_the_cover_tiles_every_block_once_with_the_label_of_the_boxes_over_it():
    from engine.night_cover import NightCover, tile

    cover = NightCover("test", 320, 180)  # 16 x 9 blocks
    rng = np.random.default_rng(5)
    for _ in range(60):
        lights = [
            (rng.random() * 1.2 - 0.1, rng.random() * 1.2 - 0.1, rng.random() * 0.4, 1.0)
            for _ in range(rng.integers(0, 9))
        ]
        want = cover.labels(lights, 16 / 9, 1.0, 1.0)
        got = np.zeros_like(want)
        times = np.zeros_like(want)
        rects = tile(cover.boxes(lights, 16 / 9, 1.0, 1.0), 9, 16)
        for r0, r1, c0, c1, label in rects:
            assert r0 < r1 and c0 < c1
            got[r0:r1, c0:c1] = label
            times[r0:r1, c0:c1] += 1
        assert (times == 1).all() and (got == want).all()
        assert len(rects) <= 1 + 4 * len(lights) ** 2  # a few, not a block each


def test_a_cones_box_is_one_rectangle_and_overlaps_get_both_cones():
    from engine.night_cover import NightCover

    cover = NightCover("test", 320, 180)  # 16 x 9 blocks of 20 px
    one = cover.labels([(0.5, 0.5, 0.2, 1.0)], 16 / 9, 1.0, 1.0)
    rows, cols = np.nonzero(one)
    assert (one[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1] == 1).all()  # a box
    # the box holds the circle: radius 0.2 of 180 px = 36 px around (160, 90)
    assert cols.min() * 20 <= 160 - 36 and (cols.max() + 1) * 20 >= 160 + 36
    assert rows.min() * 20 <= 90 - 36 and (rows.max() + 1) * 20 >= 90 + 36
    two = cover.labels([(0.4, 0.5, 0.2, 1.0), (0.55, 0.5, 0.2, 1.0)], 16 / 9, 1.0, 1.0)
    assert (two == 3).any() and (two == 1).any() and (two == 2).any()
    off = cover.labels([(0.5, 0.5, 0.0, 1.0), (0.5, 0.5, 0.2, 0.0)], 16 / 9, 1.0, 1.0)
    assert not off.any()  # no radius or no intensity: no light, no rectangle


#: Appended to a grain test's script: `g` the grain (mean 0), `frames` three frames at
#: times t, t', t. Prints the strongest spatial frequency over the mean, the largest
#: correlation of neighbours (across, down, diagonal), that of two frames, the grain's
#: spread, and how far the frames moved and came back.
NOISE_STATS = """
power = np.abs(np.fft.fft2(g)) ** 2
power[0, 0] = 0.0
corr = max(abs(np.corrcoef(g[:, :-1].ravel(), g[:, 1:].ravel())[0, 1]),
           abs(np.corrcoef(g[:-1].ravel(), g[1:].ravel())[0, 1]),
           abs(np.corrcoef(g[:-1, :-1].ravel(), g[1:, 1:].ravel())[0, 1]))
print("peak", power.max() / power.mean(), "corr", corr, "frames",
      abs(np.corrcoef(frames[0].ravel(), frames[1].ravel())[0, 1]))
print("std", frames[0].std(), "moved", np.abs(frames[0] - frames[1]).mean(),
      "again", np.abs(frames[0] - frames[2]).mean())
"""


def test_the_grain_is_noise_and_moves_from_frame_to_frame():
    code = """
import numpy as np
from engine import panda_setup
panda_setup.configure(True, 320, 180)
from direct.showbase.ShowBase import ShowBase
from engine.trainee_view import TraineeView
base = ShowBase(windowType="offscreen")
view = TraineeView(base.render2d, 320 / 180, True, (320, 180, 0, 0))
view.night.mix = 1.0
view.night.noise = 1.0
frames = []
for t in (0.30, 0.55, 0.30):
    view.update_night(True, [], 0.0, t)
    view.show_frame(np.full((180, 320, 3), 120, np.uint8), 320 / 180, "grey")
    base.graphicsEngine.renderFrame()
    base.graphicsEngine.renderFrame()
    shot = base.win.getScreenshot()
    img = np.frombuffer(shot.getRamImageAs("BGR"), np.uint8).reshape(180, 320, 3)
    frames.append(img.astype(int))
view.check_shader()
g = frames[0][:, :, 1] - frames[0][:, :, 1].mean()  # the grain on a flat grey frame
"""
    code += NOISE_STATS
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-1500:]
    std, moved, again = (float(v) for v in proc.stdout.split()[-5::2])
    assert std > 1.0, proc.stdout  # there is grain
    assert moved > 1.0, proc.stdout  # another time, another grain
    assert again < 0.01, proc.stdout  # the same time, the same grain: it follows the clock
    # and it looks like grain, not a pattern: no spatial frequency stands out (white noise's
    # strongest of 57,600 is about 11x the mean: 15 here), and neighbouring pixels and
    # successive frames are unrelated. The interleaved gradient noise used before was a
    # weave: a peak 11,000x the mean, neighbours 0.49, successive frames 0.87.
    peak, corr, frames = (float(v) for v in proc.stdout.split()[-11:-6:2])
    assert peak < 25, proc.stdout
    assert corr < 0.05, proc.stdout
    assert frames < 0.05, proc.stdout


def test_on_a_software_renderer_the_grain_rides_in_the_chroma_texels():
    """On llvmpipe a hash of every pixel cost more than reading one more byte with the
    chroma the picture reads anyway, so there the grain is a byte of each packed chroma
    texel, drawn anew every frame: one value for each 2x2 pixels of a 4:2:0 picture. It is
    still noise (no frequency stands out, neighbouring texels unrelated), still moves with
    the clock and still repeats for the same time; daylight goes back to two bytes."""
    code = """
import numpy as np
from engine import panda_setup
panda_setup.configure(True, 320, 180)
from direct.showbase.ShowBase import ShowBase
from engine.trainee_view import TraineeView
from engine.yuv_planes import YuvFrame
base = ShowBase(windowType="offscreen")
view = TraineeView(base.render2d, 320 / 180, True, (320, 180, 0, 0), output=base.win)
y = np.full((180, 320), 120, np.uint8)
c = np.full((90, 160), 128, np.uint8)
grey = YuvFrame((y, c, c.copy()), (320, 160, 160), 320, 180, "yuv", "bt601", True)
view.night.mix = 1.0
view.night.noise = 1.0
frames = []
for t in (0.30, 0.55, 0.30):
    view.show_frame(grey, 320 / 180, "grey")
    view.update_night(True, [], 0.0, t)
    base.graphicsEngine.renderFrame()
    base.graphicsEngine.renderFrame()
    shot = base.win.getScreenshot()
    img = np.frombuffer(shot.getRamImageAs("BGR"), np.uint8).reshape(180, 320, 3)
    frames.append(img.astype(int))
view.check_shader()
layout = view._yuv.layout
g = frames[0][:, :, 1]
blocks = g.reshape(90, 2, 160, 2)
inside = np.abs(blocks - blocks[:, :1, :, :1]).max()   # one value a 2x2 block
g = blocks[:, 0, :, 0] - blocks[:, 0, :, 0].mean()  # a value a 2x2 block
view.night.mix = 0.0
view.update_night(False, [], 0.0, 1.0)
print("layouts", layout, view._yuv.layout, "inside", inside)
"""
    code += NOISE_STATS
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-1500:]
    words = proc.stdout.split()
    if words[words.index("layouts") + 1] == "yuv":
        pytest.skip("the renderer here is not a software one: the grain stays a hash")
    assert words[words.index("layouts") + 1 : words.index("layouts") + 3] == ["nv12g", "nv12"]
    assert int(words[words.index("inside") + 1]) <= 1  # one grain value a chroma texel
    std, moved, again = (float(v) for v in words[-5::2])
    assert std > 1.0, proc.stdout
    assert moved > 1.0, proc.stdout
    assert again < 0.01, proc.stdout
    peak, corr, frames = (float(v) for v in words[-11:-6:2])
    assert peak < 25, proc.stdout  # white noise's strongest of 14,400 is about 10x the mean
    assert corr < 0.05, proc.stdout
    assert frames < 0.05, proc.stdout


def test_a_hardware_renderer_keeps_the_hashed_grain():
    from panda3d.core import NodePath

    from engine.yuv_card import PACK_CHROMA, YuvCard

    if not PACK_CHROMA:
        pytest.skip("SIGHTLINE_PACK_CHROMA=0: no grain in the chroma texels anywhere")
    gpu = YuvCard(NodePath("card"), software=False)
    assert gpu.set_grain(True) is False and gpu.grain is False
    cpu = YuvCard(NodePath("card"), software=True)
    assert cpu.set_grain(True) is False and cpu.grain is True  # no frame yet: nothing to redo


def test_the_grain_is_drawn_once_for_each_moment_and_kept_through_new_frames():
    """A paused clock asks for the same grain again: the texels (and the upload) are left
    alone. New frames at the same moment keep that draw; texels set up anew get it again."""
    from panda3d.core import NodePath

    from engine.yuv_card import PACK_CHROMA, YuvCard
    from engine.yuv_planes import YuvFrame

    if not PACK_CHROMA:
        pytest.skip("SIGHTLINE_PACK_CHROMA=0: no grain in the chroma texels")

    def frame(u: int) -> YuvFrame:
        y, c = np.full((180, 320), 120, np.uint8), np.full((90, 160), u, np.uint8)
        return YuvFrame((y, c, c.copy()), (320, 160, 160), 320, 180, "yuv", "bt601", True)

    card = YuvCard(NodePath("card"), software=True)
    card.upload(frame(128))
    assert card.set_grain(True) and card.layout == "nv12g"
    chroma = card.textures[1]

    def grain() -> np.ndarray:
        return np.frombuffer(chroma.getRamImage().getData(), np.uint8).reshape(90, 160, 4)[..., 0]

    card.refresh_grain(1.0)
    first, seq = grain().copy(), chroma.getImageModified()
    card.refresh_grain(1.0)  # paused: nothing rewritten, nothing to upload
    assert chroma.getImageModified() == seq
    card.upload(frame(100))  # a new frame at the same moment keeps its grain
    card.refresh_grain(1.0)
    assert np.array_equal(grain(), first) and first.std() > 30
    card.refresh_grain(2.0)
    assert not np.array_equal(grain(), first)
    card.set_grain(False)
    card.set_grain(True)  # the texels set up again: the same moment is drawn into them
    card.refresh_grain(2.0)
    assert grain().std() > 30


def test_a_muzzle_flash_lights_the_whole_night_picture_and_fades():
    """A shot in the dark lights everything for a moment: the rectangles no cone reaches
    (their weights computed on the CPU) as much as the cone's own, and it fades again."""
    code = """
import numpy as np
from engine import panda_setup
panda_setup.configure(True, 320, 180)
from direct.showbase.ShowBase import ShowBase
from engine.trainee_view import TraineeView
base = ShowBase(windowType="offscreen")
view = TraineeView(base.render2d, 320 / 180, True, (320, 180, 0, 0), output=base.win)
view.night.mix, view.night.noise = 1.0, 0.0
def shot(dt):
    view.show_frame(np.full((180, 320, 3), 200, np.uint8), 320 / 180, "grey")
    view.update_night(True, [(0.25, 0.5)], dt, 1.0)
    base.graphicsEngine.renderFrame()
    base.graphicsEngine.renderFrame()
    img = base.win.getScreenshot()
    a = np.frombuffer(img.getRamImageAs("BGR"), np.uint8).reshape(180, 320, 3)[::-1]
    return a[80:100, 70:90].mean(), a[80:100, 230:250].mean()
before = shot(0.0)
view.add_marker(0.5, 0.5, "pistol", 1.0)   # the shot: a muzzle flash
flash = shot(0.0)
after = shot(1.0)
view.check_shader()
print("cone", before[0], flash[0], after[0], "far", before[1], flash[1], after[1])
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-1500:]
    words = proc.stdout.split()
    cone = [float(v) for v in words[words.index("cone") + 1 : words.index("cone") + 4]]
    far = [float(v) for v in words[words.index("far") + 1 : words.index("far") + 4]]
    assert far[1] > 150 and far[0] < 60 and abs(far[2] - far[0]) < 1, proc.stdout
    assert cone[1] >= cone[0] - 1 and abs(cone[2] - cone[0]) < 1, proc.stdout
