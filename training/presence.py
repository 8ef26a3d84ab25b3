"""Face presence score: a tiny net that says how surely a face crop holds a face with its keypoints on it.

  /usr/bin/python3 training/presence.py train [--minutes 8] [--out training/runs/presence]
  /usr/bin/python3 training/presence.py eval  [--ckpt training/runs/presence/last.ckpt | --model FILE.pt]

It reads exactly the keypoint model's input (size and normalisation from the model file's metadata), so the
engine runs it on the crop it already made. The tracker ends a track whose score stays low.

Positives are crops as the engine makes them: tracking (eye-line crop from the points, small residual scatter)
and the detector (upright box_from_points + the measured Haar spread, rotation up to +-20 degrees). Negatives
are what a lost or wrong track shows: windows of non-face photographs (Debian's opencv-doc sample images,
read from /usr/share/doc at run time, never copied), crops far from the face (shifted, zoomed out or in,
rolled >= 60 degrees), and flat / gradient / noise images. Training uses the udacity training split only
(validation by person); eval builds the same recipes from the TEST split with a fixed seed and holds out
a fixed quarter of the sample images.
"""
import argparse
import glob
import hashlib
import json
import math
import os
import sys
import time

os.environ.setdefault("GOMP_SPINCOUNT", "2000")  # see README: libgomp's default spin hurts on shared cores

import cv2
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import dataset  # noqa: E402
import transforms as T  # noqa: E402

DEFAULT_MODEL = os.path.join(dataset.REPO_ROOT, "assets", "models", "ffnet.pt")
DEFAULT_OUT = os.path.join(HERE, "runs", "presence")
SAMPLE_DIR = "/usr/share/doc/opencv-doc/examples/data"
# Sample images with a face (human, animal, cartoon or a face's silhouette) in them, or a person behind a
# chessboard (left01..14, right01..14): a face is not a negative.
FACE_SAMPLES = {"Blender_Suzanne1.jpg", "Blender_Suzanne2.jpg", "baboon.jpg", "basketball1.png",
                "basketball2.png", "chicky_512.png", "graf1.png", "graf3.png", "messi5.jpg", "ml.png",
                "squirrel_cls.jpg", "templ.png", "lena.jpg", "lena.png", "HappyFish.jpg"}
HAAR_SPREAD_KEYS = ("log_scale", "shift_x", "shift_y")
TRACK_JITTER = (0.05, 0.035, 0.03, math.radians(5.0))  # log-scale, shift x/y (of the box side), roll
DET_MAX_ROLL = math.radians(20.0)


# ---------------------------------------------------------------- the net
class PresenceNet(nn.Module):
    """Average-pool the crop by 4 (a face is recognisable at 24x24, and it makes the net ~free), four
    conv+BN+ReLU (three of them stride 2), global average pool, a 1x1 conv to one logit."""

    def __init__(self, pool=4, widths=(16, 32, 64, 64)):
        super().__init__()
        self.pool = pool
        layers, cin = [], 1
        for i, w in enumerate(widths):
            layers += [nn.Conv2d(cin, w, 3, 1 if i == 0 else 2, 1, bias=False), nn.BatchNorm2d(w),
                       nn.ReLU(inplace=True)]
            cin = w
        self.features = nn.Sequential(*layers)
        self.head = nn.Conv2d(cin, 1, 1)  # a conv, not nn.Linear: oneDNN rather than Debian's reference BLAS

    def logits(self, x):
        x = F.avg_pool2d(x, self.pool)
        x = self.features(x)
        x = self.head(F.adaptive_avg_pool2d(x, 1))
        return x.reshape(-1)

    def forward(self, x):
        return torch.sigmoid(self.logits(x))


def load_model_meta(path):
    extra = {"facefilter.json": ""}
    torch.jit.load(path, map_location="cpu", _extra_files=extra)
    return json.loads(extra["facefilter.json"])


