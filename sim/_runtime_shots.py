"""The runtime's shot handling: where a trigger pull lands (a zone hit-tested on the
segment's media, or on the panorama in a theater pack), what it scores, its record, its
marker and report sound, and a dry pull's record.

A mixin of ScenarioRuntime (sim/runtime.py), as sim/room_steps.py is: these methods use
the runtime's state (the tick, the current segment, its shot counters, the records) and
are called from its input step, which decides first whether the pull fires (an injected
stoppage, an empty magazine). Must not import outside the standard library, numpy and sim;
never reads a clock.
"""

from __future__ import annotations

from sim.commands import Command, DryFire, ShotMarker, StartSound
from sim.events import Shot
from sim.hit_zones import hit_test, screen_to_media
from sim.records import ShotRecord
from sim.sounds import DEFAULT_REPORTS
from sim.triggers import ShotOutcome


class ShotSteps:
    """The shot part of ScenarioRuntime: hit test, score, record, marker and report."""

    def report_for(self, weapon: str, kind: str) -> str:
        """The report sound a shot makes: the command line's choice for the weapon id,
        then for its kind, then the pack's for the kind."""
        return (
            self.reports.get(weapon)
            or self.reports.get(kind)
            or self.scenario.reports.get(kind)
            or DEFAULT_REPORTS[kind]
        )

    def _record(self, shot: Shot, zone, dry_reason: str = "") -> None:
        cue = self._last_cue
        t_s = self._tick / self.tick_hz
        self.shots.append(
            ShotRecord(
                self._tick,
                t_s,
                shot.weapon,
                shot.kind,
                shot.x_norm,
                shot.y_norm,
                self._segment.id,
                self._media_t(),
                zone.name if zone else None,
                zone.role if zone else None,
                zone.points if zone else 0,
                cue.name if cue else None,
                (t_s - cue.t_s) if cue else None,
                fired=not dry_reason,
                dry_reason=dry_reason,
            )
        )

    def _dry(self, shot: Shot, commands: list[Command], reason: str) -> None:
        self._record(shot, None, reason)
        commands.append(DryFire(shot.weapon, reason))

    def _shoot(self, shot: Shot, commands: list[Command]) -> None:
        seg = self._segment
        zone = None
        if self.scenario.panorama is not None:  # a theater pack: shots are panorama x, y
            inside = 0.0 <= shot.x_norm <= 1.0 and 0.0 <= shot.y_norm <= 1.0
            mapped = (shot.x_norm, shot.y_norm) if inside else None
        else:
            mapped = screen_to_media(shot.x_norm, shot.y_norm, self.screen_aspect, seg.media_aspect)
        if mapped is not None:
            zone = hit_test(seg.zones, self._media_t(), *mapped)
        self._fired += 1
        if zone is not None:
            self._hits += 1
            self._score += zone.points
        self._seg_shots += 1
        if zone is not None and zone.points > 0:
            self._seg_hits += 1
        self._record(shot, zone)
        commands.append(
            ShotMarker(
                shot.x_norm,
                shot.y_norm,
                shot.weapon,
                zone.name if zone else None,
                zone.role if zone else None,
                shot.kind,
            )
        )
        report = self.report_for(shot.weapon, shot.kind)
        commands.append(StartSound(report, self.scenario.sounds[report].bus, "report"))
        self._fire_first(commands, ShotOutcome(shot, zone))
