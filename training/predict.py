"""Predict 68 keypoints for one face box with a facefilter model file (doc preprocessing).

  /usr/bin/python3 training/predict.py --model assets/models/ffnet.pt --image IMG --box x,y,w,h

Prints {"keypoints": [[x, y], ... 68]} in image pixel coordinates.
"""
import argparse
import json
import os
import sys

import cv2
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ffmodel  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True)
    ap.add_argument("--image", required=True)
    ap.add_argument("--box", required=True, help="face box x,y,w,h in image pixels")
    ap.add_argument("--no-optimize", action="store_true", help="skip torch.jit.optimize_for_inference")
    ap.add_argument("--detector-box", action="store_true",
                    help="the box comes from the face detector: use the model's detector-box stage if it has one")
    args = ap.parse_args()
    try:
        box = [float(v) for v in args.box.split(",")]
        if len(box) != 4 or box[2] <= 0 or box[3] <= 0:
            raise ValueError
    except ValueError:
        sys.exit("error: --box must be x,y,w,h with w, h > 0, got %r" % args.box)
    torch.set_num_threads(1)
    img = cv2.imread(args.image, cv2.IMREAD_COLOR)
    if img is None:
        sys.exit("error: cannot read image %s" % args.image)
    mod, meta = ffmodel.load(args.model, optimize=not args.no_optimize)
    pts = ffmodel.predict(mod, meta, img, [box], detector_box=args.detector_box)[0]
    print(json.dumps({"keypoints": [[round(float(x), 4), round(float(y), 4)] for x, y in pts]}))


if __name__ == "__main__":
    main()
