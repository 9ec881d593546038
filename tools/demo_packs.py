"""The bundled demo packs, one PackSpec each: everything about a pack in one place (its
scene, segments and the figures drawn in them, hit zones, cues, transitions, what the
subject says, its sounds, its guidebook and its demo input script). Adding a pack is
adding one spec to PACKS; tools/make_demo.py turns the specs into files.

  demo       "The doorway": shoot / don't shoot (use of force)
  crisis     "A person in crisis": de-escalation, coded verbal commands, OC spray
  intervene  "Duty to intervene": a partner's excessive force
  range      "The side door": a three-screen 180-degree theater pack (tools/demo_theater.py)

Together they use every trigger kind. This module is their registry: what a pack is lives
in tools/demo_pack_spec.py, the doorway and the side door in tools/demo_packs_force.py,
the crisis and intervention packs in tools/demo_packs_deescalate.py. Imports
tools.figures, tools.demo_poses and sim.hit_zones (pure) through them; no engine, no
writing.
"""

from __future__ import annotations

from tools.demo_packs_deescalate import CRISIS, INTERVENE
from tools.demo_packs_force import DOORWAY, RANGE

PACKS = (DOORWAY, CRISIS, INTERVENE, RANGE)