# ---------------------------------------------------------------- sample images (negatives)
def sample_images(sample_dir=SAMPLE_DIR):
    """(train, test) lists of gray non-face sample images; every 4th file (sorted) is held out for eval."""
    files = sorted(f for f in glob.glob(os.path.join(sample_dir, "*"))
                   if f.lower().endswith((".jpg", ".png")) and os.path.basename(f) not in FACE_SAMPLES
                   and not os.path.basename(f).startswith(("left0", "left1", "right0", "right1")))
    if not files:
        raise SystemExit("no sample images in %s (install Debian's opencv-doc)" % sample_dir)
    imgs = []
    for f in files:
        im = cv2.imread(f, cv2.IMREAD_GRAYSCALE)
        if im is not None and min(im.shape) >= 32:
            imgs.append((os.path.basename(f), im))
    test = [im for i, im in enumerate(imgs) if i % 4 == 3]
    train = [im for i, im in enumerate(imgs) if i % 4 != 3]
    return train, test


# ---------------------------------------------------------------- crop recipes
class Recipes:
    """Makes uint8 crops (size x size) of each kind. All randomness comes from `rng`."""

    def __init__(self, meta, haar_stats, backgrounds, rng):
        self.meta = meta
        self.size = meta["input"]["width"]
        self.crop = meta["crop"]
        self.bfp = meta["box_from_points"]
        self.haar = tuple(haar_stats["spread"][k]["std"] for k in HAAR_SPREAD_KEYS)
        self.bg = backgrounds
        self.rng = rng

    def cn(self, std, k=2.5):
        return float(np.clip(self.rng.normal(0.0, std), -k * std, k * std))

    # positives
    def track(self, gray, pts, roll=None):
        """Tracking's crop: eye-line crop from the points, residual scatter of a tracked estimate; `roll`
        (radians) fixes the residual roll instead of drawing it."""
        ls, sx, sy, sr = TRACK_JITTER
        r = self.cn(sr) if roll is None else roll
        M, _ = T.aligned_crop_matrix(pts, self.meta, self.size, (self.cn(ls), self.cn(sx), self.cn(sy), r))
        return T.warp(gray, M, self.size)

    def detector(self, gray, pts):
        """The detector's crop: upright box_from_points scattered like Haar boxes, the crop turned by up to
        +-20 degrees (the engine's rotated detector passes)."""
        bx, by, bw, bh = T.box_from_points(pts, self.bfp)
        ls, sx, sy = self.haar
        side = bw * math.exp(self.cn(ls))
        cx = bx + bw / 2 + self.cn(sx) * bw
        cy = by + bh / 2 + self.cn(sy) * bw
        ang = self.rng.uniform(-DET_MAX_ROLL, DET_MAX_ROLL)
        M = T.box_crop_matrix((cx - side / 2, cy - side / 2, side, side), ang, self.crop, self.size)
        return T.warp(gray, M, self.size)

    # negatives
    def window(self, images=None):
        """A window of a non-face photograph at a random scale, place and rotation."""
        name, im = (images or self.bg)[self.rng.randint(len(images or self.bg))]
        h, w = im.shape
        side = math.exp(self.rng.uniform(math.log(24), math.log(max(25, 1.2 * min(h, w)))))
        c = (self.rng.uniform(0, w), self.rng.uniform(0, h))
        return T.warp(im, T.rotated_crop_matrix(c, side, self.rng.uniform(-math.pi, math.pi), self.size),
                      self.size)

    def shifted(self, gray, pts, dist=None):
        """Tracking's crop with its centre >= 0.6 box side away from the face."""
        d = self.rng.uniform(0.6, 1.5) if dist is None else dist
        a = self.rng.uniform(-math.pi, math.pi)
        ls, _, _, sr = TRACK_JITTER
        M, _ = T.aligned_crop_matrix(pts, self.meta, self.size,
                                     (self.cn(ls), d * math.cos(a), d * math.sin(a), self.cn(sr)))
        return T.warp(gray, M, self.size)

    def zoom_out(self, gray, pts):
        """Crop side x2.5..4.5, a small face in the middle. Half the time the udacity image sits on a
        larger background photograph, so that a small face is not told apart by replicated borders."""
        if self.rng.rand() < 0.5:
            gray, pts = self.on_background(gray, pts)
        ls = math.log(self.rng.uniform(2.5, 4.5))
        M, _ = T.aligned_crop_matrix(pts, self.meta, self.size, (ls, self.cn(0.1), self.cn(0.1), self.cn(0.1)))
        return T.warp(gray, M, self.size)

    def zoom_in(self, gray, pts):
        """Crop side x0.15..0.4 about a random place on the face: only a part of it shows."""
        ls = math.log(self.rng.uniform(0.15, 0.4))
        M, _ = T.aligned_crop_matrix(pts, self.meta, self.size,
                                     (ls, self.rng.uniform(-0.3, 0.3), self.rng.uniform(-0.3, 0.3),
                                      self.cn(0.3)))
        return T.warp(gray, M, self.size)

    def rolled(self, gray, pts, lo=60.0, hi=180.0):
        r = math.radians(self.rng.uniform(lo, hi)) * (1 if self.rng.rand() < 0.5 else -1)
        return self.track(gray, pts, roll=r)

    def synthetic(self):
        """Flat, gradient or noise image."""
        S, rng = self.size, self.rng
        k = rng.randint(3)
        if k == 0:
            f = np.full((S, S), rng.uniform(0, 255), np.float32)
        elif k == 1:
            a = rng.uniform(-math.pi, math.pi)
            yy, xx = np.mgrid[0:S, 0:S].astype(np.float32) / S - 0.5
            g = math.cos(a) * xx + math.sin(a) * yy
            f = rng.uniform(0, 255) + rng.uniform(-300, 300) * g
        else:
            f = rng.normal(rng.uniform(30, 220), rng.uniform(5, 80), (S, S)).astype(np.float32)
            if rng.rand() < 0.6:
                sig = rng.uniform(0.5, 6.0)
                f = cv2.GaussianBlur(f, (0, 0), sig)
        return np.clip(f, 0, 255).astype(np.uint8)

    def on_background(self, gray, pts):
        h, w = gray.shape
        H, W = 3 * h, 3 * w
        _, bg = self.bg[self.rng.randint(len(self.bg))]
        canvas = cv2.resize(bg, (W, H), interpolation=cv2.INTER_AREA if bg.shape[0] > H else cv2.INTER_LINEAR)
        canvas[h:2 * h, w:2 * w] = gray
        return canvas, pts + np.array([w, h], np.float32)

    # shared
    def photometric(self, img):
        """ProdTrain's changes (contrast, brightness, blur, noise), plus dim / low-contrast frames; a mirror
        image half the time. Applied to negatives alike, so that no cue but the content tells them apart."""
        rng = self.rng
        f = img.astype(np.float32)
        if rng.rand() < 0.5:
            f = f[:, ::-1].copy()
        if rng.rand() < 0.8:
            c = math.exp(rng.uniform(-0.4, 0.4))
            f = (f - f.mean()) * c + f.mean()
        if rng.rand() < 0.8:
            f = f + rng.uniform(-40, 40)
        if rng.rand() < 0.15:  # dim, low-contrast frame
            f = (f - f.mean()) * math.exp(rng.uniform(-1.6, -0.6)) + rng.uniform(15, 80)
        if rng.rand() < 0.3:
            k = int(rng.choice([3, 5]))
            f = cv2.GaussianBlur(f, (k, k), rng.uniform(0.5, 1.5))
        if rng.rand() < 0.2:
            f = f + rng.normal(0, rng.uniform(2, 8), f.shape).astype(np.float32)
        return np.clip(f + 0.5, 0, 255).astype(np.uint8)


