"""Lanes and consoles talk through an MQTT broker (Mosquitto): this module owns that I/O.

Why a broker and not a network layer of our own: a broker already gives topics, retained
messages (a console that connects late sees every lane's last status at once), QoS 1
delivery with persistent sessions (a command sent while a lane is reconnecting waits for
it), username/password, per-topic ACLs and TLS. paho-mqtt is the maintained Python client.

Topics, for lane NAME (docs/lanes.md):
  sightline/lanes/NAME/cmd     console -> lane, QoS 1: {"id", "sent", "event"}
  sightline/lanes/NAME/ack     lane -> consoles, QoS 1: what became of each command
  sightline/lanes/NAME/status  lane -> consoles, retained JSON
  sightline/lanes/NAME/thumb   lane -> consoles, retained JPEG, about once a second
  sightline/lanes/NAME/online  retained "online", or "offline" (the broker's will)

A command's `event` is one line of an input script without its time (sim/events.py), of
the kinds an instructor may send (`REMOTE_KINDS`). The lane stamps it with its host clock
when it arrives and puts it on the InputQueue like a key press, so recordings, replays and
`--verify` see an ordinary input. Each command carries an id (applied once, however often
the broker delivers it) and the console's wall-clock send time: one older than
`max_age_s` when it arrives is refused and reported, never applied late (the consoles'
and lanes' clocks are assumed NTP-synchronised to well under that bound).

Runs in paho's network thread; never imports engine. The consoles' side is
drivers/broker_console.py.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import json
import logging
import re
import socket
import threading
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from drivers.input_queue import host_now_s
from sim.errors import UserError
from sim.events import InputEvent, parse_event

log = logging.getLogger(__name__)

ROOT = "sightline/lanes"
LANE_RE = re.compile(r"[A-Za-z0-9_-]{1,32}")
#: Event kinds a console may send to a lane (shots come from the lane's own weapons).
REMOTE_KINDS = ("key", "pause", "resume", "flag", "jump", "malfunction", "sound", "view", "end")
MAX_AGE_S = 5.0  # a command older than this when it reaches the lane is refused
MAX_COMMAND_BYTES = 4096
MAX_AUTH_BYTES = 16 * 1024
SEEN_IDS = 4096  # command ids remembered for duplicates (far more than a session sends)
CONNECT_TIMEOUT_S = 5.0


class BrokerError(UserError):
    """The broker could not be used: unreachable, refused our credentials, bad URL."""


def topic(lane: str, leaf: str) -> str:
    return f"{ROOT}/{lane}/{leaf}"


def check_lane(name: str) -> str:
    if not LANE_RE.fullmatch(name or ""):
        raise UserError(f"lane name {name!r}: 1-32 letters, digits, '-' or '_'")
    return name


@dataclass(frozen=True)
class BrokerConfig:
    """Where the broker is and how to log in. The password comes from a file (--auth),
    never the command line, where `ps` would show it."""

    host: str
    port: int
    tls: bool = False
    username: str | None = None
    password: str | None = None
    cafile: str | None = None
    certfile: str | None = None
    keyfile: str | None = None

    def shown(self) -> str:
        who = f"{self.username}@" if self.username else ""
        return f"{'mqtts' if self.tls else 'mqtt'}://{who}{self.host}:{self.port}"


def broker_config(url: str, auth: Path | None = None) -> BrokerConfig:
    """--broker mqtt://HOST[:PORT] (mqtts:// for TLS) and --auth FILE.toml with `username`,
    `password` and, for TLS, `cafile` (and `certfile`/`keyfile` for client certificates);
    `tls = true` in the file also turns TLS on."""
    parts = urlsplit(url)
    if parts.scheme not in ("mqtt", "mqtts") or not parts.hostname:
        raise BrokerError(f"--broker {url}: expected mqtt://HOST:PORT or mqtts://HOST:PORT")
    if parts.username or parts.password:
        raise BrokerError(f"--broker {url}: put the user name and password in --auth FILE")
    try:
        port = parts.port
    except ValueError:
        raise BrokerError(f"--broker {url}: the port must be a number 1-65535") from None
    tls = parts.scheme == "mqtts"
    fields: dict = {}
    if auth is not None:
        fields = load_auth(auth)
        tls = tls or bool(fields.pop("tls", False)) or "cafile" in fields
    return BrokerConfig(parts.hostname, port or (8883 if tls else 1883), tls, **fields)


def load_auth(path: Path) -> dict:
    where = str(path)
    try:
        if path.stat().st_size > MAX_AUTH_BYTES:
            raise BrokerError(f"{where}: an auth file is at most {MAX_AUTH_BYTES} bytes")
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BrokerError(f"--auth {where}: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise BrokerError(f"--auth {where}: not TOML: {exc}") from None
    out: dict = {}
    for key, value in data.items():
        if key == "tls":
            if not isinstance(value, bool):
                raise BrokerError(f"{where}: 'tls' must be true or false")
        elif key in ("username", "password", "cafile", "certfile", "keyfile"):
            if not isinstance(value, str) or not value or len(value) > 1024:
                raise BrokerError(f"{where}: '{key}' must be non-empty text")
            if key.endswith("file"):
                value = str((path.parent / value).resolve())
                if not Path(value).is_file():
                    raise BrokerError(f"{where}: {key} {value}: no such file")
        else:
            raise BrokerError(
                f"{where}: unknown key {key!r} (username, password, cafile, certfile, keyfile, tls)"
            )
        out[key] = value
    if "password" in out and "username" not in out:
        raise BrokerError(f"{where}: a password needs a username")
    return out


def make_client(cfg: BrokerConfig, client_id: str, clean_session: bool = True):
    import paho.mqtt.client as mqtt

    client = mqtt.Client(
        mqtt.CallbackAPIVersion.VERSION2,
        client_id=client_id,
        clean_session=clean_session,
        protocol=mqtt.MQTTv311,
    )
    if cfg.username:
        client.username_pw_set(cfg.username, cfg.password)
    if cfg.tls:
        client.tls_set(ca_certs=cfg.cafile, certfile=cfg.certfile, keyfile=cfg.keyfile)
    client.reconnect_delay_set(min_delay=1, max_delay=2)
    client.on_socket_open = _no_delay
    return client


def _no_delay(client, userdata, sock) -> None:
    """Commands and acknowledgements are small and urgent: without TCP_NODELAY, Nagle's
    algorithm holds one back behind the previous packet's delayed ACK (40 ms on Linux)."""
    with contextlib.suppress(OSError, AttributeError):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class Connection:
    """A paho client in its own network thread that tells whether the broker took us
    (a lane's LaneLink, a console's drivers.broker_console.Console)."""

    def __init__(self, cfg: BrokerConfig, client_id: str, clean_session: bool) -> None:
        self.cfg = cfg
        self.client = make_client(cfg, client_id, clean_session)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.connected = threading.Event()
        self.disconnected = threading.Event()  # set while the connection is lost
        self.refused: str | None = None
        self._answered = threading.Event()
        self.connects = 0  # how many times the broker took us (1 + reconnections)

    def _on_connect(self, client, userdata, flags, reason, properties) -> None:
        if reason.is_failure:
            if self._answered.is_set() and self.refused is None:  # later: a lane runs on
                log.warning("broker %s refused the connection: %s", self.cfg.shown(), reason)
            self.refused = str(reason)
            self._answered.set()
            return
        self.connects += 1
        self.refused = None
        self.disconnected.clear()
        self.connected.set()
        self._answered.set()
        self.on_connected()

    def _on_disconnect(self, client, userdata, flags, reason, properties) -> None:
        self.connected.clear()
        self.disconnected.set()

    def on_connected(self) -> None:
        """Subclasses subscribe and republish here (every connection, first or again)."""

    def start(self, wait_s: float, must_connect: bool) -> bool:
        """Connect in the background; wait up to `wait_s` for the broker's answer. Refused
        credentials are a BrokerError either way; an unreachable broker is one only when
        `must_connect` (a lane runs on and keeps trying)."""
        try:
            self.client.connect_async(self.cfg.host, self.cfg.port, keepalive=10)
        except (OSError, ValueError) as exc:
            raise BrokerError(f"broker {self.cfg.shown()}: {exc}") from None
        self.client.loop_start()
        self._answered.wait(wait_s)
        if self.refused is not None:
            self.close()
            raise BrokerError(
                f"broker {self.cfg.shown()} refused the connection: {self.refused} (wrong "
                "user name or password, or an anonymous login the broker does not allow?)"
            )
        if not self.connected.is_set() and must_connect:
            self.close()
            raise BrokerError(
                f"broker {self.cfg.shown()}: not reachable in {wait_s:g} s (is it running? "
                "with TLS: is --auth's cafile its authority?)"
            )
        return self.connected.is_set()

    def close(self) -> None:
        try:
            self.client.disconnect()
        finally:
            self.client.loop_stop()


