"""`sightline bench render`: how close the video pipeline runs to the decoder's limit.

For each size it measures, on the same H.264 clip:
  decode     the decoder alone: PyAV to its YUV planes, threaded as the pipeline's
             decoder is, nothing converted (frames/s, no display);
  pipeline   background decode + texture upload + render of the trainee view, frames
             pipelined as in a live run, the timed loop closed by a pixel readback so
             that all queued rendering is counted;
and prints medians over repeats and the ratio pipeline / decode. Each size runs in a
worker process, because Panda3D wants one ShowBase (and one window size) per process.

The default clip is real camera footage: the ShootOFF webcam recording in ../shared,
rescaled and re-encoded with libx264 at each size (sensor noise and motion exercise the
decoder as filmed scenarios do). Without that data a synthetic moving clip is used, and
the output says so. `--clip FILE` benchmarks your own footage at its own size.

Owns the render benchmark, its fill-only mode and the worker; the worker's process
entry is `python -m tools.bench_render CLIP W H SECONDS [MODE]` (the main block below,
run by `bench_render` and by tests/engine/test_decoder_exit.py). The clips and the
decode-alone timings live in tools/bench_clips.py.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from tools.bench_clips import make_clip, yuv_decode_fps
from tools.progress import progress


def worker(clip: Path, width: int, height: int, seconds: float, mode: str = "plain") -> dict:
    """Runs in its own process: present the clip through the engine's decoder and view
    (YUV planes, as `run` does; mode "bgr" for the former OpenCV BGR path). It also times
    the decoder alone in the same process, before and after, so that the ratio compares
    figures taken under the same load."""
    from engine import panda_setup

    panda_setup.configure(True, width, height)
    from direct.showbase.ShowBase import ShowBase

    from engine.trainee_view import TraineeView
    from engine.video import ClipDecoder

    base = ShowBase(windowType="offscreen")
    lowlight = mode in ("lowlight4", "lowlight_ab")
    view = TraineeView(
        base.render2d,
        width / height,
        True,
        (width, height, 0, 0) if lowlight else None,
        output=base.win,
    )
    from engine.scene3d import Scene3D

    # the 3D scene as a run has it (empty but for overlay3d; it owns the depth clear)
    scene = Scene3D(base.render, base.cam, width / height, base.win)
    movers = []
    if mode == "overlay3d":  # a busy 3D overlay: 200 plates at many depths, 40 labels
        for i in range(200):
            x, depth = (i % 20 - 9.5) * 0.5, 4 + (i // 20) * 1.5
            movers.append(scene.spawn_plate(f"p{i}", (x, depth, -1.0 + (i % 7) * 0.3), 0.3))
        for i in range(40):
            scene.spawn_label(f"l{i}", f"target {i}", ((i % 8 - 3.5) * 1.2, 8.0, 1.0 + i // 8))
    if lowlight:  # the night pass at full strength with four flashlight cones
        view.night.mix = 1.0
        beams = [(0.25, 0.3), (0.7, 0.35), (0.4, 0.7), (0.8, 0.75)]
        view.update_night(True, beams, 0.0, 0.0)
    base.graphicsEngine.renderFrame()
    decode_before = yuv_decode_fps(clip)[0]
    if mode == "fill":
        return fill_run(base, view, clip, seconds, decode_before)
    if mode == "lowlight_ab":
        return night_ab_run(base, view, scene, clip, seconds, beams)
    frame_ms: list[float] = []
    frames = 0
    t_start = time.perf_counter()
    while time.perf_counter() - t_start < seconds:
        dec = ClipDecoder(clip, 0.0, queue_frames=8, planes=mode != "bgr")
        t_media = 0.0
        while True:
            t0 = time.perf_counter()
            got = dec.frame_at(t_media, block=True)
            if dec.eof and got is not None and got[0] < t_media - 0.5:
                break
            view.show_frame(got[1], width / height, (id(dec), got[0]))
            if lowlight:  # as a run does each frame (the grain drawn anew)
                view.update_night(True, beams, 1 / 30, frames / 30)
            for k, plate in enumerate(movers):  # everything moves every frame
                plate.setH((frames * 3 + k * 7) % 360)
            scene.sync_depth_clear()
            base.graphicsEngine.renderFrame()
            frame_ms.append((time.perf_counter() - t0) * 1000)
            frames += 1
            t_media += 1 / 30
            if time.perf_counter() - t_start >= seconds:
                break
        dec.close(wait=True)  # a decoder thread alive at exit aborts the process
    base.win.getScreenshot()  # wait for every queued frame to be drawn
    elapsed = time.perf_counter() - t_start
    renderer = base.win.getGsg().getDriverRenderer()
    decode = (yuv_decode_fps(clip)[0] + decode_before) / 2
    return {
        "decode_fps": decode,
        "fps": frames / elapsed,
        "frames": frames,
        "uploads": view.uploads,
        "median_ms": statistics.median(frame_ms),
        "p99_ms": float(np.percentile(frame_ms, 99)),
        "renderer": renderer,
    }


#: night_ab_run's blocks: frames timed, after frames to settle (the grain's texture layout
#: and the shaders switch with the mode), and the fewest of each mode a run takes however
#: short (`bench all --quick`'s 2 s runs drew 3-4 of each: a median of so few scatters)
AB_BLOCK, AB_SETTLE, AB_MIN_BLOCKS = 24, 3, 6


def night_ab_run(base, view, scene, clip: Path, seconds: float, beams) -> dict:
    """The low-light pass's cost as a run pays it: plain video and night with four cones in
    alternating blocks of AB_BLOCK frames, in one process on one decoding clip, each block
    closed by a readback (every queued frame drawn) and `update_night` called every frame
    in both, as `TraineeView.present` does. On a shared machine whose speed drifts over
    seconds, two separate runs compared one after the other scattered by 0.1-0.2 in the
    ratio; blocks a fifth of a second long, alternated, see the same drift."""
    from engine.video import ClipDecoder

    w, h = base.win.getXSize(), base.win.getYSize()
    blocks: dict[str, list[float]] = {"plain": [], "night": []}
    dec = ClipDecoder(clip, 0.0, queue_frames=8, planes=True)
    t_media, frames = 0.0, 0
    t_start = time.perf_counter()
    try:
        while time.perf_counter() - t_start < seconds or len(blocks["night"]) < AB_MIN_BLOCKS:
            night = len(blocks["plain"]) > len(blocks["night"])
            view.night.mix = 1.0 if night else 0.0
            for k in range(AB_SETTLE + AB_BLOCK):
                if k == AB_SETTLE:
                    base.win.getScreenshot()
                    t0 = time.perf_counter()
                got = dec.frame_at(t_media, block=True)
                if dec.eof and got is not None and got[0] < t_media - 0.5:  # the clip again
                    dec.close(wait=True)
                    dec = ClipDecoder(clip, 0.0, queue_frames=8, planes=True)
                    t_media = 0.0
                    got = dec.frame_at(t_media, block=True)
                view.show_frame(got[1], w / h, (id(dec), got[0]))
                view.update_night(night, beams if night else [], 1 / 30, frames / 30)
                scene.sync_depth_clear()
                base.graphicsEngine.renderFrame()
                frames += 1
                t_media += 1 / 30
            base.win.getScreenshot()
            blocks["night" if night else "plain"].append(
                (time.perf_counter() - t0) * 1000 / AB_BLOCK
            )
    finally:
        dec.close(wait=True)  # a decoder thread alive at exit aborts the process
    plain, dark = statistics.median(blocks["plain"]), statistics.median(blocks["night"])
    return {
        "plain_ms": plain,
        "night_ms": dark,
        "ratio": dark / plain,
        "fps": 1000 / dark,
        "blocks": len(blocks["night"]),
        "renderer": base.win.getGsg().getDriverRenderer(),
    }


#: The least a frame can cost: one full-window quad of a constant colour, nothing read.
FILL_FRAGMENT = """
#version 130
out vec4 colour;
void main() {
    colour = vec4(0.25, 0.5, 0.75, 1.0);
}
"""
FILL_VERTEX = """
#version 130
uniform mat4 p3d_ModelViewProjectionMatrix;
in vec4 p3d_Vertex;
void main() {
    gl_Position = p3d_ModelViewProjectionMatrix * p3d_Vertex;
}
"""


def fill_run(base, view, clip: Path, seconds: float, decode_before: float) -> dict:
    """The renderer's own bound at this size: frames a second of a window-filling quad
    that reads no texture and does no sum (no decode, no upload; a readback every 16
    frames). Where the renderer is software, decoding and drawing share the same cores,
    so a pipeline that decodes and draws every frame spends at least 1/decode + 1/fill
    seconds a frame: its ratio to the decoder's speed is at most fill / (fill + decode)
    (`bench render` prints it as the ceiling)."""
    from panda3d.core import CardMaker, Shader

    from engine.panda_setup import is_software_renderer

    view._card.hide()
    cm = CardMaker("fill")
    cm.setFrameFullscreenQuad()
    card = base.render2d.attachNewNode(cm.generate())
    card.setShader(Shader.make(Shader.SL_GLSL, FILL_VERTEX, FILL_FRAGMENT))
    for _ in range(3):
        base.graphicsEngine.renderFrame()
    base.win.getScreenshot()
    frames = 0
    t_start = time.perf_counter()
    while time.perf_counter() - t_start < seconds:
        for _ in range(16):  # queued as the pipeline queues them, drawn before the next batch
            base.graphicsEngine.renderFrame()
        base.win.getScreenshot()
        frames += 16
    elapsed = time.perf_counter() - t_start
    decode = (yuv_decode_fps(clip)[0] + decode_before) / 2
    fps = frames / elapsed
    # a GPU draws beside the CPU's decoding: only the slower of the two bounds the pipeline
    ceiling = fps / (fps + decode) if is_software_renderer(base.win) else min(1.0, fps / decode)
    return {"decode_fps": decode, "fps": fps, "frames": frames, "ceiling": ceiling}


def bench_render(args: argparse.Namespace) -> int:
    sizes = list(args.sizes)
    if args.clip:
        from content.media import probe_media  # MediaError: one line naming the file

        info = probe_media(args.clip)
        sizes = [(info.width, info.height)]
    print(f"sightline bench render: median of {args.repeats} runs of {args.seconds:g} s each")
    modes = ["plain", "lowlight_ab", "overlay3d", "fill"] + (["bgr"] if args.bgr else [])
    rows = []
    renderer = "?"
    for w, h in sizes:
        clip, desc = (args.clip, "your clip") if args.clip else make_clip(w, h)
        got: dict[str, list[dict]] = {m: [] for m in modes}
        for _ in progress(range(args.repeats), f"bench render {w}x{h}", unit="runs"):
            for mode in modes:
                proc = subprocess.run(
                    [
                        sys.executable,
                        "-m",
                        "tools.bench_render",
                        str(clip),
                        str(w),
                        str(h),
                        str(args.seconds),
                        mode,
                    ],
                    capture_output=True,
                    text=True,
                    timeout=600,
                )
                if proc.returncode != 0:
                    print(proc.stderr[-2000:], file=sys.stderr)
                    return 1
                got[mode].append(json.loads(proc.stdout.strip().splitlines()[-1]))
        renderer = got["plain"][0]["renderer"]

        def med(mode: str, key: str, got=got) -> float:
            return statistics.median(r[key] for r in got[mode])

        # each run's own pipeline / decode ratio (same process, same load), then the median
        ratio = statistics.median(r["fps"] / r["decode_fps"] for r in got["plain"])
        row = {
            "size": f"{w}x{h}",
            "decode_fps": round(med("plain", "decode_fps"), 2),
            "pipeline_fps": round(med("plain", "fps"), 2),
            "ratio": round(ratio, 4),
            "ms_median": round(med("plain", "median_ms"), 3),
            "ms_p99": round(med("plain", "p99_ms"), 3),
            "lowlight4_fps": round(med("lowlight_ab", "fps"), 2),
            # plain and night alternated in blocks within each run (night_ab_run)
            "lowlight4_cost": round(med("lowlight_ab", "ratio"), 3),
            "fill_fps": round(med("fill", "fps"), 2),
            # the highest pipeline / decode ratio a software renderer allows (see fill_run)
            "ceiling_ratio": round(statistics.median(r["ceiling"] for r in got["fill"]), 4),
            "overlay3d_fps": round(med("overlay3d", "fps"), 2),
            "overlay3d_cost": round(med("plain", "fps") / med("overlay3d", "fps"), 3),
            "clip": desc,
        }
        if args.bgr:
            row["bgr_pipeline_fps"] = round(med("bgr", "fps"), 2)
            row["bgr_ratio"] = round(
                statistics.median(r["fps"] / r["decode_fps"] for r in got["bgr"]), 4
            )
        rows.append(row)
    print(f"renderer: {renderer}")
    print(
        f"{'size':<10} {'decode fps':>11} {'pipeline fps':>13} {'ratio':>6} "
        f"{'ms/frame':>9} {'p99 submit ms':>14}"
        + (f" {'BGR path fps':>13} {'ratio':>6}" if args.bgr else "")
    )
    for r in rows:
        print(
            f"{r['size']:<10} {r['decode_fps']:>11.1f} {r['pipeline_fps']:>13.1f} "
            f"{r['ratio']:>6.2f} {1000 / r['pipeline_fps']:>9.2f} {r['ms_p99']:>14.2f}"
            + (f" {r['bgr_pipeline_fps']:>13.1f} {r['bgr_ratio']:>6.2f}" if args.bgr else "")
        )
    print(f"{'size':<10} {'fill-only fps':>14} {'ceiling ratio':>14} {'ratio':>6}")
    for r in rows:
        print(
            f"{r['size']:<10} {r['fill_fps']:>14.1f} {r['ceiling_ratio']:>14.2f} {r['ratio']:>6.2f}"
        )
    print(
        f"{'size':<10} {'plain fps':>10} {'low light+4 cones':>18} {'ratio':>6} "
        f"{'busy 3D overlay':>16} {'ratio':>6}"
    )
    for r in rows:
        print(
            f"{r['size']:<10} {r['pipeline_fps']:>10.1f} {r['lowlight4_fps']:>18.1f} "
            f"{r['lowlight4_cost']:>6.2f} {r['overlay3d_fps']:>16.1f} {r['overlay3d_cost']:>6.2f}"
        )
    args.result = {
        "renderer": renderer,
        "clip": rows[0]["clip"] if rows else "",
        "seconds": args.seconds,
        "repeats": args.repeats,
        "sizes": rows,
    }
    print("clip: " + rows[0]["clip"] if rows else "")
    print(
        "decode fps = PyAV decoding to YUV planes alone (the decoder's own speed), timed in "
        "each worker process; ratio = pipeline fps / decode fps, median of the runs' ratios"
    )
    print("p99 submit ms = 99th percentile of one frame's wait + upload + render call;")
    print(
        "fill-only = a window-filling quad of one colour, no texture, no decode; ceiling ratio "
        "= fill / (fill + decode) on a software renderer (decoding and drawing share the "
        "cores, so no pipeline that decodes and draws every frame reaches a higher ratio), "
        "min(1, fill / decode) on a GPU"
    )
    print(
        "ratios = frame time with the low-light pass and four flashlight cones (plain and "
        "night alternated in blocks of 24 frames within each run, median of the runs), or "
        "with a busy 3D overlay (200 moving plates, 40 labels, separate runs), / plain video"
    )
    if args.bgr:
        print("BGR path = the former pipeline (OpenCV decode to BGR, RGB texture), same decode fps")
    return 0


if __name__ == "__main__":  # the worker process
    clip_arg, w_arg, h_arg, s_arg = sys.argv[1:5]
    mode_arg = sys.argv[5] if len(sys.argv) > 5 else "plain"
    result = worker(Path(clip_arg), int(w_arg), int(h_arg), float(s_arg), mode_arg)
    print(json.dumps(result))
