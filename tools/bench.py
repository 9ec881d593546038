"""`sightline bench` render, branch, input, tracker, record, audio and soak: the names
tools/cli.py's `_bench` handler calls, and the render worker's process entry.

The benchmarks live in flat modules by what they measure:
  tools/bench_render.py   render (decode + upload + render vs decode), its fill mode and
                          the worker run in a process per size and mode;
  tools/bench_branch.py   branch (the instructor's key to the new clip's first frame);
  tools/bench_devices.py  input, tracker, record and audio;
  tools/bench_soak.py     soak (memory over an accelerated session);
  tools/bench_clips.py    the clips and decode-alone timings they share;
  tools/bench_live.py     live window runs (an X display, OpenAL's wave output).
This module only re-exports them, so that `tools.bench.<name>` keeps working, and runs
the render worker: `python -m tools.bench CLIP W H SECONDS [MODE]` prints its figures as
one JSON line (`bench_render` and tests/engine/test_decoder_exit.py run it).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tools.bench_branch import bench_branch
from tools.bench_clips import CACHE, CLIP_FRAMES, REAL_SOURCE, make_clip, yuv_decode_fps
from tools.bench_devices import bench_audio, bench_input, bench_record, bench_tracker
from tools.bench_live import (
    LIVE_RUNS,
    live_camera_offsets,
    live_device_offsets,
    live_display,
    read_openal_wav,
)
from tools.bench_render import FILL_FRAGMENT, FILL_VERTEX, bench_render, fill_run, worker
from tools.bench_soak import SOAK_MANIFEST, bench_soak, make_soak_pack, prebuffer_cost_mb, rss_mb

# Re-exported: each name lives in the module imported above; tools/cli.py calls the
# bench_* functions, tools/bench_suite.py imports live_display, tests/engine/test_window.py
# read_openal_wav.
__all__ = [
    "CACHE",
    "CLIP_FRAMES",
    "FILL_FRAGMENT",
    "FILL_VERTEX",
    "LIVE_RUNS",
    "REAL_SOURCE",
    "SOAK_MANIFEST",
    "bench_audio",
    "bench_branch",
    "bench_input",
    "bench_record",
    "bench_render",
    "bench_soak",
    "bench_tracker",
    "fill_run",
    "live_camera_offsets",
    "live_device_offsets",
    "live_display",
    "make_clip",
    "make_soak_pack",
    "prebuffer_cost_mb",
    "read_openal_wav",
    "rss_mb",
    "worker",
    "yuv_decode_fps",
]


if __name__ == "__main__":  # the worker process
    clip_arg, w_arg, h_arg, s_arg = sys.argv[1:5]
    mode_arg = sys.argv[5] if len(sys.argv) > 5 else "plain"
    result = worker(Path(clip_arg), int(w_arg), int(h_arg), float(s_arg), mode_arg)
    print(json.dumps(result))
