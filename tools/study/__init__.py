"""Counter-bias studies (issue 16): the study.toml format and its lint (design.py), the
seeded trial plan (design.py), the scenario pack a run is made of (scenario.py), the
statistics (stats.py), the report over recordings (report.py), the demo study's generator
(demo.py) and the `sightline study` commands (commands.py).

Never imported by sim or engine: a study runs as an ordinary generated pack.
"""
