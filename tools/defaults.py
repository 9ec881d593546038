"""What `sightline run` and `demo` do when a flag is not given, in one place for the code
and for the help text that states it. A leaf: imports nothing of Sightline's, so any tools
module may use it without importing tools.cli."""

from __future__ import annotations

from pathlib import Path

DEFAULT_OUTPUT_DIR = Path("sightline-output")
#: The demo pack's own input script, played when a headless demo has no --inputs.
DEMO_SCRIPT = "demo-inputs.jsonl"
#: Where a headless demo writes the trainee view when there is no --video-out.
DEMO_VIDEO = DEFAULT_OUTPUT_DIR / "demo.mp4"
#: A headless run must end even if the scenario loops forever: its --seconds default.
HEADLESS_SECONDS = 120.0
