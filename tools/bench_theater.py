"""`sightline bench theater`: what 3 and 5 projectors cost against one.

For 1, 3 and 5 screens of --size (default 1920x1080) around 60 degrees a screen, with
low light on and a flashlight cone, each frame uploads a new panorama frame (synthetic
noise, about 4:3 of panorama a screen: one clip's frame a screen, side by side; as YUV
planes or BGR, `--source`, by default as a run does: planes on a GPU) and draws every
projector offscreen through the projector shader (warp mesh, blend, markers, low light).
The timed loop is closed by a pixel readback of every output, so all queued rendering is
counted (llvmpipe renders asynchronously). Each count runs in a worker process (one
ShowBase a process); medians over --repeats runs are printed with the cost ratio against
one screen, or JSON with --json. Decoding is left out: `sightline bench render` measures it.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

import numpy as np

COUNTS = (1, 3, 5)
DEGREES_PER_SCREEN = 60.0


def _yuv_parts(picture: np.ndarray, screens: int) -> list:
    """The panorama picture as one 4:2:0 YuvFrame a screen, as the decoders give them."""
    import cv2

    from engine.yuv_planes import YuvFrame

    h, w = picture.shape[0], picture.shape[1] // screens
    parts = []
    for k in range(screens):
        i420 = cv2.cvtColor(
            np.ascontiguousarray(picture[:, k * w : (k + 1) * w]), cv2.COLOR_BGR2YUV_I420
        ).reshape(-1)
        n, c = h * w, (h // 2) * (w // 2)
        y = i420[:n].reshape(h, w)
        u = i420[n : n + c].reshape(h // 2, w // 2)
        v = i420[n + c : n + 2 * c].reshape(h // 2, w // 2)
        parts.append(YuvFrame((y, u, v), (w, w // 2, w // 2), w, h, "yuv", "bt601", False))
    return parts


def _worker(screens: int, w: int, h: int, frames: int, source: str = "auto") -> dict:
    from content.theater import Blend, Projector, Theater
    from engine import panda_setup
    from sim.panorama import Geometry, Panorama, even_arcs

    panda_setup.configure(True, w, h)
    from direct.showbase.ShowBase import ShowBase
    from panda3d.core import Texture

    from engine.theater import TheaterView, make_passes, open_buffer

    degrees = DEGREES_PER_SCREEN * screens
    arcs = even_arcs(screens, degrees * (1 if screens == 1 else 1.0), 0.15 if screens > 1 else 0)
    projectors = []
    for k, arc in enumerate(arcs):
        left = arcs[k - 1][1] - arc[0] if k > 0 else 0.0
        right = arc[1] - arcs[k + 1][0] if k + 1 < screens else 0.0
        projectors.append(Projector(f"s{k + 1}", Geometry(arc), Blend(left, right), None, (w, h)))
    theater = Theater(None, degrees, tuple(projectors))
    pano = Panorama(degrees)
    base = ShowBase(windowType="offscreen")
    outputs = [base.win] + [
        open_buffer(base, p.name, (w, h), 1 + i) for i, p in enumerate(projectors[1:])
    ]
    view = TheaterView(make_passes(outputs, theater, pano, TheaterView.make_texture()), None)
    ph = h
    pw = (int(ph * 4.0 / 3) // 4) * 4 * screens  # about the natural aspect of the arc
    rng = np.random.default_rng(1)
    pictures = [rng.integers(0, 255, (ph, pw, 3), dtype=np.uint8) for _ in range(2)]
    if source == "auto":  # as a run does (engine/theater_app.py TheaterApp.video_planes)
        from engine.panda_setup import is_software_renderer

        source = "bgr" if is_software_renderer(base.win) else "planes"
    if source == "planes":  # each screen's clip as a decoder's planes
        pictures = [_yuv_parts(p, screens) for p in pictures]
    else:  # each screen's clip as BGR
        pictures = [np.split(p, screens, axis=1) for p in pictures]
    shots = []
    for out in outputs:
        tex = Texture(f"readback-{out.getName()}")
        out.addRenderTexture(tex, out.RTM_copy_ram)
        shots.append(tex)
    view.night.mix = 1.0

    def frame(i: int) -> None:
        view.show_pano(pictures[i % 2], i)  # a new frame uploaded every frame
        view.update(True, [(0.5 + 0.2 * np.sin(i / 10), 0.5)], 1 / 30, i / 30)
        base.graphicsEngine.renderFrame()

    for i in range(5):  # warm up: shaders compiled, buffers allocated
        frame(i)
    for tex in shots:
        tex.getRamImage()
    view.check_shader()
    times = []
    t0 = time.perf_counter()
    for i in range(frames):
        t = time.perf_counter()
        frame(5 + i)
        for tex in shots:  # the readback closes the frame: its rendering is done
            tex.getRamImage()
        times.append(time.perf_counter() - t)
    total = time.perf_counter() - t0
    renderer = base.win.getGsg().getDriverRenderer()
    return {
        "screens": screens,
        "fps": frames / total,
        "median_ms": statistics.median(times) * 1000,
        "renderer": renderer,
        "source": source,
    }


def bench_theater(args: argparse.Namespace) -> int:
    w, h = args.size
    results: dict[int, list[dict]] = {n: [] for n in COUNTS}
    for _ in range(args.repeats):
        for n in COUNTS:
            proc = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "tools.bench_theater",
                    str(n),
                    str(w),
                    str(h),
                    str(args.frames),
                    args.source,
                ],
                capture_output=True,
                text=True,
                timeout=900,
            )
            if proc.returncode != 0:
                print(proc.stderr[-2000:], file=sys.stderr)
                return 1
            results[n].append(json.loads(proc.stdout.strip().splitlines()[-1]))
    rows = []
    one = statistics.median(r["median_ms"] for r in results[1])
    for n in COUNTS:
        ms = statistics.median(r["median_ms"] for r in results[n])
        fps = statistics.median(r["fps"] for r in results[n])
        rows.append(
            {
                "screens": n,
                "fps": round(fps, 2),
                "median_ms": round(ms, 1),
                "cost_ratio": round(ms / one, 2),
            }
        )
    summary = {
        "size": f"{w}x{h}",
        "frames": args.frames,
        "repeats": args.repeats,
        "low_light": True,
        "renderer": results[1][0]["renderer"],
        "source": results[1][0]["source"],
        "rows": rows,
    }
    args.result = summary  # `bench theater --json` prints it (tools/bench_suite.run_bench)
    print(
        f"sightline bench theater: {w}x{h} a screen, low light and a flashlight on, "
        f"median of {args.repeats} runs of {args.frames} frames (upload + draw + readback)"
    )
    print(f"renderer: {summary['renderer']}; the screens' frames as {summary['source']}")
    print(f"{'screens':>7} {'fps':>8} {'ms/frame':>9} {'cost vs 1':>10}")
    for r in rows:
        print(f"{r['screens']:>7} {r['fps']:>8.2f} {r['median_ms']:>9.1f} {r['cost_ratio']:>10.2f}")
    return 0


if __name__ == "__main__":  # a worker: python -m tools.bench_theater SCREENS W H FRAMES SOURCE
    n, w, h, frames = (int(v) for v in sys.argv[1:5])
    print(json.dumps(_worker(n, w, h, frames, sys.argv[5] if len(sys.argv) > 5 else "auto")))
