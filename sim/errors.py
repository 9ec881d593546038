"""The one base class of the errors a user can fix: a broken pack, a bad input script, a
missing clip, a wrong command-line value, no GL.

`sightline` catches `UserError` alone and prints it as one line, `sightline: error: ...`,
with exit status `EXIT_STATUS`; anything else is a bug and keeps its traceback. Each
package's own error class subclasses it beside its usual base (`PackError(UserError,
ValueError)`), so callers that catch `ValueError` still do.

A leaf: standard library only, imports nothing of Sightline's, so every package (sim,
content, drivers, engine, tools) may import it without an import circle.
"""

from __future__ import annotations

EXIT_STATUS = 2  # argparse's status for a usage error, kept for every user error


class UserError(Exception):
    """A problem the user can fix, its message one line that names what is wrong and where
    (a file, a line, a flag)."""
