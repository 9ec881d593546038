"""`sightline bench render`: how close the video pipeline runs to the decoder's limit.

For each size it measures, on the same H.264 clip:
  decode     OpenCV decode alone (frames/s, no display);
  pipeline   background decode + texture upload + render of the trainee view, frames
             pipelined as in a live run, the timed loop closed by a pixel readback so
             that all queued rendering is counted;
and prints medians over repeats and the ratio pipeline / decode. Each size runs in a
worker process, because Panda3D wants one ShowBase (and one window size) per process.

The default clip is real camera footage: the ShootOFF webcam recording in ../shared,
rescaled and re-encoded with libx264 at each size (sensor noise and motion exercise the
decoder as filmed scenarios do). Without that data a synthetic moving clip is used, and
the output says so. `--clip FILE` benchmarks your own footage at its own size.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import statistics
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np

from tools.progress import progress

REAL_SOURCE = (
    Path(__file__).resolve().parents[1].parent
    / "shared"
    / "data"
    / "shootoff"
    / "c615_close_red_edwardkort.mp4"
)
CACHE = Path("sightline-output") / "bench"
CLIP_FRAMES = 240


def make_clip(width: int, height: int) -> tuple[Path, str]:
    """An H.264 clip at this size; (path, description). Cached between runs."""
    from engine.video_out import H264Writer

    cached_real = CACHE / f"real-{width}x{height}.mp4"
    real = REAL_SOURCE.is_file() or cached_real.is_file()
    kind = "real" if real else "synthetic"
    path = CACHE / f"{kind}-{width}x{height}.mp4"
    desc = (
        f"real webcam footage ({REAL_SOURCE.name}) rescaled, libx264 CRF 20"
        if real
        else "synthetic moving noise (no ../shared data), libx264 CRF 20"
    )
    if path.is_file():
        return path, desc
    CACHE.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(1)
    cap = cv2.VideoCapture(str(REAL_SOURCE)) if real else None
    base = rng.integers(0, 255, (height // 8, width // 8, 3), dtype=np.uint8)
    with H264Writer(path, width, height, 30.0, crf=20, preset="medium") as out:
        for i in range(CLIP_FRAMES):
            if cap is not None:
                ok, img = cap.read()
                if not ok:
                    cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
                    ok, img = cap.read()
                img = cv2.resize(img, (width, height), interpolation=cv2.INTER_CUBIC)
            else:
                img = cv2.resize(np.roll(base, i, axis=1), (width, height))
                img = cv2.add(img, rng.integers(0, 24, img.shape, dtype=np.uint8))
            out.write(img, i / 30.0)
    return path, desc


def decode_fps(path: Path) -> tuple[float, int]:
    """OpenCV decoding to BGR (what the pipeline used before it took YUV planes)."""
    cap = cv2.VideoCapture(str(path))
    n = 0
    t0 = time.perf_counter()
    while cap.read()[0]:
        n += 1
    return n / (time.perf_counter() - t0), n


def yuv_decode_fps(path: Path) -> tuple[float, int]:
    """The decoder's own speed: PyAV decoding to its YUV planes, threaded as the
    pipeline's decoder is, nothing converted (the ceiling for the pipeline)."""
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        n = 0
        t0 = time.perf_counter()
        for _ in container.decode(stream):
            n += 1
        return n / (time.perf_counter() - t0), n


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
    lowlight = mode == "lowlight4"
    view = TraineeView(
        base.render2d,
        width / height,
        True,
        (width, height, 0, 0) if lowlight else None,
        output=base.win,
    )
    movers = []
    if mode == "overlay3d":  # a busy 3D overlay: 200 plates at many depths, 40 labels
        from engine.scene3d import Scene3D

        scene = Scene3D(base.render, base.cam, width / height)
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
            for k, plate in enumerate(movers):  # everything moves every frame
                plate.setH((frames * 3 + k * 7) % 360)
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
    sizes = []
    for text in args.sizes.split(","):
        w, h = (int(v) for v in text.lower().split("x"))
        sizes.append((w, h))
    if args.clip:
        info = cv2.VideoCapture(str(args.clip))
        sizes = [(int(info.get(3)), int(info.get(4)))]
    print(f"sightline bench render: median of {args.repeats} runs of {args.seconds:g} s each")
    modes = ["plain", "lowlight4", "overlay3d", "fill"] + (["bgr"] if args.bgr else [])
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
                        "tools.bench",
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
            "lowlight4_fps": round(med("lowlight4", "fps"), 2),
            "lowlight4_cost": round(
                statistics.median(
                    p["fps"] / n["fps"] for p, n in zip(got["plain"], got["lowlight4"], strict=True)
                ),
                3,
            ),
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
        "ratios = frame time with the low-light pass and four flashlight cones, or with a "
        "busy 3D overlay (200 moving plates, 40 labels), / plain video"
    )
    if args.bgr:
        print("BGR path = the former pipeline (OpenCV decode to BGR, RGB texture), same decode fps")
    return 0


