#!/usr/bin/python3
"""Builds the 3D filters' models (our own meshes, made here with numpy) and writes each as a glTF 2.0 binary
(.glb) with embedded PNG textures, plus its filter.json.

    /usr/bin/python3 scripts/make_model_art.py [--out assets/filters]
    /usr/bin/python3 scripts/make_model_art.py --triangles 50000 --big-out PATH.glb   # a big model, for benches

Units: the canonical head of engine/filters/canonical_face.hpp (read from that file, one source of truth):
the eye-centre distance is 1, the origin midway between the eye centres. The meshes are built on that face,
with x to the image right, y down and z towards the camera, so that a model's placement in filter.json is the
identity. The file holds glTF's own axes (y up, z towards the viewer: the head's y negated), so the models
stand upright in any glTF viewer; the loader negates y back.

The .glb is written by hand (a JSON chunk and a BIN chunk; every buffer view 4-byte aligned), and read back
and checked before it is kept: chunk lengths, alignment, accessor bounds against their buffer views, indices
against vertex counts, POSITION min/max, unit normals, and the embedded PNGs decode. Deterministic: re-running
writes the same bytes.
"""
import argparse
import json
import math
import pathlib
import re
import struct
import sys

import cv2
import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
GENERATOR = "facefilter scripts/make_model_art.py"


def canonical_face():
    text = (ROOT / "engine/filters/canonical_face.hpp").read_text()
    pts = re.findall(r"\{(-?[\d.]+)f, (-?[\d.]+)f, (-?[\d.]+)f\}", text)
    assert len(pts) == 68, len(pts)
    return np.array([[float(x), float(y), float(z)] for x, y, z in pts], dtype=np.float64)


FACE = canonical_face()
LEFT_EYE = FACE[36:42].mean(axis=0)   # on the image's left
RIGHT_EYE = FACE[42:48].mean(axis=0)


# ---------------------------------------------------------------------------------------------------------------
# Meshes, in the head's axes (y down, z towards the camera).

def unit(v):
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    return v / np.maximum(n, 1e-12)


class Part:
    """One glTF mesh (one primitive): positions, normals, texture coordinates, triangles, one material."""

    def __init__(self, name, material):
        self.name, self.material = name, material
        self.pos, self.nrm, self.uv, self.tris = [], [], [], []
        self.count = 0

    def _add(self, pos, nrm, uv):
        base = self.count
        self.pos.append(np.asarray(pos, np.float64).reshape(-1, 3))
        self.nrm.append(unit(np.asarray(nrm, np.float64).reshape(-1, 3)))
        self.uv.append(np.asarray(uv, np.float64).reshape(-1, 2))
        self.count += self.pos[-1].shape[0]
        return base

    def grid(self, P, UV, closed_u, outward):
        """A surface sampled on a (nu, nv) grid of points P with texture coordinates UV. closed_u: the u ends
        meet (the seam's vertices are repeated for the texture, its normals computed across it). `outward`:
        the rough outward direction at each point, (nu, nv, 3); the surface is turned to face it."""
        P, UV = np.asarray(P, float), np.asarray(UV, float)
        nu, nv = P.shape[:2]
        if closed_u:  # central differences across the seam; P[-1] repeats P[0]
            core = P[:-1]
            du = np.roll(core, -1, 0) - np.roll(core, 1, 0)
            du = np.concatenate([du, du[:1]], 0)
        else:
            du = np.gradient(P, axis=0)
        dv = np.gradient(P, axis=1)
        n = np.cross(du, dv)
        # Degenerate rows (a cap's centre, a spike's tip) borrow their neighbours' normals.
        bad = np.linalg.norm(n, axis=-1) < 1e-9
        if bad.any():
            fallback = np.cross(np.gradient(P, axis=0, edge_order=1), np.gradient(P, axis=1, edge_order=1))
            n[bad] = fallback[bad] + np.asarray(outward, float)[bad] * 1e-6
        flip = np.sum(n * np.asarray(outward, float)) < 0
        if flip:
            n = -n
        base = self._add(P.reshape(-1, 3), n.reshape(-1, 3), UV.reshape(-1, 2))
        idx = base + np.arange(nu * nv).reshape(nu, nv)
        for i in range(nu - 1):
            for j in range(nv - 1):
                a, b, c, d = idx[i, j], idx[i + 1, j], idx[i + 1, j + 1], idx[i, j + 1]
                # cross(du, dv) is the normal of (a, b, c): keep that order unless the surface was turned.
                if flip:
                    self.tris += [(a, c, b), (a, d, c)]
                else:
                    self.tris += [(a, b, c), (a, c, d)]

    def fan(self, centre, ring, uv_centre, uv_ring, normal):
        """A flat-shaded fan from `centre` to the closed polygon `ring`, facing `normal`."""
        ring = np.asarray(ring, float)
        pts = np.vstack([centre, ring])
        base = self._add(pts, np.tile(normal, (len(pts), 1)), np.vstack([uv_centre, uv_ring]))
        for k in range(len(ring)):
            a, b = base + 1 + k, base + 1 + (k + 1) % len(ring)
            n = np.cross(pts[b - base] - pts[0], pts[a - base] - pts[0])
            self.tris.append((base, b, a) if np.dot(n, normal) >= 0 else (base, a, b))

    def gem(self, centre, radius, uv, segments=8, depth=0.6, facing=(0, 0, 1)):
        """A faceted cut stone: a ring of `segments` points around `centre` in the plane across `facing`,
        a table above and a point below (flat normals per facet, as a cut stone shows)."""
        f = unit(np.asarray(facing, float))
        a = unit(np.cross(f, [0.0, 1.0, 0.0] if abs(f[1]) < 0.9 else [1.0, 0.0, 0.0]))
        b = np.cross(f, a)
        c = np.asarray(centre, float)
        ring = [c + radius * (math.cos(t) * a + math.sin(t) * b)
                for t in np.linspace(0, 2 * math.pi, segments, endpoint=False)]
        table = [c + f * radius * 0.45 + 0.55 * (r - c) for r in ring]
        culet = c - f * radius * depth
        faces = []
        for k in range(segments):
            k2 = (k + 1) % segments
            faces.append((ring[k], ring[k2], table[k2], table[k]))  # crown facets
            faces.append((ring[k2], ring[k], culet))                 # pavilion facets
        faces.append(tuple(table))
        for face in faces:
            face = np.asarray(face)
            n = unit(np.cross(face[1] - face[0], face[2] - face[0]))
            mid = face.mean(0)
            if np.dot(n, mid - c) < 0:
                face, n = face[::-1], -n
            base = self._add(face, np.tile(n, (len(face), 1)), np.tile(uv, (len(face), 1)))
            for k in range(1, len(face) - 1):
                self.tris.append((base, base + k, base + k + 1))

    def arrays(self):
        return (np.vstack(self.pos).astype(np.float32), unit(np.vstack(self.nrm)).astype(np.float32),
                np.vstack(self.uv).astype(np.float32), np.asarray(self.tris, np.int64))