# -- the lane's side ------------------------------------------------------------------------


@dataclass
class _Pending:
    id: str
    event: InputEvent  # as parsed, t_s 0: compared with what the tick applied
    sent: float
    arrived: float  # wall clock when it reached the lane


class LaneLink(Connection):
    """A lane's connection: instructor commands in, status out.

    `bind(put, check)` hands it the lane's InputQueue `put(event, host_t_s)` and a check
    (a pack-dependent reason to refuse, or None); commands that arrive before that wait
    for it, stamped when they arrived. The engine calls `applied(events, tick, t_s)`
    every tick so each command's acknowledgement names the tick it was applied at.
    """

    def __init__(self, cfg: BrokerConfig, lane: str, max_age_s: float = MAX_AGE_S) -> None:
        super().__init__(cfg, f"sightline-lane-{check_lane(lane)}", clean_session=False)
        self.lane = lane
        self.max_age_s = max_age_s
        self._lock = threading.Lock()
        self._seen: collections.OrderedDict[str, None] = collections.OrderedDict()
        self._pending: list[_Pending] = []
        self._early: list[tuple[InputEvent, float]] = []
        self._put: Callable[[InputEvent, float], None] | None = None
        self._check: Callable[[InputEvent], str | None] = lambda event: None
        self._retained: dict[str, bytes] = {}
        self.refusals: list[str] = []  # for the run's summary
        self.applied_count = 0
        self.client.will_set(topic(lane, "online"), b"offline", qos=1, retain=True)
        self.client.on_message = self._on_message
        self.subscribed = threading.Event()
        self.client.on_subscribe = lambda *a: self.subscribed.set()

    def start(self, wait_s: float, must_connect: bool) -> bool:
        """Connected and subscribed to our commands (one sent after this reaches us)."""
        return super().start(wait_s, must_connect) and self.subscribed.wait(wait_s)

    def on_connected(self) -> None:
        self.client.subscribe(topic(self.lane, "cmd"), qos=1)
        self.client.publish(topic(self.lane, "online"), b"online", qos=1, retain=True)
        with self._lock:
            retained = dict(self._retained)
        for leaf, payload in retained.items():  # a restarted broker may have lost them
            self.client.publish(topic(self.lane, leaf), payload, qos=1, retain=True)

    def bind(self, put, check=None) -> None:
        with self._lock:
            self._put = put
            if check is not None:
                self._check = check
            early, self._early = self._early, []
        for event, host_t in early:
            put(event, host_t)

    def _on_message(self, client, userdata, msg) -> None:
        arrived = host_now_s()
        now_wall = time.time()
        cid = None
        try:
            obj = self._json(msg.payload)
            cid = obj.get("id")
            if not isinstance(cid, str) or not 0 < len(cid) <= 64:
                cid = None
                raise ValueError("a command needs an 'id' (text, at most 64 characters)")
            sent, event = self._parse(cid, obj)
        except ValueError as exc:
            self._refuse(cid, str(exc))
            return
        with self._lock:
            duplicate = cid in self._seen
            if not duplicate:
                self._seen[cid] = None
                while len(self._seen) > SEEN_IDS:
                    self._seen.popitem(last=False)
        if duplicate:
            self._ack({"id": cid, "result": "duplicate", "reason": "already received"})
            return
        age = now_wall - sent
        if age > self.max_age_s:
            self._refuse(cid, f"sent {age:.1f} s ago, older than the {self.max_age_s:g} s bound")
            return
        reason = self._check(event)
        if reason:
            self._refuse(cid, reason)
            return
        with self._lock:
            self._pending.append(_Pending(cid, event, sent, now_wall))
            put = self._put
            if put is None:
                self._early.append((event, arrived))
        if put is not None:
            put(event, arrived)

    @staticmethod
    def _json(payload: bytes) -> dict:
        if len(payload) > MAX_COMMAND_BYTES:
            raise ValueError(f"a command is at most {MAX_COMMAND_BYTES} bytes")
        try:
            obj = json.loads(payload)
        except (ValueError, UnicodeDecodeError):
            raise ValueError("a command must be JSON") from None
        if not isinstance(obj, dict):
            raise ValueError("a command must be a JSON object")
        return obj

    @staticmethod
    def _parse(cid: str, obj: dict) -> tuple[float, InputEvent]:
        sent, ev = obj.get("sent"), obj.get("event")
        if isinstance(sent, bool) or not isinstance(sent, int | float) or sent != sent:
            raise ValueError(f"command {cid}: 'sent' must be a time (seconds since 1970)")
        if not isinstance(ev, dict) or ev.get("type") not in REMOTE_KINDS:
            raise ValueError(
                f"command {cid}: 'event' must be an object whose type is one of "
                + ", ".join(REMOTE_KINDS)
            )
        try:
            event = parse_event({**ev, "t": 0.0}, f"command {cid}")
        except UserError as exc:
            raise ValueError(str(exc)) from None
        return float(sent), event

    def _refuse(self, cid: str | None, reason: str) -> None:
        self.refusals.append(f"{cid or '?'}: {reason}")
        self._ack({"id": cid, "result": "refused", "reason": reason})

    def _ack(self, body: dict) -> None:
        body = {"lane": self.lane, **body}
        self.client.publish(topic(self.lane, "ack"), json.dumps(body).encode(), qos=1)

    def applied(self, events, tick: int, t_s: float) -> None:
        """From the engine, once a tick: acknowledge the commands among `events`."""
        if not events:
            return
        done = []
        with self._lock:
            for event in events:
                bare = dataclasses.replace(event, t_s=0.0)
                for i, p in enumerate(self._pending):
                    if p.event == bare:
                        done.append(self._pending.pop(i))
                        break
        now_wall = time.time()
        for p in done:
            self.applied_count += 1
            self._ack(
                {
                    "id": p.id,
                    "result": "applied",
                    "tick": tick,
                    "t_s": round(t_s, 6),
                    "latency_s": round(now_wall - p.sent, 6),
                    "transit_s": round(p.arrived - p.sent, 6),  # of which on the way
                }
            )

    def publish(self, leaf: str, payload: bytes) -> None:
        """A retained message (status, thumb): kept and sent again on every reconnection."""
        with self._lock:
            self._retained[leaf] = payload
        if self.connected.is_set():
            self.client.publish(topic(self.lane, leaf), payload, qos=0, retain=True)

    def close(self, final_status: bytes | None = None) -> None:
        if final_status is not None and self.connected.is_set():
            self.client.publish(topic(self.lane, "status"), final_status, qos=1, retain=True)
        if self.connected.is_set():
            info = self.client.publish(topic(self.lane, "online"), b"offline", qos=1, retain=True)
            with contextlib.suppress(RuntimeError, ValueError):  # closing: best effort
                info.wait_for_publish(2.0)
        super().close()