def bench_branch(args: argparse.Namespace) -> int:
    """Trigger to first new frame, in a live-paced session (real clock, video never waited
    for), with the branches' first frames pre-buffered and, for comparison, without."""
    from content import DEMO_PACK
    from content.pack import load_pack
    from engine import panda_setup

    w, h = 1280, 720
    panda_setup.configure(True, w, h)
    from direct.showbase.ShowBase import ShowBase

    from drivers.input_queue import host_now_s
    from engine.session import Session
    from engine.trainee_view import TraineeView
    from sim.events import KeyPress

    pack = load_pack(DEMO_PACK)
    base = ShowBase(windowType="offscreen")
    view = TraineeView(base.render2d, w / h, output=base.win)  # as `run` draws it
    base.graphicsEngine.renderFrame()
    target = pack.scenario.segments["draw"].clip
    waited = {True: 0, False: 0}  # branches taken by the sim whose clip was not decoded yet
    rng = np.random.default_rng(3)
    results: dict[bool, tuple[list[float], list[int]]] = {}
    ready_ms: list[float] = []  # session start to every branch's first frame decoded
    frame_ms: list[float] = []
    for prebuffer in (True, False):
        ms, frames = [], []
        for _ in range(args.trials):
            session = Session(pack, host_now_s, 120, w / h, prebuffer=prebuffer, video_planes=True)
            started = host_now_s()
            warm_until = started + float(rng.uniform(0.4, 0.9))
            stamp = None
            n_after = 0
            while True:
                t0 = time.perf_counter()
                out = session.frame()
                if out.video is not None:
                    view.show_frame(out.video[1], out.segment_aspect, out.video_token)
                base.graphicsEngine.renderFrame()
                base.win.getScreenshot()  # the frame is on screen when this returns
                frame_ms.append((time.perf_counter() - t0) * 1000)
                if stamp is not None:
                    n_after += 1
                    key = session.player.current_key
                    if key and key[0] == target and out.video is not None:
                        ms.append((host_now_s() - stamp) * 1000)
                        frames.append(n_after)
                        break
                    if n_after == 1 and key and key[0] == target:
                        waited[prebuffer] += 1
                    if n_after > 600:
                        raise RuntimeError("the branch never showed")
                elif host_now_s() >= warm_until and (not prebuffer or _buffered(session)):
                    if prebuffer:
                        ready_ms.append((host_now_s() - started) * 1000)
                    stamp = host_now_s()
                    session.inputs.put(KeyPress(0.0, "2"), stamp)
            session.close()
        results[prebuffer] = (ms, frames)
    frame = statistics.median(frame_ms)
    print(
        f"sightline bench branch: {args.trials} branches each way, {pack.title}, "
        f"approach -> draw, {w}x{h}"
    )
    print(f"renderer: {base.win.getGsg().getDriverRenderer()}; median frame {frame:.1f} ms")
    print(f"{'':<22} {'ms median':>10} {'ms p99':>8} {'frames median':>14} {'frames max':>11}")
    for prebuffer, label in ((True, "pre-buffered"), (False, "cold (no pre-buffer)")):
        ms, frames = results[prebuffer]
        print(
            f"{label:<22} {statistics.median(ms):>10.1f} {np.percentile(ms, 99):>8.1f} "
            f"{statistics.median(frames):>14.0f} {max(frames):>11d}"
        )
    args.result = {
        "pack": pack.title,
        "size": f"{w}x{h}",
        "renderer": base.win.getGsg().getDriverRenderer(),
        "frame_ms_median": round(frame, 3),
        "prebuffer_ready_ms_median": round(statistics.median(ready_ms), 1),
        "prebuffer_ready_ms_max": round(max(ready_ms), 1),
    }
    for prebuffer, key in ((True, "prebuffered"), (False, "cold")):
        ms, frames = results[prebuffer]
        args.result[key] = {
            "ms_median": round(statistics.median(ms), 3),
            "ms_p99": round(float(np.percentile(ms, 99)), 3),
            "frames_median": float(statistics.median(frames)),
            "frames_p99": float(np.percentile(frames, 99)),
            "frames_max": int(max(frames)),
            "frames_histogram": {str(k): frames.count(k) for k in sorted(set(frames))},
            "trials": len(ms),
            "decoder_not_ready": waited[prebuffer],
        }
    print(
        f"pre-buffered: the key is pressed 0.4-0.9 s into the segment, once every branch's "
        f"first frame is decoded (that took {statistics.median(ready_ms):.0f} ms median, "
        f"{max(ready_ms):.0f} ms max, from the segment's start)"
    )
    print(
        f"branches the sim took in the first frame but whose clip had no frame decoded yet: "
        f"{waited[True]} pre-buffered, {waited[False]} cold"
    )
    print("ms = key press to the end of the first rendered frame showing the new clip;")
    print("frames = rendered frames after the key press, 1 = the very next frame")
    return 0


def _buffered(session) -> bool:
    """Every decoder the player keeps open has its first frame (or has ended)."""
    return all(
        dec._next is not None or dec._current is not None or not dec._q.empty() or dec.eof
        for dec in session.player._decoders.values()
    )


