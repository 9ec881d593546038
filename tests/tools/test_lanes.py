"""The issue's done-when, end to end on a real Mosquitto: two headless lanes on the wall
clock; `sightline lanes send` branches one and not the other; the broker killed and
restarted mid-session loses no command sent after it is back; a wrong password is
refused; each lane's recording verifies tick by tick (commands are ordinary inputs)."""

from __future__ import annotations

import json
import subprocess

import pytest

from content import DEMO_PACK
from drivers.broker import broker_config
from drivers.broker_console import Console
from tests.conftest import run_cli


def start_lane(broker, name, tmp_path, *extra):
    return subprocess.Popen(
        broker.lane_argv(
            DEMO_PACK, name, 20, 120, "--record", str(tmp_path / f"{name}.rec"), *extra
        ),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def send(broker, auth, lane, *words):
    return run_cli(
        "lanes", "send", "--broker", broker.url, "--auth", str(auth), lane, *words, "--wait", "20"
    )


@pytest.mark.render
def test_two_lanes_one_branched_by_lanes_send_and_a_broker_restart(broker, tmp_path):
    auth = broker.auth_file("console")
    lanes = {name: start_lane(broker, name, tmp_path) for name in ("a", "b")}
    console = Console(broker_config(broker.url, auth)).connect()
    try:

        def segment(lane):
            return console.lanes.get(lane, {}).get("status", {}).get("segment")

        assert console.wait_for(lambda ls: segment("a") and segment("b"), 90), "no lanes"
        out = send(broker, auth, "a", "key", "2")
        assert out.returncode == 0, out.stderr
        assert "lane a: key 2 applied at tick" in out.stdout
        assert console.wait_for(lambda ls: segment("a") == "draw", 10)
        assert segment("b") in ("approach", "standoff")  # the other lane was not branched

        assert broker.wait_saved()  # the broker's autosave has the lanes' sessions
        broker.kill()
        broker.start()
        out = send(broker, auth, "b", "flag", "after", "the", "restart")
        assert out.returncode == 0, out.stderr + out.stdout
        out = send(broker, auth, "b", "key", "3")
        assert out.returncode == 0, out.stderr + out.stdout

        bad = run_cli(
            "lanes",
            "status",
            "--broker",
            broker.url,
            "--auth",
            str(broker.auth_file("console", "x")),
        )
        assert bad.returncode == 2 and "refused the connection" in bad.stderr
        assert len(bad.stderr.strip().splitlines()) == 1

        table = run_cli("lanes", "status", "--broker", broker.url, "--auth", str(auth))
        rows = {line.split()[0]: line for line in table.stdout.splitlines()[1:]}
        assert set(rows) == {"a", "b"} and "Demo: the doorway" in rows["b"], table.stdout
        status = run_cli("lanes", "status", "--broker", broker.url, "--auth", str(auth), "--json")
        assert status.returncode == 0, status.stderr
        shown = json.loads(status.stdout)
        assert shown["b"]["status"]["flags"][-1]["note"] == "after the restart"
        assert shown["b"]["thumb_bytes"] > 0

        outputs = {name: p.communicate(timeout=120)[0] for name, p in lanes.items()}
    finally:
        console.close()
        for p in lanes.values():
            if p.poll() is None:
                p.kill()
                p.wait()
    assert "approach -> draw" in outputs["a"] and "flee" not in outputs["a"]
    assert "Lane a: 1 commands applied" in outputs["a"]
    assert "-> flee" in outputs["b"] and "draw" not in outputs["b"].split("Segments played")[1]
    assert "Lane b: 2 commands applied" in outputs["b"]
    assert "'after the restart'" in outputs["b"]
    for name in lanes:
        out = run_cli("replay", str(tmp_path / f"{name}.rec"), "--verify")
        assert out.returncode == 0 and "every tick matches" in out.stdout, out.stdout + out.stderr


@pytest.mark.render
def test_the_control_room_sends_the_selected_lane_its_hotkeys(broker, tmp_path):
    import cv2

    from drivers.broker import LaneLink
    from drivers.input_queue import InputQueue
    from sim.events import KeyPress

    queues = {}
    links = []
    for name in ("a", "b"):
        queues[name] = InputQueue()
        link = LaneLink(broker_config(broker.url, broker.auth_file(name)), name)
        assert link.start(10, must_connect=True)
        link.bind(queues[name].put)
        status = {"segment": "standoff", "offer": [{"key": "2", "label": "Draws", "to": "draw"}]}
        link.publish("status", json.dumps({"lane": name, **status}).encode())
        links.append(link)
    png = tmp_path / "room.png"
    try:
        out = run_cli(
            "lanes", "view", "--broker", broker.url, "--auth", str(broker.auth_file("console")),
            "--png", str(png), "--keys", "tab 2",
        )  # fmt: skip
    finally:
        for link in links:
            link.close()
    assert out.returncode == 0, out.stderr
    assert "lane b: 2 (key) applied" not in out.stdout  # no engine here: queued, not applied
    assert [i.event for i in queues["b"].drain()] == [KeyPress(0.0, "2")]
    assert queues["a"].drain() == []
    img = cv2.imread(str(png))
    assert img.shape == (720, 1280, 3)
    amber = (img[:, :, 2] > 200) & (img[:, :, 1] > 150) & (img[:, :, 0] < 120)
    tiles = amber[35:170]  # the row of tiles: lane a 0-320 px, lane b 320-640 px
    assert tiles[:, 320:640].sum() > 500 and tiles[:, :320].sum() == 0  # b is selected


@pytest.mark.render
def test_every_instructor_command_reaches_a_lane_and_its_recording_verifies(broker, tmp_path):
    auth = broker.auth_file("console")
    lane = start_lane(broker, "a", tmp_path)
    console = Console(broker_config(broker.url, auth)).connect()
    try:
        assert console.wait_for(lambda ls: ls.get("a", {}).get("status"), 90), "no lane"
        for words in (
            ["pause"],
            ["resume"],
            ["malfunction", "w1"],
            ["sound", "dog"],
            ["lowlight", "on"],
            ["view", "markers", "off"],
            ["jump", "standoff"],
            ["flag", "x"],
        ):
            out = send(broker, auth, "a", *words)
            assert out.returncode == 0 and "applied at tick" in out.stdout, (words, out.stderr)
        refused = send(broker, auth, "a", "sound", "nosuch")
        assert refused.returncode == 2 and "no sound 'nosuch' in this pack" in refused.stderr
        assert console.wait_for(lambda ls: ls["a"]["status"].get("low_light"), 10)
        out = send(broker, auth, "a", "end")
        assert out.returncode == 0, out.stderr
        summary = lane.communicate(timeout=60)[0]
    finally:
        console.close()
        if lane.poll() is None:
            lane.kill()
            lane.wait()
    assert "approach -> standoff  (instructor: jump)" in summary
    assert "dog @" in summary and "(instructor)" in summary and "Flags: " in summary
    assert "Lane a: 9 commands applied, 1 refused" in summary
    out = run_cli("replay", str(tmp_path / "a.rec"), "--verify")
    assert out.returncode == 0 and "9 inputs" in out.stdout and "every tick matches" in out.stdout
