"""A real Mosquitto for the lanes tests (tools/lanes/mosquitto.py): a config, a password
file and an ACL in a temporary folder, a free 127.0.0.1 port, stopped and removed after.
Without Debian's mosquitto the tests skip, saying so."""

from __future__ import annotations

import pytest

from tools.lanes.mosquitto import LocalBroker, mosquitto_bin

#: console: a console account; a and b: lane accounts (named like their lanes)
USERS = {"console": "console-pw", "a": "a-pw", "b": "b-pw"}


def need_mosquitto() -> None:
    if mosquitto_bin() is None:
        pytest.skip(
            "Debian's mosquitto is not installed (bash tools/setup.sh test installs it): "
            "the lanes tests run against a real broker"
        )


@pytest.fixture
def broker():
    need_mosquitto()
    b = LocalBroker(USERS, ["console"]).start()
    yield b
    b.close()