def bench_input(args: argparse.Namespace) -> int:
    """Device frame -> the sim tick that applies it, and sim command -> device, through a
    pty with emulated devices, with the fixed-step loop paced like a 60 fps display."""
    import tempfile
    import threading

    from drivers.input_queue import InputQueue, host_now_s
    from drivers.link import SerialLink
    from drivers.sightline_device import SightlineDevice
    from engine.fixed_loop import FixedStepLoop
    from tools.emulate import Emulator

    tmp = Path(tempfile.mkdtemp(prefix="sightline-bench-"))
    tracker = Emulator(
        "laser-tracker", tmp / "tracker", shots=args.samples, interval_s=0.023
    )  # not a multiple of the frame: phases vary
    kit = Emulator("recoil-kit", tmp / "kit")
    q = InputQueue()
    track_dev, kit_dev = SightlineDevice(q, "tracker"), SightlineDevice(InputQueue(), "kit")
    links = [
        SerialLink("tracker", str(tracker.link), track_dev).start(),
        SerialLink("kit", str(kit.link), kit_dev).start(),
    ]
    for link in links:
        link.connected_event.wait(5)
    to_tick: list[float] = []
    commanded: list[float] = []

    def step(events):
        now = host_now_s()
        for _ in events:  # a pty loses nothing and keeps order: the k-th event is shot k
            sent = sorted(tracker.sent_at.values())[len(to_tick)]
            to_tick.append((now - sent) * 1000)
            commanded.append(host_now_s())
            kit_dev.recoil(1)  # what a fired shot makes the engine do

    loop = FixedStepLoop(step, host_now_s, q, tick_hz=120)
    loop.start()
    wake = threading.Event()
    deadline = host_now_s() + args.samples * 0.023 + 2.0
    while host_now_s() < deadline and len(to_tick) < args.samples:
        loop.advance()
        wake.wait(1 / 60)  # a frame, as a 60 Hz display paces the loop
    wake.wait(0.3)  # let the last recoils arrive
    # replug -> reopened (the README promises within a second), a few times
    reopen_ms: list[float] = []
    for _ in range(10):
        kit.unplug()
        for _ in range(1000):
            if not links[1].connected_event.is_set():
                break
            wake.wait(0.01)
        kit.replug()
        t0 = host_now_s()
        if links[1].connected_event.wait(10):
            reopen_ms.append((host_now_s() - t0) * 1000)
    for link in links:
        link.stop()
    tracker.close()
    kit.close()
    to_device = [(r - c) * 1000 for c, r in zip(commanded, kit.recoil_at, strict=False)]
    print(
        f"sightline bench input: {len(to_tick)} shots from an emulated laser tracker over a "
        f"pty, loop at 120 Hz, frames at 60 Hz"
    )
    print(f"{'path':<40} {'median ms':>10} {'p99 ms':>8}")
    args.result = {"shots": len(to_tick)}
    for label, key, xs in (
        ("device frame -> applied in a sim tick", "frame_to_tick", to_tick),
        ("sim recoil command -> at the device", "command_to_device", to_device),
        ("unplugged device replugged -> reopened", "replug_to_reopen", reopen_ms),
    ):
        if xs:
            args.result[key] = {
                "ms_median": round(statistics.median(xs), 3),
                "ms_p99": round(float(np.percentile(xs, 99)), 3),
            }
            print(f"{label:<40} {statistics.median(xs):>10.2f} {np.percentile(xs, 99):>8.2f}")
    print(
        "the first path includes waiting for the next frame (up to 16.7 ms) and the tick "
        "rule (up to 8.3 ms)"
    )
    return 0


def bench_tracker(args: argparse.Namespace) -> int:
    """Per-frame cost of the laser tracker on one core, on real webcam footage (the ShootOFF
    recording) at 640x480 and upscaled to 1280x720, against decoding the same frame: each
    frame is decoded (timed) and then tracked (timed), in turn, so that both figures see
    the same load on a shared machine and their ratio stays meaningful."""
    import os

    from drivers.laser_tracker import LaserTracker

    cv2.setNumThreads(1)
    with contextlib.suppress(AttributeError, OSError):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    source = REAL_SOURCE if REAL_SOURCE.is_file() else None
    what = f"real webcam footage ({source.name})" if source else "synthetic noise"
    print(f"sightline bench tracker: {args.frames} frames of {what}, one core")
    print(
        f"{'size':<10} {'ms median':>10} {'ms p99':>8} {'decode ms':>10} {'of decode':>10} "
        f"{'fps sustained':>14} {'120 fps?':>9}"
    )
    rows = []
    for w, h in ((640, 480), (1280, 720)):
        clip = source if (source and w == 640) else make_clip(w, h)[0]
        cap = cv2.VideoCapture(str(clip), cv2.CAP_FFMPEG, [cv2.CAP_PROP_N_THREADS, 1])
        tracker = LaserTracker(w, h, 30.0)
        times, dec_times = [], []
        for i in range(args.frames):
            t0 = time.perf_counter()
            ok, img = cap.read()
            if not ok:  # loop the clip; the reopen is not timed
                cap.release()
                cap = cv2.VideoCapture(str(clip), cv2.CAP_FFMPEG, [cv2.CAP_PROP_N_THREADS, 1])
                t0 = time.perf_counter()
                ok, img = cap.read()
            t1 = time.perf_counter()
            if img.shape[:2] != (h, w):
                img = cv2.resize(img, (w, h))
                t1 = time.perf_counter()
            tracker.process(img, i / 30)
            times.append((time.perf_counter() - t1) * 1000)
            dec_times.append((t1 - t0) * 1000)
        cap.release()
        med, dec = statistics.median(times), statistics.median(dec_times)
        fps = 1000 / statistics.mean(times)
        rows.append(
            {
                "size": f"{w}x{h}",
                "ms_median": round(med, 4),
                "ms_p99": round(float(np.percentile(times, 99)), 4),
                "decode_ms_median": round(dec, 4),
                "ratio_to_decode": round(med / dec, 3),
                "fps_sustained": round(fps, 1),
            }
        )
        print(
            f"{w}x{h:<5} {med:>10.3f} {np.percentile(times, 99):>8.3f} {dec:>10.3f} "
            f"{med / dec:>10.2f} {fps:>14.0f} {'yes' if fps >= 120 else 'no':>9}"
        )
    print("decode ms = OpenCV decoding that frame, one thread; of decode = tracker / decode")
    args.result = {"frames": args.frames, "source": what, "sizes": rows}
    return 0


