#!/usr/bin/python3
"""Draws facefilter's application icon (our own, made here with OpenCV) in the hicolor theme's sizes.

    /usr/bin/python3 scripts/make_icon.py [--out assets/icons]

Writes OUT/hicolor/NxN/apps/facefilter.png for N in 16, 32, 48, 64, 128, 256: a face wearing the
sunglasses filter on a rounded square. Drawn once at 1024 px with anti-aliased shapes and reduced by area
averaging to each size; the smallest sizes get thicker strokes so that the glasses still read at 16 px.
Deterministic: re-running gives the same PNGs. packaging/CMakeLists.txt installs them.
"""
import argparse
import pathlib

import cv2
import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
SIZES = (16, 32, 48, 64, 128, 256)
BIG = 1024
SHIFT = 4  # fractional bits of OpenCV's anti-aliased drawing


def ip(x, y):
    return (int(round(x * (1 << SHIFT))), int(round(y * (1 << SHIFT))))


def ir(r):
    return int(round(r * (1 << SHIFT)))


def rounded_square_mask(size, radius):
    mask = np.zeros((size, size), np.uint8)
    r = radius
    cv2.rectangle(mask, (r, 0), (size - 1 - r, size - 1), 255, -1)
    cv2.rectangle(mask, (0, r), (size - 1, size - 1 - r), 255, -1)
    for cx, cy in ((r, r), (size - 1 - r, r), (r, size - 1 - r), (size - 1 - r, size - 1 - r)):
        cv2.circle(mask, ip(cx, cy), ir(r), 255, -1, cv2.LINE_AA, SHIFT)
    return mask


def lens(img, cx, cy, w, h, colour, tilt):
    """A rounded trapezoid lens: wider at the top, as the sunglasses filter's art."""
    top, bottom = cy - h * 0.45, cy + h * 0.55
    pts = np.array([[cx - w / 2, top], [cx + w / 2, top], [cx + w * 0.42, bottom], [cx - w * 0.38, bottom]])
    pts[:, 1] += (pts[:, 0] - cx) * tilt
    contour = (pts * (1 << SHIFT)).round().astype(np.int32).reshape(-1, 1, 2)
    cv2.fillPoly(img, [contour], colour, cv2.LINE_AA, SHIFT)
    cv2.polylines(img, [contour], True, colour, max(1, BIG // 64), cv2.LINE_AA, SHIFT)
    return pts


def draw(stroke_scale):
    """The icon at BIG px as BGRA; stroke_scale > 1 thickens the lines for the smallest sizes."""
    s = BIG
    bg = np.zeros((s, s, 3), np.float32)
    # Background: a diagonal gradient from teal to deep blue.
    t = (np.add.outer(np.arange(s), np.arange(s)) / (2.0 * s))[..., None]
    bg[:] = (1 - t) * np.array([170, 150, 30], np.float32) + t * np.array([120, 50, 20], np.float32)
    img = bg.astype(np.uint8)

    face_c, face_r = (s * 0.5, s * 0.54), s * 0.36
    # Ears, then the face over them.
    for side in (-1, 1):
        cv2.circle(img, ip(face_c[0] + side * face_r * 0.98, face_c[1] + face_r * 0.05), ir(face_r * 0.16),
                   (95, 160, 225), -1, cv2.LINE_AA, SHIFT)
    cv2.circle(img, ip(*face_c), ir(face_r), (110, 180, 240), -1, cv2.LINE_AA, SHIFT)

    # Smile.
    thick = int(round(s * 0.028 * stroke_scale))
    cv2.ellipse(img, ip(face_c[0], face_c[1] + face_r * 0.28), (ir(face_r * 0.42), ir(face_r * 0.26)), 0, 20,
                160, (60, 70, 150), thick, cv2.LINE_AA, SHIFT)

    # Sunglasses: two dark lenses, a bridge and the arms to the ears.
    ey = face_c[1] - face_r * 0.12
    lw, lh = face_r * 0.78 * min(1.15, stroke_scale ** 0.25), face_r * 0.5 * min(1.2, stroke_scale ** 0.3)
    dark = (40, 25, 20)
    left = lens(img, face_c[0] - face_r * 0.45, ey, lw, lh, dark, 0.0)
    right = lens(img, face_c[0] + face_r * 0.45, ey, lw, lh, dark, 0.0)
    bridge = int(round(s * 0.03 * stroke_scale))
    cv2.line(img, ip(left[1][0] - lw * 0.05, ey - lh * 0.3), ip(right[0][0] + lw * 0.05, ey - lh * 0.3), dark,
             bridge, cv2.LINE_AA, SHIFT)
    for side, p in ((-1, left[0]), (1, right[1])):
        cv2.line(img, ip(p[0], p[1] + lh * 0.1), ip(face_c[0] + side * face_r * 0.98, ey - lh * 0.1), dark,
                 bridge, cv2.LINE_AA, SHIFT)
    # A highlight on each lens, the filter's sheen (left out where it would be a smudge).
    if stroke_scale < 2:
        for pts in (left, right):
            x0, y0 = pts[0][0] + lw * 0.18, pts[0][1] + lh * 0.22
            cv2.line(img, ip(x0, y0 + lh * 0.25), ip(x0 + lw * 0.22, y0), (200, 190, 180), int(s * 0.018),
                     cv2.LINE_AA, SHIFT)

    alpha = rounded_square_mask(s, int(s * 0.18))
    return np.dstack([img, alpha])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=pathlib.Path, default=ROOT / "assets" / "icons")
    args = ap.parse_args()
    for size in SIZES:
        # Below 48 px a 1024 px stroke shrinks under a pixel: draw those thicker.
        big = draw(stroke_scale=max(1.0, 48.0 / size))
        small = cv2.resize(big, (size, size), interpolation=cv2.INTER_AREA)
        out = args.out / "hicolor" / f"{size}x{size}" / "apps" / "facefilter.png"
        out.parent.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(out), small, [cv2.IMWRITE_PNG_COMPRESSION, 9])
        print(out.relative_to(ROOT) if out.is_relative_to(ROOT) else out)


if __name__ == "__main__":
    main()
