"""Live window runs for the benchmarks: figures measured on the wall clock, moved here
out of the tests. An X display ($DISPLAY or a private Xvfb), `sightline run --window`
in a subprocess, OpenAL Soft's wave-file output read back, and the two figures
`bench audio` (sound device offsets) and `bench record` (trainee camera offsets) print.
`live_display` is also used by tools/bench_suite.py, `read_openal_wav` by
tests/engine/test_window.py. Imports no other bench module.
"""

from __future__ import annotations

import contextlib
import json
import statistics
import subprocess
import sys
from pathlib import Path

import numpy as np

LIVE_RUNS = 3


@contextlib.contextmanager
def live_display(screen: str = "1280x720"):
    """An X display for live window runs: $DISPLAY, or a private Xvfb of this screen size
    (WxH) when one is installed; None when neither is there."""
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
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", f"{screen}x24", "-nolisten", "tcp"],
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


def live_device_offsets(sync_pack: Path, tmp: Path) -> dict:
    """The live sound path: window runs playing through OpenAL's wave-file backend (what
    the sound card would have played, in real time). Prints each run's offset of the
    beeps, the shot and the instructor's sound behind their session times: the mean, and
    the spread through a pause and a branch (on a quiet machine about 0.1 ms; a loaded
    machine's hitches show here, where the test only checks that every sound arrives).
    Returns the figures for the JSON, or why there are none ("skipped")."""
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
            return {"skipped": "no display and no Xvfb"}
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
                return {"skipped": "a window run failed"}
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
            return {
                "runs": len(spreads),
                "offset_ms_median": round(statistics.median(means), 2),
                "spread_ms_median": round(statistics.median(spreads), 2),
                "spread_ms_max": round(max(spreads), 2),
            }
        return {"skipped": "no run heard every sound"}


def live_camera_offsets(pack: Path, tmp: Path) -> dict:
    """The trainee camera on the live path: window runs recording a coded clip delivered at
    its own pace on the camera's thread. Prints the frames' offset from session time and
    its spread (frames that land late on a busy host widen it; no drift on a quiet one).
    Returns the figures for the JSON, or why there are none ("skipped")."""
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
            return {"skipped": "no display and no Xvfb"}
        spreads, counts = [], []
        for i in range(LIVE_RUNS):
            rec = tmp / f"cam{i}.rec"
            run = [str(pack), "--window", "--instructor", "none", "--audio", "none"]
            run += ["--size", "320x180", "--seconds", "2.0", "--record", str(rec)]
            proc = _live_run(display, [*run, "--trainee-camera", str(camera)])
            if proc.returncode != 0:
                print(f"trainee camera: run failed: {proc.stderr[-500:]}", file=sys.stderr)
                return {"skipped": "a window run failed"}
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
        return {
            "runs": LIVE_RUNS,
            "frames_median": float(statistics.median(counts)),
            "spread_ms_median": round(statistics.median(spreads), 2),
            "spread_ms_max": round(max(spreads), 2),
        }
