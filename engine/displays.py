"""The displays (monitors, projectors) of the X screen, and full-screen window placement.

Displays are listed through the X RandR 1.5 monitor list (XRRGetMonitors, the list that
`xrandr --listmonitors` prints) or, where Xinerama joins several screens into one (RandR
then sees only the first), Xinerama's screen list: both called through ctypes on the
system's libX11, libXrandr and libXinerama (Debian libx11-6, libxrandr2, libxinerama1,
which X desktops have and Panda3D or xdotool load anyway). This is what the PyPI package
screeninfo does, without its last release being from 2022, and without x11-xserver-utils'
xrandr (which pulls in cpp) and its text to parse. With neither extension the whole X
screen is display 0. Wayland desktops run Sightline through XWayland, which has RandR.

"Full screen" here is a borderless window the size of the display at the display's
origin (not a video-mode change): on a desktop of several monitors this is what puts the
trainee view on the projector and nowhere else.

Must not import tools; panda3d only inside window_properties().
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
from dataclasses import dataclass

from engine.panda_setup import DisplayError


@dataclass(frozen=True)
class Display:
    index: int
    name: str
    width: int
    height: int
    x: int
    y: int
    primary: bool = False

    @property
    def aspect(self) -> float:
        return self.width / self.height

    def describe(self) -> str:
        return f"{self.index}: {self.name} {self.width}x{self.height}+{self.x}+{self.y}" + (
            " (primary)" if self.primary else ""
        )


class _Monitor(ctypes.Structure):  # XRRMonitorInfo, Xrandr.h (RandR 1.5)
    _fields_ = [
        ("name", ctypes.c_ulong),  # an Atom
        ("primary", ctypes.c_int),
        ("automatic", ctypes.c_int),
        ("noutput", ctypes.c_int),
        ("x", ctypes.c_int),
        ("y", ctypes.c_int),
        ("width", ctypes.c_int),
        ("height", ctypes.c_int),
        ("mwidth", ctypes.c_int),
        ("mheight", ctypes.c_int),
        ("outputs", ctypes.c_void_p),
    ]


def _load(name: str):
    path = ctypes.util.find_library(name)
    if path is None:
        return None
    try:
        return ctypes.CDLL(path)
    except OSError:
        return None


def list_displays(x_display: str | None = None) -> list[Display]:
    """The displays of the X server `x_display` (default $DISPLAY), by index. Raises
    DisplayError when there is no X display to ask."""
    name = x_display or os.environ.get("DISPLAY")
    if not name:
        raise DisplayError("no X display (DISPLAY is not set): there are no displays to list")
    x11 = _load("X11")
    if x11 is None:
        raise DisplayError("libX11 is missing: sudo apt-get install -y libx11-6")
    x11.XOpenDisplay.restype = ctypes.c_void_p
    x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
    dpy = x11.XOpenDisplay(name.encode())
    if not dpy:
        raise DisplayError(f"cannot open the X display {name}")
    try:
        x11.XDefaultRootWindow.restype = ctypes.c_ulong
        x11.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
        root = x11.XDefaultRootWindow(dpy)
        found = _randr_monitors(x11, dpy, root)
        joined = _xinerama_screens(dpy)
        if len(joined) > len(found):  # Xinerama on: RandR sees the first screen only
            found = joined
        if found:
            return found
        x11.XDefaultScreen.argtypes = [ctypes.c_void_p]
        screen = x11.XDefaultScreen(dpy)
        x11.XDisplayWidth.argtypes = x11.XDisplayHeight.argtypes = [ctypes.c_void_p, ctypes.c_int]
        w, h = x11.XDisplayWidth(dpy, screen), x11.XDisplayHeight(dpy, screen)
        return [Display(0, "screen", w, h, 0, 0, True)]
    finally:
        x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
        x11.XCloseDisplay(dpy)


def _randr_monitors(x11, dpy, root) -> list[Display]:
    xrandr = _load("Xrandr")
    if xrandr is None or not hasattr(xrandr, "XRRGetMonitors"):
        return []
    xrandr.XRRQueryVersion.argtypes = [ctypes.c_void_p] + [ctypes.POINTER(ctypes.c_int)] * 2
    major, minor = ctypes.c_int(), ctypes.c_int()
    if not xrandr.XRRQueryVersion(dpy, ctypes.byref(major), ctypes.byref(minor)):
        return []
    if (major.value, minor.value) < (1, 5):
        return []
    xrandr.XRRGetMonitors.restype = ctypes.POINTER(_Monitor)
    xrandr.XRRGetMonitors.argtypes = [
        ctypes.c_void_p,
        ctypes.c_ulong,
        ctypes.c_int,
        ctypes.POINTER(ctypes.c_int),
    ]
    xrandr.XRRFreeMonitors.argtypes = [ctypes.POINTER(_Monitor)]
    x11.XGetAtomName.restype = ctypes.c_void_p
    x11.XGetAtomName.argtypes = [ctypes.c_void_p, ctypes.c_ulong]
    x11.XFree.argtypes = [ctypes.c_void_p]
    count = ctypes.c_int(0)
    monitors = xrandr.XRRGetMonitors(dpy, root, 1, ctypes.byref(count))
    if not monitors:
        return []
    found = []
    try:
        for i in range(count.value):
            m = monitors[i]
            atom = x11.XGetAtomName(dpy, m.name) if m.name else None
            label = ctypes.string_at(atom).decode(errors="replace") if atom else f"monitor-{i}"
            if atom:
                x11.XFree(atom)
            found.append(Display(i, label, m.width, m.height, m.x, m.y, bool(m.primary)))
    finally:
        xrandr.XRRFreeMonitors(monitors)
    return found


class _XineramaScreen(ctypes.Structure):  # XineramaScreenInfo, Xinerama.h
    _fields_ = [
        ("screen_number", ctypes.c_int),
        ("x_org", ctypes.c_short),
        ("y_org", ctypes.c_short),
        ("width", ctypes.c_short),
        ("height", ctypes.c_short),
    ]


def _xinerama_screens(dpy) -> list[Display]:
    xin = _load("Xinerama")
    if xin is None:
        return []
    xin.XineramaIsActive.argtypes = [ctypes.c_void_p]
    if not xin.XineramaIsActive(dpy):
        return []
    xin.XineramaQueryScreens.restype = ctypes.POINTER(_XineramaScreen)
    xin.XineramaQueryScreens.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_int)]
    count = ctypes.c_int(0)
    screens = xin.XineramaQueryScreens(dpy, ctypes.byref(count))
    if not screens:
        return []
    found = [
        Display(i, f"screen-{i}", s.width, s.height, s.x_org, s.y_org, i == 0)
        for i, s in ((i, screens[i]) for i in range(count.value))
    ]
    x11 = _load("X11")
    x11.XFree.argtypes = [ctypes.c_void_p]
    x11.XFree(screens)
    return found


def pick(displays: list[Display], index: int, flag: str) -> Display:
    """Display `index`, or a one-line DisplayError naming the displays there are."""
    for d in displays:
        if d.index == index:
            return d
    there = "; ".join(d.describe() for d in displays) or "none"
    raise DisplayError(f"{flag} {index}: no such display; there are: {there}")


def resolve(
    trainee: int | None, instructor: int | None, offscreen: bool
) -> tuple[Display | None, Display | None]:
    """--trainee-display / --instructor-display indexes to displays (None: not asked)."""
    if trainee is None and instructor is None:
        return None, None
    if offscreen:
        raise DisplayError(
            "--trainee-display and --instructor-display need a window, not --offscreen"
        )
    there = list_displays()
    return (
        None if trainee is None else pick(there, trainee, "--trainee-display"),
        None if instructor is None else pick(there, instructor, "--instructor-display"),
    )


def window_properties(props, display: Display, cursor_hidden: bool = False):
    """Make Panda3D WindowProperties `props` a full-screen window on `display`."""
    props.setSize(display.width, display.height)
    props.setOrigin(display.x, display.y)
    props.setUndecorated(True)
    props.setCursorHidden(cursor_hidden)
    return props
