"""Measure where OpenCV's Haar face detector puts its box relative to the keypoints.

Runs haarcascade_frontalface_default.xml with the engine's default parameters on
every gray training image, keeps the detection that best overlaps the box of the
ground-truth points, and measures:
  * box_from_points constants (docs/model-format.md): median of
      size     = haar_side / e
      center_x = (haar_cx - c_x) / e,  center_y = (haar_cy - c_y) / e
    where e = max extent of the points and c = centre of the points' bounding box;
  * the spread of the real Haar box around the box predicted from the points
    (log-scale and shift in units of the box side), used by the production
    augmentation so training crops jitter like real detections;
  * the seed model's framing: median ratio of the whole (loose-crop) image to
    the box_from_points box (the seed model is trained on whole images).
Writes training/haar_stats.json.
"""
import argparse
import json
import os
import time

import cv2
import numpy as np

import dataset
from common import box_from_points, points_box  # noqa: F401 (re-exported)

CASCADE = "/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml"
DETECT = dict(scaleFactor=1.1, minNeighbors=5, flags=0, minSize=(30, 30))
HERE = os.path.dirname(os.path.abspath(__file__))


def iou(a, b):
    ax0, ay0, aw, ah = a
    bx0, by0, bw, bh = b
    ix = max(0.0, min(ax0 + aw, bx0 + bw) - max(ax0, bx0))
    iy = max(0.0, min(ay0 + ah, by0 + bh) - max(ay0, by0))
    inter = ix * iy
    return inter / (aw * ah + bw * bh - inter + 1e-9)


def make_detector():
    det = cv2.CascadeClassifier(CASCADE)
    if det.empty():
        raise RuntimeError("cannot load cascade %s" % CASCADE)
    return det


def detect_best(det, gray, pts, min_iou=0.25):
    """Haar detections on gray; return the one best overlapping the points' box, or None."""
    faces = det.detectMultiScale(gray, **DETECT)
    if len(faces) == 0:
        return None, 0
    mn, mx = pts.min(0), pts.max(0)
    pbox = (float(mn[0]), float(mn[1]), float(mx[0] - mn[0]), float(mx[1] - mn[1]))
    best, bi = None, -1.0
    for f in faces:
        v = iou(tuple(float(t) for t in f), pbox)
        if v > bi:
            best, bi = tuple(int(t) for t in f), v
    if bi < min_iou:
        return None, len(faces)
    return best, len(faces)


def pct(a):
    return {str(p): float(np.percentile(a, p)) for p in (1, 5, 10, 25, 50, 75, 90, 95, 99)}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    dataset.add_data_arg(ap)
    ap.add_argument("--split", default="train", choices=["train", "test"])
    ap.add_argument("--out", default=os.path.join(HERE, "haar_stats.json"))
    args = ap.parse_args()

    csv_path, img_dir = dataset.split_paths(args.data, args.split)
    names, points = dataset.read_keypoints_csv(csv_path, img_dir)
    det = make_detector()
    t0 = time.time()
    rows = []  # per detected image: size, cx, cy ratios (units of e), haar box, e
    img_ratio = []  # seed framing: image vs points box (units of e)
    n_any, n_multi = 0, 0
    for i, (n, pts) in enumerate(zip(names, points)):
        bgr = dataset.load_image(os.path.join(img_dir, n))
        gray = dataset.to_gray(bgr)
        h, w = gray.shape
        cx, cy, e = points_box(pts)
        img_ratio.append((w / e, h / e, (w / 2 - cx) / e, (h / 2 - cy) / e))
        best, nf = detect_best(det, gray, pts)
        n_any += nf > 0
        n_multi += nf > 1
        if best is not None:
            x, y, bw, bh = best
            side = (bw + bh) / 2
            rows.append((side / e, (x + bw / 2 - cx) / e, (y + bh / 2 - cy) / e, x, y, bw, bh, e))
        if (i + 1) % 500 == 0:
            print("%d/%d images, %d faces matched, %.1fs" % (i + 1, len(names), len(rows), time.time() - t0))
    r = np.array(rows, dtype=np.float64)
    size, ccx, ccy = r[:, 0], r[:, 1], r[:, 2]
    bfp = {"size": float(np.median(size)), "center_x": float(np.median(ccx)),
           "center_y": float(np.median(ccy))}
    # spread of the real Haar box around the box_from_points box, in units of that box's side
    bside = bfp["size"] * r[:, 7]
    log_scale = np.log(size / bfp["size"])
    shift_x = (ccx - bfp["center_x"]) * r[:, 7] / bside
    shift_y = (ccy - bfp["center_y"]) * r[:, 7] / bside
    ir = np.array(img_ratio)
    # seed framing (whole image), expressed in units of the box_from_points box side
    seed_size_x = ir[:, 0] / bfp["size"]
    seed_size_y = ir[:, 1] / bfp["size"]
    seed_cx = (ir[:, 2] - bfp["center_x"]) / bfp["size"]
    seed_cy = (ir[:, 3] - bfp["center_y"]) / bfp["size"]
    out = {
        "cascade": os.path.basename(CASCADE),
        "detect_params": {"scaleFactor": 1.1, "minNeighbors": 5, "flags": 0, "minSize": [30, 30]},
        "split": args.split,
        "images": len(names),
        "images_with_any_detection": int(n_any),
        "images_with_multiple_detections": int(n_multi),
        "images_matched": int(len(rows)),
        "detection_rate": float(len(rows) / len(names)),
        "match_rule": "detection with the best IoU to the points' bounding box, IoU >= 0.25",
        "box_from_points": bfp,
        "ratios_units_of_e": {"size": {"mean": float(size.mean()), "std": float(size.std()), "pct": pct(size)},
                              "center_x": {"mean": float(ccx.mean()), "std": float(ccx.std()), "pct": pct(ccx)},
                              "center_y": {"mean": float(ccy.mean()), "std": float(ccy.std()), "pct": pct(ccy)}},
        "spread": {
            "note": "Haar box relative to the box_from_points box: log(side ratio), centre shift / side",
            "log_scale": {"std": float(log_scale.std()), "pct": pct(log_scale)},
            "shift_x": {"std": float(shift_x.std()), "pct": pct(shift_x)},
            "shift_y": {"std": float(shift_y.std()), "pct": pct(shift_y)},
        },
        "seed_framing": {
            "note": "whole image relative to the box_from_points box (units of its side): "
                    "the seed model's crop convention",
            "size": float(np.median(np.sqrt(seed_size_x * seed_size_y))),
            "size_x": float(np.median(seed_size_x)), "size_y": float(np.median(seed_size_y)),
            "center_x": float(np.median(seed_cx)), "center_y": float(np.median(seed_cy)),
            "image_aspect_w_over_h": {"pct": pct(ir[:, 0] / ir[:, 1])},
        },
        "seconds": round(time.time() - t0, 1),
    }
    with open(args.out, "w") as f:
        json.dump(out, f, indent=1)
    print(json.dumps({k: out[k] for k in ("images", "images_with_any_detection", "images_matched",
                                          "detection_rate", "box_from_points", "seed_framing")}, indent=1))
    print("spread: log_scale std %.4f, shift_x std %.4f, shift_y std %.4f"
          % (log_scale.std(), shift_x.std(), shift_y.std()))
    print("wrote", args.out)


if __name__ == "__main__":
    main()
