"""Transforms.

(a) SEED transforms (Udacity P1 / NaimishNet style, whole loose-crop image):
    train: rescale whole image to 250x250, random crop 227x227, grayscale /255,
           keypoints (pts - 113.5) / 113.5;
    test:  rescale whole image to 227x227, same normalisation.
(b) PRODUCTION transforms, following docs/model-format.md exactly: a square crop
    around a face box (the box the Haar detector reports, or box_from_points of
    the keypoints), one cv2.warpAffine (INTER_LINEAR, BORDER_REPLICATE). The
    training version jitters the box like real Haar detections do (spread
    measured by haar_stats.py), rotates about the crop centre (composed into the
    same affine), flips horizontally with the iBUG-68 left/right permutation, and
    changes brightness / contrast / blur.
All transforms take (gray uint8 image, points[68,2] float32 in image pixels)
and return (float32 CHW array, float32 [136] normalised targets, extra dict).
"""
import json
import math
import os

import cv2
import numpy as np

from common import box_from_points, points_box  # noqa: F401 (re-exported)

HERE = os.path.dirname(os.path.abspath(__file__))
HAAR_STATS = os.path.join(HERE, "haar_stats.json")

# iBUG 300-W 68-point horizontal mirror permutation: flipped[i] = original[FLIP_PERM[i]]
FLIP_PERM = np.array(
    list(range(16, -1, -1))                      # jaw 0..16
    + list(range(26, 21, -1)) + list(range(21, 16, -1))  # brows 17..21 <-> 22..26
    + [27, 28, 29, 30]                           # nose bridge
    + [35, 34, 33, 32, 31]                       # nose bottom
    + [45, 44, 43, 42, 47, 46]                   # right eye 36..41 <- left eye
    + [39, 38, 37, 36, 41, 40]                   # left eye 42..47 <- right eye
    + [54, 53, 52, 51, 50, 49, 48]               # outer lip top 48..54
    + [59, 58, 57, 56, 55]                       # outer lip bottom 55..59
    + [64, 63, 62, 61, 60]                       # inner lip top 60..64
    + [67, 66, 65],                              # inner lip bottom 65..67
    dtype=np.int64)
assert sorted(FLIP_PERM.tolist()) == list(range(68))
assert all(FLIP_PERM[FLIP_PERM[i]] == i for i in range(68))


def load_haar_stats(path=HAAR_STATS):
    with open(path) as f:
        return json.load(f)


# ---------------------------------------------------------------- seed transforms
SEED_SIZE = 227
SEED_RESCALE = 250
SEED_CENTER = 113.5  # (227 - 0) / 2: maps [0, 227] to [-1, 1]
SEED_SCALE = 113.5


def seed_normalise_points(pts):
    return ((pts - SEED_CENTER) / SEED_SCALE).astype(np.float32).reshape(-1)


class SeedTrain:
    """Rescale whole image to 250x250, random 227x227 crop, gray [0,1], mean-centred points."""

    def __init__(self, rng):
        self.rng = rng

    def __call__(self, gray, pts):
        h, w = gray.shape[:2]
        img = cv2.resize(gray, (SEED_RESCALE, SEED_RESCALE))
        p = pts * np.array([SEED_RESCALE / w, SEED_RESCALE / h], np.float32)
        top = self.rng.randint(0, SEED_RESCALE - SEED_SIZE + 1)
        left = self.rng.randint(0, SEED_RESCALE - SEED_SIZE + 1)
        img = img[top:top + SEED_SIZE, left:left + SEED_SIZE]
        p = p - np.array([left, top], np.float32)
        x = (img.astype(np.float32) / 255.0)[None]
        return x, seed_normalise_points(p), {}


class SeedTest:
    """Rescale whole image to 227x227, gray [0,1], mean-centred points."""

    def __call__(self, gray, pts):
        h, w = gray.shape[:2]
        img = cv2.resize(gray, (SEED_SIZE, SEED_SIZE))
        p = pts * np.array([SEED_SIZE / w, SEED_SIZE / h], np.float32)
        x = (img.astype(np.float32) / 255.0)[None]
        return x, seed_normalise_points(p), {"sx": w / SEED_SIZE, "sy": h / SEED_SIZE}


