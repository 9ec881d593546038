"""Panda3D presentation: app wiring, the fixed-step loop, video decode and upload, views.

Imports sim, content and drivers; nothing imports engine but tools.

Importing this package first keeps Panda3D's own allocator off the program break (see
engine/heap.py): every module here, and the tools and tests, import it before Panda3D.
"""

from engine.heap import guard_program_break

guard_program_break()
