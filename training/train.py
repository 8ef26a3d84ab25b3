"""Train a keypoint model: the SeedNet baseline, or one of the production model's two nets (FFNet, the
detector-box stage; FFHeat, the keypoints stage). training/README.md has the exact production commands.

  /usr/bin/python3 training/train.py --arch ffnet --out training/runs/ffnet
  /usr/bin/python3 training/train.py --arch ffheat --out training/runs/ffheat_reg --jitter-std 0.05,0.035,0.03 \
      --val-fraction 0 --ema 0.998 --heatmap-reg 20
  /usr/bin/python3 training/train.py --arch seed  --out training/runs/seed --epochs 12
  ... add --resume to continue from OUT/last.ckpt

Validation: ~10% of the TRAINING csv, split by person (no identity in both parts).
The test split is never read here. Checkpoints every epoch (model, optimizer,
scheduler, all RNG states); per-epoch log in OUT/log.jsonl and OUT/log.csv.
"""
import os

# libgomp's default spin-wait collapses throughput (3-5x) when another process (a compiler) shares the 2
# cores; a short spin keeps the unloaded speed and stays robust under load. Must be set before torch loads.
os.environ.setdefault("GOMP_SPINCOUNT", "2000")

import argparse  # noqa: E402
import copy
import csv
import hashlib
import json
import math
import random
import sys
import time

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
import dataset  # noqa: E402
import models  # noqa: E402
import photometric  # noqa: E402
import transforms as T  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))

# production crop convention (units of the face box side): room for jitter and rotation
FFNET_CROP = {"size": 1.35, "center_x": 0.0, "center_y": 0.12}
FFNET_NORM = {"scale": 1.0 / 255.0, "mean": [0.5], "std": [0.25]}

DEFAULTS = {
    # The shipped assets/models/ffnet.pt: one-cycle over 220 epochs (25 min on the idle 2-core machine).
    # On a machine shared with other work use `--sched time --time-budget 42 --epochs 400 [--ema 0.998]`:
    # the same one-cycle shape driven by elapsed/budget, as many epochs as fit into 42 minutes.
    "ffnet": dict(epochs=220, batch=32, lr=2e-3, wd=1e-4, loss="wing", opt="adamw", sched="onecycle",
                  time_budget_min=None, ema=0.0),
    # Heatmap net for crops from keypoints (the two-stage model's forward()); see training/README.md.
    "ffheat": dict(epochs=400, batch=32, lr=2e-3, wd=1e-4, loss="wing", opt="adamw", sched="time",
                   time_budget_min=32.0, ema=0.0),
    # NaimishNet / Udacity P1 style: Adam + MSE on normalised points
    "seed": dict(epochs=50, batch=32, lr=1e-4, wd=0.0, loss="mse", opt="adam", sched="none",
                 time_budget_min=30.0, ema=0.0),
}


class WingLoss(nn.Module):
    """Wing loss (Feng et al. 2018) on coordinates in input pixels (normalised * unit)."""

    def __init__(self, unit, w=10.0, eps=2.0):
        super().__init__()
        self.unit, self.w, self.eps = unit, w, eps
        self.c = w - w * math.log(1 + w / eps)

    def forward(self, pred, target):
        d = ((pred - target) * self.unit).abs()
        loss = torch.where(d < self.w, self.w * torch.log1p(d / self.eps), d - self.c)
        return loss.mean()


def time_lr(lr, p, pct_start=0.15, div=20.0, final_div=4000.0):
    """One-cycle (cosine up, cosine down) learning rate at training progress p in [0, 1]."""
    p = min(max(p, 0.0), 1.0)
    lo, hi, end = lr / div, lr, lr / final_div
    if p < pct_start:
        return lo + (hi - lo) * (1 - math.cos(math.pi * p / pct_start)) / 2
    q = (p - pct_start) / (1 - pct_start)
    return end + (hi - end) * (1 + math.cos(math.pi * q)) / 2