# ---------------------------------------------------------------- production transforms
def crop_params(box, crop):
    """docs/model-format.md step 2: (x0, y0, crop_side) for face box (x, y, w, h)."""
    x, y, w, h = [float(v) for v in box]
    side = (w + h) / 2.0
    cx = x + w / 2.0 + crop["center_x"] * side
    cy = y + h / 2.0 + crop["center_y"] * side
    crop_side = crop["size"] * side
    return cx - crop_side / 2.0, cy - crop_side / 2.0, crop_side


def crop_matrix(box, crop, size):
    """The exact doc affine M = [[s, 0, -s*x0], [0, s, -s*y0]] and (x0, y0, s)."""
    x0, y0, crop_side = crop_params(box, crop)
    s = size / crop_side
    M = np.array([[s, 0.0, -s * x0], [0.0, s, -s * y0]], dtype=np.float64)
    return M, (x0, y0, s)


def warp(gray, M, size):
    return cv2.warpAffine(gray, M, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def apply_affine(M, pts):
    return (pts @ M[:, :2].T + M[:, 2]).astype(np.float32)


def light_gain(img_u8, gain_meta):
    """The engine's `input.light_gain` (engine/keypoints/model_metadata.hpp): a dim crop brightened, with
    saturation, before normalisation. Returns the crop (uint8) and the gain used."""
    if not gain_meta:
        return img_u8, 1.0
    h, w = img_u8.shape[:2]
    side = max(1, int(math.floor(gain_meta["region"] * w + 0.5)))
    x0, y0 = (w - side) // 2, (h - side) // 2
    level = float(img_u8[y0:y0 + min(side, h), x0:x0 + side].mean())
    g = min(max(gain_meta["target_mean"] / max(level, 1e-3), 1.0), gain_meta["max_gain"])
    if g <= 1.0:
        return img_u8, 1.0
    return np.clip(np.rint(img_u8.astype(np.float64) * g), 0, 255).astype(np.uint8), g


def normalise_input(img_u8, meta_input):
    """doc step 4 for 1 channel (after the optional light gain): (pixel*scale - mean)/std, float32 [1,H,W]."""
    img_u8, _ = light_gain(img_u8, meta_input.get("light_gain"))
    x = img_u8.astype(np.float32) * np.float32(meta_input["scale"])
    x = (x - np.float32(meta_input["mean"][0])) / np.float32(meta_input["std"][0])
    return x[None]


def normalise_points(pts_in, size):
    half = size / 2.0
    return ((pts_in - half) / half).astype(np.float32).reshape(-1)


class ProdEval:
    """Deterministic doc crop from a given box (default: box_from_points of the truth points)."""

    def __init__(self, meta):
        self.meta = meta
        self.size = meta["input"]["width"]

    def __call__(self, gray, pts, box=None):
        if box is None:
            box = box_from_points(pts, self.meta["box_from_points"])
        M, (x0, y0, s) = crop_matrix(box, self.meta["crop"], self.size)
        img = warp(gray, M, self.size)
        p = apply_affine(M, pts)
        return normalise_input(img, self.meta["input"]), normalise_points(p, self.size), \
            {"x0": x0, "y0": y0, "s": s}


class ProdTrain:
    """Augmented doc crop: Haar-like box jitter, rotation, flip, photometric changes; one warp."""

    def __init__(self, meta, stats, rng, max_rot_deg=25.0, jitter_gain=1.0, p_flip=0.5,
                 p_rot=0.6, p_blur=0.3, jitter_std=None, eye_line=None, low_light=None):
        """jitter_std: (log-scale, shift x, shift y) standard deviations in units of the box side; default
        the measured Haar spread times jitter_gain.
        eye_line: None (axis-aligned crops, rotated by up to max_rot_deg with probability p_rot), or
        (roll_std_deg, motion_deg): eye-line crops as tracking cuts them, jittered in the face's own frame,
        turned by a residual roll ~ N(0, roll_std) + U(-motion, motion) (training/track_residual.json)."""
        self.meta = meta
        self.size = meta["input"]["width"]
        sp = stats["spread"]
        if jitter_std is None:
            jitter_std = (sp["log_scale"]["std"], sp["shift_x"]["std"], sp["shift_y"]["std"])
        self.s_scale, self.s_x, self.s_y = (jitter_gain * v for v in jitter_std)
        self.rng = rng
        self.max_rot = max_rot_deg
        self.p_flip, self.p_rot, self.p_blur = p_flip, p_rot, p_blur
        self.eye_line = eye_line
        # photometric.LowLight or None: a dim or backlit room in place of the plain brightness changes
        self.low_light = low_light

    def _clipped_normal(self, std, k=2.5):
        return float(np.clip(self.rng.normal(0.0, std), -k * std, k * std))

    def _geometry(self, pts):
        """The crop affine (3x3) before the flip."""
        rng, size = self.rng, self.size
        if self.eye_line is not None:
            roll_std, motion = self.eye_line
            roll = math.radians(self._clipped_normal(roll_std) + rng.uniform(-motion, motion))
            jitter = (self._clipped_normal(self.s_scale), self._clipped_normal(self.s_x),
                      self._clipped_normal(self.s_y), roll)
            M, _ = aligned_crop_matrix(pts, self.meta, size, jitter)
            return np.vstack([M, [0.0, 0.0, 1.0]])
        # 1. face box like a Haar detection: box_from_points + measured spread
        bx, by, bw, bh = box_from_points(pts, self.meta["box_from_points"])
        side = bw * math.exp(self._clipped_normal(self.s_scale))
        cx = bx + bw / 2 + self._clipped_normal(self.s_x) * bw
        cy = by + bh / 2 + self._clipped_normal(self.s_y) * bw
        box = (cx - side / 2, cy - side / 2, side, side)
        M, _ = crop_matrix(box, self.meta["crop"], size)
        A = np.vstack([M, [0.0, 0.0, 1.0]])
        # 2. rotation about the crop centre, composed into the same affine
        if rng.rand() < self.p_rot:
            ang = rng.uniform(-self.max_rot, self.max_rot)
            R = cv2.getRotationMatrix2D((size / 2.0, size / 2.0), ang, 1.0)
            A = np.vstack([R, [0.0, 0.0, 1.0]]) @ A
        return A

    def __call__(self, gray, pts):
        rng, size = self.rng, self.size
        A = self._geometry(pts)
        # 3. horizontal flip (u -> W - u keeps the doc's continuous coordinates symmetric)
        flip = rng.rand() < self.p_flip
        if flip:
            Fm = np.array([[-1.0, 0.0, size], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
            A = Fm @ A
        A = A[:2]
        img = warp(gray, A, size)
        p = apply_affine(A, pts)
        if flip:
            p = p[FLIP_PERM]
        # 4. photometric: contrast, brightness, blur, noise; or a dim / backlit room (with its sensor noise)
        f = img.astype(np.float32)
        dark = self.low_light.draw() if self.low_light is not None else None
        if dark is None and rng.rand() < 0.8:
            c = math.exp(rng.uniform(-0.4, 0.4))
            f = (f - f.mean()) * c + f.mean()
        if dark is None and rng.rand() < 0.8:
            f = f + rng.uniform(-40, 40)
        if rng.rand() < self.p_blur:
            k = rng.choice([3, 5])
            f = cv2.GaussianBlur(f, (k, k), rng.uniform(0.5, 1.5))
        if dark is not None:
            f = self.low_light.apply(dark, f, p)
        elif rng.rand() < 0.2:
            f = f + rng.normal(0, rng.uniform(2, 8), f.shape).astype(np.float32)
        img = np.clip(f + 0.5, 0, 255).astype(np.uint8)
        return normalise_input(img, self.meta["input"]), normalise_points(p, size), {}


# ---------------------------------------------------------------- eye-line (rotation-aligned) crops
# metadata "crop": {..., "rotation": "eye_line"}: the crop square is turned with the face's roll, so an upright
# crop is cut from a tilted face. theta follows the image axes (y down): positive turns x towards y.
def rot(t):
    c, s = math.cos(t), math.sin(t)
    return np.array([[c, -s], [s, c]], dtype=np.float64)


def eye_angle(pts):
    """Roll of the line from the mean of points 36..41 to the mean of 42..47 (upright ~0, upside down ~pi)."""
    pts = np.asarray(pts, np.float64)
    el, er = pts[36:42].mean(0), pts[42:48].mean(0)
    return math.atan2(er[1] - el[1], er[0] - el[0])


def rotated_crop_matrix(center, crop_side, theta, size):
    """Affine frame -> input: u = S/2 + s R(-theta) (p - c), s = S / crop_side. Inverse: p = c + R(theta) (u - S/2)/s."""
    s = size / float(crop_side)
    co, si = math.cos(theta), math.sin(theta)
    cx, cy = float(center[0]), float(center[1])
    half = size / 2.0
    return np.array([[s * co, s * si, half - s * (co * cx + si * cy)],
                     [-s * si, s * co, half - s * (-si * cx + co * cy)]], dtype=np.float64)


def invert_affine(M):
    A = np.vstack([M, [0.0, 0.0, 1.0]])
    return np.linalg.inv(A)[:2]


def box_crop_matrix(box, angle, crop, size):
    """Crop of a detector box (x, y, w, h) found with roll `angle`: the doc crop, turned by `angle` about the
    box centre. angle 0 is crop_matrix exactly."""
    x, y, w, h = [float(v) for v in box]
    side = (w + h) / 2.0
    off = rot(angle) @ np.array([crop["center_x"] * side, crop["center_y"] * side])
    c = np.array([x + w / 2.0, y + h / 2.0]) + off
    return rotated_crop_matrix(c, crop["size"] * side, angle, size)


def aligned_crop_matrix(pts, meta, size, jitter=None):
    """Eye-line crop from 68 points: box_from_points in the frame turned by -theta, the doc crop there.

    jitter: optional (log_scale, shift_x, shift_y, roll) residuals: the crop side times exp(log_scale), its
    centre moved by (shift_x, shift_y) * box side along the crop's own axes, and the crop turned by a further
    roll (radians) about its centre, as tracking's estimate of the previous frame scatters.
    Returns (M, theta), theta the crop's roll (including the residual)."""
    theta = eye_angle(pts)
    q = np.asarray(pts, np.float64) @ rot(-theta).T
    bx, by, bw, bh = box_from_points(q, meta["box_from_points"])
    crop = meta["crop"]
    side = (bw + bh) / 2.0
    cq = np.array([bx + bw / 2.0 + crop["center_x"] * side, by + bh / 2.0 + crop["center_y"] * side])
    crop_side = crop["size"] * side
    if jitter is not None:
        ls, dx, dy, droll = jitter
        cq = cq + np.array([dx, dy]) * side
        crop_side *= math.exp(ls)
        theta += droll
    c = rot(eye_angle(pts)) @ cq
    return rotated_crop_matrix(c, crop_side, theta, size), theta


class ProdEvalAligned:
    """Deterministic eye-line crop from the truth points (the "eye_line" convention's ProdEval).
    extra["Minv"] maps input pixels back to the frame."""

    def __init__(self, meta):
        self.meta = meta
        self.size = meta["input"]["width"]

    def __call__(self, gray, pts):
        M, theta = aligned_crop_matrix(pts, self.meta, self.size)
        img = warp(gray, M, self.size)
        p = apply_affine(M, pts)
        return normalise_input(img, self.meta["input"]), normalise_points(p, self.size), \
            {"Minv": invert_affine(M), "theta": theta}
