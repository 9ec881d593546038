"""The stress devices' safety limit: how hard and how long a threat device may act on a
trainee, from this station's own configuration, never from a scenario pack.

A pack (or the instructor) asks for an effect with an intensity and a duration; the device
driver caps both by the limit before anything reaches the hardware, and keeps a minimum
gap between effects. The limit lives in a local TOML file, `$SIGHTLINE_THREAT_LIMITS` or
`threat-limits.toml` in the user's config folder (`$XDG_CONFIG_HOME/sightline`):

    max_intensity = 30       # percent of the device's range, per effect
    max_duration_ms = 300
    min_gap_ms = 500         # between two effects on one device
    enabled = ["impulse", "vibration", "strobe"]   # the launcher stays off unless listed

Without the file the defaults below apply (conservative: a mild impulse, no launcher).
Must not import engine.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from sim.errors import UserError
from sim.events import STRESS_EFFECTS

ENV_VAR = "SIGHTLINE_THREAT_LIMITS"
HARD_MAX_DURATION_MS = 2000  # no configuration goes past this
MAX_FILE_BYTES = 16 * 1024


class LimitError(UserError, ValueError):
    pass


@dataclass(frozen=True)
class SafetyLimit:
    max_intensity: int = 30
    max_duration_ms: int = 300
    min_gap_ms: int = 500
    enabled: tuple[str, ...] = ("impulse", "vibration", "strobe")

    def cap(self, effect: str, intensity: int, duration_ms: int) -> tuple[int, int] | None:
        """(intensity, duration_ms) the device may do, or None: the effect is not enabled."""
        if effect not in self.enabled:
            return None
        return (
            max(0, min(intensity, self.max_intensity)),
            max(1, min(duration_ms, self.max_duration_ms)),
        )


def default_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "sightline" / "threat-limits.toml"


def load_limit(path: str | Path | None = None) -> SafetyLimit:
    """The station's limit: `path`, else $SIGHTLINE_THREAT_LIMITS, else the default file,
    else the defaults. A broken file is an error (a wrong limit must not pass silently)."""
    given = path or os.environ.get(ENV_VAR)
    file = Path(given) if given else default_path()
    if not file.is_file():
        if given:
            raise LimitError(f"{file}: no such threat limits file")
        return SafetyLimit()
    try:
        raw = file.read_bytes()[: MAX_FILE_BYTES + 1]
        if len(raw) > MAX_FILE_BYTES:
            raise LimitError(f"{file}: over {MAX_FILE_BYTES} bytes")
        data = tomllib.loads(raw.decode("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise LimitError(f"{file}: cannot read the threat limits ({exc})") from None
    d = SafetyLimit()
    unknown = set(data) - {"max_intensity", "max_duration_ms", "min_gap_ms", "enabled"}
    if unknown:
        raise LimitError(f"{file}: unknown key {sorted(unknown)[0]!r}")
    intensity = data.get("max_intensity", d.max_intensity)
    duration = data.get("max_duration_ms", d.max_duration_ms)
    gap = data.get("min_gap_ms", d.min_gap_ms)
    enabled = data.get("enabled", list(d.enabled))
    ints = all(isinstance(v, int) and not isinstance(v, bool) for v in (intensity, duration, gap))
    if not ints or not 0 <= intensity <= 100:
        raise LimitError(f"{file}: max_intensity is a whole percent, 0-100")
    if not 1 <= duration <= HARD_MAX_DURATION_MS or not 0 <= gap <= 60_000:
        raise LimitError(f"{file}: max_duration_ms is 1-{HARD_MAX_DURATION_MS}, min_gap_ms 0-60000")
    if not isinstance(enabled, list) or any(e not in STRESS_EFFECTS for e in enabled):
        raise LimitError(f"{file}: enabled lists effects of {', '.join(STRESS_EFFECTS)}")
    return SafetyLimit(intensity, duration, gap, tuple(enabled))
