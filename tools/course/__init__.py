"""`sightline course ...`: running a course of fire, its plan, its report, its lint and
the input scripts that shoot it (docs/courses.md). The course itself is sim.course and
content.courses; the trainee's and instructor's course overlays are engine.course_view."""