def catmull_rom(points, samples_per_span):
    """A smooth path through `points` (its ends repeated as the outer control points)."""
    p = np.asarray(points, float)
    p = np.vstack([p[0], p, p[-1]])
    out = []
    for i in range(1, len(p) - 2):
        for t in np.linspace(0, 1, samples_per_span, endpoint=False):
            t2, t3 = t * t, t * t * t
            out.append(0.5 * ((2 * p[i]) + (-p[i - 1] + p[i + 1]) * t + (2 * p[i - 1] - 5 * p[i] + 4 * p[i + 1] - p[i + 2]) * t2 +
                              (-p[i - 1] + 3 * p[i] - 3 * p[i + 1] + p[i + 2]) * t3))
    out.append(p[-2])
    return np.array(out)


def sweep(part, path, section, reference, closed_path, uv_u, uv_v, taper=None):
    """A tube: the closed 2D `section` (k points, (across, along-reference)) carried along `path`. The
    section's second axis follows `reference` (projected across the path), its first the side."""
    path = np.asarray(path, float)
    m = len(path)
    if closed_path:
        t = unit(np.roll(path, -1, 0) - np.roll(path, 1, 0))
    else:
        t = unit(np.gradient(path, axis=0))
    ref = np.broadcast_to(np.asarray(reference, float), path.shape)
    side = unit(np.cross(t, ref))
    up = unit(np.cross(side, t))
    sec = np.vstack([section, section[:1]])  # the section closed: its seam repeated for the texture
    scale = np.ones(m) if taper is None else np.asarray(taper, float)
    P = path[None, :, :] + scale[None, :, None] * (sec[:, 0, None, None] * side[None] + sec[:, 1, None, None] * up[None])
    if closed_path:
        P = np.concatenate([P, P[:, :1]], 1)
        path_c = np.vstack([path, path[:1]])
    else:
        path_c = path
    nu, nv = P.shape[:2]
    U, V = np.meshgrid(np.linspace(uv_u[0], uv_u[1], nu), np.linspace(uv_v[0], uv_v[1], nv), indexing="ij")
    part.grid(P, np.stack([U, V], -1), True, P - path_c[None])
    if not closed_path:  # end caps
        for j, direction in ((0, -t[0]), (m - 1, t[-1])):
            ring = P[:-1, j]
            part.fan(path[j], ring, (uv_u[0], uv_v[0]), np.tile((uv_u[0], uv_v[0]), (len(ring), 1)), direction)


