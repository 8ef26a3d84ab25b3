#!/usr/bin/python3
"""Draws the built-in filter art (our own, made here with OpenCV) and writes each filter.json.

    /usr/bin/python3 scripts/make_filter_art.py [--out assets/filters]

Each filter is drawn in "art space": art = centre + scale * canonical, where canonical is the generic face of
engine/filters/canonical_face.hpp (read from that file, one source of truth). The anchors written to
filter.json are the art positions of the canonical keypoints they follow, so the art lands where it was drawn.
Deterministic: re-running gives the same PNGs.
"""
import argparse
import json
import math
import pathlib
import re

import cv2
import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent


def canonical_face():
    text = (ROOT / "engine/filters/canonical_face.hpp").read_text()
    pts = re.findall(r"\{(-?[\d.]+)f, (-?[\d.]+)f, (-?[\d.]+)f\}", text)
    assert len(pts) == 68, len(pts)
    return np.array([[float(x), float(y)] for x, y, _ in pts], dtype=np.float64)


FACE = canonical_face()


class Space:
    def __init__(self, width, height, centre, scale):
        self.w, self.h, self.c, self.s = width, height, np.array(centre, float), scale

    def p(self, xy):
        return self.c + self.s * np.asarray(xy, float)

    def kp(self, indices):
        return self.p(FACE[indices].mean(axis=0))

    def anchor(self, indices):
        a = self.kp(indices)
        return {"art": [round(float(a[0]), 2), round(float(a[1]), 2)], "keypoints": list(indices)}


def canvas(space):
    return np.zeros((space.h, space.w, 4), np.uint8)


def ipt(p):
    return (int(round(p[0] * 16)), int(round(p[1] * 16)))  # 4 fractional bits for anti-aliased drawing


def draw_poly(img, pts, colour, thickness=-1):
    pts = np.round(np.asarray(pts) * 16).astype(np.int32).reshape(-1, 1, 2)
    if thickness < 0:
        cv2.fillPoly(img, [pts], colour, cv2.LINE_AA, shift=4)
    else:
        cv2.polylines(img, [pts], True, colour, thickness, cv2.LINE_AA, shift=4)