def heatmap_js(p, target, gx, gy, sigma):
    """Jensen-Shannon divergence between each point's heatmap and a normalised Gaussian (std `sigma`, in the
    grid's normalised units) at its true position, averaged over points (the DSNT regulariser, Nibali et al.
    2018): the coordinate loss alone accepts any heatmap whose mean lands on the point, spread or many-peaked;
    this asks for one compact peak, which holds its place better on faces unlike the training ones."""
    t = target.reshape(target.shape[0], -1, 1, 2)
    d2 = (gx.view(1, 1, -1) - t[..., 0]) ** 2 + (gy.view(1, 1, -1) - t[..., 1]) ** 2
    g = torch.softmax(-d2 / (2.0 * sigma * sigma), dim=2)
    m = 0.5 * (p + g)
    eps = 1e-12
    lm = torch.log(m + eps)
    js = 0.5 * (p * (torch.log(p + eps) - lm)).sum(2) + 0.5 * (g * (torch.log(g + eps) - lm)).sum(2)
    return js.mean()


LOG_FIELDS = ["epoch", "train_loss", "val_loss", "val_nme", "raw_val_nme", "lr", "epoch_s", "elapsed_s"]


class EMA:
    """Exponential moving average of all weights and BatchNorm buffers (the exported model)."""

    def __init__(self, model, decay):
        self.model = copy.deepcopy(model).eval()
        for p in self.model.parameters():
            p.requires_grad_(False)
        self.decay, self.updates = decay, 0

    @torch.no_grad()
    def update(self, model):
        self.updates += 1
        d = min(self.decay, (1 + self.updates) / (10 + self.updates))
        msd = model.state_dict()
        for k, v in self.model.state_dict().items():
            if v.dtype.is_floating_point:
                v.mul_(d).add_(msd[k].detach(), alpha=1 - d)
            else:
                v.copy_(msd[k])


class KPDataset(torch.utils.data.Dataset):
    def __init__(self, data, transform):
        self.data, self.transform = data, transform

    def __len__(self):
        return len(self.data)

    def __getitem__(self, i):
        x, y, _ = self.transform(self.data.gray[i], self.data.points[i])
        return torch.from_numpy(np.ascontiguousarray(x)), torch.from_numpy(y)


# facefilter.json "description" of the production nets (%d x %d: the input size)
PROD_DESCRIPTIONS = {
    "ffnet": "facefilter production 68-point face keypoint regressor: plain 3x3 conv net (BatchNorm folded), "
             "%dx%d gray face crop around a detector box.",
    "ffheat": "facefilter 68-point face keypoints: conv encoder-decoder, one heatmap per point, soft-argmax "
              "(BatchNorm folded), %dx%d gray face crop.",
}


def build_meta(arch, stats, size=None):
    if arch in PROD_DESCRIPTIONS:
        size = size or models.CONFIGS[arch]["input_size"]
        return common.make_meta(arch, size, stats, FFNET_CROP, arch, PROD_DESCRIPTIONS[arch] % (size, size),
                                FFNET_NORM)
    sf = stats["seed_framing"]
    return common.make_meta("seed", T.SEED_SIZE, stats,
                            {"size": sf["size"], "center_x": sf["center_x"], "center_y": sf["center_y"]},
                            "seed",
                            "Seed baseline: NaimishNet adapted to 227x227 gray input, trained on whole loose-crop "
                            "images resized to 227x227; crop convention = median framing of those images.")


def evaluate(model, data, transform, meta, loss_fn, batch=64):
    model.eval()
    losses, preds, extras = [], [], []
    with torch.no_grad():
        for s in range(0, len(data), batch):
            xs, ys = [], []
            for i in range(s, min(s + batch, len(data))):
                x, y, ex = transform(data.gray[i], data.points[i])
                xs.append(x)
                ys.append(y)
                extras.append(ex)
            xb = torch.from_numpy(np.stack(xs))
            yb = torch.from_numpy(np.stack(ys))
            out = model(xb)
            losses.append(loss_fn(out, yb).item() * len(xs))
            preds.append(out.numpy())
    pred_img = common.out_to_image(np.concatenate(preds), extras, meta)
    n = common.nme(pred_img, data.points)
    return sum(losses) / len(data), float(n.mean())


def rng_state(gen, tf_rng):
    return {"torch": torch.get_rng_state(), "numpy": np.random.get_state(), "random": random.getstate(),
            "loader": gen.get_state(), "transform": tf_rng.get_state()}


