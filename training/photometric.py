"""Low light as a cheap webcam sees it: the evaluation's fixed conditions and the training's augmentation.

The fixed conditions are the C++ ones of engine/eval/photometric.cpp (`facefilter-cli eval --photometric`):
    dim      v' = 255 * 0.35 * (v/255)^1.8 + noise(sigma 4)
    backlit  face (ellipse around its keypoints, feathered): 255 * 0.4 * (v/255)^1.5; elsewhere min(255, 1.6 v + 70);
             noise(sigma 3)
The augmentation draws gain, gamma and noise around them (a room from a little dim to darker than `dim`,
a backlight from mild to stronger than `backlit`), so the fixed conditions are inside what training saw
without being the only points of it.
"""
import math

import cv2
import numpy as np

DIM = {"gain": 0.35, "gamma": 1.8, "noise": 4.0}
BACKLIT = {"face_gain": 0.4, "face_gamma": 1.5, "bg_gain": 1.6, "bg_offset": 70.0, "noise": 3.0}


def tone(f, gain, gamma):
    """f: float32 grey levels 0..255."""
    return 255.0 * gain * np.power(np.clip(f, 0, 255) / 255.0, gamma)


def face_mask(shape, pts):
    """The C++ faceMask: an ellipse around the keypoints (reaching above the brows), feathered."""
    x0, y0 = pts.min(axis=0)
    x1, y1 = pts.max(axis=0)
    w, h = max(x1 - x0, 1.0), max(y1 - y0, 1.0)
    mask = np.zeros(shape, np.float32)
    # cv2.ellipse takes integer geometry; a shift of 4 fractional bits keeps the sub-pixel centre
    sh = 16.0
    cv2.ellipse(mask, (int(round((x0 + x1) / 2 * sh)), int(round(((y0 + y1) / 2 - 0.2 * h) * sh))),
                (int(round(0.675 * w * sh)), int(round(0.85 * h * sh))), 0, 0, 360, 1.0, -1, cv2.LINE_AA, 4)
    sigma = 0.15 * max(w, h)
    return cv2.GaussianBlur(mask, (0, 0), sigma)


def dim(f, rng, gain=DIM["gain"], gamma=DIM["gamma"], noise=DIM["noise"]):
    out = tone(f, gain, gamma)
    if noise > 0:
        out = out + rng.normal(0.0, noise, f.shape).astype(np.float32)
    return out


def backlit(f, pts, rng, face_gain=BACKLIT["face_gain"], face_gamma=BACKLIT["face_gamma"],
            bg_gain=BACKLIT["bg_gain"], bg_offset=BACKLIT["bg_offset"], noise=BACKLIT["noise"]):
    m = face_mask(f.shape, pts)
    bg = np.minimum(f * bg_gain + bg_offset, 255.0)
    out = tone(f, face_gain, face_gamma) * m + bg * (1.0 - m)
    if noise > 0:
        out = out + rng.normal(0.0, noise, f.shape).astype(np.float32)
    return out


class LowLight:
    """Training augmentation on a crop (float32 grey levels, its keypoints in crop pixels): draw() picks a
    condition (None: the crop stays in normal light), apply() renders it with its sensor noise."""

    def __init__(self, rng, p_dim=0.3, p_backlit=0.1):
        self.rng, self.p_dim, self.p_backlit = rng, p_dim, p_backlit

    def draw(self):
        r, rng = self.rng.rand(), self.rng
        if r < self.p_dim:
            return ("dim", {"gain": math.exp(rng.uniform(math.log(0.15), math.log(0.8))),
                            "gamma": rng.uniform(1.0, 2.2), "noise": rng.uniform(1.0, 7.0)})
        if r < self.p_dim + self.p_backlit:
            return ("backlit", {"face_gain": math.exp(rng.uniform(math.log(0.2), math.log(0.7))),
                                "face_gamma": rng.uniform(1.0, 2.0), "bg_gain": rng.uniform(1.2, 2.0),
                                "bg_offset": rng.uniform(30, 100), "noise": rng.uniform(1.0, 6.0)})
        return None

    def apply(self, drawn, f, pts):
        kind, params = drawn
        if kind == "dim":
            return dim(f, self.rng, **params)
        return backlit(f, pts, self.rng, **params)