def sunglasses():
    sp = Space(640, 240, (320, 120), 250)
    img = canvas(sp)
    left, right = sp.kp(list(range(36, 42))), sp.kp(list(range(42, 48)))
    frame = (25, 25, 30, 255)
    for c in (left, right):
        # A rounded trapezoid lens: wider at the top, like classic wayfarers.
        w, h = 120, 88
        pts = []
        for t in np.linspace(0, 2 * math.pi, 64, endpoint=False):
            x, y = math.cos(t), math.sin(t)
            x *= 1.0 - 0.12 * max(0.0, y)
            pts.append((c[0] + w * np.sign(x) * abs(x) ** 0.8, c[1] - 8 + h * np.sign(y) * abs(y) ** 0.9 * 0.8))
        draw_poly(img, pts, frame)
        inner = [(c[0] + (px - c[0]) * 0.86, c[1] - 8 + (py - c[1] + 8) * 0.84) for px, py in pts]
        draw_poly(img, inner, (60, 45, 35, 235))  # dark lens (BGRA), slightly see-through
        # A highlight stripe.
        cv2.line(img, ipt((c[0] - 70, c[1] - 40)), ipt((c[0] - 30, c[1] - 55)), (200, 200, 210, 160), 9, cv2.LINE_AA, 4)
    bridge = sp.kp([27])
    cv2.ellipse(img, ipt(bridge + (0, 6)), (70 * 16 // 2, 26 * 16 // 2), 0, 200, 340, frame, 14, cv2.LINE_AA, 4)
    for c, side in ((left, -1), (right, 1)):
        a = (c[0] + side * 118, c[1] - 40)
        b = (c[0] + side * 150, c[1] - 44)
        cv2.line(img, ipt(a), ipt(b), frame, 16, cv2.LINE_AA, 4)
    anchors = [sp.anchor(list(range(36, 42))), sp.anchor(list(range(42, 48))), sp.anchor([27])]
    return img, {"type": "sprite", "blend": "normal", "opacity": 1.0, "perspective": True, "anchors": anchors}


def moustache():
    sp = Space(420, 200, (210, -295), 430)
    img = canvas(sp)
    top, lip = sp.kp([33]), sp.kp([51])
    col = (30, 45, 70, 255)  # dark brown (BGRA)
    for side in (-1, 1):
        pts = []
        for t in np.linspace(0, 1, 40):  # upper edge from the middle out to a curled tip
            x = side * (-3 + 178 * t)
            y = top[1] + 18 + 22 * t - 60 * max(0.0, t - 0.75) ** 1.5 * 4
            pts.append((top[0] + x, y))
        for t in np.linspace(1, 0, 40):  # lower edge back to the middle
            x = side * (-3 + 163 * t)
            y = lip[1] + 6 - 8 * t * t - 40 * max(0.0, t - 0.8) ** 1.2
            pts.append((top[0] + x, y))
        draw_poly(img, pts, col)
        tip = (top[0] + side * 178, top[1] + 22)
        cv2.circle(img, ipt(tip), 12 * 16, col, -1, cv2.LINE_AA, 4)
    # Hair strokes for texture.
    rng = np.random.default_rng(7)
    for _ in range(140):
        side = rng.choice([-1, 1])
        x = top[0] + side * rng.uniform(15, 150)
        y = rng.uniform(top[1] + 28, lip[1] - 4)
        cv2.line(img, ipt((x, y)), ipt((x + side * 10, y + 12)), (55, 75, 100, 255), 2, cv2.LINE_AA, 4)
    anchors = [sp.anchor([33]), sp.anchor([51]), sp.anchor([48]), sp.anchor([54])]
    return img, {"type": "sprite", "blend": "normal", "opacity": 1.0, "perspective": True, "anchors": anchors}


def hat():
    sp = Space(560, 420, (280, 520), 165)
    img = canvas(sp)
    brim_y = sp.p((0, -0.95))[1]
    crown = (40, 40, 150, 255)   # deep red felt (BGRA)
    brim = (30, 30, 115, 255)
    band = (40, 170, 220, 255)   # golden band
    cv2.ellipse(img, ipt((280, brim_y)), (265 * 16, 46 * 16), 0, 0, 360, brim, -1, cv2.LINE_AA, 4)
    top_y = brim_y - 300
    body = [(130, brim_y - 10), (150, top_y + 40), (190, top_y), (370, top_y), (410, top_y + 40), (430, brim_y - 10)]
    draw_poly(img, body, crown)
    cv2.ellipse(img, ipt((280, brim_y - 10)), (150 * 16, 28 * 16), 0, 0, 180, crown, -1, cv2.LINE_AA, 4)
    band_pts = [(136, brim_y - 70), (424, brim_y - 70), (430, brim_y - 22), (130, brim_y - 22)]
    draw_poly(img, band_pts, band)
    cv2.line(img, ipt((230, top_y + 10)), ipt((215, brim_y - 90)), (80, 80, 190, 255), 10, cv2.LINE_AA, 4)
    anchors = [sp.anchor([0]), sp.anchor([16]), sp.anchor([21, 22])]
    return img, {"type": "sprite", "blend": "normal", "opacity": 1.0, "perspective": True, "anchors": anchors}


def forehead(pts68, lift=(0.35, 0.6, 0.7, 0.6, 0.35)):
    """Same rule as engine/filters/filter_geometry.cpp foreheadPoints()."""
    le, re_ = pts68[36:42].mean(0), pts68[42:48].mean(0)
    e = re_ - le
    d = np.linalg.norm(e)
    up = np.array([e[1], -e[0]]) / d
    bases = [pts68[17], pts68[19], (pts68[21] + pts68[22]) / 2, pts68[24], pts68[26]]
    return np.array([b + up * l * d for b, l in zip(bases, lift)])


def mask():
    sp = Space(512, 600, (256, 260), 180)
    img = canvas(sp)
    pts = np.array([sp.p(p) for p in FACE])
    outline = np.vstack([pts[0:17], forehead(pts)[::-1]])
    draw_poly(img, outline, (60, 140, 235, 230))  # orange face paint (BGRA)
    # Tiger stripes from the outline inwards.
    for i, (a, b) in enumerate([(1, 36), (3, 48), (15, 45), (13, 54), (5, 48), (11, 54)]):
        pa, pb = pts[a], pts[b]
        mid = pa + (pb - pa) * 0.55
        n = np.array([-(pb - pa)[1], (pb - pa)[0]])
        n = n / np.linalg.norm(n) * 9
        draw_poly(img, [pa + n, mid, pa - n], (20, 20, 20, 240))
    fh = forehead(pts)
    for k in (1, 2, 3):
        base = fh[k]
        draw_poly(img, [base + (-10, 0), base + (10, 0), pts[[19, 27, 24][k - 1]] * 0.4 + base * 0.6], (20, 20, 20, 240))
    # White muzzle and a dark nose.
    draw_poly(img, np.vstack([pts[31:36], pts[54:60], pts[48:49]]), (235, 240, 245, 235))
    draw_poly(img, pts[[31, 32, 33, 34, 35, 30]], (30, 30, 40, 255))
    # Eye holes: fully transparent so the user's eyes show.
    for eye in (pts[36:42], pts[42:48]):
        c = eye.mean(0)
        draw_poly(img, c + (eye - c) * 1.35, (0, 0, 0, 0))
    mesh = [[round(float(x), 2), round(float(y), 2)] for x, y in pts]
    return img, {"type": "mask", "blend": "normal", "opacity": 0.85, "mesh": mesh}


def shaded_mask():
    """The tiger mask with blend "shade": the same paint, coloured by the face's own light (its shadows and
    highlights show through) and feathered at the mesh's border by the renderer, so no falloff is drawn here."""
    img, desc = mask()
    return img, {**desc, "blend": "shade", "opacity": 1.0}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=str(ROOT / "assets/filters"))
    args = ap.parse_args()
    out = pathlib.Path(args.out)
    for name, fn in (("sunglasses", sunglasses), ("moustache", moustache), ("hat", hat), ("tiger_mask", mask),
                     ("tiger_mask_shaded", shaded_mask)):
        img, desc = fn()
        folder = out / name
        folder.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(folder / f"{name}.png"), img)
        full = {"name": name, "art": f"{name}.png", **desc,
                "comment": "Generated by scripts/make_filter_art.py (our own art)."}
        (folder / "filter.json").write_text(json.dumps(full, indent=2) + "\n")
        print(f"{folder}: {img.shape[1]}x{img.shape[0]}")


if __name__ == "__main__":
    main()