def rounded_rect(a, b, k, n=48):
    """A rounded-rectangle section or outline (superellipse of exponent k), counter-clockwise."""
    t = np.linspace(0, 2 * math.pi, n, endpoint=False)
    c, s = np.cos(t), np.sin(t)
    return np.stack([a * np.sign(c) * np.abs(c) ** (2 / k), b * np.sign(s) * np.abs(s) ** (2 / k)], 1)


# ---------------------------------------------------------------------------------------------------------------
# Textures (BGRA, drawn with numpy and OpenCV; seeded noise, so deterministic).

def noise(shape, seed, blur):
    rng = np.random.default_rng(seed)
    n = rng.standard_normal(shape).astype(np.float32)
    # Blurred with its edges wrapped around, so that the texture tiles (u runs around the models).
    m = int(math.ceil(blur * 4))
    n = cv2.GaussianBlur(np.pad(n, m, mode="wrap"), (0, 0), blur)[m:-m, m:-m]
    return (n - n.mean()) / (n.std() + 1e-6)


def tortoiseshell(size=128):
    """Frame texture: dark tortoiseshell, brown blotches in near-black acetate."""
    n = noise((size, size), 17, 6) + 0.5 * noise((size, size), 18, 2)
    t = np.clip((n + 0.6) / 2.2, 0, 1)[..., None]
    dark = np.array([18, 20, 26], np.float32)
    amber = np.array([30, 75, 135], np.float32)
    rgb = dark * (1 - t) + amber * t * 0.85 + dark * t * 0.15
    return np.dstack([rgb, np.full((size, size), 255, np.float32)]).round().astype(np.uint8)


def lens_tint(size=64):
    """Lens texture: a dark grey-green tint, darker and more opaque at the top (a gradient lens); the eyes
    still show through, dimly."""
    y = np.linspace(0, 1, size, dtype=np.float32)[:, None] * np.ones((1, size), np.float32)
    b = 22 + 22 * y
    g = 30 + 26 * y
    r = 20 + 18 * y
    a = 235 - 60 * y
    return np.dstack([b, g, r, a]).round().astype(np.uint8)


def hat_atlas(size=128):
    """Hat texture: rows 0-55 red felt (crown), 64-79 the golden band with a woven stripe, 88-127 darker
    felt (brim). The texture coordinates keep inside each region's rows."""
    img = np.zeros((size, size, 4), np.uint8)
    felt = noise((size, size), 5, 1.2) * 0.5 + noise((size, size), 6, 5) * 0.5
    crown = np.array([40, 40, 150], np.float32)
    brim = np.array([30, 30, 112], np.float32)
    img[:60, :, :3] = np.clip(crown + 12 * felt[:60, :, None], 0, 255)
    img[84:, :, :3] = np.clip(brim + 10 * felt[84:, :, None], 0, 255)
    band = np.array([40, 170, 220], np.float32)
    xs = np.arange(size)
    weave = (np.sin(xs * 2 * math.pi / 8)[None, :] * np.ones((24, 1))) * 18
    img[60:84, :, :3] = np.clip(band + weave[..., None], 0, 255)
    img[66:68, :, :3] = (25, 110, 160)
    img[76:78, :, :3] = (25, 110, 160)
    img[..., 3] = 255
    return img


def crown_atlas(size=128):
    """Crown texture: the top three quarters brushed gold with engraved dots, then red, blue and pearl-white
    cells for the stones."""
    img = np.zeros((size, size, 4), np.uint8)
    brushed = noise((96, size), 9, 0.8)
    brushed = cv2.GaussianBlur(brushed, (0, 0), sigmaX=6, sigmaY=0.5)
    gold = np.array([45, 175, 230], np.float32)
    img[:96, :, :3] = np.clip(gold + 22 * brushed[..., None], 0, 255)
    for x in range(8, size, 16):
        cv2.circle(img, (x, 48), 3, (25, 110, 170, 255), -1, cv2.LINE_AA)
    cells = [((40, 30, 200), 0), ((190, 70, 30), 1), ((235, 235, 240), 2)]  # BGR: ruby, sapphire, pearl
    for (colour, k) in cells:
        x0 = k * 42
        cell = np.zeros((32, 42, 3), np.float32) + np.array(colour, np.float32)
        yy, xx = np.mgrid[0:32, 0:42]
        glint = np.exp(-(((xx - 14) ** 2 + (yy - 10) ** 2) / 30.0))[..., None]
        img[96:128, x0:x0 + 42, :3] = np.clip(cell * 0.8 + 255 * 0.6 * glint, 0, 255)
    img[..., 3] = 255
    return img


def crown_cell_uv(k):
    return ((k * 42 + 21) / 128.0, 112 / 128.0)


# ---------------------------------------------------------------------------------------------------------------
# The models.

