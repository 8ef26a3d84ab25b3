"""Add the face presence net (presence.py) to a facefilter model file as a method `presence`.

  /usr/bin/python3 training/add_presence.py [--model assets/models/ffnet.pt] \
      [--ckpt training/runs/presence/last.ckpt] [--out training/runs/presence/ffnet_presence.pt] [--eye-line]

forward() and the detector-box method stay the original's (checked bit-identical on random inputs);
presence(x) -> [N] probabilities takes the same input tensor. The metadata is the original's plus
"presence_method" and "presence" (threshold, training recipe); --eye-line switches the crop convention to
"rotation": "eye_line" (transforms.aligned_crop_matrix). Writing into assets/ needs --out to say so.
"""
import argparse
import json
import os
import sys
import time

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import dataset  # noqa: E402
import export  # noqa: E402
import models  # noqa: E402
import presence  # noqa: E402

PRESENCE_METHOD = "presence"
MAX_BYTES = 20 * 1000 * 1000


class WithPresence(nn.Module):
    def __init__(self, base, net):
        super().__init__()
        self.base = base
        self.presence_net = net

    def forward(self, x):
        return self.base(x)

    @torch.jit.export
    def presence(self, x):
        return self.presence_net(x)


class TwoStageWithPresence(WithPresence):
    # TorchScript resolves method names when scripting, so the detector-box method is spelt out here
    @torch.jit.export
    def forward_detector_box(self, x):
        return self.base.forward_detector_box(x)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=presence.DEFAULT_MODEL)
    ap.add_argument("--ckpt", default=os.path.join(presence.DEFAULT_OUT, "last.ckpt"))
    ap.add_argument("--out", default=os.path.join(presence.DEFAULT_OUT, "ffnet_presence.pt"))
    ap.add_argument("--threshold", type=float, default=0.5, help="suggested score below which a track ends")
    ap.add_argument("--eye-line", action="store_true", help='set "crop": {..., "rotation": "eye_line"}')
    ap.add_argument("--presence-from", metavar="MODEL_PT",
                    help="take the presence net (and its recorded training) from this model file instead of "
                         "--ckpt, e.g. the shipped model when only the keypoints stage was retrained")
    ap.add_argument("--report", default=os.path.join(HERE, "reports", "presence_eval.json"),
                    help="presence eval report whose test figures go into the metadata (if present)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    if os.path.abspath(args.out) == os.path.abspath(args.model):
        raise SystemExit("--out must not be the input model file")

    extra = {"facefilter.json": ""}
    base = torch.jit.load(args.model, map_location="cpu", _extra_files=extra).eval()
    meta = json.loads(extra["facefilter.json"])
    if meta.get("presence_method"):
        raise SystemExit("%s already has a presence method" % args.model)
    det = meta.get("detector_box_method")
    if det not in (None, models.DETECTOR_BOX_METHOD):
        raise SystemExit("detector_box_method %r: only %r is supported" % (det, models.DETECTOR_BOX_METHOD))
    # input.light_gain brightens dim crops before any method sees them; the nets' own input is the rest
    plain_input = lambda m: {k: v for k, v in m["input"].items() if k != "light_gain"}  # noqa: E731
    if args.presence_from:
        extra_p = {"facefilter.json": ""}
        src = torch.jit.load(args.presence_from, map_location="cpu", _extra_files=extra_p).eval()
        src_meta = json.loads(extra_p["facefilter.json"])
        if src_meta.get("presence_method") != PRESENCE_METHOD:
            raise SystemExit("%s has no %r method" % (args.presence_from, PRESENCE_METHOD))
        net, ck, cfg = models.PresenceOf(src).eval(), None, None
    else:
        net, ck = presence.load_ckpt(args.ckpt)
        cfg = ck["config"]
        src_meta = presence.load_model_meta(os.path.join(dataset.REPO_ROOT, cfg["model_meta_from"]))
    if plain_input(src_meta) != plain_input(meta):
        raise SystemExit("the presence net was trained on input %s, the model takes %s"
                         % (src_meta["input"], meta["input"]))

    wrapper = (TwoStageWithPresence if det else WithPresence)(base, net).eval()
    methods = [PRESENCE_METHOD] + ([det] if det else [])
    frozen = torch.jit.freeze(torch.jit.script(wrapper), preserved_attrs=methods)

    c, h, w = meta["input"]["channels"], meta["input"]["height"], meta["input"]["width"]
    torch.manual_seed(0)
    with torch.no_grad():
        for n in (1, 4, 7):
            x = torch.randn(n, c, h, w)
            for name in ["forward"] + ([det] if det else []):
                if not torch.equal(getattr(frozen, name)(x), getattr(base, name)(x)):
                    raise SystemExit("%s differs from the original's" % name)
            p = frozen.presence(x)
            if tuple(p.shape) != (n,) or not bool(((p >= 0) & (p <= 1)).all()):
                raise SystemExit("presence: bad output %s" % p)
            if not torch.allclose(p, net(x), atol=1e-5):
                raise SystemExit("presence differs from the checkpoint's net")

    if args.presence_from:
        pres = dict(src_meta["presence"], threshold=args.threshold,
                    taken_from=os.path.basename(args.presence_from))
    else:
        pres = {"threshold": args.threshold,
                "what": "probability that the crop holds a face with the keypoints on it; the tracker ends a "
                        "track whose score stays below the threshold",
                "training": {"recipe": cfg, "epochs": ck["epoch"], "wall_time_s": round(ck["elapsed"], 1),
                             "data": ck["data"], "data_fingerprint": ck["data_fingerprint"],
                             "train_images": ck["train_images"], "val_images": ck["val_images"],
                             "final_val": ck["history"][-1],
                             "params": models.num_params(net),
                             "hardware": "2 CPU cores shared with a C++ build, torch %s, 1 thread" % torch.__version__,
                             "exported": time.strftime("%Y-%m-%dT%H:%M:%S")}}
    if args.report and os.path.exists(args.report) and not args.presence_from:
        with open(args.report) as f:
            rep = json.load(f)
        pres["test"] = {"auc": rep["overall"]["auc"], "thresholds": rep["overall"]["thresholds"],
                        "note": "udacity test split, training/reports/presence_eval.json"}
    meta["presence_method"] = PRESENCE_METHOD
    meta["presence"] = pres
    if args.eye_line:
        meta["crop"] = dict(meta["crop"], rotation="eye_line")

    os.makedirs(os.path.dirname(os.path.abspath(args.out)) or ".", exist_ok=True)
    tmp = args.out + ".tmp"
    torch.jit.save(frozen, tmp, _extra_files={"facefilter.json": json.dumps(export.without_nulls(meta), indent=1)})
    extra2 = {"facefilter.json": ""}
    loaded = torch.jit.load(tmp, map_location="cpu", _extra_files=extra2)
    meta2 = json.loads(extra2["facefilter.json"])
    assert meta2["presence_method"] == PRESENCE_METHOD and hasattr(loaded, PRESENCE_METHOD)
    export.check_model(loaded, meta2)
    opt = torch.jit.optimize_for_inference(loaded, methods)  # what a loader does
    x = torch.randn(3, c, h, w)
    with torch.no_grad():
        d = (opt.presence(x) - net(x)).abs().max().item()
        if d > 1e-4:
            raise SystemExit("presence after optimize_for_inference differs by %g" % d)
        for name in ["forward"] + ([det] if det else []):
            if not torch.equal(getattr(loaded, name)(x), getattr(base, name)(x)):
                raise SystemExit("%s differs from the original's after reload" % name)
    size = os.path.getsize(tmp)
    if size > MAX_BYTES:
        os.remove(tmp)
        raise SystemExit("%s: %.1f MB, over the 20 MB limit" % (args.out, size / 1e6))
    os.replace(tmp, args.out)
    print("wrote %s (%.2f MB; original %.2f MB), methods forward%s, presence; threshold %.2f; crop %s"
          % (args.out, size / 1e6, os.path.getsize(args.model) / 1e6, ", " + det if det else "",
             args.threshold, json.dumps(meta2["crop"])))


if __name__ == "__main__":
    main()
