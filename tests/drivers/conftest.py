"""Fixtures of this folder's tests: a real Mosquitto (tests/mqtt_broker.py)."""

from tests.mqtt_broker import broker  # noqa: F401