def glasses():
    frame = Part("frame", "frame")
    lenses = Part("lenses", "lens")
    temples = [Part("temple_left", "frame"), Part("temple_right", "frame")]
    outline = rounded_rect(0.40, 0.29, 3.2, 72)
    # Wayfarer-like: the bottom (y > 0, y is down) narrower than the top.
    outline[:, 0] *= 1.0 - 0.12 * np.clip(outline[:, 1] / 0.29, 0, 1)

    def lens_z(x):  # the front wraps back towards the temples
        return 0.24 - 0.22 * (np.abs(x) - 0.1) ** 2

    hinge = {}
    for side, eye in ((-1, LEFT_EYE), (1, RIGHT_EYE)):
        c = np.array([eye[0] + side * 0.02, eye[1] - 0.02])
        ring2 = outline + c
        ring = np.column_stack([ring2, lens_z(ring2[:, 0])])
        sweep(frame, ring, rounded_rect(0.045, 0.035, 4, 8), (0, 0, 1), True, (0.0, 1.0), (0.0, 4.0))
        centre = np.array([c[0], c[1], lens_z(c[0]) - 0.01])
        inner = ring * 0.97 + np.append(c, 0) * 0.03
        inner[:, 2] = lens_z(inner[:, 0]) - 0.008
        uv_ring = np.column_stack([(inner[:, 0] - c[0]) / 0.9 + 0.5, (inner[:, 1] - c[1]) / 0.65 + 0.5])
        lenses.fan(centre, inner, (0.5, 0.5), uv_ring, np.array([0.0, 0.0, 1.0]))
        outer = ring[np.argmax(side * ring[:, 0])]
        hinge[side] = outer + np.array([side * 0.03, -0.06, -0.03])
    # The bridge: an arch over the nose between the lenses' inner rims.
    bx = np.linspace(-0.14, 0.14, 16)
    bridge = np.column_stack([bx, -0.08 - 0.06 * np.cos(bx / 0.14 * math.pi / 2), lens_z(bx) + 0.01])
    sweep(frame, bridge, rounded_rect(0.03, 0.025, 4, 8), (0, 0, 1), False, (0.0, 0.5), (0.0, 1.0))
    # Hinge blocks and temples: back along the side of the head to the ear, then down behind it.
    for side, part in ((-1, temples[0]), (1, temples[1])):
        h = hinge[side]
        block = np.array([h + np.array([-side * 0.06, 0, 0.02]), h + np.array([side * 0.02, 0, -0.06])])
        sweep(frame, block, rounded_rect(0.03, 0.07, 4, 8), (0, 1, 0), False, (0.0, 0.5), (0.0, 0.5))
        ctrl = [h + np.array([0, 0, -0.04]),
                (side * 1.15, -0.08, -0.30),
                (side * 1.27, -0.05, -0.80),
                (side * 1.30, -0.03, -1.22),
                (side * 1.29, 0.12, -1.42),
                (side * 1.25, 0.36, -1.52)]
        path = catmull_rom(ctrl, 10)
        taper = np.linspace(1.0, 0.75, len(path))
        sweep(part, path, rounded_rect(0.025, 0.06, 4, 10), (0, 1, 0), False, (0.0, 0.5), (0.0, 6.0), taper)
    materials = {
        "frame": {"texture": "frame", "alpha": "OPAQUE", "double_sided": False, "roughness": 0.4},
        "lens": {"texture": "lens", "alpha": "BLEND", "double_sided": True, "roughness": 0.1},
    }
    images = {"frame": tortoiseshell(), "lens": lens_tint()}
    return [frame, lenses] + temples, materials, images


# The skull's horizontal section for headwear: an ellipse about a vertical axis through (0, y, HEAD_Z),
# half-width HEAD_RX, half-depth HEAD_RZ (front at HEAD_Z + HEAD_RZ, just in front of the forehead).
HEAD_Z, HEAD_RX, HEAD_RZ = -1.52, 1.26, 1.55


def revolve(part, profile, uvs, theta_steps, outward_fn, radii=(HEAD_RX, HEAD_RZ), z0=HEAD_Z, lift=None):
    """A surface of revolution about the head's vertical axis: `profile` is (r, y) per row (r relative to
    the head ellipse), `uvs` the texture v per row; u runs once around. `lift(theta, r)` bends it in y."""
    th = np.linspace(0, 2 * math.pi, theta_steps + 1)
    prof = np.asarray(profile, float)
    r, y = prof[:, 0][None, :], prof[:, 1][None, :]
    T = th[:, None]
    yy = y + (lift(T, r) if lift is not None else 0)
    P = np.stack([r * radii[0] * np.sin(T), yy + 0 * T, z0 + r * radii[1] * np.cos(T)], -1)
    U, V = np.meshgrid(th / (2 * math.pi) * 4, np.asarray(uvs, float), indexing="ij")
    out = outward_fn(P, T, r)
    part.grid(P, np.stack([U, V], -1), True, out)


