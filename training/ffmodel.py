"""Run a facefilter model file exactly as docs/model-format.md describes (the engine's Python twin)."""
import json

import cv2
import numpy as np
import torch

from common import box_from_points  # noqa: F401 (re-exported)
import transforms

REQUIRED = {
    "input": ("width", "height", "channels", "scale", "mean", "std"),
    "output": ("points", "layout", "x_scale", "x_offset", "y_scale", "y_offset"),
    "crop": ("reference", "size", "center_x", "center_y"),
    "box_from_points": ("size", "center_x", "center_y"),
}


def load(path, optimize=True):
    extra = {"facefilter.json": ""}
    mod = torch.jit.load(path, map_location="cpu", _extra_files=extra)
    if not extra["facefilter.json"]:
        raise RuntimeError("%s: no facefilter.json metadata" % path)
    meta = json.loads(extra["facefilter.json"])
    if meta.get("format") != "facefilter-keypoints" or meta.get("format_version") != 1:
        raise RuntimeError("%s: not a facefilter-keypoints v1 model" % path)
    for sec, keys in REQUIRED.items():
        for k in keys:
            if k not in meta.get(sec, {}):
                raise RuntimeError("%s: metadata lacks %s.%s" % (path, sec, k))
    method = meta.get("detector_box_method")
    if method is not None and not hasattr(mod, method):
        raise RuntimeError("%s: detector_box_method %r is not a method of the module" % (path, method))
    mod.eval()
    if optimize:
        mod = torch.jit.optimize_for_inference(mod, [method] if method else None)
    return mod, meta


def preprocess(frame_bgr, boxes, meta, gains=None):
    """Returns (input tensor [N,C,H,W], per box the 2x3 affine from input pixels back to the frame).
    gains: a list that receives each crop's light gain (1.0: none)."""
    inp = meta["input"]
    W, H, C = inp["width"], inp["height"], inp["channels"]
    if C == 1:
        img = frame_bgr if frame_bgr.ndim == 2 else cv2.cvtColor(frame_bgr, cv2.COLOR_BGR2GRAY)
    else:
        img = cv2.cvtColor(frame_bgr, cv2.COLOR_BGR2RGB)
    crop = meta["crop"]
    xs, geo = [], []
    for box in boxes:
        # (x, y, w, h) or (x, y, w, h, roll): a turned box crops turned (docs/model-format.md, "Crop rotation")
        angle = float(box[4]) if len(box) > 4 else 0.0
        M = transforms.box_crop_matrix(box[:4], angle, crop, W)
        patch = cv2.warpAffine(img, M, (W, H), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        patch, gain = transforms.light_gain(patch, inp.get("light_gain"))
        if gains is not None:
            gains.append(gain)
        f = patch.astype(np.float32).reshape(H, W, C) * np.float32(inp["scale"])
        f = (f - np.array(inp["mean"], np.float32)) / np.array(inp["std"], np.float32)
        xs.append(f.transpose(2, 0, 1))
        geo.append(transforms.invert_affine(M))
    return torch.from_numpy(np.ascontiguousarray(np.stack(xs))), geo


def face_box_from_points(pts, meta):
    """The face box of 68 points under the model's conventions: (x, y, w, h, roll), roll 0 unless the model
    crops along the eye line (then the box is taken in the face's own frame)."""
    if meta["crop"].get("rotation") != "eye_line":
        return tuple(box_from_points(pts, meta["box_from_points"])) + (0.0,)
    theta = transforms.eye_angle(pts)
    q = np.asarray(pts, np.float64) @ transforms.rot(-theta).T
    x, y, w, h = box_from_points(q, meta["box_from_points"])
    cx, cy = transforms.rot(theta) @ np.array([x + w / 2.0, y + h / 2.0])
    return (cx - w / 2.0, cy - h / 2.0, w, h, theta)


def postprocess(out, geo, meta):
    o = out.detach().numpy().astype(np.float64).reshape(len(geo), meta["output"]["points"], 2)
    res = np.empty_like(o)
    for i, A in enumerate(geo):
        u = o[i, :, 0] * meta["output"]["x_scale"] + meta["output"]["x_offset"]
        v = o[i, :, 1] * meta["output"]["y_scale"] + meta["output"]["y_offset"]
        res[i, :, 0] = A[0, 0] * u + A[0, 1] * v + A[0, 2]
        res[i, :, 1] = A[1, 0] * u + A[1, 1] * v + A[1, 2]
    return res


def predict(mod, meta, frame_bgr, boxes, detector_box=False):
    """Keypoints [N, P, 2] in frame pixels for face boxes [(x, y, w, h), ...]. detector_box: the boxes come
    from the face detector, so a model with a detector-box stage runs that stage (docs/model-format.md)."""
    if len(boxes) == 0:
        return np.zeros((0, meta["output"]["points"], 2))
    gains = []
    x, geo = preprocess(frame_bgr, boxes, meta, gains)
    method = meta.get("detector_box_method") if detector_box else None
    net = getattr(mod, method) if method else mod
    # input.light_gain.mirror_average: a crop that got a gain runs mirrored too, in the same batch, and the
    # two predictions are averaged (docs/model-format.md, step 4).
    mirrored = [i for i, g in enumerate(gains)
                if g > 1.0 and (meta["input"].get("light_gain") or {}).get("mirror_average", False)]
    batch = torch.cat([x, x[mirrored].flip(3)], 0) if mirrored else x
    with torch.no_grad():
        out = net(batch)
    n, P, W = len(geo), meta["output"]["points"], meta["input"]["width"]
    o = out.reshape(out.shape[0], P, 2).clone()
    for row, i in enumerate(mirrored):
        m = o[n + row, transforms.FLIP_PERM]  # the mirror's point k is the crop's mirrored point
        # in input pixels x' = W - x: out_x' * s + off = W - (out_x * s + off)
        sx, ox = meta["output"]["x_scale"], meta["output"]["x_offset"]
        mx = (W - (m[:, 0] * sx + ox) - ox) / sx
        o[i] = 0.5 * (o[i] + torch.stack([mx, m[:, 1]], 1))
    return postprocess(o[:n], geo, meta)
