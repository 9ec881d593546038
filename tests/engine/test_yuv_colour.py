"""The video card's YUV conversion (engine/yuv_card.py) against the standards: colour-bar
clips encoded losslessly with known Y'CbCr codes in each of BT.601 and BT.709, video and
full range, tagged as such, decoded as planes, drawn by the trainee view offscreen and
read back; every bar must come out as the RGB it was made from. Also NV12 (what hardware
decoders give) against the planar frame, and rows padded past the picture's width."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import av
import numpy as np
import pytest

pytestmark = pytest.mark.render

# 75 % colour bars (R'G'B' 0..1), left to right, and a 100 % white and black pair
BARS = [
    (0.75, 0.75, 0.75),
    (0.75, 0.75, 0.0),
    (0.0, 0.75, 0.75),
    (0.0, 0.75, 0.0),
    (0.75, 0.0, 0.75),
    (0.75, 0.0, 0.0),
    (0.0, 0.0, 0.75),
    (0.0, 0.0, 0.0),
    (1.0, 1.0, 1.0),
    (0.2, 0.4, 0.9),
]
BAR_W, H = 32, 64
# Kr, Kb as the standards give them (ITU-R BT.601-7, BT.709-6)
STANDARDS = {"bt601": (0.299, 0.114), "bt709": (0.2126, 0.0722)}
AVCOL_SPC = {"bt601": 6, "bt709": 1}  # SMPTE 170M (BT.601 525), BT.709


def ycbcr_codes(rgb, matrix: str, full: bool) -> tuple[int, int, int]:
    """8-bit Y'CbCr of an R'G'B' colour, written from the standards' definitions."""
    kr, kb = STANDARDS[matrix]
    r, g, b = rgb
    y = kr * r + (1 - kr - kb) * g + kb * b
    cb = (b - y) / (2 * (1 - kb))
    cr = (r - y) / (2 * (1 - kr))
    if full:
        return round(255 * y), round(128 + 255 * cb), round(128 + 255 * cr)
    return round(16 + 219 * y), round(128 + 224 * cb), round(128 + 224 * cr)


