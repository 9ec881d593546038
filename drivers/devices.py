"""Opening devices from the command line (`--device KIND:PATH[@wN]`), forwarding the sim's
commands to them, listing serial ports, and the status lines the instructor sees.

Kinds: openfire, gun4ir (light guns: feedback over serial, aim and trigger by USB mouse),
recoil-kit, laser-tracker, threat-device, magazine (the Sightline protocol). A threat
device's effects are capped by the station's safety limit (drivers/threat.py) here, before
they are sent; a pause, the end or the instructor's disarm stops them at once. A device
given without @wN serves the first trainee's weapon, w1. Must not import engine.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from serial.tools import list_ports

from drivers.calibration import default_path, load
from drivers.camera import Attributor, CameraDevice
from drivers.input_queue import InputQueue, host_now_s
from drivers.lightgun import BAUD, SEPARATORS, USB_IDS, LightGun
from drivers.link import SerialLink
from drivers.sightline_device import SightlineDevice
from drivers.threat import SafetyLimit, load_limit
from sim.commands import StopEffects, StoppageInjected, StressEffect
from sim.errors import UserError
from sim.runtime import AmmoChanged, DryFire, ShotMarker

KINDS = ("openfire", "gun4ir", "recoil-kit", "laser-tracker", "threat-device", "magazine", "camera")


class DeviceSpecError(UserError, ValueError):
    pass


@dataclass
class Device:
    name: str
    kind: str
    weapon: str
    link: SerialLink
    driver: LightGun | SightlineDevice
    limit: SafetyLimit | None = None  # a threat device's safety limit (local configuration)
    report: Callable[[str, bool, str], None] | None = None  # what it did, for the recording
    # the wall clock, not the session's: the threat limits' minimum gap is physical time
    # (a headless run's session clock may run faster than the wall)
    clock: Callable[[], float] = host_now_s
    _last_effect_s: float | None = None

    def on_command(self, cmd) -> None:
        """A sim command: a shot fired from this device's weapon kicks; a dry pull from an
        injected malfunction rumbles (an empty gun does nothing); ammo goes to the display.
        A threat device acts on stress effects (capped) and stops on StopEffects; a
        magazine device makes an injected malfunction real."""
        if self.kind == "threat-device":
            self._threat(cmd)
            return
        if self.kind == "magazine":
            if isinstance(cmd, StoppageInjected) and cmd.weapon == self.weapon:
                sent = self.driver.stoppage(_weapon_number(self.weapon))
                self._say(f"stoppage {self.weapon}" + ("" if sent else " not sent: disconnected"))
            return
        if isinstance(cmd, ShotMarker) and cmd.weapon == self.weapon:
            if isinstance(self.driver, LightGun):
                self.driver.fired()
                if cmd.role == "no-shoot":
                    self.driver.warn()
            elif self.kind == "recoil-kit":
                self.driver.recoil(int(self.weapon[1:]) if self.weapon[1:].isdigit() else 1)
        elif not isinstance(self.driver, LightGun) or getattr(cmd, "weapon", None) != self.weapon:
            return
        elif isinstance(cmd, DryFire) and cmd.reason == "malfunction":
            self.driver.dry()
        elif isinstance(cmd, AmmoChanged):
            self.driver.set_ammo(cmd.rounds)

    def _threat(self, cmd) -> None:
        if isinstance(cmd, StopEffects):
            self.driver.disarm()
            if cmd.disarmed:
                self._say("DISARMED by the instructor")
            return
        if not isinstance(cmd, StressEffect):
            return
        limit = self.limit or SafetyLimit()
        capped = limit.cap(cmd.effect, cmd.intensity_pct, cmd.duration_ms)
        now = self.clock()
        if capped is None:
            self._say(f"{cmd.effect} not fired: not enabled in the local threat limits")
            return
        if self._last_effect_s is not None and now - self._last_effect_s < limit.min_gap_ms / 1e3:
            self._say(f"{cmd.effect} not fired: within {limit.min_gap_ms} ms of the last")
            return
        from drivers.protocol import THREAT_EFFECTS

        intensity, duration = capped
        sent = self.driver.threat(THREAT_EFFECTS[cmd.effect], intensity, duration)
        if sent:
            self._last_effect_s = now
        what = f"{cmd.effect} {intensity} % {duration} ms ({cmd.source})"
        if (intensity, duration) != (cmd.intensity_pct, cmd.duration_ms):
            what += f", capped from {cmd.intensity_pct} % {cmd.duration_ms} ms"
        self._say(what if sent else what + " not sent: disconnected")

    def _say(self, text: str) -> None:
        if self.report is not None:
            self.report(self.name, True, text)

    def status_line(self) -> str:
        st = self.link.status
        if not st.connected:
            return f"{self.name}: DISCONNECTED"
        if getattr(self.driver, "heartbeat_lost", False):
            return f"{self.name}: NO HEARTBEAT (port open, device silent)"
        age = (
            ""
            if st.last_data_s is None
            else f", last data {host_now_s() - st.last_data_s:.1f} s ago"
        )
        return f"{self.name}: connected{age}"

    def close(self) -> None:
        if isinstance(self.driver, LightGun):
            self.driver.give_back()
        self.link.stop()


@dataclass
class CameraInput:
    """A camera watching the screen (drivers/camera.py): input only."""

    name: str
    camera: CameraDevice

    def on_command(self, cmd) -> None:
        pass

    def status_line(self) -> str:
        c = self.camera
        if not c.connected:
            return f"{self.name}: DISCONNECTED"
        return f"{self.name}: {c.frames} frames, {c.shots} shots"

    def close(self) -> None:
        self.camera.stop()


def _weapon_number(weapon: str) -> int:
    return int(weapon[1:]) if weapon[1:].isdigit() else 1


def parse_spec(spec: str) -> tuple[str, str, str]:
    kind, sep, rest = spec.partition(":")
    if not sep or kind not in KINDS or not rest:
        raise DeviceSpecError(
            f"--device {spec!r}: use KIND:PATH[@wN] with KIND one of {', '.join(KINDS)}"
        )
    path, _, weapon = rest.partition("@")
    weapon = weapon or "w1"
    if not (weapon.startswith("w") and weapon[1:].isdigit()):
        raise DeviceSpecError(f"--device {spec!r}: the weapon is w1, w2, ...")
    return kind, path, weapon


def open_device(
    spec: str,
    inputs: InputQueue,
    on_fault: Callable[[str, bool, str], None],
    clock: Callable[[], float] = host_now_s,
    attributor: Attributor | None = None,
) -> Device:
    """Open a device; its events are stamped with `clock`, the session's clock. Recoil
    kits' trigger pulls feed `attributor`, which cameras use to tell shooters apart."""
    attributor = attributor or Attributor()
    kind, path, weapon = parse_spec(spec)
    name = f"{kind}:{path}"
    if kind == "camera":
        calib = default_path(path)  # written by `sightline calibrate`
        homography = load(calib).homography if calib.is_file() else None
        camera = CameraDevice(
            path,
            inputs,
            name,
            clock,
            homography=homography,
            attributor=attributor,
            on_fault=on_fault,
        )
        return CameraInput(name, camera.start())
    if kind in SEPARATORS:
        driver = LightGun(kind, weapon)
        link = SerialLink(name, path, driver, baudrate=BAUD, on_fault=on_fault, clock=clock)
    else:
        # events stamped on the session's clock; heartbeats and ACKs timed on the wall's
        driver = SightlineDevice(inputs, name, clock, watch=host_now_s)
        driver.on_trigger = lambda _n, t: attributor.trigger(weapon, t)
        link = SerialLink(name, path, driver, on_fault=on_fault, clock=clock)
    link.start()
    if kind == "threat-device":
        return Device(name, kind, weapon, link, driver, load_limit(), on_fault)
    return Device(name, kind, weapon, link, driver, report=on_fault)


def match_driver(vid: int | None, pid: int | None) -> str:
    for kind, ids in USB_IDS.items():
        if any(vid == v and (want is None or pid == want) for v, want in ids):
            return kind
    return "-"


def list_devices() -> list[dict]:
    return [
        {
            "port": info.device,
            "vid": f"{info.vid:04X}" if info.vid is not None else "",
            "pid": f"{info.pid:04X}" if info.pid is not None else "",
            "serial": info.serial_number or "",
            "description": info.description or "",
            "driver": match_driver(info.vid, info.pid),
        }
        for info in sorted(list_ports.comports(), key=lambda i: i.device)
    ]