def set_rng_state(st, gen, tf_rng):
    torch.set_rng_state(st["torch"])
    np.random.set_state(st["numpy"])
    random.setstate(st["random"])
    gen.set_state(st["loader"])
    tf_rng.set_state(st["transform"])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--arch", required=True, choices=["seed", "ffnet", "ffheat"])
    dataset.add_data_arg(ap)
    ap.add_argument("--out", default=None, help="output dir (default training/runs/ARCH)")
    ap.add_argument("--epochs", type=int)
    ap.add_argument("--batch", type=int)
    ap.add_argument("--lr", type=float)
    ap.add_argument("--wd", type=float)
    ap.add_argument("--loss", choices=["wing", "l1", "mse"])
    ap.add_argument("--sched", choices=["time", "onecycle", "none"])
    ap.add_argument("--time-budget", type=float, dest="time_budget_min",
                    help="minutes of training for --sched time (default 42 for ffnet)")
    ap.add_argument("--ema", type=float, help="weight EMA decay per step (0 = off); the EMA is evaluated and exported")
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--val-fraction", type=float, default=0.1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--workers", type=int, default=0)
    ap.add_argument("--max-minutes", type=float, default=58.0,
                    help="guard: stop after the epoch that passes this much training wall time (the LR schedule "
                         "is then cut short; the checkpoint and logs stay valid)")
    ap.add_argument("--limit", type=int, default=0, help="debug: use only the first N train images")
    ap.add_argument("--wild", type=int, default=0, metavar="N",
                    help="also train on helen-wild's four fifths (dataset.WILD_HOLDOUT_RULE), each row N times; "
                         "the model then carries helen-wild's research-only terms")
    ap.add_argument("--resume", action="store_true", help="continue from OUT/last.ckpt")
    g = ap.add_argument_group("ffnet architecture / augmentation")
    g.add_argument("--input-size", type=int, help="default %d" % models.FFNET_CONFIG["input_size"])
    g.add_argument("--widths", help="comma list, default %s" % (models.FFNET_CONFIG["widths"],))
    g.add_argument("--depths", help="comma list, default %s" % (models.FFNET_CONFIG["depths"],))
    g.add_argument("--hidden", type=int)
    g.add_argument("--max-rot", type=float, default=25.0)
    g.add_argument("--p-rot", type=float, default=0.6)
    g.add_argument("--jitter-gain", type=float, default=1.0)
    g.add_argument("--jitter-std", help="S,X,Y: box jitter std (log-scale, centre x, centre y; units of the box "
                                        "side) instead of the measured Haar spread")
    g.add_argument("--eye-line", metavar="ROLL_STD,MOTION",
                   help="eye-line crops (metadata crop.rotation eye_line) as tracking cuts them: box jitter in the "
                        "face's own frame and a residual roll ~ N(0, ROLL_STD) + U(-MOTION, MOTION) degrees "
                        "instead of --max-rot (training/track_residual.json)")
    g.add_argument("--low-light", metavar="P_DIM,P_BACKLIT",
                   help="share of training crops seen in a dim room and against a bright window "
                        "(photometric.LowLight: gamma, gain and sensor noise drawn around eval's dim/backlit)")
    g.add_argument("--light-gain", metavar="TARGET,MAX,REGION",
                   help="the model's input.light_gain: crops whose central REGION share is darker than TARGET "
                        "grey levels are brightened (gain up to MAX) before normalisation, here and in the "
                        "engine")
    g = ap.add_argument_group("ffheat")
    g.add_argument("--heatmap-reg", type=float, default=0.0,
                   help="weight of the heatmap regulariser (JS divergence to a Gaussian at the truth); 0 = off. "
                        "The logged train loss includes it")
    g.add_argument("--heatmap-sigma", type=float, default=1.0, help="its Gaussian's std, in heatmap cells")
    args = ap.parse_args()
    if args.heatmap_reg and args.arch != "ffheat":
        ap.error("--heatmap-reg is for --arch ffheat")

    cfg = dict(DEFAULTS[args.arch])
    for k in ("epochs", "batch", "lr", "wd", "loss", "ema", "sched", "time_budget_min"):
        if getattr(args, k) is not None:
            cfg[k] = getattr(args, k)
    out_dir = args.out or os.path.join(HERE, "runs", args.arch)
    os.makedirs(out_dir, exist_ok=True)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    random.seed(args.seed)

    stats = T.load_haar_stats()
    mcfg = dict(models.CONFIGS.get(args.arch, models.FFNET_CONFIG))
    if args.input_size:
        mcfg["input_size"] = args.input_size
    if args.widths:
        mcfg["widths"] = tuple(int(v) for v in args.widths.split(","))
    if args.depths:
        mcfg["depths"] = tuple(int(v) for v in args.depths.split(","))
    if args.hidden and args.arch == "ffnet":
        mcfg["hidden"] = args.hidden
    meta = build_meta(args.arch, stats, mcfg["input_size"])
    eye_line = None
    if args.eye_line:
        if args.arch == "seed":
            ap.error("--eye-line is for the production nets")
        eye_line = tuple(float(v) for v in args.eye_line.split(","))
        if len(eye_line) != 2:
            ap.error("--eye-line needs two numbers ROLL_STD,MOTION (degrees)")
        meta["crop"]["rotation"] = "eye_line"

    if args.light_gain:
        lg = [float(v) for v in args.light_gain.split(",")]
        if len(lg) != 3 or not (0 < lg[0] <= 255 and 1 <= lg[1] <= 64 and 0 < lg[2] <= 1):
            ap.error("--light-gain needs TARGET (0..255], MAX [1, 64], REGION (0, 1]")
        meta["input"]["light_gain"] = {"target_mean": lg[0], "max_gain": lg[1], "region": lg[2]}
    low_light = None
    if args.low_light:
        pl = [float(v) for v in args.low_light.split(",")]
        if len(pl) != 2 or min(pl) < 0 or sum(pl) > 1:
            ap.error("--low-light needs two shares P_DIM,P_BACKLIT summing to at most 1")
        low_light = (pl[0], pl[1])  # the transform's own RNG draws it (resumable)

    csv_path, img_dir = dataset.split_paths(args.data, "train")
    names, _ = dataset.read_keypoints_csv(csv_path, img_dir)
    tr_idx, va_idx = dataset.person_split(names, args.val_fraction, seed=0)
    if args.limit:
        tr_idx = tr_idx[:args.limit]
    t_load = time.time()
    train_data = dataset.KeypointsData(args.data, "train", tr_idx)
    val_data = dataset.KeypointsData(args.data, "train", va_idx)
    fingerprint = dataset.data_fingerprint(csv_path, img_dir, names)
    data_note = "udacity-keypoints/training_frames_keypoints.csv"
    if args.wild:
        wild, wild_fp = dataset.load_wild_train(args.data)
        train_data.extend(wild, args.wild)
        fingerprint = hashlib.sha256((fingerprint + wild_fp).encode()).hexdigest()
        data_note += " + helen-wild's four fifths x%d (%s)" % (args.wild, dataset.WILD_HOLDOUT_RULE)
        meta["license"] = common.LICENSE + " " + dataset.WILD_TERMS
    print("data: %d train / %d val images (%d / %d persons), loaded in %.1fs, fingerprint %s"
          % (len(train_data), len(val_data), len(set(map(dataset.person_of, train_data.names))),
             len(set(map(dataset.person_of, val_data.names))), time.time() - t_load, fingerprint[:16]),
          flush=True)

    tf_rng = np.random.RandomState(args.seed + 1)
    if args.arch == "seed":
        model = models.SeedNet()
        train_tf, val_tf = T.SeedTrain(tf_rng), T.SeedTest()
    else:
        model = models.build(args.arch, **mcfg)
        jitter_std = tuple(float(v) for v in args.jitter_std.split(",")) if args.jitter_std else None
        if jitter_std is not None and len(jitter_std) != 3:
            ap.error("--jitter-std needs three numbers S,X,Y")
        train_tf = T.ProdTrain(meta, stats, tf_rng, max_rot_deg=args.max_rot, jitter_gain=args.jitter_gain,
                               p_rot=args.p_rot, jitter_std=jitter_std, eye_line=eye_line,
                               low_light=photometric.LowLight(tf_rng, *low_light) if low_light else None)
        val_tf = T.ProdEvalAligned(meta) if eye_line else T.ProdEval(meta)
    unit = meta["output"]["x_scale"]
    if cfg["loss"] == "wing":
        loss_fn = WingLoss(unit)
    elif cfg["loss"] == "l1":
        loss_fn = nn.L1Loss()
    else:
        loss_fn = nn.MSELoss()
    print("model %s: %.2fM params, cfg %s" % (args.arch, models.num_params(model) / 1e6, cfg), flush=True)
    if args.heatmap_reg:
        cells = int(round(model.gx.numel() ** 0.5))
        sigma = args.heatmap_sigma * 2.0 / cells  # cells -> the grid's normalised units
        cfg["heatmap_reg"] = {"weight": args.heatmap_reg, "sigma_cells": args.heatmap_sigma}

    gen = torch.Generator()
    gen.manual_seed(args.seed + 2)
    loader = torch.utils.data.DataLoader(
        KPDataset(train_data, train_tf), batch_size=cfg["batch"], num_workers=args.workers,
        sampler=torch.utils.data.RandomSampler(range(len(train_data)), generator=gen), drop_last=True)
    steps = len(loader)
    if cfg.get("opt") == "adamw":
        opt = torch.optim.AdamW(model.parameters(), lr=cfg["lr"], weight_decay=cfg["wd"])
    else:
        opt = torch.optim.Adam(model.parameters(), lr=cfg["lr"], weight_decay=cfg["wd"])
    if cfg["sched"] == "onecycle":
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=cfg["lr"], total_steps=cfg["epochs"] * steps,
                                                    pct_start=0.15, div_factor=20, final_div_factor=200)
    else:
        sched = None
    budget_s = (60.0 * cfg["time_budget_min"] if cfg.get("time_budget_min") and cfg["sched"] != "onecycle"
                else None)
    if cfg["sched"] == "time":
        if budget_s is None:
            raise SystemExit("--sched time needs --time-budget")
        for g in opt.param_groups:
            g["lr"] = time_lr(cfg["lr"], 0.0)

    ema = EMA(model, cfg["ema"]) if cfg["ema"] > 0 else None
    start_epoch, elapsed, best, history = 0, 0.0, float("inf"), []
    last_path = os.path.join(out_dir, "last.ckpt")
    if args.resume and os.path.exists(last_path):
        ck = torch.load(last_path)
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["optimizer"])
        if sched is not None and ck["scheduler"] is not None:
            sched.load_state_dict(ck["scheduler"])
        set_rng_state(ck["rng"], gen, tf_rng)
        if ema is not None:
            ema.model.load_state_dict(ck["model_ema"])
            ema.updates = ck["ema_updates"]
        start_epoch, elapsed, best, history = ck["epoch"], ck["elapsed"], ck["best_val_nme"], ck["history"]
        print("resumed from %s at epoch %d (%.0fs elapsed)" % (last_path, start_epoch, elapsed), flush=True)
        # logs are rewritten from the checkpoint's history (drops lines of an epoch cut off after logging)
        with open(os.path.join(out_dir, "log.jsonl"), "w") as f:
            for r in history:
                f.write(json.dumps(r) + "\n")
        with open(os.path.join(out_dir, "log.csv"), "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(LOG_FIELDS)
            for r in history:
                w.writerow([r.get(k) for k in LOG_FIELDS])
    elif args.resume:
        print("no checkpoint at %s, starting from scratch" % last_path, flush=True)

    config = dict(cfg, arch=args.arch, seed=args.seed, val_fraction=args.val_fraction, threads=args.threads,
                  workers=args.workers, train_images=len(train_data), val_images=len(val_data),
                  val_split="by person, seed 0", limit=args.limit,
                  model_config=(mcfg if args.arch != "seed" else "NaimishNet-227"),
                  augmentation=(("box jitter std %s (log-scale, x, y) x%g" % (args.jitter_std, args.jitter_gain)
                                 if args.jitter_std else "haar-like box jitter x%g measured spread" % args.jitter_gain)
                                + (", eye-line crops, residual roll N(0, %g) + U(+-%g) deg, " % eye_line
                                   if eye_line else ", rotation +-%g deg (p %g), " % (args.max_rot, args.p_rot))
                                + "flip (p 0.5, iBUG perm), contrast/brightness, blur (p 0.3), noise (p 0.2)"
                                + (", low light: dim (p %g), backlit (p %g) (photometric.LowLight)" % low_light
                                   if low_light else "")
                                if args.arch != "seed" else "rescale 250, random crop 227"))
    jsonl = open(os.path.join(out_dir, "log.jsonl"), "w" if start_epoch == 0 else "a")
    csv_path_log = os.path.join(out_dir, "log.csv")
    new_csv = start_epoch == 0
    csvf = open(csv_path_log, "w" if start_epoch == 0 else "a", newline="")
    cw = csv.writer(csvf)
    if new_csv:
        cw.writerow(LOG_FIELDS)

    for epoch in range(start_epoch, cfg["epochs"]):
        t0 = time.time()
        model.train()
        tot, n = 0.0, 0
        for xb, yb in loader:
            if cfg["sched"] == "time":
                lr_now = time_lr(cfg["lr"], (elapsed + time.time() - t0) / budget_s)
                for g in opt.param_groups:
                    g["lr"] = lr_now
            if args.heatmap_reg:
                out, heat = model.forward_train(xb)
                loss = loss_fn(out, yb) + args.heatmap_reg * heatmap_js(heat, yb, model.gx, model.gy, sigma)
            else:
                out = model(xb)
                loss = loss_fn(out, yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            if sched is not None:
                sched.step()
            if ema is not None:
                ema.update(model)
            tot += loss.item() * len(xb)
            n += len(xb)
        # --val-fraction 0 trains on every image (the final run, once the recipe is fixed): no validation
        nan = (float("nan"), float("nan"))
        val_loss, val_nme = evaluate(model, val_data, val_tf, meta, loss_fn) if len(val_data) else nan
        raw_val_nme = val_nme
        if ema is not None and len(val_data):  # report (and select/export) the EMA weights
            val_loss, val_nme = evaluate(ema.model, val_data, val_tf, meta, loss_fn)
        dt = time.time() - t0
        elapsed += dt
        rec = {"epoch": epoch + 1, "train_loss": tot / n, "val_loss": val_loss, "val_nme": val_nme,
               "raw_val_nme": raw_val_nme, "lr": opt.param_groups[0]["lr"], "epoch_s": round(dt, 2), "elapsed_s": round(elapsed, 1)}
        history.append(rec)
        print("epoch %3d/%d  train %.4f  val %.4f  val NME %.2f%% (raw %.2f%%)  lr %.2e  %.1fs  (total %.0fs)"
              % (epoch + 1, cfg["epochs"], rec["train_loss"], val_loss, 100 * val_nme, 100 * raw_val_nme,
                 rec["lr"], dt, elapsed),
              flush=True)
        jsonl.write(json.dumps(rec) + "\n")
        jsonl.flush()
        cw.writerow([rec[k] for k in LOG_FIELDS])
        csvf.flush()
        is_best = val_nme < best
        best = min(best, val_nme)
        ck = {"arch": args.arch, "model": model.state_dict(), "optimizer": opt.state_dict(),
              "scheduler": sched.state_dict() if sched is not None else None,
              "model_ema": ema.model.state_dict() if ema is not None else None,
              "ema_updates": ema.updates if ema is not None else 0,
              "rng": rng_state(gen, tf_rng), "epoch": epoch + 1, "elapsed": elapsed, "best_val_nme": best,
              "val_nme": val_nme, "history": history, "config": config, "meta": meta,
              "data_fingerprint": fingerprint, "data": data_note,
              "fingerprint_note": "sha256 over training_frames_keypoints.csv bytes then every listed image's "
                                  "bytes in CSV order (train and validation parts)"
                                  + ("; with helen-wild, sha256 of that hex digest followed by the same digest "
                                     "over val_frames_keypoints.csv and its training part's images"
                                     if args.wild else "")}
        tmp = last_path + ".tmp"
        torch.save(ck, tmp)
        os.replace(tmp, last_path)
        if is_best:
            torch.save(ck, os.path.join(out_dir, "best.ckpt.tmp"))
            os.replace(os.path.join(out_dir, "best.ckpt.tmp"), os.path.join(out_dir, "best.ckpt"))
        # time budget: the "time" schedule has annealed by then; a constant-LR run stops before the
        # next epoch would overrun the budget
        if budget_s is not None and elapsed + (0.5 if cfg["sched"] == "time" else 1.0) * dt >= budget_s:
            print("time budget reached: %.1f min after %d epochs" % (elapsed / 60, epoch + 1), flush=True)
            break
        if elapsed > 60 * args.max_minutes and epoch + 1 < cfg["epochs"]:
            print("stopping: %.1f min > --max-minutes %g" % (elapsed / 60, args.max_minutes), flush=True)
            break
    print("done: %d epochs, wall %.0fs (%.1f min), best val NME %.2f%%, last %.2f%%"
          % (len(history), elapsed, elapsed / 60, 100 * best, 100 * history[-1]["val_nme"] if history else -1),
          flush=True)


if __name__ == "__main__":
    main()
