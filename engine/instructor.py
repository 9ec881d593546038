"""The instructor's station, wired into Panda3D: where the instructor view renders and how
both windows' keys reach the console.

Modes:
  window  a second window (the operator's monitor); the trainee window stays clean
  split   one window: the trainee view on the left half, the instructor's on the right
  buffer  an offscreen buffer (headless runs that capture the instructor view)
  none    no instructor view; keys on the trainee window still reach the console
"""

from __future__ import annotations

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


def open_station(
    base,
    mode: str,
    pack: Pack,
    console: InstructorConsole,
    cfg,
    screen_aspect: float,
) -> tuple[InstructorView | None, GraphicsOutput | None]:
    """Create the instructor's output and view; returns (view, output to capture). From
    `cfg` (engine.config.RunConfig): instructor_size, and instructor_display, a display
    the instructor window fills (borderless)."""
    size = cfg.instructor_size
    if mode == "none":
        return None, None
    if mode == "split":
        for i in range(base.win.getNumDisplayRegions()):
            dr = base.win.getDisplayRegion(i)
            if dr.getCamera() and not dr.getCamera().isEmpty():
                dr.setDimensions(*trainee_region(mode))
        view = InstructorView(
            base.win, None, pack, console, screen_aspect, region=(0.5, 1.0, 0.0, 1.0)
        )
        return view, None
    live = Texture("trainee-live")
    # A second window has a graphics context of its own, which cannot see a texture the
    # trainee window renders into (under Xvfb/Mesa its live picture stayed black for a
    # whole session). Sharing the trainee window's context drew, but Mesa's software GLX
    # then failed to make it current on one window or the other (X BadMatch, frame after
    # frame, and at times a black window). So the trainee frame goes through RAM, which
    # every driver supports: one readback a frame, in two-window mode only. The buffer
    # shares the context and binds the texture directly.
    mode_rtm = GraphicsOutput.RTM_copy_ram if mode == "window" else GraphicsOutput.RTM_bind_or_copy
    base.win.addRenderTexture(live, mode_rtm)
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
    return view, out


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
