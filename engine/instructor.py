"""The instructor's station, wired into Panda3D: where the instructor view renders and how
both windows' keys reach the console.

Modes:
  window  a second window (the operator's monitor); the trainee window stays clean
  split   one window: the trainee view on the left half, the instructor's on the right
  buffer  an offscreen buffer (headless runs that capture the instructor view)
  none    no instructor view; keys on the trainee window still reach the console
"""

from __future__ import annotations

import math
import os

from panda3d.core import (
    FrameBufferProperties,
    GraphicsOutput,
    GraphicsPipe,
    Texture,
    WindowProperties,
)

from content.pack import Pack
from drivers.input_queue import host_now_s
from engine.displays import window_properties
from engine.instructor_console import ACTION_KEYS, InstructorConsole
from engine.instructor_view import InstructorView
from sim.errors import UserError

MODES = ("window", "split", "buffer", "none")
#: Keys the console listens to (Panda3D button names).
CONSOLE_KEYS = [
    *"0123456789",
    "space",
    "f",
    "r",
    "j",
    "m",
    "s",
    "a",
    "l",
    "o",
    "h",
    "g",
    "e",
    "tab",
    "f1",
    "escape",
    "enter",
    "backspace",
    *ACTION_KEYS,
]
INSTRUCTOR_PREFIX = "inst-"  # events from the instructor window's keyboard and mouse


def trainee_region(mode: str) -> tuple[float, float, float, float]:
    return (0.0, 0.5, 0.0, 1.0) if mode == "split" else (0.0, 1.0, 0.0, 1.0)


#: A second window on a software renderer is drawn at most this many times a second
#: (`InstructorPace`); a GPU draws it every frame. SIGHTLINE_INSTRUCTOR_HZ sets it (0:
#: every frame there too).
SOFTWARE_INSTRUCTOR_HZ = 30.0


def _instructor_hz() -> float:
    text = os.environ.get("SIGHTLINE_INSTRUCTOR_HZ", "")
    try:
        hz = float(text) if text else SOFTWARE_INSTRUCTOR_HZ
    except ValueError:
        hz = -1.0
    if not (hz >= 0 and math.isfinite(hz)):
        raise UserError(
            f"SIGHTLINE_INSTRUCTOR_HZ={text!r}: expected the instructor window's draws a "
            "second, 0 for every frame"
        )
    return hz


class InstructorPace:
    """The instructor's window on a software renderer, where the second window cost a
    CPU-only station a third of its frame rate at 1080p (`sightline bench station`): the
    trainee picture's readback and the window's own draw and swap, every frame. It is
    drawn at most `hz` times a second instead, and the trainee picture it shows is read
    back on the frame before each of its draws, so the two costs never fall on one frame.
    Keys reach the console from an undrawn window as from a drawn one."""

    def __init__(self, trainee: GraphicsOutput, out: GraphicsOutput, hz: float):
        self.trainee, self.out, self.period = trainee, out, 1.0 / hz
        self._next_s: float | None = None
        self._draw_next = False

    def before_frame(self, now_s: float) -> None:
        """Once a frame, before it is drawn (`now_s`: the host clock, seconds)."""
        if self._draw_next:  # the picture was read back last frame: show it now
            self._draw_next = False
            self.out.setActive(True)
            return
        self.out.setActive(False)
        if self._next_s is None or now_s >= self._next_s:
            self.trainee.triggerCopy()
            self._draw_next = True
            # a period on, or from now when frames ran late: never two draws in a row
            self._next_s = max(now_s, (self._next_s or now_s) + self.period)

    def catch_up(self) -> None:
        """Read back and draw in the next frame (the end of a run: the instructor's last
        picture is the trainee's last)."""
        self.trainee.triggerCopy()
        self.out.setActive(True)
        self._draw_next = False


