"""Quick Python NME check of a model file on the TEST split (the official eval is the C++ one).

  /usr/bin/python3 training/eval_py.py --model assets/models/ffnet.pt [--mode gt|haar|both] [--passes N]
  /usr/bin/python3 training/eval_py.py --mean-shape      # the no-learning reference (see below)

gt:   crops from box_from_points(truth points) with the model's metadata constants.
haar: crops from the Haar detection (engine defaults) best overlapping the truth; images with no
      matching detection are counted and skipped.
NME = mean point-to-point error / distance between points 36 and 45, averaged over images.
--mean-shape: instead of a model, place the TRAINING split's mean shape (relative to each face's box) in
      the same gt boxes: what a model that learned nothing about the image would score.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
import dataset  # noqa: E402
import ffmodel  # noqa: E402
import haar_stats  # noqa: E402
import transforms  # noqa: E402


def run(mod, meta, imgs, boxes, passes=1, detector_box=False):
    """Predictions per pass: pass k > 1 crops from the box that pass k-1's keypoints imply (the engine's
    second pass for detected faces, engine/keypoints/refine.hpp). detector_box: pass 1's boxes come from
    the detector (its stage, if the model has one). Returns [passes][N, 68, 2]."""
    out = []
    for k in range(passes):
        preds = np.array([ffmodel.predict(mod, meta, img, [b], detector_box=detector_box and k == 0)[0]
                          for img, b in zip(imgs, boxes)])
        out.append(preds)
        boxes = [ffmodel.face_box_from_points(p, meta) for p in preds]
    return out


def report(label, mode_key, res, per_pass, pts, extra=""):
    for k, preds in enumerate(per_pass):
        n = common.nme(preds, pts)
        key = mode_key if k == 0 else "%s_pass%d" % (mode_key, k + 1)
        res[key] = summary(n)
        print("%s pass %d NME mean %.2f%%  median %.2f%%  p90 %.2f%%  (>10%%: %.1f%%)  n=%d%s"
              % (label, k + 1, 100 * n.mean(), 100 * np.median(n), 100 * np.percentile(n, 90), 100 * (n > 0.1).mean(),
                 len(n), extra))


def summary(n):
    return {"n": int(len(n)), "mean": float(n.mean()), "median": float(np.median(n)),
            "p90": float(np.percentile(n, 90)), "fail_rate_10pct": float((n > 0.10).mean())}


def box_normalised(pts, bfp):
    x, y, side, _ = ffmodel.box_from_points(pts, bfp)
    return (np.asarray(pts, np.float64) - [x + side / 2, y + side / 2]) / side


def mean_shape(args):
    bfp = transforms.load_haar_stats()["box_from_points"]
    tr_names, tr_pts = dataset.read_keypoints_csv(*dataset.split_paths(args.data, "train"), check_images=False)
    mean = np.mean([box_normalised(p, bfp) for p in tr_pts], 0)
    _, pts = dataset.read_keypoints_csv(*dataset.split_paths(args.data, args.split), check_images=False)
    preds = []
    for p in pts:
        x, y, side, _ = ffmodel.box_from_points(p, bfp)
        preds.append(mean * side + [x + side / 2, y + side / 2])
    n = common.nme(np.array(preds), pts)
    print("mean shape (%d training faces) in gt boxes, %s split: NME mean %.2f%%  median %.2f%%  (>10%%: %.1f%%)  n=%d"
          % (len(tr_pts), args.split, 100 * n.mean(), 100 * np.median(n), 100 * (n > 0.1).mean(), len(n)))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model")
    ap.add_argument("--mean-shape", action="store_true", help="evaluate the training mean shape, not a model")
    dataset.add_data_arg(ap)
    ap.add_argument("--mode", default="both", choices=["gt", "haar", "both"])
    ap.add_argument("--split", default="test", choices=["test", "train"])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--passes", type=int, default=1,
                    help="also report passes 2..N, each cropped from the previous pass's keypoints")
    ap.add_argument("--json", help="also write the results to this JSON file")
    args = ap.parse_args()
    if args.mean_shape:
        return mean_shape(args)
    if not args.model:
        ap.error("--model FILE or --mean-shape")
    torch.set_num_threads(args.threads)
    mod, meta = ffmodel.load(args.model)
    csv_path, img_dir = dataset.split_paths(args.data, args.split)
    names, pts = dataset.read_keypoints_csv(csv_path, img_dir)
    imgs = [dataset.load_image(os.path.join(img_dir, n)) for n in names]
    res = {"model": os.path.basename(args.model), "name": meta.get("name"), "split": args.split}
    t0 = time.time()
    if args.mode in ("gt", "both"):
        boxes = [ffmodel.face_box_from_points(p, meta) for p in pts]
        report("gt-box  ", "gt_box", res, run(mod, meta, imgs, boxes, args.passes), pts)
    if args.mode in ("haar", "both"):
        det = haar_stats.make_detector()
        keep, boxes = [], []
        for i, (img, p) in enumerate(zip(imgs, pts)):
            b, _ = haar_stats.detect_best(det, dataset.to_gray(img), p)
            if b is not None:
                keep.append(i)
                boxes.append(b)
        keep = np.array(keep)
        report("haar-box", "haar_box", res, run(mod, meta, [imgs[i] for i in keep], boxes, args.passes, True),
               pts[keep], " of %d detected" % len(names))
        res["haar_box"]["detected"] = int(len(keep))
        res["haar_box"]["images"] = len(names)
    res["seconds"] = round(time.time() - t0, 1)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(res, f, indent=1)


if __name__ == "__main__":
    main()
