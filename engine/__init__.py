"""Panda3D presentation: app wiring, the fixed-step loop, video decode and upload, views.

Imports sim, content and drivers; nothing imports engine but tools.
"""
