"""Lint for theater packs (a `[panorama]` table, docs/theater.md): what loads but will not
look or score as the author meant. Called by content/lint.py with its finding maker.

  - a panoramic `clip` narrower than 2:1 (probably one screen's footage, stretched over
    the whole arc), as a warning;
  - screen clips of different lengths (lock-step play: the short ones hold their last
    frame), as a warning;
  - zone points off the panorama (x or y outside 0..1: no screen shows them), as an error;
  - a pack with `clips` per screen but no `[panorama]` is refused by the loader already.
"""

from __future__ import annotations

from collections.abc import Callable

MIN_PANORAMA_ASPECT = 2.0


def panorama_findings(pack, finding: Callable) -> list:
    sc = pack.scenario
    if sc.panorama is None:
        return []
    out = []
    for seg in sc.segments.values():
        where = f"segments.{seg.id}"
        if seg.screen_clips:
            lengths = {c: pack.media[c].duration_s for c in seg.screen_clips if c in pack.media}
            if lengths and max(lengths.values()) - min(lengths.values()) > 0.1:
                out.append(
                    finding(
                        pack,
                        "warning",
                        f"{where}.clips",
                        "the screen clips differ in length ("
                        + ", ".join(f"{v:.2f} s" for v in lengths.values())
                        + "): the shorter ones hold their last frame",
                    )
                )
        elif seg.clip in pack.media and seg.media_aspect < MIN_PANORAMA_ASPECT:
            out.append(
                finding(
                    pack,
                    "warning",
                    f"{where}.clip",
                    f"aspect {seg.media_aspect:.2f}: a panoramic clip spanning "
                    f"{sc.panorama.degrees:g} deg is usually wider than "
                    f"{MIN_PANORAMA_ASPECT:g}:1 (one clip per screen: `clips`)",
                )
            )
        for i, zone in enumerate(seg.zones):
            for _, poly in zone.keys:
                if (poly < 0.0).any() or (poly > 1.0).any():
                    out.append(
                        finding(
                            pack,
                            "error",
                            f"{where}.zones[{i}]",
                            f"zone {zone.name!r} has points off the panorama (x, y are "
                            "0..1 across the whole arc): no screen shows them",
                        )
                    )
                    break
    return out
