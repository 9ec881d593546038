"""The worked example of a scene extension: three steel plates on a rail in front of the
filmed scene. A shot on a plate knocks it down (it swings back about its bottom edge over
a quarter of a second); a label counts the plates down. Registered in setup.cfg as
`steel-plates`; a pack asks for it with `[meta] extension = "steel-plates"`."""

from __future__ import annotations

import math

from engine.scene3d import SceneExtension

PLATES = ((-0.9, 6.0, -0.6), (0.0, 6.0, -0.6), (0.9, 6.0, -0.6))  # x, y (ahead), z (up) m
SIZE = 0.45
FALL_S = 0.25


class SteelPlates(SceneExtension):
    name = "steel-plates"

    def on_enter(self, segment: str) -> None:
        self.scene.clear()
        self.plates = [
            self.scene.spawn_plate(f"plate{i}", pos, SIZE) for i, pos in enumerate(PLATES)
        ]
        self.hit_at: dict[int, float] = {}
        self.label = self.scene.spawn_label("count", f"{len(PLATES)} plates", (0, 6.0, 0.3))

    def on_shot(self, x_norm: float, y_norm: float, weapon: str, t_s: float) -> str | None:
        for i, (x, y, z) in enumerate(PLATES):
            if i in self.hit_at:
                continue
            a = self.scene.to_screen((x - SIZE / 2, y, z + SIZE))
            b = self.scene.to_screen((x + SIZE / 2, y, z))
            if a and b and a[0] <= x_norm <= b[0] and a[1] <= y_norm <= b[1]:
                self.hit_at[i] = t_s
                return f"plate{i}"
        return None

    def on_tick(self, t_s: float) -> None:
        for i, t_hit in self.hit_at.items():
            k = min(1.0, max(0.0, (t_s - t_hit) / FALL_S))
            self.plates[i].setP(-90 * math.sin(k * math.pi / 2))  # swings back, face up
        self.label.node().setText(f"{len(PLATES) - len(self.hit_at)} plates")
