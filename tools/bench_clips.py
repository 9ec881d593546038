"""The benchmarks' clips and the decoder's own speed, shared by `bench render`, `bench
tracker` and `bench soak`: the H.264 clip at each size (real camera footage when
../shared has it, synthetic otherwise; cached under sightline-output/bench) and the
decode-alone timings the pipeline's figures are compared with. Imports no other bench
module.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import cv2
import numpy as np

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
    # written under another name and renamed when complete: an interrupted encode once
    # left a cached clip that every later run failed on
    part = path.with_name(f".{path.stem}.{os.getpid()}.part.mp4")
    try:
        _encode(part, width, height, cap, base, rng)
        part.replace(path)
    finally:
        part.unlink(missing_ok=True)
        if cap is not None:
            cap.release()
    return path, desc


def _encode(path: Path, width: int, height: int, cap, base: np.ndarray, rng) -> None:
    from engine.video_out import H264Writer

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
