"""Panda3D start-up: choosing a window or an offscreen buffer, and the PRC lines for each.

Called once, before ShowBase is created. Offscreen rendering goes through Panda3D's EGL
display (p3headlessgl), which needs only the system GL libraries; a window needs pandagl
and an X display. Missing GL libraries are reported with the command that installs them.
"""

from __future__ import annotations

import ctypes.util
import os
from pathlib import Path

from panda3d.core import loadPrcFileData

from sim.errors import UserError

GL_PACKAGES = "libegl1 libgl1 libegl-mesa0 libgl1-mesa-dri"


class DisplayError(UserError, RuntimeError):
    pass


def have_display() -> bool:
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def sound_output_present() -> bool:
    """A sound card (an ALSA playback device) or a PulseAudio / PipeWire server to play
    through. Without one, OpenAL is not even tried: it only fills the terminal with errors."""
    if os.environ.get("ALSOFT_CONF") or os.environ.get("ALSOFT_DRIVERS"):
        return True  # OpenAL configured by hand (its wave-file backend, in tests)
    snd = Path("/dev/snd")
    if snd.is_dir() and any(
        p.name.startswith("pcm") and p.name.endswith("p") for p in snd.iterdir()
    ):
        return True
    runtime = Path(os.environ.get("XDG_RUNTIME_DIR", f"/run/user/{os.getuid()}"))
    return any((runtime / name).exists() for name in ("pulse/native", "pipewire-0"))


#: Renderers that draw on the CPU (Mesa's), as a GSG's driver renderer string names them.
SOFTWARE_RENDERERS = ("llvmpipe", "softpipe", "swrast")


def is_software_renderer(output) -> bool:
    """Whether a window or buffer is drawn by a software rasterizer (the CPU)."""
    gsg = output.getGsg()
    renderer = gsg.getDriverRenderer().lower() if gsg is not None else ""
    return any(name in renderer for name in SOFTWARE_RENDERERS)


def check_gl_libraries(offscreen: bool) -> None:
    needed = ["EGL", "GL"] if offscreen else ["GL"]
    missing = [lib for lib in needed if ctypes.util.find_library(lib) is None]
    if missing:
        raise DisplayError(
            f"missing system GL libraries ({', '.join('lib' + m for m in missing)}); install "
            f"them with: sudo apt-get install -y --no-install-recommends {GL_PACKAGES}"
        )


def configure_run(cfg, title: str) -> None:
    """configure() for a run's engine.config.RunConfig (its trainee display included)."""
    configure(
        cfg.offscreen,
        cfg.width,
        cfg.height,
        title=title,
        audio_device=cfg.audio_device(),
        display=cfg.trainee_display,
    )


def configure(
    offscreen: bool,
    width: int,
    height: int,
    title: str = "Sightline",
    audio_device: bool = False,
    display=None,
) -> None:
    """`audio_device`: open the sound card through OpenAL (else Panda3D's null audio: the
    mixer still runs for --audio-out). `display` (engine.displays.Display): the trainee
    window fills it, borderless, with the cursor hidden (its size replaces width, height)."""
    check_gl_libraries(offscreen)
    os.environ.setdefault("EGL_PLATFORM", "surfaceless")
    os.environ.setdefault("ALSOFT_LOGLEVEL", "0")  # OpenAL's own chatter; we report in one line
    lines = [
        f"win-size {width} {height}",
        f"window-title {title}",
        "win-fixed-size #t",  # shot coordinates assume the aspect the run started with
        "textures-power-2 none",  # video frames of any size, no padding to 2^n
        "print-pipe-types #f",
        "notify-level-display error",
        "notify-level-device fatal",  # no /dev/input on servers: not worth a warning
        "notify-level-audio fatal",  # a missing sound device is reported by engine/app.py
        "audio-library-name " + ("p3openal_audio" if audio_device else "null"),
        "audio-buffering-seconds 0.5",  # OpenAL streams: how far ahead it may read
        "framebuffer-multisample #f",
        # Draw a new texture on the frame it first appears (the default skips it a frame
        # while it uploads): frame N of a capture must show the state of frame N.
        "allow-incomplete-render #f",
    ]
    if offscreen:
        lines += ["load-display p3headlessgl", "aux-display pandagl", "sync-video #f"]
    else:
        lines += ["load-display pandagl", "aux-display p3headlessgl", "sync-video #t"]
        if display is None:
            lines.append("win-origin 0 0")  # the instructor window goes to its right
        else:  # full screen on it: borderless, its size, at its origin, no cursor
            lines += [
                f"win-size {display.width} {display.height}",
                f"win-origin {display.x} {display.y}",
                "undecorated #t",
                "cursor-hidden #t",
            ]
    loadPrcFileData("sightline", "\n".join(lines))


def run_clock(cfg, manual_clock, host_clock):
    """The run's clock: a headless run (not --realtime) advances 1/fps a frame on a
    `manual_clock()` (engine.fixed_loop.ManualClock), with Panda3D's global clock stepping
    alike; a window or a realtime lane reads `cfg.clock` or the host's clock."""
    if not (cfg.offscreen and not cfg.realtime):
        return cfg.clock or host_clock
    from panda3d.core import ClockObject

    gc = ClockObject.getGlobalClock()
    gc.setMode(ClockObject.M_non_real_time)
    gc.setFrameRate(cfg.fps)
    return manual_clock()
