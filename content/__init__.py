"""Scenario packs: the on-disk format, its loader and validator, and the bundled packs.

A pack is a folder holding `scenario.toml` and its media. Packs are untrusted data: nothing
in them is executed, no path may leave the pack, and every size read is bounded. Imports
sim (to build the graph); must not import engine or drivers.
"""

from pathlib import Path

PACKS_DIR = Path(__file__).parent / "packs"
DEMO_PACK = PACKS_DIR / "demo"
