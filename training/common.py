"""Shared helpers: NME, prediction mapping, metadata building."""
import numpy as np

LICENSE = ("Trained by the facefilter project on the Udacity P1 facial keypoints data (MIT), "
           "frames from YouTube Faces.")


def points_box(pts):
    """(cx, cy, e) of 68 points as in docs/model-format.md: centre and larger side of their extent."""
    pts = np.asarray(pts, np.float64)
    mn, mx = pts.min(0), pts.max(0)
    e = float(max(mx[0] - mn[0], mx[1] - mn[1]))
    return float((mn[0] + mx[0]) / 2), float((mn[1] + mx[1]) / 2), e


def box_from_points(pts, bfp):
    """docs/model-format.md: square face box (x, y, w, h) equivalent to a detection."""
    cx, cy, e = points_box(pts)
    side = bfp["size"] * e
    cx += bfp["center_x"] * e
    cy += bfp["center_y"] * e
    return (cx - side / 2, cy - side / 2, side, side)


def nme(pred, gt):
    """Per-image NME: mean point-to-point error / distance between points 36 and 45 (outer eye corners).

    pred, gt: [N, 68, 2] in the same (uniformly scaled) coordinates. Returns [N].
    """
    pred = np.asarray(pred, np.float64)
    gt = np.asarray(gt, np.float64)
    io = np.linalg.norm(gt[:, 36] - gt[:, 45], axis=1)
    return np.linalg.norm(pred - gt, axis=2).mean(1) / np.maximum(io, 1e-6)


def out_to_image(out, extra_list, meta):
    """Network output [N,136] -> image pixels [N,68,2] using metadata mapping and crop info.

    extra: {"x0","y0","s"} (doc crop: x = x0 + u/s), {"Minv"} (a rotated crop's input -> frame affine) or
    {"sx","sy"} (seed whole-image resize).
    """
    o = np.asarray(out, np.float64).reshape(len(extra_list), -1, 2)
    u = o[..., 0] * meta["output"]["x_scale"] + meta["output"]["x_offset"]
    v = o[..., 1] * meta["output"]["y_scale"] + meta["output"]["y_offset"]
    res = np.empty_like(o)
    for i, ex in enumerate(extra_list):
        if "Minv" in ex:
            A = ex["Minv"]
            res[i, :, 0] = A[0, 0] * u[i] + A[0, 1] * v[i] + A[0, 2]
            res[i, :, 1] = A[1, 0] * u[i] + A[1, 1] * v[i] + A[1, 2]
        elif "s" in ex:
            res[i, :, 0] = ex["x0"] + u[i] / ex["s"]
            res[i, :, 1] = ex["y0"] + v[i] / ex["s"]
        else:
            res[i, :, 0] = u[i] * ex["sx"]
            res[i, :, 1] = v[i] * ex["sy"]
    return res


def make_meta(arch, input_size, haar_stats, crop, name, description, input_norm=None):
    """facefilter.json contents (without 'training') per docs/model-format.md."""
    norm = input_norm or {"scale": 1.0 / 255.0, "mean": [0.0], "std": [1.0]}
    half = input_size / 2.0
    return {
        "format": "facefilter-keypoints",
        "format_version": 1,
        "name": name,
        "description": description,
        "license": LICENSE,
        "input": {"width": input_size, "height": input_size, "channels": 1, "scale": norm["scale"],
                  "mean": list(norm["mean"]), "std": list(norm["std"])},
        "output": {"points": 68, "layout": "ibug68", "x_scale": half, "x_offset": half,
                   "y_scale": half, "y_offset": half},
        "crop": {"reference": "face_box", "size": float(crop["size"]), "center_x": float(crop["center_x"]),
                 "center_y": float(crop["center_y"])},
        "box_from_points": {k: float(haar_stats["box_from_points"][k]) for k in ("size", "center_x", "center_y")},
    }
