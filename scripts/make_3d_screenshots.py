#!/usr/bin/python3
"""Takes the README's screenshots of the 3D filters: each filter rendered by the app headless on the sample
photos and on a turned head of the demo clip, cropped, put side by side and written as small palette PNGs.

    /usr/bin/python3 scripts/make_3d_screenshots.py --app build/release/app/facefilter [--out docs]

The photos are read from the data folder ($FACEFILTER_DATA, else ../shared/data beside the checkout:
samples/obamas.jpg, samples/the_beatles.jpg) and never copied into the repository; the demo clip is OpenCV's
(--input demo, Debian's opencv-doc). The app runs with no display (EGL) and --no-config, so the shots do not
depend on anyone's settings. Needs python3-opencv and python3-pil (palette quantisation).
"""
import argparse
import os
import pathlib
import subprocess
import sys
import tempfile

import cv2
import numpy as np
from PIL import Image

ROOT = pathlib.Path(__file__).resolve().parent.parent

# The demo clip's frame with the large face turned furthest (about 35 degrees of yaw by the engine's pose):
# the far temple of the glasses goes behind the head there. Frames are counted from 1 by --max-frames.
DEMO_FRAMES = 131
HEIGHT = 220  # of each panel, pixels

# (x, y, w, h) of what each panel shows, in the source's pixels.
CROPS = {
    "obamas": (100, 0, 560, 340),
    "the_beatles": (1150, 250, 1450, 950),
    "demo": (300, 0, 420, 400),
}


def data_dir():
    env = os.environ.get("FACEFILTER_DATA")
    return pathlib.Path(env) if env else ROOT.parent / "shared" / "data"


def render(app, source, filters, out, max_frames=None):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    cmd = [str(app), "--headless", "--no-config", "--input", source, "--filter", filters, "--snapshot", str(out),
           "--log-level", "warn"]
    if max_frames:
        cmd += ["--max-frames", str(max_frames)]
    run = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f"make_3d_screenshots: {' '.join(cmd)} failed ({run.returncode}):\n{run.stderr}")
    img = cv2.imread(str(out))
    if img is None:
        sys.exit(f"make_3d_screenshots: {out} was not written by {' '.join(cmd)}")
    return img


def panel(img, crop):
    x, y, w, h = crop
    part = img[y:y + h, x:x + w]
    return cv2.resize(part, (round(w * HEIGHT / h), HEIGHT), interpolation=cv2.INTER_AREA)


def strip(panels):
    gap = np.full((HEIGHT, 4, 3), 255, np.uint8)
    row = [panels[0]]
    for p in panels[1:]:
        row += [gap, p]
    return np.hstack(row)


def save_png(bgr, path):
    rgb = Image.fromarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
    rgb.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.FLOYDSTEINBERG).save(
        path, optimize=True)
    print(f"{path}: {bgr.shape[1]}x{bgr.shape[0]}, {path.stat().st_size} bytes")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--app", required=True, help="the facefilter executable")
    ap.add_argument("--out", default=str(ROOT / "docs"))
    args = ap.parse_args()
    samples = data_dir() / "samples"
    photos = {name: samples / f"{name}.jpg" for name in ("obamas", "the_beatles")}
    for p in photos.values():
        if not p.is_file():
            sys.exit(f"make_3d_screenshots: {p} not found (set FACEFILTER_DATA)")
    out = pathlib.Path(args.out)
    shots = [
        ("glasses_3d", "glasses_3d"),
        ("top_hat_3d", "top_hat_3d"),
        ("crown_3d", "crown_3d"),
    ]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        for shot, filters in shots:
            panels = []
            for name, path in photos.items():
                panels.append(panel(render(args.app, f"image:{path}", filters, tmp / f"{name}.png"), CROPS[name]))
            panels.append(panel(render(args.app, "demo", filters, tmp / "demo.png", DEMO_FRAMES), CROPS["demo"]))
            save_png(strip(panels), out / f"filter-{shot}.png")
        # The plain mask beside the shaded one on the same faces (what "shade" changes), then the shaded one on
        # the turned head.
        obamas = f"image:{photos['obamas']}"
        plain = panel(render(args.app, obamas, "tiger_mask", tmp / "plain.png"), CROPS["obamas"])
        shaded = panel(render(args.app, obamas, "tiger_mask_shaded", tmp / "shaded.png"), CROPS["obamas"])
        turned = panel(render(args.app, "demo", "tiger_mask_shaded", tmp / "demo.png", DEMO_FRAMES), CROPS["demo"])
        save_png(strip([plain, shaded, turned]), out / "filter-tiger_mask_shaded.png")


if __name__ == "__main__":
    main()