def bench_record(args: argparse.Namespace) -> int:
    """How many records a second the recorder sustains, and the loop's tick-time jitter in
    a live-paced session with and without recording."""
    import tempfile
    import threading

    from content.pack import load_pack
    from drivers.input_queue import host_now_s
    from engine.recorder import Recorder
    from engine.session import Session
    from sim.events import Shot
    from sim.recording import event_record

    tmp = Path(tempfile.mkdtemp(prefix="sightline-bench-"))
    rec = Recorder(tmp / "flood.rec", {"format": 1})
    n = args.records
    t0 = time.perf_counter()
    for i in range(n):
        rec.add(event_record(i, Shot(i / 120, 0.5, 0.5, "w1")))
    rec.close()
    rate = n / (time.perf_counter() - t0)
    size = (tmp / "flood.rec").stat().st_size
    from content import DEMO_PACK

    pack = load_pack(DEMO_PACK)

    def jitter(recording: bool) -> tuple[float, float]:
        session = Session(pack, host_now_s, 120, 16 / 9)
        recorder = None
        if recording:
            recorder = session.subscribe(Recorder(tmp / "session.rec", {"format": 1}))
        stamps: list[float] = []

        class Busy:
            """A bus sink: stamps each tick and keeps the session busy, ten shots a tick."""

            def on_tick(self, state, commands, events) -> None:
                stamps.append(time.perf_counter())
                for _ in range(10):
                    session.inputs.put_session(Shot(state.t_s + 0.01, 0.5, 0.5))

        session.subscribe(Busy())
        end = host_now_s() + args.seconds
        wake = threading.Event()
        while host_now_s() < end:
            session.frame()
            wake.wait(1 / 60)
        session.close()
        if recorder:
            recorder.close()
        gaps = np.diff(stamps) * 1000
        return float(np.std(gaps)), float(np.percentile(gaps, 99))

    plain = jitter(False)
    recorded = jitter(True)
    args.result = {
        "records": n,
        "records_per_s": round(rate),
        "bytes_per_record": round(size / n, 1),
        "tick_gap_sd_ms": {"plain": round(plain[0], 3), "recording": round(recorded[0], 3)},
        "tick_gap_p99_ms": {"plain": round(plain[1], 3), "recording": round(recorded[1], 3)},
    }
    print(f"sightline bench record: {n} records")
    print(f"recorder sustained {rate:,.0f} records/s ({size / n:.0f} bytes each)")
    print(f"{'loop (120 Hz ticks, 60 Hz frames)':<36} {'tick gap sd ms':>15} {'p99 ms':>8}")
    print(f"{'without recording':<36} {plain[0]:>15.2f} {plain[1]:>8.2f}")
    print(f"{'recording 10 shots a tick':<36} {recorded[0]:>15.2f} {recorded[1]:>8.2f}")
    print("ticks run in bursts of two per 60 Hz frame: the gap alternates near 0 and 16.7 ms")
    live_camera_offsets(DEMO_PACK, tmp)
    return 0


