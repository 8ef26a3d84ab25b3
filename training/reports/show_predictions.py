"""Draw predictions of a model file on a few TEST images (truth green, prediction red).

  /usr/bin/python3 training/reports/show_predictions.py --model assets/models/ffnet.pt
writes training/runs/predictions.png (crops from real Haar boxes when found, else gt-box). The picture is made
of the data set's own test images, so it stays out of the repository (training/runs/ is ignored), as the data does.
"""
import argparse
import os
import sys

import cv2
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import common  # noqa: E402
import dataset  # noqa: E402
import ffmodel  # noqa: E402
import haar_stats  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True)
    dataset.add_data_arg(ap)
    ap.add_argument("--n", type=int, default=12)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(HERE), "runs", "predictions.png"))
    args = ap.parse_args()
    mod, meta = ffmodel.load(args.model)
    csv_path, img_dir = dataset.split_paths(args.data, "test")
    names, pts = dataset.read_keypoints_csv(csv_path, img_dir)
    det = haar_stats.make_detector()
    idx = np.linspace(0, len(names) - 1, args.n).astype(int)
    tiles = []
    T = 256
    for i in idx:
        img = dataset.load_image(os.path.join(img_dir, names[i]))
        box, _ = haar_stats.detect_best(det, dataset.to_gray(img), pts[i])
        src = "haar"
        if box is None:
            box, src = ffmodel.box_from_points(pts[i], meta["box_from_points"]), "gt-box"
        pred = ffmodel.predict(mod, meta, img, [box], detector_box=src == "haar")[0]
        if src == "haar":  # the engine's second pass, from the box the first keypoints imply
            pred = ffmodel.predict(mod, meta, img, [ffmodel.box_from_points(pred, meta["box_from_points"])])[0]
        e = common.nme(pred[None], pts[i][None])[0]
        s = T / max(img.shape[:2])
        vis = cv2.resize(img, None, fx=s, fy=s, interpolation=cv2.INTER_AREA)
        canvas = np.full((T, T, 3), 40, np.uint8)
        canvas[:vis.shape[0], :vis.shape[1]] = vis
        x, y, w, h = box
        cv2.rectangle(canvas, (int(x * s), int(y * s)), (int((x + w) * s), int((y + h) * s)), (255, 160, 0), 1)
        for (gx, gy), (px, py) in zip(pts[i], pred):
            cv2.circle(canvas, (int(round(gx * s)), int(round(gy * s))), 2, (0, 220, 0), -1)
            cv2.circle(canvas, (int(round(px * s)), int(round(py * s))), 2, (0, 0, 255), -1)
        cv2.putText(canvas, "%s NME %.1f%%" % (src, 100 * e), (4, T - 8), cv2.FONT_HERSHEY_SIMPLEX, 0.45,
                    (255, 255, 255), 1, cv2.LINE_AA)
        tiles.append(canvas)
    cols = 4
    while len(tiles) % cols:
        tiles.append(np.zeros_like(tiles[0]))
    grid = np.vstack([np.hstack(tiles[r:r + cols]) for r in range(0, len(tiles), cols)])
    header = np.full((24, grid.shape[1], 3), 0, np.uint8)
    cv2.putText(header, "%s: green = truth, red = prediction, orange = face box" % meta.get("name", "model"),
                (6, 17), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 255, 255), 1, cv2.LINE_AA)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    cv2.imwrite(args.out, np.vstack([header, grid]))
    print("wrote", args.out)


if __name__ == "__main__":
    main()