def radial(P, T, r):
    return np.stack([np.sin(T) * np.ones_like(r), 0 * T * r, np.cos(T) * np.ones_like(r)], -1)


def hat():
    crown = Part("crown", "hat")
    band = Part("band", "hat")
    brim = Part("brim", "hat")
    down = lambda P, T, r: np.broadcast_to(np.array([0.0, 1.0, 0.0]), P.shape)
    up = lambda P, T, r: np.broadcast_to(np.array([0.0, -1.0, 0.0]), P.shape)

    def curl(T, r):  # the brim turns up at the sides, more towards its edge
        return -0.28 * np.sin(T) ** 2 * np.clip((r - 1.0) / 0.5, 0, 1) ** 2

    brim_y, top_y = -0.88, -2.48
    rr = np.linspace(0.99, 1.5, 8)
    revolve(brim, [(r, brim_y) for r in rr], np.linspace(0.70, 0.97, 8), 96, down, lift=curl)
    revolve(brim, [(1.5, brim_y), (1.5, brim_y - 0.06)], [0.97, 0.99], 96, radial, lift=curl)
    revolve(brim, [(r, brim_y - 0.06) for r in rr[::-1]], np.linspace(0.97, 0.70, 8), 96, up, lift=curl)
    # The crown: a tall cylinder, slightly flared towards its top, then the flat top.
    heights = np.linspace(brim_y - 0.06, top_y, 10)
    revolve(crown, [(1.03 + 0.07 * ((brim_y - y) / (brim_y - top_y)) ** 2, y) for y in heights],
            np.linspace(0.42, 0.05, 10), 96, radial)
    tr = np.linspace(1.10, 0.0, 6)
    revolve(crown, [(r, top_y - 0.03 * (1 - r / 1.1)) for r in tr], np.linspace(0.05, 0.40, 6), 96, up)
    # The band: stands proud of the crown by a little, with a lip on top.
    band_top = brim_y - 0.34
    revolve(band, [(1.05, brim_y - 0.05), (1.05, band_top)], [0.61, 0.49], 96, radial)
    revolve(band, [(1.05, band_top), (1.03, band_top)], [0.49, 0.48], 96, up)
    materials = {"hat": {"texture": "hat", "alpha": "OPAQUE", "double_sided": False, "roughness": 0.9}}
    return [crown, band, brim], materials, {"hat": hat_atlas()}