def bench_audio(args: argparse.Namespace) -> int:
    """The mixer's cost per tick against the tick's budget, clip-audio decode speed, and
    the measured offset between each flash in the picture and its beep in the mix, through
    a pause and a branch (the Session path, no Panda3D)."""
    import tempfile

    from content import DEMO_PACK
    from content.pack import load_pack
    from engine.audio import AudioMixer
    from engine.audio_format import RATE
    from engine.audio_sinks import NullSink
    from engine.clip_audio import CHUNK, ClipAudio
    from engine.fixed_loop import ManualClock
    from engine.session import Session
    from sim.events import KeyPress, Pause, PlaySound, Resume, Shot
    from tools.sync_pack import make_sync_pack, onsets

    tmp = Path(tempfile.mkdtemp(prefix="sightline-bench-"))
    pack = load_pack(make_sync_pack(tmp / "sync"))

    class Keep(NullSink):
        def __init__(self) -> None:
            super().__init__()
            self.blocks: list[np.ndarray] = []

        def write(self, block: np.ndarray) -> None:
            self.blocks.append(block)

    def session(events, sink, fps=60.0, seconds=6.5):
        clock = ManualClock()
        s = Session(pack, clock, 120, block_video=True)
        mixer = AudioMixer(pack.scenario, pack.root, pack.clip_path, 120, sink, block=True)
        tick_us: list[float] = []

        class Timed:
            """The mixer as a bus sink, timed."""

            def on_tick(self, state, commands, events) -> None:
                t0 = time.perf_counter()
                mixer.on_tick(state, commands, events)
                tick_us.append((time.perf_counter() - t0) * 1e6)

            def seek(self) -> None:
                mixer.seek()

        s.subscribe(Timed(), presents=True)
        s.schedule(events)
        bright = []
        for n in range(round(seconds * fps)):
            clock.t = n / fps
            out = s.frame()
            bright.append(out.video[1].mean() if out.video else 0.0)
        s.close()
        mixer.close()
        flashes = [n / fps for n in range(1, len(bright)) if bright[n] > 128 >= bright[n - 1]]
        return flashes, tick_us

    sync_script = [Pause(1.0), Resume(1.713), KeyPress(3.0, "2")]
    keep = Keep()
    flashes, _ = session(sync_script, keep)
    beeps = onsets(np.concatenate(keep.blocks)[:, 0], RATE, 0.2)
    pairs = [(f, min(beeps, key=lambda b, f=f: abs(b - f))) for f in flashes]
    offsets = [(f - b) * 1000 for f, b in pairs]
    busy = [PlaySound(0.1 + 0.05 * i, name) for i, name in enumerate(["siren", "crowd"] * 6)]
    busy += [Shot(0.5 + 0.1 * i, 0.5, 0.5) for i in range(40)]
    _, quiet_us = session([], NullSink())
    _, busy_us = session(busy, NullSink())
    budget_us = 1e6 / 120
    # decode speed: every 1 s chunk of the demo pack's clips, cold
    demo = load_pack(DEMO_PACK)
    chunk_ms = []
    for seg in demo.scenario.segments.values():
        clip = ClipAudio(demo.clip_path(seg.clip))
        for i in range(int(seg.out_s) + 1):
            t0 = time.perf_counter()
            clip.decode_chunk(i)
            chunk_ms.append((time.perf_counter() - t0) * 1000)
        clip.close()
    args.result = {
        "mixer_us_median": {
            "soundtrack": round(statistics.median(quiet_us), 1),
            "busy": round(statistics.median(busy_us), 1),
        },
        "mixer_us_p99": {
            "soundtrack": round(float(np.percentile(quiet_us, 99)), 1),
            "busy": round(float(np.percentile(busy_us, 99)), 1),
        },
        "tick_budget_us": round(budget_us, 1),
        "clip_audio_chunk_ms_median": round(statistics.median(chunk_ms), 3),
        "flash_beep_offset_ms_max": round(max(abs(o) for o in offsets), 3),
        "flash_beep_offset_ms_mean": round(statistics.mean(offsets), 3),
    }
    print("sightline bench audio (48 kHz stereo, 120 Hz ticks: 400 samples a tick)")
    print(f"{'mixer, per tick':<44} {'us median':>10} {'us p99':>8} {'of budget':>10}")
    for label, xs in (
        ("soundtrack only", quiet_us),
        ("soundtrack + 12 distractions + 40 reports", busy_us),
    ):
        med = statistics.median(xs)
        print(f"{label:<44} {med:>10.0f} {np.percentile(xs, 99):>8.0f} {med / budget_us:>10.3f}")
    med = statistics.median(chunk_ms)
    print(
        f"clip audio decode (AAC, 1 s chunk incl. seek): {med:.2f} ms median, "
        f"{1000 / med:.0f}x real time, over {len(chunk_ms)} chunks"
    )
    print(
        f"flash - beep, pause + branch, 60 fps picture: {len(offsets)} pairs, "
        f"max |offset| {max(abs(o) for o in offsets):.2f} ms, "
        f"mean {statistics.mean(offsets):.2f} ms"
    )
    print(f"(one output frame is {1000 / 60:.1f} ms; of budget = median / the 8333 us tick;")
    print(f" p99 includes decoding {CHUNK}-sample chunks in line, as headless runs do; live")
    print(" runs decode on a worker and never wait)")
    live_device_offsets(tmp / "sync", tmp)
    return 0


# -- live window runs: figures measured on the wall clock, moved here out of the tests ----

LIVE_RUNS = 3


@contextlib.contextmanager
def live_display():
    """An X display for live window runs: $DISPLAY, or a private Xvfb when one is
    installed; None when neither is there."""
    import os
    import shutil

    if os.environ.get("DISPLAY"):
        yield os.environ["DISPLAY"]
        return
    if not shutil.which("Xvfb"):
        yield None
        return
    read_fd, write_fd = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1280x720x24", "-nolisten", "tcp"],
        pass_fds=(write_fd,),
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    with os.fdopen(read_fd) as f:
        number = f.readline().strip()  # Xvfb writes its display number once ready
    try:
        yield f":{number}" if number else None
    finally:
        server.terminate()
        server.wait(timeout=10)