def open_station(
    base,
    mode: str,
    pack: Pack,
    console: InstructorConsole,
    cfg,
    screen_aspect: float,
) -> tuple[InstructorView | None, GraphicsOutput | None, InstructorPace | None]:
    """Create the instructor's output and view; returns (view, output to capture, pace:
    an InstructorPace where a second window is paced, else None). From `cfg`
    (engine.config.RunConfig): instructor_size, instructor_video_out, and
    instructor_display, a display the instructor window fills (borderless)."""
    from engine.panda_setup import is_software_renderer

    size = cfg.instructor_size
    if mode == "none":
        return None, None, None
    if mode == "split":
        for i in range(base.win.getNumDisplayRegions()):
            dr = base.win.getDisplayRegion(i)
            if dr.getCamera() and not dr.getCamera().isEmpty():
                dr.setDimensions(*trainee_region(mode))
        view = InstructorView(
            base.win, None, pack, console, screen_aspect, region=(0.5, 1.0, 0.0, 1.0)
        )
        return view, None, None
    live = Texture("trainee-live")
    # A second window has a graphics context of its own, which cannot see a texture the
    # trainee window renders into (under Xvfb/Mesa its live picture stayed black for a
    # whole session). Sharing the trainee window's context drew, but Mesa's software GLX
    # then failed to make it current on one window or the other (X BadMatch, frame after
    # frame, and at times a black window). So the trainee frame goes through RAM, which
    # every driver supports: one readback a frame, in two-window mode only. The buffer
    # shares the context and binds the texture directly.
    # Paced where the window is drawn by the CPU and its every frame is not being recorded.
    hz = _instructor_hz() if mode == "window" else 0.0
    paced = hz > 0 and cfg.instructor_video_out is None and is_software_renderer(base.win)
    mode_rtm = GraphicsOutput.RTM_copy_ram if mode == "window" else GraphicsOutput.RTM_bind_or_copy
    base.win.addRenderTexture(live, GraphicsOutput.RTM_triggered_copy_ram if paced else mode_rtm)
    props = WindowProperties.size(*size)
    if mode == "window":
        props.setTitle(f"Sightline instructor - {pack.title}")
        if cfg.instructor_display is not None:
            window_properties(props, cfg.instructor_display)
        else:  # beside the trainee window, never over it (the trainee's clicks are shots)
            on = cfg.trainee_display
            props.setOrigin(*((base.win.getXSize(), 0) if on is None or on.x == 0 else (0, 0)))
        out = base.openWindow(props=props, makeCamera=False, name="instructor")
        if out is None:
            raise RuntimeError("could not open the instructor window")
        thrower = base.setupMouse(out, True)
        thrower.node().setPrefix(INSTRUCTOR_PREFIX)
        thrower.node().setKeystrokeEvent("keystroke")  # typed notes, from either window
    else:
        fb = FrameBufferProperties()
        fb.setRgbColor(True)
        fb.setColorBits(24)
        out = base.graphicsEngine.makeOutput(
            base.pipe,
            "instructor",
            10,
            fb,
            props,
            GraphicsPipe.BF_refuse_window,
            base.win.getGsg(),
            base.win,
        )
        if out is None:
            raise RuntimeError("could not create the instructor buffer")
    out.setSort(10)  # after the trainee output, whose picture it shows
    view = InstructorView(out, live, pack, console, screen_aspect)
    pace = InstructorPace(base.win, out, hz) if paced else None
    return view, out, pace


def device_lines(cfg, last_click_s: float | None, outputs, devices) -> list[str]:
    """The station's DEVICES line: the mouse and sound in a window, the script, each
    serial device's status."""
    lines = []
    if not cfg.offscreen:
        age = (
            "no shot yet"
            if last_click_s is None
            else f"last shot {host_now_s() - last_click_s:.1f} s ago"
        )
        lines += [f"mouse: connected, {age}", outputs.sound_line()]
    if cfg.script:
        lines.append(f"script: {len(cfg.script)} events")
    if getattr(outputs, "mic", None) is not None:
        lines.append(outputs.mic.heard_line())  # the trainee's voice, recognized
    lines += [d.status_line() for d in devices]
    if not devices:
        lines.append("serial devices: none configured")
    return lines


def bind_console(base, console: InstructorConsole, now_s) -> None:
    """Route both windows' keys to the console; typed characters feed notes."""
    for key in CONSOLE_KEYS:
        for prefix in ("", INSTRUCTOR_PREFIX):
            base.accept(prefix + key, lambda k=key: console.key(k, now_s()))
    for prefix in ("", INSTRUCTOR_PREFIX):
        base.accept(prefix + "shift-/", lambda: console.key("?", now_s()))
    base.accept("keystroke", console.text)
    for thrower in base.buttonThrowers or []:
        thrower.node().setKeystrokeEvent("keystroke")
