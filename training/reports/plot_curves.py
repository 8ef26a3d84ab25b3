"""Plot training curves from run logs.

  /usr/bin/python3 training/reports/plot_curves.py [--runs training/runs]
writes training/reports/ffnet_curves.png, seed_curves.png and ffheat_curves.png (train/val loss, val NME
per epoch) from RUNS/ffnet, RUNS/seed and RUNS/heat (log.jsonl, those present). RUNS/heat is the keypoints
stage's recipe run with a validation part, without the heatmap regulariser. heatmap_reg_ab.png: validation
NME against wall time of the three side-by-side runs that chose the regulariser's weight (RUNS/ab_base,
ab_r20, ab_r100; training/README.md).
"""
import argparse
import json
import os

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def read_log(path):
    recs = {}
    with open(path) as f:
        for line in f:
            if line.strip():
                r = json.loads(line)
                recs[r["epoch"]] = r  # a resumed run may repeat epochs: keep the last
    return [recs[k] for k in sorted(recs)]


def plot(recs, title, out):
    ep = [r["epoch"] for r in recs]
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 4))
    a1.plot(ep, [r["train_loss"] for r in recs], label="train loss (augmented)")
    a1.plot(ep, [r["val_loss"] for r in recs], label="val loss")
    a1.set_xlabel("epoch")
    a1.set_ylabel("loss")
    a1.set_yscale("log")
    a1.legend()
    a1.grid(alpha=0.3)
    a2.plot(ep, [100 * r["val_nme"] for r in recs], color="C2")
    best = min(recs, key=lambda r: r["val_nme"])
    a2.set_title("best val NME %.2f%% (epoch %d), last %.2f%%" % (100 * best["val_nme"], best["epoch"],
                                                                   100 * recs[-1]["val_nme"]))
    a2.set_xlabel("epoch")
    a2.set_ylabel("val NME (%, inter-ocular 36-45)")
    # Early epochs of a good run are far above its final level: cap the axis at 20 %, or at 3x the best
    # epoch for a run that never got that low (the seed).
    cap = max(20, 300 * best["val_nme"])
    a2.set_ylim(0, min(cap, max(100 * r["val_nme"] for r in recs) * 1.05))
    a2.grid(alpha=0.3)
    fig.suptitle("%s: %d epochs, %.1f min wall" % (title, recs[-1]["epoch"], recs[-1]["elapsed_s"] / 60))
    fig.tight_layout()
    fig.savefig(out, dpi=90)
    plt.close(fig)
    print("wrote", out)


AB_RUNS = (("ab_base", "no regulariser"), ("ab_r20", "--heatmap-reg 20"), ("ab_r100", "--heatmap-reg 100"))


def plot_ab(runs_dir, out):
    logs = [(read_log(os.path.join(runs_dir, run, "log.jsonl")), label) for run, label in AB_RUNS
            if os.path.exists(os.path.join(runs_dir, run, "log.jsonl"))]
    if len(logs) != len(AB_RUNS):
        print("no A/B logs in", runs_dir)
        return
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for recs, label in logs:
        last10 = sum(r["val_nme"] for r in recs[-10:]) / len(recs[-10:])
        ax.plot([r["elapsed_s"] / 60 for r in recs], [100 * r["val_nme"] for r in recs],
                label="%s: %d epochs, last-10 mean %.2f%%" % (label, len(recs), 100 * last10))
    ax.set_ylim(4, 8)
    ax.set_xlabel("wall time (min; three 1-thread runs side by side on the 2 cores)")
    ax.set_ylabel("val NME (%, 357 images of 36 held-out persons)")
    ax.set_title("FFHeat: heatmap regulariser weight, same 36-minute budget")
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(out, dpi=90)
    plt.close(fig)
    print("wrote", out)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", default=os.path.join(os.path.dirname(HERE), "runs"))
    ap.add_argument("--out-dir", default=HERE)
    args = ap.parse_args()
    for run, name, title in (("ffnet", "ffnet", "FFNet (detector-box stage)"),
                             ("seed", "seed", "SeedNet (NaimishNet-227 baseline)"),
                             ("heat", "ffheat", "FFHeat (keypoints stage), recipe run with 357 val images")):
        p = os.path.join(args.runs, run, "log.jsonl")
        if os.path.exists(p) and read_log(p):
            plot(read_log(p), title, os.path.join(args.out_dir, "%s_curves.png" % name))
        else:
            print("no log at", p)
    plot_ab(args.runs, os.path.join(args.out_dir, "heatmap_reg_ab.png"))


if __name__ == "__main__":
    main()
