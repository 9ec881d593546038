"""The broker link on a real Mosquitto (no Panda3D): a lane's commands reach its input
queue once, stamped when they arrive; duplicates, stale and malformed commands are
refused and reported; wrong passwords are refused; the ACL keeps a lane account from
commanding another lane; a broker restart loses no command sent after it is back and the
lane republishes its status."""

from __future__ import annotations

import json
import threading
import time

import pytest

from drivers.broker import BrokerError, LaneLink, broker_config, topic
from drivers.broker_console import Console, command_payload
from drivers.input_queue import InputQueue, host_now_s
from sim.events import Flag, KeyPress, SetView
from tests.mqtt_broker import USERS, need_mosquitto
from tools.lanes.mosquitto import LocalBroker


def console(broker, user="console", password=None) -> Console:
    return Console(broker_config(broker.url, broker.auth_file(user, password))).connect()


class Lane:
    """A LaneLink bound to a real InputQueue, as engine/lane.py binds it."""

    def __init__(self, broker, name="a", max_age_s=5.0, check=None):
        self.queue = InputQueue()
        self.got = threading.Event()
        self.link = LaneLink(broker_config(broker.url, broker.auth_file(name)), name, max_age_s)
        assert self.link.start(10, must_connect=True)

        def put(event, host_t):
            self.queue.put(event, host_t)
            self.got.set()

        self.link.bind(put, check)

    def take(self, timeout=5.0):
        assert self.got.wait(timeout), "no command reached the lane"
        self.got.clear()
        return self.queue.drain()


@pytest.fixture
def lane(broker):
    lane = Lane(broker)
    yield lane
    lane.link.close()


@pytest.fixture
def con(broker):
    c = console(broker)
    yield c
    c.close()


def test_a_command_becomes_an_input_event_stamped_when_it_arrives(lane, con):
    before = host_now_s()
    cid, ack = con.send("a", {"type": "key", "key": "2"}, wait_s=0.2)
    (item,) = lane.take()
    assert item.event == KeyPress(0.0, "2")
    assert before <= item.host_t_s <= host_now_s()
    lane.link.applied([KeyPress(1.25, "2")], 150, 1.25)  # the tick that applied it
    ack = con.wait_ack(cid, 5, "applied")
    assert ack["tick"] == 150 and ack["t_s"] == 1.25 and ack["lane"] == "a"
    assert 0 <= ack["latency_s"] < 5


def test_a_command_delivered_twice_is_applied_once(lane, con):
    cid, _ = con.send("a", {"type": "flag", "note": "hands"}, wait_s=0.2)
    assert [i.event for i in lane.take()] == [Flag(0.0, "hands")]
    _, ack = con.send("a", {"type": "flag", "note": "hands"}, cid=cid, wait_s=5)
    assert ack is not None and ack["result"] in ("duplicate", "applied")  # the first ack
    assert con.wait_ack(cid, 5, "duplicate")["reason"] == "already received"
    con.send("a", {"type": "view", "setting": "low-light", "on": True}, wait_s=0.2)
    # the next command arrives; the duplicate never did
    assert [i.event for i in lane.take()] == [SetView(0.0, "low-light", True)]


def test_a_command_older_than_the_bound_is_refused_and_reported(lane, con):
    payload = command_payload({"type": "key", "key": "1"}, "old-1", sent=time.time() - 30)
    con.client.publish(topic("a", "cmd"), payload, qos=1).wait_for_publish(5)
    ack = con.wait_ack("old-1", 5)
    assert ack["result"] == "refused" and "older than the 5 s bound" in ack["reason"]
    con.send("a", {"type": "pause"}, wait_s=0.2)
    assert [type(i.event).__name__ for i in lane.take()] == ["Pause"]
    assert lane.link.refusals and lane.link.refusals[0].startswith("old-1")


@pytest.mark.parametrize(
    "event,reason",
    [
        ({"type": "shot", "x": 0.5, "y": 0.5}, "type is one of"),  # trainee input only
        ({"type": "key", "key": "0"}, "'key' must be one of 1-9"),
        ({"type": "jump", "segment": "nowhere"}, "no segment 'nowhere'"),
    ],
)
def test_commands_a_lane_cannot_take_are_refused_with_the_reason(broker, con, event, reason):
    lane = Lane(broker, check=lambda ev: "no segment 'nowhere'" if "nowhere" in str(ev) else None)
    try:
        _, ack = con.send("a", event, wait_s=5)
        assert ack["result"] == "refused" and reason in ack["reason"]
        assert lane.queue.drain() == []
    finally:
        lane.link.close()