def read_openal_wav(path: Path) -> tuple[np.ndarray, int]:
    """OpenAL Soft's wave-file output (WAVE_FORMAT_EXTENSIBLE, float or 16-bit), left
    channel, and its rate. Its data size is written only at close: read to the end."""
    import struct

    data = path.read_bytes()
    pos, fmt, body, sub = 12, None, b"", b""
    while pos + 8 <= len(data):
        cid, size = data[pos : pos + 4], int.from_bytes(data[pos + 4 : pos + 8], "little")
        if cid == b"fmt ":
            fmt = struct.unpack("<HHIIHH", data[pos + 8 : pos + 24])
            sub = data[pos + 32 : pos + 34] if fmt[0] == 0xFFFE else data[pos + 8 : pos + 10]
        if cid == b"data":
            body = data[pos + 8 :]
            break
        pos += 8 + size
    if fmt is None:
        raise ValueError(f"{path}: no wave format chunk")
    _, channels, rate, _, align, bits = fmt
    body = body[: len(body) // align * align]
    if bits == 32 and sub == b"\x03\x00":
        samples = np.frombuffer(body, "<f4")
    elif bits == 16:
        samples = np.frombuffer(body, "<i2") / 32768.0
    else:
        raise ValueError(f"{path}: unexpected OpenAL wave format {fmt}")
    return samples.reshape(-1, channels)[:, 0], rate


def _live_run(display: str, args: list[str], env: dict | None = None):
    import os

    return subprocess.run(
        [sys.executable, "-m", "tools.cli", "run", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "DISPLAY": display, **(env or {})},
    )


def live_device_offsets(sync_pack: Path, tmp: Path) -> None:
    """The live sound path: window runs playing through OpenAL's wave-file backend (what
    the sound card would have played, in real time). Prints each run's offset of the
    beeps, the shot and the instructor's sound behind their session times: the mean, and
    the spread through a pause and a branch (on a quiet machine about 0.1 ms; a loaded
    machine's hitches show here, where the test only checks that every sound arrives)."""
    import math

    from tools.sync_pack import onsets

    script = tmp / "live.jsonl"
    events = [
        {"t": 1.0, "type": "pause"},
        {"t": 1.713, "type": "resume"},
        {"t": 3.0, "type": "key", "key": "2"},
        {"t": 4.8, "type": "shot", "x": 0.5, "y": 0.5},
        {"t": 5.8, "type": "sound", "sound": "mark"},
    ]
    script.write_text("".join(json.dumps(e) + "\n" for e in events))
    pause = math.ceil(1.713 * 120) / 120 - 1.0
    expected = np.array([0.5, 1.5 + pause, 3.3, 4.3, 4.8, 5.3, 5.8])  # beeps, shot, mark
    with live_display() as display:
        if display is None:
            print("live sound device: skipped (no display and no Xvfb)")
            return
        spreads, means = [], []
        for i in range(LIVE_RUNS):
            device, conf = tmp / f"device{i}.wav", tmp / f"alsoft{i}.conf"
            conf.write_text(
                f"[general]\ndrivers = wave\nfrequency = 48000\n[wave]\nfile = {device}\n"
            )
            run = [str(sync_pack), "--window", "--instructor", "none", "--audio", "device"]
            run += ["--inputs", str(script), "--size", "320x180", "--seconds", "6.5"]
            proc = _live_run(display, run, {"ALSOFT_CONF": str(conf)})
            if proc.returncode != 0:
                print(f"live sound device: run failed: {proc.stderr[-500:]}", file=sys.stderr)
                return
            audio, rate = read_openal_wav(device)
            heard = np.array(onsets(audio, rate, 0.2))
            if len(heard) != len(expected):
                print(f"live sound device: run {i + 1} heard {len(heard)} of {len(expected)}")
                continue
            offsets = (heard - expected) * 1000
            means.append(float(offsets.mean()))
            spreads.append(float(np.ptp(offsets)))
        if spreads:
            print(
                f"live sound device (OpenAL wave backend, {len(spreads)} window runs): "
                f"offset behind sim time {statistics.median(means):.1f} ms median; spread "
                f"through pause + branch {statistics.median(spreads):.1f} ms median, "
                f"{max(spreads):.1f} ms max"
            )


def live_camera_offsets(pack: Path, tmp: Path) -> None:
    """The trainee camera on the live path: window runs recording a coded clip delivered at
    its own pace on the camera's thread. Prints the frames' offset from session time and
    its spread (frames that land late on a busy host widen it; no drift on a quiet one)."""
    import av

    from engine.video_out import H264Writer

    bits, w, h = 7, 320, 240
    stripe = w // bits

    def code(img: np.ndarray) -> int:  # each frame shows its index in black/white stripes
        mid = img[h // 3 : 2 * h // 3]
        return sum(
            1 << b
            for b in range(bits)
            if mid[:, b * stripe + 8 : (b + 1) * stripe - 8].mean() > 128
        )

    camera = tmp / "camera-in.mp4"
    with H264Writer(camera, w, h, fps=30, crf=12, preset="ultrafast") as out:
        for i in range(120):
            img = np.zeros((h, w, 3), np.uint8)
            for b in range(bits):
                if i >> b & 1:
                    img[:, b * stripe : (b + 1) * stripe] = 255
            out.write(img, i / 30)
    with live_display() as display:
        if display is None:
            print("trainee camera, live: skipped (no display and no Xvfb)")
            return
        spreads, counts = [], []
        for i in range(LIVE_RUNS):
            rec = tmp / f"cam{i}.rec"
            run = [str(pack), "--window", "--instructor", "none", "--audio", "none"]
            run += ["--size", "320x180", "--seconds", "2.0", "--record", str(rec)]
            proc = _live_run(display, [*run, "--trainee-camera", str(camera)])
            if proc.returncode != 0:
                print(f"trainee camera: run failed: {proc.stderr[-500:]}", file=sys.stderr)
                return
            with av.open(str(rec) + ".camera.mp4") as container:
                offsets = [
                    code(f.to_ndarray(format="bgr24")) / 30 - float(f.pts * f.time_base)
                    for f in container.decode(video=0)
                ]
            counts.append(len(offsets))
            spreads.append(float(np.ptp(offsets)) * 1000)
        print(
            f"trainee camera, live (30 fps clip, {LIVE_RUNS} window runs of 2 s): "
            f"{statistics.median(counts):.0f} frames median; offset spread "
            f"{statistics.median(spreads):.1f} ms median, {max(spreads):.1f} ms max"
        )


SOAK_MANIFEST = """
format_version = 1
title = "soak"
start = "a"

[segments.a]
clip = "media/a.mp4"
loop = true
[[segments.a.transitions]]
on = "key"
key = "2"
to = "b"
[[segments.a.zones]]
name = "threat-a"
role = "threat"
polygon = [[0.3, 0.3], [0.7, 0.3], [0.7, 0.7], [0.3, 0.7]]

[segments.b]
clip = "media/b.mp4"
loop = true
[[segments.b.transitions]]
on = "key"
key = "1"
to = "a"
[[segments.b.zones]]
name = "bystander-b"
role = "no-shoot"
polygon = [[0.0, 0.0], [0.5, 0.0], [0.5, 1.0], [0.0, 1.0]]
"""


def make_soak_pack(root: Path, width: int = 640, height: int = 360) -> Path:
    """Two looping 3 s clips with a branch each way and a zone each: a session can branch
    and be shot at for as long as a soak needs."""
    from engine.video_out import H264Writer

    (root / "media").mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(4)
    for name, colour in (("a", (40, 40, 160)), ("b", (40, 160, 40))):
        base = rng.integers(0, 255, (height // 8, width // 8, 3), dtype=np.uint8)
        with H264Writer(root / "media" / f"{name}.mp4", width, height, 30.0, crf=28) as out:
            for i in range(90):
                img = cv2.resize(np.roll(base, i, axis=1), (width, height))
                out.write(cv2.addWeighted(img, 0.5, np.full_like(img, colour), 0.5, 0), i / 30)
    (root / "scenario.toml").write_text(SOAK_MANIFEST)
    return root


def rss_mb() -> float:
    """This process's resident memory, MB (Linux)."""
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[1])
    import os

    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def prebuffer_cost_mb(sizes=((1280, 720), (1920, 1080)), branches: int = 4) -> list[dict]:
    """Resident memory each pre-buffered branch costs: a player keeps `branches` decoders
    open on the benchmark clip (as many segments that may come next), each with its queue
    full; the growth over the player alone, per decoder. YUV planes, as `run` decodes."""
    import gc

    from engine.video import VideoPlayer

    out = []
    for w, h in sizes:
        clip, _ = make_clip(w, h)
        player = VideoPlayer(lambda _c, clip=clip: clip, planes=True)
        player.play("x", 0.0)
        player.frame_at(0.0)
        gc.collect()
        time.sleep(0.5)
        before = rss_mb()
        for i in range(branches):
            player.prepare("x", 1.0 + i)
        deadline = time.perf_counter() + 30
        while time.perf_counter() < deadline and not all(
            d._q.full() for d in player._decoders.values()
        ):
            time.sleep(0.05)
        gc.collect()
        after = rss_mb()
        player.close()
        out.append({"size": f"{w}x{h}", "mb": round((after - before) / branches, 2)})
    return out


def bench_soak(args: argparse.Namespace) -> int:
    """An accelerated session of `--minutes` of session time on the Session path (what
    `run` drives, fed by a hand-set clock as fast as it goes): a branch every 2 s and three
    shots between branches (3,600 s: 1,800 branches, 5,400 shots), frames at `--fps`
    with every frame's video decoded; with `--render`, each frame is also uploaded and
    drawn by the trainee view offscreen. Prints resident memory at the start (after one
    minute of warm-up), every 10 minutes of session time, and the growth."""
    import gc
    import tempfile

    from content.pack import load_pack
    from engine.fixed_loop import ManualClock
    from engine.session import Session
    from sim.events import KeyPress, Shot

    tmp = Path(tempfile.mkdtemp(prefix="sightline-soak-"))
    pack = load_pack(make_soak_pack(tmp / "pack"))
    w, h = 640, 360
    view = base = None
    if args.render:
        from engine import panda_setup

        panda_setup.configure(True, w, h)
        from direct.showbase.ShowBase import ShowBase

        from engine.trainee_view import TraineeView

        base = ShowBase(windowType="offscreen")
        view = TraineeView(base.render2d, w / h)
        base.graphicsEngine.renderFrame()
    clock = ManualClock()
    # every tick the frames owe is run (as headless runs do): the sim covers all of it
    steps = math.ceil(120 / args.fps) + 1
    session = Session(
        pack, clock, 120, w / h, block_video=True, max_steps_per_frame=steps, video_planes=True
    )
    total_s = args.minutes * 60.0
    n_frames = round(total_s * args.fps)
    rng = np.random.default_rng(5)
    marks: list[tuple[float, float]] = []
    next_mark_s, branches, shots = 60.0, 0, 0
    t_wall = time.perf_counter()
    scheduled_to_s = 0.0
    for n in range(n_frames + 1):
        clock.t = n / args.fps
        while scheduled_to_s <= clock.t + 2.0:  # the next 2 s: three shots, then a branch
            t0 = scheduled_to_s
            for k in range(3):
                x, y = rng.uniform(0.05, 0.95, 2)
                session.inputs.put_session(Shot(t0 + 0.4 + 0.5 * k, float(x), float(y)))
            session.inputs.put_session(KeyPress(t0 + 1.9, "2" if branches % 2 == 0 else "1"))
            scheduled_to_s += 2.0
            shots, branches = shots + 3, branches + 1
        out = session.frame()
        if view is not None:
            if out.video is not None:
                view.show_frame(out.video[1], out.segment_aspect, out.video_token)
            base.graphicsEngine.renderFrame()
        if clock.t >= next_mark_s - 1e-9 or n == n_frames:
            gc.collect()
            marks.append((clock.t, rss_mb()))
            next_mark_s = 60.0 * (int(clock.t // 60) + 1)  # every minute of session
    wall = time.perf_counter() - t_wall
    session.close()
    log = session.log()
    # One reading is noisy (decoded frames in flight come and go by several MB), so each
    # row is the median of a window of readings: the first minute, then each 10 minutes.
    windows = [(1.0, [mb for t, mb in marks if t <= 60.0 + 1e-9])]
    for end_s in np.arange(600.0, marks[-1][0] + 1e-9, 600.0):
        got = [mb for t, mb in marks if end_s - 600.0 < t <= end_s + 1e-9]
        if got:
            windows.append((end_s / 60, got))
    rows = [(minute, statistics.median(got)) for minute, got in windows]
    start_mb = rows[0][1]
    print(
        f"sightline bench soak: {total_s:.0f} s of session in {wall:.0f} s "
        f"({total_s / wall:.1f}x real time), {args.fps:g} fps, "
        f"{'rendered offscreen' if args.render else 'Session path, no rendering'}"
    )
    print(
        f"{branches} branches and {shots} shots scheduled; {len(log.branches)} branches and "
        f"{len(log.shots)} shots taken in {session.state.t_s:.0f} s of session"
    )
    print(f"{'session min':>11} {'RSS MB (median of the window)':>30} {'growth %':>9}")
    for minute, mb in rows:
        print(f"{minute:>11.0f} {mb:>30.1f} {100 * (mb - start_mb) / start_mb:>9.2f}")
    growth = 100 * (rows[-1][1] - start_mb) / start_mb
    print(f"growth from the first minute to the last 10: {growth:.2f} %")
    from engine.video import PREBUFFER_FRAMES

    prebuffer = prebuffer_cost_mb()
    for each in prebuffer:
        print(
            f"each pre-buffered branch ({each['size']}, {PREBUFFER_FRAMES} frames queued): "
            f"{each['mb']:.1f} MB"
        )
    args.result = {
        "prebuffer_mb": prebuffer,
        "session_s": round(total_s),
        "wall_s": round(wall, 1),
        "branches": len(log.branches),
        "shots": len(log.shots),
        "rss_mb": [{"minute": float(m), "mb": round(mb, 2)} for m, mb in rows],
        "growth_pct": round(growth, 3),
    }
    # After warm-up (decoders, caches and the allocator's arenas reach their working size
    # in the first minutes) a leak shows as a trend: the last window against minutes
    # 11-20. --limit applies to that figure.
    if len(rows) < 4:
        return 0 if abs(growth) <= args.limit else 1
    trend = 100 * (rows[-1][1] - rows[2][1]) / rows[2][1]
    print(f"after warm-up, minutes 11-20 to the last 10: {trend:.2f} %")
    args.result["trend_pct"] = round(trend, 3)
    return 0 if abs(trend) <= args.limit else 1


if __name__ == "__main__":  # the worker process
    clip_arg, w_arg, h_arg, s_arg = sys.argv[1:5]
    mode_arg = sys.argv[5] if len(sys.argv) > 5 else "plain"
    result = worker(Path(clip_arg), int(w_arg), int(h_arg), float(s_arg), mode_arg)
    print(json.dumps(result))
