"""Reports on trained sessions, from the training records and the recordings they name:

  session.py    what the after-action review (tools/aar.py) adds about people and the
                rubric: the trainees, date, instructor, each item's score and level, the
                overall level and pass or fail, the linked policy passages
  progress.py   one trainee's progress read from the records (levels per competency and
                reaction times, session by session) and a cohort's
  recommend.py  the next scenarios to train a trainee's weakest competencies at their level
  trainee.py    `sightline trainee report ID -o DIR`
  cohort.py     `sightline class report C -o DIR`
  charts.py     inline SVG charts (no plotting dependency)
  common.py     the page shell, owner-only files, CSV/JSON exports, policy passages

Reports read the records and recordings, never the reverse: sim, content, drivers and
engine do not import this package. Every file written is owner-only, in a folder that is
(sim.files.create_private; trainee data). Nothing here logs; trainee names appear only in
the files the user asked for.
"""
