"""What an eye-line crop from tracking leaves: the residual roll, shift and scale between the crop cut from a
frame's predicted keypoints and the crop the truth would give (writes training/track_residual.json).

  /usr/bin/python3 training/track_residual.py [--model assets/models/ffnet.pt]

On the validation persons of the training split (train.py's by-person split; never the test split): the model's
keypoints stage predicts from the truth's eye-line crop (a tracked face's previous crop, as well placed as it
gets), and the eye-line box of its points is compared with the truth's. The training recipe for the keypoints
stage of an eye-line model samples its crop jitter from these spreads, plus the roll a face makes between two
frames (--motion-deg: 90 deg/s at 30 fps, the roll sweep of facefilter-bench's pose section).
"""
import argparse
import json
import math
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
import dataset  # noqa: E402
import ffmodel  # noqa: E402
import transforms as T  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def aligned_box(pts, bfp):
    """(centre in the frame, side, theta) of the eye-line box of 68 points."""
    theta = T.eye_angle(pts)
    q = np.asarray(pts, np.float64) @ T.rot(-theta).T
    bx, by, bw, bh = common.box_from_points(q, bfp)
    return T.rot(theta) @ np.array([bx + bw / 2.0, by + bh / 2.0]), bw, theta


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=os.path.join(os.path.dirname(HERE), "assets", "models", "ffnet.pt"))
    dataset.add_data_arg(ap)
    ap.add_argument("--val-fraction", type=float, default=0.1)
    ap.add_argument("--motion-deg", type=float, default=3.0, help="roll between two frames (uniform +-)")
    ap.add_argument("--out", default=os.path.join(HERE, "track_residual.json"))
    args = ap.parse_args()
    torch.set_num_threads(1)

    mod, meta = ffmodel.load(args.model)
    meta = dict(meta, crop=dict(meta["crop"], rotation="eye_line"))
    names, _ = dataset.read_keypoints_csv(*dataset.split_paths(args.data, "train"))
    _, va = dataset.person_split(names, args.val_fraction, seed=0)
    data = dataset.KeypointsData(args.data, "train", va)
    tf = T.ProdEvalAligned(meta)
    xs, extras = [], []
    for i in range(len(data)):
        x, _, ex = tf(data.gray[i], data.points[i])
        xs.append(x)
        extras.append(ex)
    with torch.no_grad():
        out = torch.cat([mod(torch.from_numpy(np.stack(xs[s:s + 64]))).reshape(-1, 136)
                         for s in range(0, len(xs), 64)]).numpy()
    pred = common.out_to_image(out, extras, meta)
    bfp = meta["box_from_points"]
    log_scale, shift_x, shift_y, roll = [], [], [], []
    for p, t in zip(pred, data.points):
        cp, sp, ap_ = aligned_box(p, bfp)
        ct, st, at = aligned_box(t, bfp)
        d = T.rot(-at) @ (cp - ct) / st  # in the truth face's own frame, box sides
        log_scale.append(math.log(sp / st))
        shift_x.append(d[0])
        shift_y.append(d[1])
        roll.append(math.degrees(math.atan2(math.sin(ap_ - at), math.cos(ap_ - at))))

    def spread(v):
        v = np.asarray(v)
        return {"mean": float(v.mean()), "std": float(v.std()), "p99_abs": float(np.percentile(np.abs(v), 99))}

    # The second pass after a detection crops from the detector stage's points: its roll error is the residual
    # there. Detector-like crops: the measured Haar spread, turned by up to +-15 degrees (what a rolled pass at
    # 30-degree steps leaves).
    method = meta.get("detector_box_method")
    det_roll = []
    if method:
        stats = T.load_haar_stats()
        rng = np.random.RandomState(7)
        sp = stats["spread"]
        xs2, ex2 = [], []
        for i in range(len(data)):
            t = data.points[i]
            bx, by, bw, bh = common.box_from_points(t, bfp)
            side = bw * math.exp(rng.normal(0, sp["log_scale"]["std"]))
            cx = bx + bw / 2 + rng.normal(0, sp["shift_x"]["std"]) * bw
            cy = by + bh / 2 + rng.normal(0, sp["shift_y"]["std"]) * bw
            ang = T.eye_angle(t) + math.radians(rng.uniform(-15, 15))
            M = T.box_crop_matrix((cx - side / 2, cy - side / 2, side, side), ang, meta["crop"], tf.size)
            xs2.append(T.normalise_input(T.warp(data.gray[i], M, tf.size), meta["input"]))
            ex2.append({"Minv": T.invert_affine(M)})
        with torch.no_grad():
            out2 = torch.cat([getattr(mod, method)(torch.from_numpy(np.stack(xs2[s:s + 64]))).reshape(-1, 136)
                              for s in range(0, len(xs2), 64)]).numpy()
        for p, t in zip(common.out_to_image(out2, ex2, meta), data.points):
            d = T.eye_angle(p) - T.eye_angle(t)
            det_roll.append(math.degrees(math.atan2(math.sin(d), math.cos(d))))

    report = {
        "what": "eye-line box of the keypoints stage's prediction vs the truth's, prediction from the truth's "
                "eye-line crop; shifts in the truth face's frame, box sides",
        "model": os.path.basename(args.model),
        "images": len(data), "part": "validation persons of the training split (by person, seed 0, %.2f)"
                                     % args.val_fraction,
        "nme_mean": float(common.nme(pred, data.points).mean()),
        "log_scale": spread(log_scale), "shift_x": spread(shift_x), "shift_y": spread(shift_y),
        "roll_deg": spread(roll),
        "detector_stage_roll_deg": spread(det_roll) if det_roll else None,
        "detector_stage_note": "roll error of the detector stage's points on Haar-like boxes turned by up to "
                               "+-15 deg: the residual of the second pass after a detection",
        "motion_deg_per_frame": args.motion_deg,
    }
    with open(args.out, "w") as f:
        json.dump(report, f, indent=1)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