NEG_KINDS = ("window", "shifted", "zoom_out", "zoom_in", "rolled", "synthetic")
NEG_P = np.array([0.35, 0.2, 0.1, 0.08, 0.12, 0.15])


def make_negative(rec, gray, pts, kind, windows=None):
    if kind == "window":
        return rec.window(windows)
    if kind == "synthetic":
        return rec.synthetic()
    return getattr(rec, kind)(gray, pts)


def training_batch(rec, data, idx, meta):
    """One positive (tracking or detector crop, half each) and one negative per image: ~1:1."""
    xs, ys = [], []
    for i in idx:
        g, p = data.gray[i], data.points[i]
        pos = rec.track(g, p) if rec.rng.rand() < 0.5 else rec.detector(g, p)
        kind = NEG_KINDS[rec.rng.choice(len(NEG_KINDS), p=NEG_P)]
        neg = make_negative(rec, g, p, kind)
        for img, y in ((pos, 1.0), (neg, 0.0)):
            xs.append(T.normalise_input(rec.photometric(img), meta["input"]))
            ys.append(y)
    return np.stack(xs), np.array(ys, np.float32)


# ---------------------------------------------------------------- metrics
def auc(pos, neg):
    """Mann-Whitney AUC (ties count half)."""
    s = np.concatenate([pos, neg])
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(len(s), np.float64)
    sorted_s = s[order]
    i = 0
    while i < len(s):  # average ranks over ties
        j = i
        while j + 1 < len(s) and sorted_s[j + 1] == sorted_s[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2.0 + 1
        i = j + 1
    rp = ranks[:len(pos)].sum()
    return float((rp - len(pos) * (len(pos) + 1) / 2.0) / (len(pos) * len(neg)))


def shares(pos, neg, thresholds=(0.3, 0.5, 0.7)):
    out = {}
    for t in thresholds:
        d = {}
        if pos is not None:
            d["positives_below"] = float((pos < t).mean())
        if neg is not None:
            d["negatives_above"] = float((neg >= t).mean())
        out[str(t)] = d
    return out


def scores(fn, xs, bs=256):
    out = []
    with torch.no_grad():
        for s in range(0, len(xs), bs):
            out.append(fn(torch.from_numpy(np.ascontiguousarray(xs[s:s + bs]))).numpy())
    return np.concatenate(out).astype(np.float64)


# ---------------------------------------------------------------- train
def lr_at(frac, max_lr, warm=0.05):
    """One cycle over the time budget: linear warm-up, cosine down to ~0."""
    if frac < warm:
        return max_lr * (0.1 + 0.9 * frac / warm)
    return max_lr * 0.5 * (1 + math.cos(math.pi * min(1.0, (frac - warm) / (1 - warm))))


def fixed_set(rec, data, meta, n_rep=1):
    xs, ys = [], []
    for _ in range(n_rep):
        x, y = training_batch(rec, data, range(len(data)), meta)
        xs.append(x)
        ys.append(y)
    return np.concatenate(xs), np.concatenate(ys)


def train(args):
    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    meta = load_model_meta(args.model)
    haar = T.load_haar_stats()
    bg_train, _ = sample_images()
    csv_path, img_dir = dataset.split_paths(args.data, "train")
    names, _ = dataset.read_keypoints_csv(csv_path, img_dir)
    tr, va = dataset.person_split(names, args.val_fraction, seed=0)
    print("fingerprint ...", flush=True)
    fp = dataset.data_fingerprint(csv_path, img_dir, names)
    dtr = dataset.KeypointsData(args.data, "train", tr)
    dva = dataset.KeypointsData(args.data, "train", va)
    data_note = "udacity-keypoints/training_frames_keypoints.csv (by-person split, training part)"
    if args.wild:
        wild, wild_fp = dataset.load_wild_train(args.data)
        dtr.extend(wild, args.wild)
        fp = hashlib.sha256((fp + wild_fp).encode()).hexdigest()
        data_note += " + helen-wild's four fifths x%d (%s; %s)" % (args.wild, dataset.WILD_HOLDOUT_RULE,
                                                                  dataset.WILD_TERMS)
    # validation: the held-out persons, fixed crops (seed 1), backgrounds from the training sample images
    # (the held-out sample images are kept for the test report)
    xv, yv = fixed_set(Recipes(meta, haar, bg_train, np.random.RandomState(1)), dva, meta, n_rep=2)
    rec = Recipes(meta, haar, bg_train, np.random.RandomState(args.seed))
    net = PresenceNet()
    opt = torch.optim.AdamW(net.parameters(), lr=args.lr, weight_decay=args.wd)
    os.makedirs(args.out, exist_ok=True)
    config = {"minutes": args.minutes, "lr": args.lr, "wd": args.wd, "batch": args.batch, "seed": args.seed,
              "val_fraction": args.val_fraction, "net": {"pool": net.pool, "widths": [16, 32, 64, 64]},
              "positives": {"track_jitter_std": {"log_scale": TRACK_JITTER[0], "shift_x": TRACK_JITTER[1],
                                                 "shift_y": TRACK_JITTER[2], "roll_deg": 5.0, "clip_std": 2.5},
                            "detector": {"haar_spread_std": list(rec.haar), "max_roll_deg": 20.0},
                            "share": "half tracking, half detector crops"},
              "negatives": {"kinds": list(NEG_KINDS), "p": NEG_P.tolist(),
                            "shifted_box_sides": [0.6, 1.5], "zoom_out": [2.5, 4.5], "zoom_in": [0.15, 0.4],
                            "rolled_deg": [60, 180]},
              "photometric": "flip 0.5, contrast exp(U(-0.4,0.4)) 0.8, brightness U(-40,40) 0.8, dim/low "
                             "contrast 0.15, blur 0.3, noise 0.2",
              "sample_images": {"dir": SAMPLE_DIR, "train": [n for n, _ in bg_train]},
              "model_meta_from": os.path.relpath(args.model, dataset.REPO_ROOT)}
    log = open(os.path.join(args.out, "log.jsonl"), "w")
    budget = 60.0 * args.minutes
    t0 = time.time()
    history, epoch, best = [], 0, -1.0
    while time.time() - t0 < budget:
        epoch += 1
        net.train()
        perm = rec.rng.permutation(len(dtr))
        tl, tn = 0.0, 0
        half = args.batch // 2
        for s in range(0, len(perm), half):
            frac = (time.time() - t0) / budget
            if frac >= 1.0:
                break
            for g in opt.param_groups:
                g["lr"] = lr_at(frac, args.lr)
            x, y = training_batch(rec, dtr, perm[s:s + half], meta)
            loss = F.binary_cross_entropy_with_logits(net.logits(torch.from_numpy(x)), torch.from_numpy(y))
            opt.zero_grad()
            loss.backward()
            opt.step()
            tl += loss.item() * len(y)
            tn += len(y)
        net.eval()
        with torch.no_grad():
            lv = torch.cat([net.logits(torch.from_numpy(xv[s:s + 512])) for s in range(0, len(xv), 512)])
            vloss = F.binary_cross_entropy_with_logits(lv, torch.from_numpy(yv)).item()
        pv = torch.sigmoid(lv).numpy()
        vauc = auc(pv[yv == 1], pv[yv == 0])
        rec_ = {"epoch": epoch, "elapsed_s": round(time.time() - t0, 1), "lr": opt.param_groups[0]["lr"],
                "train_loss": tl / max(tn, 1), "val_loss": vloss, "val_auc": vauc,
                "val_pos_below_0.5": float((pv[yv == 1] < 0.5).mean()),
                "val_neg_above_0.5": float((pv[yv == 0] >= 0.5).mean())}
        history.append(rec_)
        log.write(json.dumps(rec_) + "\n")
        log.flush()
        print("epoch %3d %6.1fs lr %.2e train %.4f val %.4f auc %.5f pos<0.5 %.3f neg>=0.5 %.3f"
              % (epoch, rec_["elapsed_s"], rec_["lr"], rec_["train_loss"], vloss, vauc,
                 rec_["val_pos_below_0.5"], rec_["val_neg_above_0.5"]), flush=True)
        ck = {"model": net.state_dict(), "config": config, "history": history, "epoch": epoch,
              "elapsed": time.time() - t0, "data_fingerprint": fp,
              "data": data_note,
              "train_images": len(dtr), "val_images": len(dva)}
        torch.save(ck, os.path.join(args.out, "last.ckpt"))
        if vauc > best:
            best = vauc
            torch.save(ck, os.path.join(args.out, "best.ckpt"))
    print("done: %d epochs, %.1f s" % (epoch, time.time() - t0))


def load_ckpt(path):
    ck = torch.load(path, map_location="cpu")
    cfg = ck["config"]["net"]
    net = PresenceNet(pool=cfg["pool"], widths=tuple(cfg["widths"]))
    net.load_state_dict(ck["model"])
    return net.eval(), ck


# ---------------------------------------------------------------- eval
def time_per_face(mod, size, repeats=3000):
    """Median ms of one call at batch 1 on one thread (after a warm-up)."""
    x = torch.randn(1, 1, size, size)
    ts = []
    with torch.no_grad():
        for _ in range(200):
            mod(x)
        for _ in range(repeats):
            t = time.perf_counter()
            mod(x)
            ts.append(time.perf_counter() - t)
    return 1e3 * float(np.median(ts))


def evaluate(args):
    torch.set_num_threads(1)
    meta = load_model_meta(args.model_meta)
    haar = T.load_haar_stats()
    _, bg_test = sample_images()
    if args.model:
        mod = torch.jit.load(args.model, map_location="cpu")
        fn = mod.presence
        what = {"model_file": os.path.relpath(args.model, dataset.REPO_ROOT)}
    else:
        net, ck = load_ckpt(args.ckpt)
        fn = net
        what = {"ckpt": os.path.relpath(args.ckpt, dataset.REPO_ROOT), "epochs": ck["epoch"]}
    d = dataset.KeypointsData(args.data, "test")
    # the held-out sample images serve as backgrounds too (zoom-out composites)
    rec = Recipes(meta, haar, bg_test, np.random.RandomState(12345))
    P = lambda img: T.normalise_input(rec.photometric(img), meta["input"])  # noqa: E731
    groups = {k: [] for k in ("track", "detector", "track_roll_0_15") + NEG_KINDS + ("rolled_far", "shifted_0.6")}
    for g, p in zip(d.gray, d.points):
        groups["track"].append(P(rec.track(g, p)))
        groups["detector"].append(P(rec.detector(g, p)))
        r = math.radians(rec.rng.uniform(0, 15)) * (1 if rec.rng.rand() < 0.5 else -1)
        groups["track_roll_0_15"].append(P(rec.track(g, p, roll=r)))
        for k in NEG_KINDS:
            groups[k].append(P(make_negative(rec, g, p, k, windows=bg_test)))
        groups["rolled_far"].append(P(rec.rolled(g, p)))
        groups["shifted_0.6"].append(P(rec.shifted(g, p, dist=0.6)))
    sc = {k: scores(fn, np.stack(v)) for k, v in groups.items()}
    pos = np.concatenate([sc["track"], sc["detector"]])
    # the main negative set: 2 per image, in the training mix's proportions, for a 1:1 balance
    rng = np.random.RandomState(7)
    neg = []
    for k, share in zip(NEG_KINDS, NEG_P):
        n = int(round(len(pos) * share))
        neg.append(rng.choice(sc[k], n, replace=n > len(sc[k])))
    neg = np.concatenate(neg)
    rep = {
        "what": "udacity TEST split (770 images), crops made with a fixed seed (12345); negatives' sample-image "
                "windows from the held-out quarter of the opencv-doc sample images",
        "scored": what,
        "overall": {"positives": int(len(pos)), "negatives": int(len(neg)), "auc": auc(pos, neg),
                    "thresholds": shares(pos, neg),
                    "positives_note": "770 tracking crops (eye-line, residual jitter) + 770 detector crops",
                    "negatives_note": "drawn from the per-kind sets below in the training proportions %s"
                                      % dict(zip(NEG_KINDS, NEG_P.tolist()))},
        "tracking_roll_0_15_vs_rolled_ge_60": {
            "auc": auc(sc["track_roll_0_15"], sc["rolled_far"]),
            "thresholds": shares(sc["track_roll_0_15"], sc["rolled_far"])},
        "shifted_0.6_side": {"auc_vs_tracking": auc(sc["track"], sc["shifted_0.6"]),
                             "thresholds": shares(None, sc["shifted_0.6"])},
        "per_group": {k: {"n": int(len(v)), "mean": float(v.mean()), "thresholds":
                          shares(v if k in ("track", "detector", "track_roll_0_15") else None,
                                 None if k in ("track", "detector", "track_roll_0_15") else v)}
                      for k, v in sc.items()},
    }
    # speed: the presence net alone, scripted + frozen, then as the engine runs it (optimize_for_inference)
    if not args.model:
        S = meta["input"]["width"]
        rep["ms_per_face_batch1_1thread"] = {
            "frozen": time_per_face(torch.jit.freeze(torch.jit.script(net)), S),
            "frozen_optimize_for_inference": time_per_face(torch.jit.optimize_for_inference(
                torch.jit.freeze(torch.jit.script(net))), S),
            "note": "median of 3000 calls, torch.set_num_threads(1), on the 2-core machine while another "
                    "process compiled C++"}
    print(json.dumps({k: rep[k] for k in rep if k != "per_group"}, indent=1))
    for k, v in rep["per_group"].items():
        print("%-16s n %4d mean %.3f %s" % (k, v["n"], v["mean"], json.dumps(v["thresholds"])))
    if args.report:
        os.makedirs(os.path.dirname(os.path.abspath(args.report)), exist_ok=True)
        with open(args.report, "w") as f:
            json.dump(rep, f, indent=1)
        print("wrote", args.report)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("train")
    dataset.add_data_arg(a)
    a.add_argument("--model", default=DEFAULT_MODEL, help="keypoint model file whose metadata (input, crop, "
                   "box_from_points) the crops follow")
    a.add_argument("--out", default=DEFAULT_OUT)
    a.add_argument("--minutes", type=float, default=8.0, help="time budget (one-cycle LR over it)")
    a.add_argument("--lr", type=float, default=3e-3)
    a.add_argument("--wd", type=float, default=1e-3)
    a.add_argument("--batch", type=int, default=128, help="crops per step (half positives)")
    a.add_argument("--val-fraction", type=float, default=0.1)
    a.add_argument("--seed", type=int, default=0)
    a.add_argument("--wild", type=int, default=0, metavar="N",
                   help="also take positives and negatives from helen-wild's four fifths, each row N times "
                        "(research-only terms: see train.py --wild)")
    e = sub.add_parser("eval")
    dataset.add_data_arg(e)
    e.add_argument("--ckpt", default=os.path.join(DEFAULT_OUT, "last.ckpt"))
    e.add_argument("--model", default=None, help="score with a combined model file's presence() instead")
    e.add_argument("--model-meta", default=DEFAULT_MODEL, help="model file whose metadata the crops follow")
    e.add_argument("--report", default=None, help="write the JSON report here")
    args = ap.parse_args()
    train(args) if args.cmd == "train" else evaluate(args)


if __name__ == "__main__":
    main()
