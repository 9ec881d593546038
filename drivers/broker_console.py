"""A console's side of the broker (drivers/broker.py has the lanes' side and the topics):
every lane's retained status, thumbnail and online flag, and commands sent with their
acknowledgements awaited. Used by `sightline lanes status|send|view` and the benchmark.
Runs in paho's network thread; never imports engine."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable

from drivers.broker import (
    CONNECT_TIMEOUT_S,
    LANE_RE,
    ROOT,
    BrokerConfig,
    BrokerError,
    Connection,
    check_lane,
    topic,
)


def command_payload(event: dict, cid: str | None = None, sent: float | None = None) -> bytes:
    return json.dumps(
        {
            "id": cid or uuid.uuid4().hex,
            "sent": time.time() if sent is None else sent,
            "event": event,
        }
    ).encode()


class Console(Connection):
    """A console: reads every lane's status and sends commands, waiting for their acks."""

    def __init__(self, cfg: BrokerConfig, name: str = "") -> None:
        super().__init__(cfg, name or f"sightline-console-{uuid.uuid4().hex[:8]}", True)
        self.lanes: dict[str, dict] = {}
        self._acks: dict[str, dict] = {}
        self.ack_times: dict[str, float] = {}  # command id -> when its first ack came
        self._cond = threading.Condition()
        self._subscribed = threading.Event()
        self._retained_seen = 0  # retained messages delivered since we subscribed
        self.on_update: Callable[[str, str], None] | None = None  # (lane, leaf), any thread
        self.client.on_message = self._on_message
        self.client.on_subscribe = lambda *a: self._subscribed.set()

    def on_connected(self) -> None:
        self.client.subscribe([(f"{ROOT}/+/{leaf}", 1) for leaf in LEAVES])

    def connect(self, wait_s: float = CONNECT_TIMEOUT_S) -> Console:
        self.start(wait_s, must_connect=True)
        if not self._subscribed.wait(wait_s):
            self.close()
            raise BrokerError(f"broker {self.cfg.shown()}: no answer to the subscription")
        return self

    def _on_message(self, client, userdata, msg) -> None:
        parts = msg.topic.split("/")
        if len(parts) != 4 or not LANE_RE.fullmatch(parts[2]):
            return
        lane, leaf = parts[2], parts[3]
        if leaf == "ack":
            try:
                ack = json.loads(msg.payload)
            except ValueError:
                return
            if isinstance(ack, dict) and isinstance(ack.get("id"), str):
                with self._cond:
                    if ack["id"] not in self._acks:
                        self.ack_times[ack["id"]] = time.monotonic()
                    self._acks.setdefault(ack["id"], ack)
                    self._acks[ack["id"] + "#" + str(ack.get("result"))] = ack
                    self._cond.notify_all()
            return
        with self._cond:
            self._update(lane, leaf, msg)
            self._retained_seen += msg.retain
            self._cond.notify_all()
        if self.on_update is not None:
            self.on_update(lane, leaf)

    def _update(self, lane: str, leaf: str, msg) -> None:
        entry = self.lanes.setdefault(lane, {})
        if leaf == "status":
            try:
                entry["status"] = json.loads(msg.payload)
            except ValueError:
                entry["status"] = {"error": "unreadable status"}
        elif leaf == "thumb":
            entry["thumb"] = bytes(msg.payload)
        elif leaf == "online":
            entry["online"] = msg.payload == b"online"

    def settle(self, quiet_s: float = 0.3, most_s: float = 2.0) -> dict[str, dict]:
        """The lanes as the retained messages tell, once none has come for `quiet_s`."""
        end = time.monotonic() + most_s
        with self._cond:
            seen, quiet_until = self._retained_seen, time.monotonic() + quiet_s
            while True:
                now = time.monotonic()
                if self._retained_seen != seen:
                    seen, quiet_until = self._retained_seen, now + quiet_s
                if now >= min(end, quiet_until):
                    return {k: dict(v) for k, v in sorted(self.lanes.items())}
                self._cond.wait(min(end, quiet_until) - now)

    def snapshot(self) -> dict[str, dict]:
        """A copy of every lane's latest status, thumbnail and online flag."""
        with self._cond:
            return {k: dict(v) for k, v in sorted(self.lanes.items())}

    def wait_for(self, predicate: Callable[[dict[str, dict]], bool], wait_s: float) -> bool:
        """Wait until `predicate(lanes)` holds (the lanes as the broker last told)."""
        with self._cond:
            return self._cond.wait_for(lambda: predicate(self.lanes), wait_s)

    def send(
        self, lane: str, event: dict, wait_s: float = 5.0, cid: str | None = None
    ) -> tuple[str, dict | None]:
        """Publish a command (QoS 1; waits for the broker to take it) and wait up to
        `wait_s` for the lane's acknowledgement: (the command's id, the ack or None)."""
        check_lane(lane)
        cid = cid or uuid.uuid4().hex
        info = self.client.publish(topic(lane, "cmd"), command_payload(event, cid), qos=1)
        try:
            info.wait_for_publish(wait_s)
        except (RuntimeError, ValueError) as exc:
            raise BrokerError(f"broker {self.cfg.shown()}: could not send: {exc}") from None
        if not info.is_published():
            raise BrokerError(
                f"broker {self.cfg.shown()}: did not take the command in {wait_s:g} s"
            )
        return cid, self.wait_ack(cid, wait_s)

    def wait_ack(self, cid: str, wait_s: float, result: str | None = None) -> dict | None:
        key = cid if result is None else f"{cid}#{result}"
        end = time.monotonic() + wait_s
        with self._cond:
            while key not in self._acks:
                left = end - time.monotonic()
                if left <= 0:
                    return None
                self._cond.wait(left)
            return self._acks[key]


LEAVES = ("status", "thumb", "online", "ack")
