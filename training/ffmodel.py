"""Run a facefilter model file exactly as docs/model-format.md describes (the engine's Python twin)."""
import json

import cv2
import numpy as np
import torch

from common import box_from_points  # noqa: F401 (re-exported)

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


def preprocess(frame_bgr, boxes, meta):
    """Returns (input tensor [N,C,H,W], list of (x0, y0, s))."""
    inp = meta["input"]
    W, H, C = inp["width"], inp["height"], inp["channels"]
    if C == 1:
        img = frame_bgr if frame_bgr.ndim == 2 else cv2.cvtColor(frame_bgr, cv2.COLOR_BGR2GRAY)
    else:
        img = cv2.cvtColor(frame_bgr, cv2.COLOR_BGR2RGB)
    crop = meta["crop"]
    xs, geo = [], []
    for (x, y, w, h) in boxes:
        side = (w + h) / 2.0
        cx = x + w / 2.0 + crop["center_x"] * side
        cy = y + h / 2.0 + crop["center_y"] * side
        crop_side = crop["size"] * side
        x0, y0 = cx - crop_side / 2.0, cy - crop_side / 2.0
        s = W / crop_side
        M = np.array([[s, 0.0, -s * x0], [0.0, s, -s * y0]], dtype=np.float64)
        patch = cv2.warpAffine(img, M, (W, H), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        f = patch.astype(np.float32).reshape(H, W, C) * np.float32(inp["scale"])
        f = (f - np.array(inp["mean"], np.float32)) / np.array(inp["std"], np.float32)
        xs.append(f.transpose(2, 0, 1))
        geo.append((x0, y0, s))
    return torch.from_numpy(np.ascontiguousarray(np.stack(xs))), geo


def postprocess(out, geo, meta):
    o = out.detach().numpy().astype(np.float64).reshape(len(geo), meta["output"]["points"], 2)
    res = np.empty_like(o)
    for i, (x0, y0, s) in enumerate(geo):
        res[i, :, 0] = x0 + (o[i, :, 0] * meta["output"]["x_scale"] + meta["output"]["x_offset"]) / s
        res[i, :, 1] = y0 + (o[i, :, 1] * meta["output"]["y_scale"] + meta["output"]["y_offset"]) / s
    return res


def predict(mod, meta, frame_bgr, boxes, detector_box=False):
    """Keypoints [N, P, 2] in frame pixels for face boxes [(x, y, w, h), ...]. detector_box: the boxes come
    from the face detector, so a model with a detector-box stage runs that stage (docs/model-format.md)."""
    if len(boxes) == 0:
        return np.zeros((0, meta["output"]["points"], 2))
    x, geo = preprocess(frame_bgr, boxes, meta)
    method = meta.get("detector_box_method") if detector_box else None
    with torch.no_grad():
        out = getattr(mod, method)(x) if method else mod(x)
    return postprocess(out, geo, meta)