def crown():
    band = Part("band", "crown")
    stones = Part("stones", "crown")
    n_spikes, per_spike = 10, 8
    steps = n_spikes * per_spike
    bottom_y, top_y, spike_h = -1.30, -1.72, 0.48
    radii = (1.17, 1.44)
    z0 = -1.45
    th = np.linspace(0, 2 * math.pi, steps + 1)
    phase = (th * n_spikes / (2 * math.pi)) % 1.0
    spike = spike_h * (1 - np.abs(phase - 0.5) * 2) ** 1.3 * (np.abs(phase - 0.5) < 0.5)
    # Peaks at the front (theta = 0) and every 36 degrees.
    spike = np.roll(spike, -per_spike // 2)
    spike[-1] = spike[0]
    rows = 6
    v = np.linspace(0, 1, rows)

    def band_surface(scale):
        y = bottom_y + (top_y - spike[:, None] - bottom_y) * v[None, :]
        r = scale * (1.0 + 0.10 * v[None, :])  # wider at the top
        return np.stack([r * radii[0] * np.sin(th)[:, None], y, z0 + r * radii[1] * np.cos(th)[:, None]], -1)

    outer, inner = band_surface(1.0), band_surface(0.965)
    U, V = np.meshgrid(th / (2 * math.pi) * 5, np.linspace(0.70, 0.05, rows), indexing="ij")
    uv = np.stack([U, V], -1)
    flat = lambda P: np.stack([P[..., 0], 0 * P[..., 1], P[..., 2] - z0], -1)
    band.grid(outer, uv, True, flat(outer))
    band.grid(inner, uv, True, -flat(inner))
    for j, direction in ((0, 1.0), (rows - 1, -1.0)):  # bottom and top edges between the two skins
        P = np.stack([outer[:, j], inner[:, j]], 1)
        e_uv = np.stack([U[:, :2], np.full((steps + 1, 2), 0.7)], -1)
        rim = np.broadcast_to(np.array([0.0, direction, 0.0]), P.shape) + 0.3 * flat(P)
        band.grid(P, e_uv, True, rim)
    # Stones: a pearl on each spike's tip, and rubies and sapphires around the band.
    for k in range(n_spikes):
        t = 2 * math.pi * k / n_spikes
        r = 1.10
        tip = np.array([r * radii[0] * math.sin(t), top_y - spike_h - 0.04, z0 + r * radii[1] * math.cos(t)])
        out = np.array([math.sin(t), 0.0, math.cos(t)])
        stones.gem(tip, 0.07, crown_cell_uv(2), 8, 1.0, out)
        t2 = t + math.pi / n_spikes
        mid = np.array([1.06 * radii[0] * math.sin(t2), (bottom_y + top_y) / 2,
                        z0 + 1.06 * radii[1] * math.cos(t2)])
        stones.gem(mid, 0.085, crown_cell_uv(k % 2), 8, 0.6, np.array([math.sin(t2), 0.0, math.cos(t2)]))
    front = np.array([0.0, (bottom_y + top_y) / 2 - 0.02, z0 + 1.07 * radii[1]])
    stones.gem(front, 0.13, crown_cell_uv(0), 10, 0.6, (0, 0, 1))
    materials = {"crown": {"texture": "crown", "alpha": "OPAQUE", "double_sided": True, "roughness": 0.35}}
    return [band, stones], materials, {"crown": crown_atlas()}


def big_model(triangles):
    """A finely subdivided ellipsoid (a helmet's shell) of about `triangles` triangles, for load-time
    benches; its texture is the hat's."""
    part = Part("shell", "hat")
    # nu * nv grid -> 2 (nu - 1) (nv - 1) triangles.
    nv = max(3, int(round(math.sqrt(triangles / 4))))
    nu = max(3, int(math.ceil(triangles / (2 * (nv - 1)))) + 1)
    th = np.linspace(0, 2 * math.pi, nu)
    ph = np.linspace(0.05, math.pi * 0.55, nv)
    T, Ph = np.meshgrid(th, ph, indexing="ij")
    P = np.stack([1.35 * np.sin(Ph) * np.sin(T), -0.6 - 1.9 * np.cos(Ph), -1.45 + 1.65 * np.sin(Ph) * np.cos(T)], -1)
    U, V = np.meshgrid(np.linspace(0, 4, nu), np.linspace(0.05, 0.4, nv), indexing="ij")
    part.grid(P, np.stack([U, V], -1), True, P - np.array([0.0, -0.6, -1.45]))
    materials = {"hat": {"texture": "hat", "alpha": "OPAQUE", "double_sided": False, "roughness": 0.5}}
    return [part], materials, {"hat": hat_atlas()}


# ---------------------------------------------------------------------------------------------------------------
# glTF 2.0 binary: written by hand, then read back and checked.

FLOAT, USHORT, UINT = 5126, 5123, 5125
ARRAY_BUFFER, ELEMENT_ARRAY_BUFFER = 34962, 34963
COMPONENT_SIZE = {FLOAT: 4, USHORT: 2, UINT: 4, 5121: 1, 5120: 1, 5122: 2}
TYPE_SIZE = {"SCALAR": 1, "VEC2": 2, "VEC3": 3, "VEC4": 4}
TO_FILE = np.array([1.0, -1.0, 1.0], np.float32)  # the head's y (down) -> glTF's y (up)


def pad4(data, fill=b"\0"):
    return data + fill * (-len(data) % 4)


def build_glb(name, parts, materials, images):
    bin_data = bytearray()
    views, accessors = [], []

    def view(data, target=None):
        offset = len(bin_data)
        bin_data.extend(pad4(data))
        v = {"buffer": 0, "byteOffset": offset, "byteLength": len(data)}
        if target is not None:
            v["target"] = target
        views.append(v)
        return len(views) - 1

    def accessor(array, component, kind, target, bounds=False):
        array = np.ascontiguousarray(array)
        a = {"bufferView": view(array.tobytes(), target), "componentType": component, "count": int(array.shape[0]),
             "type": kind}
        if bounds:
            a["min"] = [float(x) for x in array.reshape(array.shape[0], -1).min(0)]
            a["max"] = [float(x) for x in array.reshape(array.shape[0], -1).max(0)]
        accessors.append(a)
        return len(accessors) - 1

    image_names = sorted(images)
    gl_images = []
    for im in image_names:
        ok, png = cv2.imencode(".png", images[im], [cv2.IMWRITE_PNG_COMPRESSION, 9])
        assert ok
        gl_images.append({"name": im, "bufferView": view(png.tobytes()), "mimeType": "image/png"})
    material_names = sorted(materials)
    gl_materials = []
    for m in material_names:
        spec = materials[m]
        gl_materials.append({
            "name": m,
            "pbrMetallicRoughness": {"baseColorTexture": {"index": image_names.index(spec["texture"])},
                                     "baseColorFactor": [1.0, 1.0, 1.0, 1.0], "metallicFactor": 0.0,
                                     "roughnessFactor": spec["roughness"]},
            "alphaMode": spec["alpha"],
            "doubleSided": spec["double_sided"],
        })
    meshes, nodes = [], [{"name": name, "children": list(range(1, len(parts) + 1))}]
    for part in parts:
        pos, nrm, uv, tris = part.arrays()
        # The head's axes to glTF's: y negated, a reflection, so each triangle's winding is reversed too.
        pos, nrm = pos * TO_FILE, nrm * TO_FILE
        tris = tris[:, ::-1]
        index_type, dtype = (USHORT, np.uint16) if len(pos) < 65536 else (UINT, np.uint32)
        prim = {"attributes": {"POSITION": accessor(pos, FLOAT, "VEC3", ARRAY_BUFFER, True),
                               "NORMAL": accessor(nrm, FLOAT, "VEC3", ARRAY_BUFFER),
                               "TEXCOORD_0": accessor(uv, FLOAT, "VEC2", ARRAY_BUFFER)},
                "indices": accessor(tris.reshape(-1).astype(dtype), index_type, "SCALAR", ELEMENT_ARRAY_BUFFER),
                "material": material_names.index(part.material), "mode": 4}
        meshes.append({"name": part.name, "primitives": [prim]})
        nodes.append({"name": part.name, "mesh": len(meshes) - 1})
    doc = {
        "asset": {"version": "2.0", "generator": GENERATOR,
                  "copyright": "facefilter's own art, made by scripts/make_model_art.py",
                  "extras": {"units": "canonical head (engine/filters/canonical_face.hpp): eye-centre distance 1, "
                                      "origin midway between the eye centres; glTF axes (y up, z front)"}},
        "scene": 0,
        "scenes": [{"name": name, "nodes": [0]}],
        "nodes": nodes,
        "meshes": meshes,
        "materials": gl_materials,
        "textures": [{"sampler": 0, "source": i} for i in range(len(gl_images))],
        "samplers": [{"magFilter": 9729, "minFilter": 9729, "wrapS": 10497, "wrapT": 10497}],
        "images": gl_images,
        "accessors": accessors,
        "bufferViews": views,
        "buffers": [{"byteLength": len(bin_data)}],
    }
    json_chunk = pad4(json.dumps(doc, separators=(",", ":")).encode(), b" ")
    bin_chunk = bytes(bin_data)
    total = 12 + 8 + len(json_chunk) + 8 + len(bin_chunk)
    return (struct.pack("<4sII", b"glTF", 2, total) + struct.pack("<I4s", len(json_chunk), b"JSON") + json_chunk +
            struct.pack("<I4s", len(bin_chunk), b"BIN\0") + bin_chunk)


def check_glb(data):
    """Reads a .glb back and checks what a loader relies on; returns (document, stats) or raises."""
    def need(cond, what):
        if not cond:
            raise ValueError(what)
    need(len(data) >= 20 and data[:4] == b"glTF", "not a glTF binary")
    magic, version, total = struct.unpack_from("<4sII", data, 0)
    need(version == 2 and total == len(data) and total % 4 == 0, f"header: version {version}, length {total}")
    jlen, jtype = struct.unpack_from("<I4s", data, 12)
    need(jtype == b"JSON" and jlen % 4 == 0 and 20 + jlen <= total, "JSON chunk")
    doc = json.loads(data[20:20 + jlen])
    boff = 20 + jlen
    blen, btype = struct.unpack_from("<I4s", data, boff)
    need(btype == b"BIN\0" and blen % 4 == 0 and boff + 8 + blen == total, "BIN chunk")
    binary = data[boff + 8:boff + 8 + blen]
    need(doc["asset"]["version"] == "2.0", "asset.version")
    need(doc["buffers"][0]["byteLength"] <= blen, "buffer longer than the BIN chunk")
    for i, v in enumerate(doc["bufferViews"]):
        need(v["byteOffset"] % 4 == 0, f"bufferView {i} not 4-byte aligned")
        need(v["byteOffset"] + v["byteLength"] <= doc["buffers"][0]["byteLength"], f"bufferView {i} out of the buffer")

    def read(i):
        a = doc["accessors"][i]
        v = doc["bufferViews"][a["bufferView"]]
        size = COMPONENT_SIZE[a["componentType"]] * TYPE_SIZE[a["type"]]
        off = v["byteOffset"] + a.get("byteOffset", 0)
        need(off % COMPONENT_SIZE[a["componentType"]] == 0, f"accessor {i} misaligned")
        need(a.get("byteOffset", 0) + a["count"] * size <= v["byteLength"], f"accessor {i} overruns its bufferView")
        dtype = {FLOAT: np.float32, USHORT: np.uint16, UINT: np.uint32}[a["componentType"]]
        arr = np.frombuffer(binary, dtype, a["count"] * TYPE_SIZE[a["type"]], off)
        return a, arr.reshape(a["count"], TYPE_SIZE[a["type"]]) if TYPE_SIZE[a["type"]] > 1 else arr

    triangles = vertices = 0
    for mesh in doc["meshes"]:
        for prim in mesh["primitives"]:
            pa, pos = read(prim["attributes"]["POSITION"])
            need(np.all(np.isfinite(pos)), f"{mesh['name']}: non-finite position")
            need(np.allclose(pos.min(0), pa["min"]) and np.allclose(pos.max(0), pa["max"]), f"{mesh['name']}: min/max")
            _, nrm = read(prim["attributes"]["NORMAL"])
            need(np.allclose(np.linalg.norm(nrm, axis=1), 1, atol=1e-3), f"{mesh['name']}: normals not unit")
            _, uv = read(prim["attributes"]["TEXCOORD_0"])
            need(len(nrm) == len(pos) == len(uv), f"{mesh['name']}: attribute counts differ")
            _, idx = read(prim["indices"])
            need(len(idx) % 3 == 0 and int(idx.max()) < len(pos), f"{mesh['name']}: indices")
            tri = idx.reshape(-1, 3)
            area = np.linalg.norm(np.cross(pos[tri[:, 1]] - pos[tri[:, 0]], pos[tri[:, 2]] - pos[tri[:, 0]]), axis=1)
            need(np.count_nonzero(area > 1e-10) >= 0.95 * len(tri), f"{mesh['name']}: degenerate triangles")
            # Counter-clockwise fronts (glTF): a triangle's winding normal agrees with its vertex normals.
            wn = np.cross(pos[tri[:, 1]] - pos[tri[:, 0]], pos[tri[:, 2]] - pos[tri[:, 0]])
            agree = np.sum(wn * nrm[tri].sum(1), axis=1)
            need(np.count_nonzero(agree > 0) >= 0.98 * np.count_nonzero(area > 1e-10),
                 f"{mesh['name']}: triangle winding disagrees with the normals")
            mat = doc["materials"][prim["material"]]
            tex = mat["pbrMetallicRoughness"]["baseColorTexture"]["index"]
            need(0 <= tex < len(doc["textures"]), f"{mesh['name']}: texture index")
            triangles += len(tri)
            vertices += len(pos)
    for i, im in enumerate(doc["images"]):
        v = doc["bufferViews"][im["bufferView"]]
        png = np.frombuffer(binary, np.uint8, v["byteLength"], v["byteOffset"])
        decoded = cv2.imdecode(png, cv2.IMREAD_UNCHANGED)
        need(decoded is not None and decoded.ndim == 3 and decoded.shape[2] == 4, f"image {i} is not an RGBA PNG")
    return doc, {"triangles": triangles, "vertices": vertices, "bytes": len(data)}


# ---------------------------------------------------------------------------------------------------------------

MODELS = {
    # name: (builder, filter.json placement and parts)
    "glasses_3d": (glasses, {"occluded": True, "lit": True}),
    "top_hat_3d": (hat, {"occluded": True, "lit": True}),
    "crown_3d": (crown, {"occluded": True, "lit": True}),
}


def filter_json(name, model_file, extra):
    return {
        "name": name,
        "type": "model",
        "model": model_file,
        "scale": 1.0,
        "offset": [0.0, 0.0, 0.0],
        "rotation": [0.0, 0.0, 0.0],
        **extra,
        "comment": "Generated by scripts/make_model_art.py (our own art). Placement in the canonical head's "
                   "units: identity, the model is built on that head.",
    }


def write(path, data):
    doc, stats = check_glb(data)
    path.write_bytes(data)
    again = path.read_bytes()
    assert again == data
    return stats


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=str(ROOT / "assets/filters"), help="folder of filter folders")
    ap.add_argument("--triangles", type=int, help="instead: write one big model of about this many triangles")
    ap.add_argument("--big-out", help="with --triangles: the .glb to write")
    args = ap.parse_args()
    if args.triangles is not None:
        if not args.big_out or args.triangles < 8:
            ap.error("--triangles N (N >= 8) needs --big-out PATH.glb")
        parts, materials, images = big_model(args.triangles)
        stats = write(pathlib.Path(args.big_out), build_glb("shell", parts, materials, images))
        print(f"{args.big_out}: {stats['triangles']} triangles, {stats['vertices']} vertices, {stats['bytes']} bytes")
        return
    out = pathlib.Path(args.out)
    for name, (builder, extra) in MODELS.items():
        parts, materials, images = builder()
        folder = out / name
        folder.mkdir(parents=True, exist_ok=True)
        stats = write(folder / f"{name}.glb", build_glb(name, parts, materials, images))
        desc = filter_json(name, f"{name}.glb", extra)
        # One key a line, lists kept on theirs, so that the placement reads at a glance.
        body = ",\n".join(f"  {json.dumps(k)}: {json.dumps(v)}" for k, v in desc.items())
        (folder / "filter.json").write_text("{\n" + body + "\n}\n")
        print(f"{folder}: {stats['triangles']} triangles, {stats['vertices']} vertices, {stats['bytes']} bytes, "
              f"parts {', '.join(p.name for p in parts)}")


if __name__ == "__main__":
    sys.exit(main())