def bar_clip(path: Path, matrix: str, full: bool, frames: int = 3) -> Path:
    w = BAR_W * len(BARS)
    y = np.zeros((H, w), np.uint8)
    u = np.zeros((H // 2, w // 2), np.uint8)
    v = np.zeros((H // 2, w // 2), np.uint8)
    for i, rgb in enumerate(BARS):
        cy, cb, cr = ycbcr_codes(rgb, matrix, full)
        y[:, i * BAR_W : (i + 1) * BAR_W] = cy
        u[:, i * BAR_W // 2 : (i + 1) * BAR_W // 2] = cb
        v[:, i * BAR_W // 2 : (i + 1) * BAR_W // 2] = cr
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = w, H, "yuv420p"
        stream.options = {"qp": "0", "preset": "ultrafast"}  # lossless
        stream.codec_context.colorspace = AVCOL_SPC[matrix]
        stream.codec_context.color_range = 2 if full else 1
        for n in range(frames):
            frame = av.VideoFrame.from_ndarray(
                np.concatenate([y, u.reshape(-1, w), v.reshape(-1, w)]), format="yuv420p"
            )
            frame.colorspace = AVCOL_SPC[matrix]
            frame.color_range = 2 if full else 1
            frame.pts = n
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


RENDER = r"""
import json, sys
import numpy as np
from engine import panda_setup
jobs = json.loads(sys.argv[1])
w, h = jobs["size"]
panda_setup.configure(True, w, h)
from direct.showbase.ShowBase import ShowBase
from engine.trainee_view import TraineeView
from engine.video import ClipDecoder
from engine.yuv_planes import yuv_frame
import av
base = ShowBase(windowType="offscreen")
base.setBackgroundColor(0, 0, 0, 1)
view = TraineeView(base.render2d, w / h, False, None, output=base.win)
results = []
for job in jobs["clips"]:
    if job.get("nv12"):
        with av.open(job["path"]) as c:
            f = next(c.decode(video=0)).reformat(format="nv12")
        frame = yuv_frame(f)
        info = {"layout": frame.layout}
    else:
        dec = ClipDecoder(job["path"], 0.0, planes=True)
        frame = dec.frame_at(0.0, block=True)[1]
        dec.close(wait=True)
        info = {"layout": frame.layout, "matrix": frame.matrix, "full": frame.full_range}
    view.show_frame(frame, frame.width / frame.height, job["path"] + str(job.get("nv12")))
    base.graphicsEngine.renderFrame()
    base.graphicsEngine.renderFrame()
    shot = base.win.getScreenshot()
    img = np.frombuffer(shot.getRamImageAs("RGB"), np.uint8).reshape(h, w, 3)[::-1]
    np.save(job["out"], img)
    info["card_layout"] = view._yuv.layout
    info["software"] = view._software
    info["shader_error"] = bool(view._card.getShader() and view._card.getShader().getErrorFlag())
    results.append(info)
print(json.dumps(results))
"""


def render(jobs: dict, **env: str) -> list[dict]:
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.run(
        [sys.executable, "-c", RENDER, json.dumps(jobs)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=root,
        env={**os.environ, **env},
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_colour_bars_come_out_as_made_in_601_and_709_video_and_full_range(tmp_path):
    combos = [(m, f) for m in ("bt601", "bt709") for f in (False, True)]
    clips = []
    for m, f in combos:
        name = f"{m}-{'full' if f else 'video'}"
        clips.append(
            {
                "path": str(bar_clip(tmp_path / f"{name}.mp4", m, f)),
                "out": str(tmp_path / f"{name}.npy"),
            }
        )
    results = render({"size": [BAR_W * len(BARS), H], "clips": clips})
    for (m, f), job, info in zip(combos, clips, results, strict=True):
        packed = "nv12" if info["software"] else "yuv"  # for a software renderer (below)
        assert info == {
            "layout": "yuv",
            "matrix": m,
            "full": f,
            "card_layout": packed,
            "software": info["software"],
            "shader_error": False,
        }
        img = np.load(job["out"]).astype(float)
        for i, rgb in enumerate(BARS):
            # the bar's middle, away from the chroma transitions at its edges
            got = img[H // 4 : 3 * H // 4, i * BAR_W + 8 : (i + 1) * BAR_W - 8].mean(axis=(0, 1))
            want = np.array(rgb) * 255
            # 8-bit Y'CbCr codes round to within about 1 level of RGB; the renderer adds one
            assert np.abs(got - want).max() <= 2.5, (m, f, i, got.round(1), want)


def test_a_wrong_matrix_would_show(tmp_path):
    """The check above can fail: BT.709 codes read as BT.601 miss by far more than 2.5."""
    from engine.yuv_planes import yuv_to_rgb

    cy, cb, cr = ycbcr_codes(BARS[5], "bt709", False)  # red
    rgb = np.array(yuv_to_rgb(np.float32(cy), np.float32(cb), np.float32(cr), "bt601", False))
    assert np.abs(rgb * 255 - np.array(BARS[5]) * 255).max() > 10


def test_nv12_and_padded_rows_draw_the_same_picture(tmp_path):
    """NV12 (U and V interleaved in one two-channel texture) against the planar frame, on
    a clip 854 px wide, whose rows FFmpeg pads to 896 bytes."""
    from content import DEMO_PACK

    clip = str(Path(DEMO_PACK) / "media" / "flee.mp4")
    with av.open(clip) as c:
        first = next(c.decode(video=0))
        assert first.planes[0].line_size > first.width  # padded rows
    jobs = [
        {"path": clip, "out": str(tmp_path / "planar.npy")},
        {"path": clip, "out": str(tmp_path / "nv12.npy"), "nv12": True},
    ]
    results = render({"size": [854, 480], "clips": jobs})
    assert [r["layout"] for r in results] == ["yuv", "nv12"]
    planar, nv12 = (np.load(j["out"]).astype(int) for j in jobs)
    assert planar.mean() > 20  # a picture, not black
    diff = np.abs(planar - nv12)
    assert diff.mean() < 0.5 and diff.max() <= 2, (diff.mean(), diff.max())
    # the right edge reads the picture, not the padding past it
    assert np.abs(planar[:, -2:].mean() - planar[:, -6:-2].mean()) < 12


def reencoded(src: str, path: Path, pix_fmt: str, frames: int = 2) -> str:
    """The first frames of a clip again, lossless, in another chroma layout."""
    with av.open(src) as inp, av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=30)
        first = inp.streams.video[0]
        stream.width, stream.height, stream.pix_fmt = first.width, first.height, pix_fmt
        stream.options = {"qp": "0", "preset": "ultrafast"}
        for i, frame in enumerate(inp.decode(video=0)):
            if i >= frames:
                break
            frame = frame.reformat(format=pix_fmt)
            frame.pts = i
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return str(path)


def test_chroma_packed_on_a_software_renderer_draws_the_planar_picture(tmp_path):
    """On llvmpipe the card interleaves U and V into one texture as it copies them (one
    texture read a pixel fewer); the picture is the planar one's: on a 4:2:0 clip whose
    rows are padded and whose chroma is an odd 427 px wide, and in 4:2:2 and 4:4:4."""
    from content import DEMO_PACK

    clip = str(Path(DEMO_PACK) / "media" / "flee.mp4")
    clips = [clip] + [reencoded(clip, tmp_path / f"{f}.mp4", f) for f in ("yuv422p", "yuv444p")]
    got = {}
    for pack in ("1", "0"):
        jobs = [
            {"path": c, "out": str(tmp_path / f"pack-{pack}-{i}.npy")} for i, c in enumerate(clips)
        ]
        results = render({"size": [854, 480], "clips": jobs}, SIGHTLINE_PACK_CHROMA=pack)
        assert not any(r["shader_error"] for r in results)
        if not results[0]["software"]:
            pytest.skip("the renderer is a GPU: chroma is packed only for software renderers")
        got[pack] = [
            (r["card_layout"], np.load(j["out"]).astype(int))
            for r, j in zip(results, jobs, strict=True)
        ]
    for (layout_p, packed), (layout_u, planar) in zip(got["1"], got["0"], strict=True):
        assert (layout_p, layout_u) == ("nv12", "yuv")
        assert planar.mean() > 20
        assert np.abs(packed - planar).max() == 0
