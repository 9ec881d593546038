"""Worked examples of scene extensions (see docs/extending.md)."""
