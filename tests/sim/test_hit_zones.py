import numpy as np
import pytest

from sim.hit_zones import Zone, hit_test, point_in_polygon, screen_to_media

SQ = np.array([[0.2, 0.2], [0.8, 0.2], [0.8, 0.8], [0.2, 0.8]])


def test_point_in_polygon_inside_outside_and_concave():
    assert point_in_polygon(0.5, 0.5, SQ)
    assert not point_in_polygon(0.1, 0.5, SQ)
    # a U shape: the notch is outside
    u = np.array([[0, 0], [1, 0], [1, 1], [0.7, 1], [0.7, 0.3], [0.3, 0.3], [0.3, 1], [0, 1]])
    assert not point_in_polygon(0.5, 0.8, u)
    assert point_in_polygon(0.1, 0.8, u) and point_in_polygon(0.5, 0.1, u)


def test_zone_interpolates_between_keys_and_holds_outside_them():
    z = Zone("z", "threat", ((1.0, SQ), (3.0, SQ + 0.1)))
    assert np.allclose(z.polygon_at(0.0), SQ)
    assert np.allclose(z.polygon_at(2.0), SQ + 0.05)
    assert np.allclose(z.polygon_at(9.0), SQ + 0.1)


def test_first_listed_zone_wins_where_zones_overlap():
    head = Zone("head", "threat", ((0.0, SQ * 0.5 + 0.25),))
    body = Zone("body", "threat", ((0.0, SQ),))
    assert hit_test((head, body), 0.0, 0.5, 0.5).name == "head"
    assert hit_test((head, body), 0.0, 0.25, 0.75).name == "body"


@pytest.mark.parametrize(
    ("screen", "media", "point", "expected"),
    [
        (16 / 9, 16 / 9, (0.3, 0.7), (0.3, 0.7)),
        (16 / 9, 4 / 3, (0.5, 0.5), (0.5, 0.5)),  # pillarbox, centre
        (16 / 9, 4 / 3, (0.125, 0.5), (0.0, 0.5)),  # left edge of the picture
        (16 / 9, 4 / 3, (0.05, 0.5), None),  # on the bar
        (4 / 3, 16 / 9, (0.5, 0.125), (0.5, 0.0)),  # letterbox top edge
    ],
)
def test_screen_to_media_undoes_the_letterbox(screen, media, point, expected):
    got = screen_to_media(*point, screen, media)
    if expected is None:
        assert got is None
    else:
        assert got == pytest.approx(expected)