def test_a_wrong_password_is_refused_for_consoles_and_lanes(broker):
    with pytest.raises(BrokerError, match="refused the connection"):
        console(broker, password="wrong")
    link = LaneLink(broker_config(broker.url, broker.auth_file("a", "wrong")), "a")
    with pytest.raises(BrokerError, match="refused the connection"):
        link.start(10, must_connect=False)  # a lane that could not reach it would run on
    with pytest.raises(BrokerError, match="refused"):
        Console(broker_config(broker.url)).connect()  # anonymous: not on this broker


def test_a_lane_account_cannot_command_another_lane(broker, con):
    b = Lane(broker, "b")
    a_account = Console(broker_config(broker.url, broker.auth_file("a")), "as-lane-a")
    try:
        a_account.start(10, must_connect=True)
        a_account.client.publish(
            topic("b", "cmd"), command_payload({"type": "key", "key": "3"}, "from-a"), qos=1
        ).wait_for_publish(5)
        con.send("b", {"type": "key", "key": "1"}, wait_s=0.2)
        # in order from the broker: had lane a's command got through, it would come first
        assert [i.event for i in b.take()] == [KeyPress(0.0, "1")]
        assert con.wait_ack("from-a", 0.5) is None
    finally:
        a_account.close()
        b.link.close()


def test_a_broker_restart_loses_no_command_sent_after_it_is_back(broker, lane):
    lane.link.publish("status", json.dumps({"segment": "approach"}).encode())
    c = console(broker)
    assert c.settle()["a"]["status"] == {"segment": "approach"}
    c.close()
    assert broker.wait_saved()  # the broker's autosave has the lane's session on disk
    broker.kill()  # killed outright: the network is cut
    assert lane.link.disconnected.wait(15)
    lane.link.publish("status", json.dumps({"segment": "draw"}).encode())  # while down
    broker.start()
    c = console(broker)  # at once: the lane may not have reconnected yet
    try:
        c.send("a", {"type": "key", "key": "2"}, wait_s=0.1)
        assert [i.event for i in lane.take(15)] == [KeyPress(0.0, "2")]
        assert lane.link.connects >= 2
        # the lane republished what it has now, not what the broker kept from before
        assert c.wait_for(lambda lanes: lanes["a"].get("status") == {"segment": "draw"}, 15)
        assert c.wait_for(lambda lanes: lanes["a"].get("online"), 15)
    finally:
        c.close()


def test_tls_when_configured_and_plain_mqtt_is_not_let_in():
    need_mosquitto()
    with LocalBroker(USERS, ["console"], tls=True) as tls:
        lane = Lane(tls)  # its --auth file names the authority's certificate (cafile)
        c = console(tls)
        try:
            c.send("a", {"type": "key", "key": "1"}, wait_s=0.2)
            assert [i.event for i in lane.take()] == [KeyPress(0.0, "1")]
        finally:
            c.close()
            lane.link.close()
        plain = broker_config(f"mqtt://127.0.0.1:{tls.port}")
        with pytest.raises(BrokerError):
            Console(plain).connect(wait_s=3)


def test_a_command_that_waited_out_a_lane_outage_is_refused_not_applied_late(broker, con):
    first = Lane(broker, max_age_s=0.5)
    first.link.close()  # the lane is gone; the broker keeps its session and queues for it
    cid, ack = con.send("a", {"type": "key", "key": "2"}, wait_s=0.2)
    assert ack is None  # nobody answered: queued at the broker
    time.sleep(0.8)  # longer than the lane's bound: the command is now too old
    back = Lane(broker, max_age_s=0.5)  # the same lane again, on the same session
    try:
        ack = con.wait_ack(cid, 10)
        assert ack["result"] == "refused" and "older than the 0.5 s bound" in ack["reason"]
        assert back.queue.drain() == []
    finally:
        back.link.close()
