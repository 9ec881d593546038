"""`sightline calibrate`: map a camera's view onto the trainee screen.

  --image PHOTO   calibrate from a still photo of the projected pattern (written with
                  --pattern-out FILE.png first, shown full screen, photographed)
  --camera N      live: shows the pattern full screen in a window, looks for it in the
                  camera's frames for up to 15 s, saves the mapping, then shows four check
                  points and asks you to confirm that the camera sees them where they are

The mapping is saved to sightline-calibration/camera-N.json, where `--device camera:N`
finds it.
"""

from __future__ import annotations

import time
from pathlib import Path

import cv2

from drivers import calibration as cal


def calibrate_command(args) -> int:
    width, height = args.size
    img, corners = cal.pattern(width, height)
    if args.pattern_out:
        cv2.imwrite(str(args.pattern_out), img)
        print(f"wrote {args.pattern_out}: show it full screen on the trainee display")
        if not (args.image or args.camera is not None):
            return 0
    if args.image:
        photo = cv2.imread(str(args.image))
        if photo is None:
            raise cal.CalibrationError(f"{args.image}: not an image")
        result = cal.calibrate(photo, corners)
        source = Path(args.image).stem
    elif args.camera is not None:
        result = _live(args.camera, img, corners, width, height)
        source = str(args.camera)
    else:
        raise cal.CalibrationError("give --image PHOTO or --camera N (or --pattern-out FILE)")
    out = args.out or cal.default_path(source)
    cal.save(result, out)
    print(
        f"calibrated: reprojection error {result.rms_screen * 100:.2f} % of the screen "
        f"width; saved {out}"
    )
    return 0


def _live(index: int, img, corners, width: int, height: int) -> cal.Calibration:
    from engine.panda_setup import have_display

    if not have_display():
        raise cal.CalibrationError(
            "live calibration needs a display for the pattern; use "
            "--pattern-out and --image on a headless machine"
        )
    cap = cv2.VideoCapture(index)
    if not cap.isOpened():
        raise cal.CalibrationError(f"camera {index} cannot be opened (is it plugged in?)")
    window = "Sightline calibration"
    last_error = None
    deadline = time.monotonic() + 15
    try:
        while time.monotonic() < deadline:
            _show(window, img)
            ok, frame = cap.read()
            if not ok:
                raise cal.CalibrationError(f"camera {index} delivers no frames")
            try:
                result = cal.calibrate(frame, corners)
                break
            except cal.CalibrationError as exc:
                last_error = exc
        else:
            raise last_error or cal.CalibrationError("no camera frames")
        check = img.copy()
        check[:] = 0
        for sx, sy in ((0.25, 0.25), (0.75, 0.25), (0.75, 0.75), (0.25, 0.75)):
            cv2.circle(check, (int(sx * width), int(sy * height)), 12, (0, 0, 255), -1)
        _show(window, check)
        answer = input(
            "Four red check points are on the screen. Does the camera see them "
            "where they are? [y/n] "
        )
        if not answer.strip().lower().startswith("y"):
            raise cal.CalibrationError("not confirmed: move nothing and run calibrate again")
        return result
    finally:
        cap.release()


def _show(window: str, img) -> None:
    """The headless OpenCV wheel has no GUI; the pattern is shown by whatever displays
    images full screen on the trainee output (here: OpenCV's window when available)."""
    try:
        cv2.imshow(window, img)
        cv2.waitKey(1)
    except cv2.error:
        raise cal.CalibrationError(
            "this OpenCV build cannot open windows: write the pattern with --pattern-out, "
            "show it full screen, photograph it and use --image"
        ) from None
