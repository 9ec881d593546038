"""The `sightline` command line, authoring tools, emulators and benchmarks.

May import every other Sightline package; nothing imports tools.
"""

import engine  # noqa: F401  first, before any tool loads Panda3D (engine/heap.py)
