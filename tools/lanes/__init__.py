"""Several lanes and their consoles through an MQTT broker: `sightline lane run`,
`sightline lanes status|send|view`, `sightline bench lanes`, and a local Mosquitto for
tests and the benchmark. The broker I/O itself is drivers/broker.py; the wiring into a
running lane is engine/lane.py."""
