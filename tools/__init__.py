"""The `sightline` command line, authoring tools, emulators and benchmarks.

May import every other Sightline package; nothing imports tools.
"""
