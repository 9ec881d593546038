"""Sightline's simulation core: the scenario graph runtime, hit tests and input events.

Pure Python and numpy, deterministic. It must not import panda3d, direct, serial or cv2,
nor any other Sightline package, and it never reads a wall clock: time comes in as tick
numbers and event timestamps.
"""
