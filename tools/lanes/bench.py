"""`sightline bench lanes`: N headless lanes at low resolution on this machine against a
local Mosquitto (tools/lanes/mosquitto.py, with accounts and the ACL), and the command
delivery latency from a console to the tick that applied it.

Each lane is a real `sightline lane run` process (demo pack, 160x90, on the wall clock).
Once every lane is online, one console sends flags (they change nothing the latency
depends on) round-robin across the lanes at a steady pace, and collects each lane's
"applied" acknowledgement. Latency = the lane's wall clock when the tick that applied the
command ran, minus the console's wall clock when it sent it (one machine, one clock); it
includes the wait for the lane's next frame (up to 1/fps), which is most of it. Also
printed: the console's round trip (send to acknowledgement received), the broker's load
($SYS topics: messages a second in and out) and its CPU time, and the machine's load.
"""

from __future__ import annotations

import contextlib
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid

import numpy as np

from content import DEMO_PACK
from drivers.broker import broker_config, topic
from drivers.broker_console import Console, command_payload
from tools.lanes.mosquitto import LocalBroker

GOAL_P99_MS = 50.0


def _cpu_s(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _rate(before: dict, after: dict, name: str, elapsed_s: float, unit: float = 1.0):
    """A $SYS/broker/NAME counter's rate over the window (None if the broker did not say)."""
    key = f"$SYS/broker/{name}"
    if key not in before or key not in after or elapsed_s <= 0:
        return None
    return (after[key] - before[key]) / elapsed_s / unit


def bench_lanes(args) -> int:
    n = max(1, args.lanes)
    per_lane = max(1, args.commands)
    fps = getattr(args, "fps", 30.0) or 30.0
    names = [f"l{i:02d}" for i in range(1, n + 1)]
    users = {"console": "bench-console", **{name: f"pw-{name}" for name in names}}
    broker = LocalBroker(users, ["console"], sys_interval_s=1).start()
    procs: list[subprocess.Popen] = []
    sys_stats: dict[str, float] = {}
    try:
        for name in names:
            procs.append(
                subprocess.Popen(
                    broker.lane_argv(DEMO_PACK, name, fps, 3600, "--audio", "none"),
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        console = Console(broker_config(broker.url, broker.auth_file("console"))).connect()

        def on_sys(client, userdata, msg):
            with contextlib.suppress(ValueError):  # a few $SYS topics are text
                sys_stats[msg.topic] = float(msg.payload)

        console.client.message_callback_add("$SYS/#", on_sys)
        console.client.subscribe("$SYS/#", qos=0)
        started = time.monotonic()
        print(f"Starting {n} headless lanes (160x90, {fps:g} fps) on {broker.url} ...")
        ok = console.wait_for(
            lambda lanes: sum(1 for k in names if lanes.get(k, {}).get("status")) == n, 300
        )
        if not ok:
            up = sum(1 for k in names if console.lanes.get(k, {}).get("status"))
            print(f"error: only {up} of {n} lanes came up in 300 s", file=sys.stderr)
            return 1
        print(f"All {n} lanes online after {time.monotonic() - started:.1f} s")
        time.sleep(2.0)  # let their start-up settle
        sys0 = dict(sys_stats)
        cpu0, t0 = _cpu_s(broker.proc.pid), time.monotonic()
        lanes_cpu0 = sum(_cpu_s(p.pid) for p in procs)
        load_before = os.getloadavg()[0]
        sent_at: dict[str, float] = {}
        lock = threading.Lock()
        ids = []
        total = n * per_lane
        interval_s = 0.05  # 20 commands a second in all
        for i in range(total):
            lane = names[i % n]
            cid = uuid.uuid4().hex
            with lock:
                sent_at[cid] = time.monotonic()
            console.client.publish(
                topic(lane, "cmd"),
                command_payload({"type": "flag", "note": f"bench {i}"}, cid),
                qos=1,
            )
            ids.append(cid)
            time.sleep(interval_s)
        lat_ms, transit_ms, missing, refused = [], [], 0, 0
        for cid in ids:
            ack = console.wait_ack(cid, 10.0)
            if ack is None:
                missing += 1
            elif ack.get("result") != "applied":
                refused += 1
            else:
                lat_ms.append(ack["latency_s"] * 1000)
                transit_ms.append(ack.get("transit_s", 0.0) * 1000)
        # the console's round trip: acknowledgement received minus sent (monotonic)
        rtt_ms = [
            (console.ack_times[cid] - sent_at[cid]) * 1000
            for cid in ids
            if cid in console.ack_times
        ]
        time.sleep(1.2)  # the broker's $SYS counters are published once a second
        elapsed = time.monotonic() - t0
        sys1 = dict(sys_stats)
        broker_cpu = (_cpu_s(broker.proc.pid) - cpu0) / elapsed * 100
        lanes_cpu = (sum(_cpu_s(p.pid) for p in procs) - lanes_cpu0) / elapsed * 100
        console.close()
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        broker.close()
    result = {
        "lanes": n,
        "fps": fps,
        "commands": total,
        "applied": len(lat_ms),
        "refused": refused,
        "missing": missing,
        "latency_median_ms": statistics.median(lat_ms) if lat_ms else None,
        "latency_p99_ms": float(np.percentile(lat_ms, 99)) if lat_ms else None,
        "latency_max_ms": max(lat_ms) if lat_ms else None,
        "transit_median_ms": statistics.median(transit_ms) if transit_ms else None,
        "transit_p99_ms": float(np.percentile(transit_ms, 99)) if transit_ms else None,
        "round_trip_median_ms": statistics.median(rtt_ms) if rtt_ms else None,
        "round_trip_p99_ms": float(np.percentile(rtt_ms, 99)) if rtt_ms else None,
        "broker_cpu_percent": broker_cpu,
        "lanes_cpu_percent": lanes_cpu,  # all lanes together, % of one core
        "broker_msgs_in_per_s": _rate(sys0, sys1, "messages/received", elapsed),
        "broker_msgs_out_per_s": _rate(sys0, sys1, "messages/sent", elapsed),
        "broker_kbytes_in_per_s": _rate(sys0, sys1, "bytes/received", elapsed, 1e3),
        "broker_clients": sys1.get("$SYS/broker/clients/connected"),
        "load_average_1min": [load_before, os.getloadavg()[0]],
        "cpus": os.cpu_count(),
        "goal_p99_ms": GOAL_P99_MS,
    }
    # figures to a microsecond (or a thousandth of a percent, of a message a second)
    result = {k: round(v, 3) if isinstance(v, float) else v for k, v in result.items()}
    result["load_average_1min"] = [round(v, 2) for v in result["load_average_1min"]]
    args.result = result  # `bench --json` prints it (tools/bench_suite.run_bench)
    print(
        f"{n} lanes, {len(lat_ms)} of {total} commands applied"
        + (f", {refused} refused" if refused else "")
        + (f", {missing} unanswered" if missing else "")
    )
    if lat_ms:
        print(f"{'':<36} {'median ms':>10} {'p99 ms':>8} {'max ms':>8}")
        print(
            f"{'console send -> applied tick':<36} {result['latency_median_ms']:>10.1f} "
            f"{result['latency_p99_ms']:>8.1f} {result['latency_max_ms']:>8.1f}"
        )
    if transit_ms:
        print(
            f"{'  of which console -> lane (broker)':<36} {result['transit_median_ms']:>10.1f} "
            f"{result['transit_p99_ms']:>8.1f}"
        )
    if rtt_ms:
        print(
            f"{'console send -> ack received':<36} {result['round_trip_median_ms']:>10.1f} "
            f"{result['round_trip_p99_ms']:>8.1f}"
        )
    rate_in, rate_out = result["broker_msgs_in_per_s"], result["broker_msgs_out_per_s"]
    print(
        f"Broker: {broker_cpu:.1f} % of one core"
        + (f", {rate_in:.0f} MQTT messages/s in, {rate_out:.0f} out" if rate_in else "")
        + (f", {result['broker_kbytes_in_per_s']:.0f} kB/s in" if rate_in else "")
        + (f", {result['broker_clients']:.0f} clients" if result["broker_clients"] else "")
    )
    print(
        f"Lanes: {lanes_cpu:.0f} % of one core together ({lanes_cpu / n:.1f} % each), of "
        f"{os.cpu_count() * 100} %"
    )
    print(
        f"Machine: {os.cpu_count()} CPUs, load average {load_before:.1f} before the commands, "
        f"{result['load_average_1min'][1]:.1f} after (other work on the machine inflates "
        "every figure)"
    )
    if lat_ms:
        met = result["latency_p99_ms"] <= GOAL_P99_MS
        print(f"Goal p99 <= {GOAL_P99_MS:g} ms: {'met' if met else 'NOT met'}")
    return 0 if lat_ms else 1
