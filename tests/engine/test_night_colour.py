"""The night pass over a clip's planes converts the codes itself, its blend folded into the
clip's colour matrix (engine/lowlight.py: DARK and LIT over VIDEO_YUV). The picture it
draws must be the blend of the day picture, computed here in numpy from the codes: in the
dark and in a cone, for BT.709 video range and BT.601 full range, with the grain centred."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

pytestmark = pytest.mark.render

W, H = 320, 180
CONE = (0.5, 0.45, 0.18)  # x, y (normalized, origin top-left), radius in heights

SCRIPT = """
import sys
import numpy as np
from engine import panda_setup
panda_setup.configure(True, 320, 180)
from direct.showbase.ShowBase import ShowBase
from engine.trainee_view import TraineeView
from engine.yuv_planes import YuvFrame
matrix, full, noise, out = sys.argv[1], sys.argv[2] == "full", float(sys.argv[3]), sys.argv[4]
base = ShowBase(windowType="offscreen")
view = TraineeView(base.render2d, 320 / 180, True, (320, 180, 0, 0), output=base.win)
rng = np.random.default_rng(5)
lo, hi = (0, 256) if full else (16, 236)
y = rng.integers(lo, hi, (180, 320), dtype=np.uint8)
u, v = (rng.integers(lo, hi if full else 241, (90, 160), dtype=np.uint8) for _ in range(2))
np.savez(out + ".npz", y=y, u=u, v=v)
view.night.mix, view.night.noise = 1.0, noise
view.night.ambient, view.night.desaturation = 0.5, 0.9  # a strong luma term
view.show_frame(YuvFrame((y, u, v), (320, 160, 160), 320, 180, "yuv", matrix, full),
                320 / 180, "noise")
view.update_night(True, [(0.5, 0.45)], 0.0, 1.0)
for _ in range(2):
    base.graphicsEngine.renderFrame()
view.check_shader()
shot = base.win.getScreenshot()
img = np.frombuffer(shot.getRamImageAs("RGB"), np.uint8).reshape(180, 320, 3)[::-1]
np.save(out, img)
print("renderer", base.win.getGsg().getDriverRenderer().replace(" ", "_"))
"""


def draw(tmp_path, matrix: str, rng: str, noise: float) -> tuple[np.ndarray, dict, str]:
    out = str(tmp_path / f"{matrix}-{rng}-{noise}")
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, matrix, rng, str(noise), out],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-1500:]
    planes = np.load(out + ".npz")
    return np.load(out + ".npy").astype(float), dict(planes), proc.stdout.split()[-1]


def expected(planes: dict, matrix: str, full: bool, luma: str | None = None) -> np.ndarray:
    """The night picture from the codes: the day's colour (chroma read nearest, as a
    software renderer does), its luma with the clip's own weights, the cone's light per
    pixel and the blend (engine.lowlight.night_weights), no grain. `luma`: another
    matrix's luma weights (to show the test tells them apart)."""
    from engine.lowlight import LowLight, night_weights
    from engine.yuv_planes import MATRICES, yuv_to_rgb

    u = planes["u"].repeat(2, 0).repeat(2, 1)
    v = planes["v"].repeat(2, 0).repeat(2, 1)
    rgb = np.stack(yuv_to_rgb(planes["y"].astype(float), u, v, matrix, full), -1)
    kr, kb = MATRICES[luma or matrix]
    lum = rgb @ np.array([kr, 1 - kr - kb, kb])
    cx, cy, r = CONE
    px, py = np.meshgrid((np.arange(W) + 0.5) / W, (np.arange(H) + 0.5) / H)
    d = np.hypot((px - cx) * W / H, py - cy) / r
    t = np.clip((d - 0.55) / 0.45, 0, 1)
    light = np.clip((1 - t * t * (3 - 2 * t)) * (1 - 0.35 * np.minimum(d, 1)), 0, 1.2)
    state = LowLight(ambient=0.5, desaturation=0.9, mix=1.0)
    w = np.array([night_weights(float(a), state)[:4] for a in light.ravel()]).reshape(H, W, 4)
    colour = rgb * w[..., :1] + lum[..., None] * w[..., 1:]
    return np.clip(colour, 0, 1) * 255, d


@pytest.mark.parametrize("matrix,rng", [("bt709", "video"), ("bt601", "full")])
def test_the_night_over_planes_is_the_blend_of_the_day_picture(tmp_path, matrix, rng):
    got, planes, renderer = draw(tmp_path, matrix, rng, 0.0)
    want, d = expected(planes, matrix, rng == "full")
    if "llvmpipe" not in renderer and "softpipe" not in renderer:
        pytest.skip(f"the reference reads chroma nearest, as software renderers do ({renderer})")
    diff = np.abs(got - want)
    # within a level or two of 8-bit rounding, in the dark and in the cone alike
    assert diff[d > 1.05].max() <= 2, diff[d > 1.05].max()
    assert diff[d < 0.95].max() <= 2, diff[d < 0.95].max()
    assert got[d < 0.3].mean() > 2 * got[d > 1.2].mean()  # a cone, lit
    # the luma is the clip's own: BT.601's weights on this BT.709 clip would miss
    if matrix == "bt709":
        other = expected(planes, matrix, False, luma="bt601")[0]
        assert np.abs(got - other)[d > 1.05].max() > 4


def test_the_grain_over_planes_is_centred(tmp_path):
    """The grain adds noise, not light: the code's -0.5 is folded into the offsets."""
    quiet, _, _ = draw(tmp_path, "bt709", "video", 0.0)
    grainy, _, _ = draw(tmp_path, "bt709", "video", 1.0)
    g = (grainy - quiet)[:, :90]  # far left: no cone
    assert g.std() > 2.0  # there is grain
    unclipped = (quiet[:, :90] > 20) & (quiet[:, :90] < 235)
    assert abs(g[unclipped].mean()) < 0.5, g[unclipped].mean()  # and it is centred
