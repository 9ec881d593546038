"""`python -m tools.startup_probe OUT.json ARGS...`: the `sightline ARGS` command, as the
command line runs it, stopped at the first drawn frame that shows video.

`sightline bench startup` starts this in a fresh interpreter and reads OUT.json: when the
interpreter was up (`python_s`), when the app began to build (`app_s`), when it was built
(`built_s`) and when the first frame with video had been drawn (`first_frame_s`), all on
the system's monotonic clock (`time.perf_counter`, which the parent process shares), so
the parent can measure from the moment it issued the command. The probe wraps the app's
capture task (the last task of a frame) to notice that frame, reads the frame back so the
software renderer has really drawn it, and stops the run there.
"""

from __future__ import annotations

import json
import sys
import time


def main(argv: list[str]) -> int:
    python_s = time.perf_counter()
    out, args = argv[0], argv[1:]
    from engine import app
    from tools import cli

    marks = {"python_s": python_s}
    build, capture = app.SightlineApp.__init__, app.SightlineApp._capture_task

    def timed_build(self, *a, **k):
        marks["app_s"] = time.perf_counter()
        build(self, *a, **k)
        marks["built_s"] = time.perf_counter()

    def first_frame(self, task):
        result = capture(self, task)
        if "first_frame_s" not in marks and self.last is not None and self.last.video:
            self.base.win.getScreenshot()  # the frame is drawn when this returns
            marks["first_frame_s"] = time.perf_counter()
            self.stop()
        return result

    app.SightlineApp.__init__ = timed_build
    app.SightlineApp._capture_task = first_frame
    rc = cli.main(args)
    with open(out, "w") as fh:
        json.dump({**marks, "rc": rc}, fh)
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
