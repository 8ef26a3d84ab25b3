"""Export a training checkpoint to a facefilter TorchScript model (docs/model-format.md).

  /usr/bin/python3 training/export.py --ckpt training/runs/ffnet/best.ckpt --out assets/models/ffnet.pt

The file holds torch.jit.freeze(torch.jit.script(model.eval())) (BatchNorm folded)
plus the `facefilter.json` extra file. torch.jit.optimize_for_inference is applied
and checked here too, but its oneDNN (MKLDNN) constants cannot be serialised in
torch 1.13 (the saved file fails to load: "required keyword attribute 'value' is
undefined"), so the frozen module is what is saved; a loader calls
optimize_for_inference on it after loading (it accepts frozen modules).
"""
import argparse
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import models  # noqa: E402


def load_model_from_ckpt(path):
    ck = torch.load(path, map_location="cpu")
    cfg = ck["config"]
    if ck["arch"] == "seed":
        model = models.SeedNet()
    else:
        model = models.build(ck["arch"], **{k: (tuple(v) if isinstance(v, list) else v)
                                            for k, v in cfg["model_config"].items()})
    # the EMA weights are what training validated (val_nme); fall back to the raw weights
    model.load_state_dict(ck["model_ema"] if ck.get("model_ema") is not None else ck["model"])
    return model.eval(), ck


def script_frozen(model, methods=()):
    return torch.jit.freeze(torch.jit.script(model.eval()), preserved_attrs=list(methods))


def check_model(mod, meta, ref=None):
    """Output shape [N, 2P] on zeros for N=1 and 4, for forward() and the detector-box method if the
    metadata names one; optional comparison to a reference module."""
    c, h, w = meta["input"]["channels"], meta["input"]["height"], meta["input"]["width"]
    p = meta["output"]["points"]
    names = ["forward"] + ([meta["detector_box_method"]] if meta.get("detector_box_method") else [])
    worst = 0.0
    with torch.no_grad():
        for name in names:
            fn = getattr(mod, name)
            for n in (1, 4):
                out = fn(torch.zeros(n, c, h, w))
                if tuple(out.shape) != (n, 2 * p) and tuple(out.shape) != (n, p, 2):
                    raise RuntimeError("%s: bad output shape %s for input [%d,%d,%d,%d]"
                                       % (name, tuple(out.shape), n, c, h, w))
                if not torch.isfinite(out).all():
                    raise RuntimeError("%s: non-finite output" % name)
            if ref is not None:
                x = torch.rand(4, c, h, w)
                d = (fn(x).reshape(4, -1) - getattr(ref, name)(x).reshape(4, -1)).abs().max().item()
                if d > 1e-3:
                    raise RuntimeError("%s: exported model differs from the eager model by %g" % (name, d))
                worst = max(worst, d)
    return worst


def without_nulls(value):
    """The engine reads facefilter.json with OpenCV's FileStorage, whose JSON parser has no null: unset
    options (None) are left out instead."""
    def unset(v):
        return v is None or (isinstance(v, float) and v != v)  # None or NaN (no validation part)
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in value.items() if not unset(v)}
    if isinstance(value, (list, tuple)):
        return [without_nulls(v) for v in value if not unset(v)]
    return value


def save_model(frozen, meta, out_path):
    os.makedirs(os.path.dirname(os.path.abspath(out_path)) or ".", exist_ok=True)
    tmp = out_path + ".tmp"
    torch.jit.save(frozen, tmp, _extra_files={"facefilter.json": json.dumps(without_nulls(meta), indent=1)})
    # reload check: exactly what the engine does
    extra = {"facefilter.json": ""}
    loaded = torch.jit.load(tmp, map_location="cpu", _extra_files=extra)
    meta2 = json.loads(extra["facefilter.json"])
    assert meta2["format"] == "facefilter-keypoints"
    check_model(loaded, meta2)
    method = meta2.get("detector_box_method")
    opt = torch.jit.optimize_for_inference(loaded, [method] if method else None)
    check_model(opt, meta2, ref=loaded)
    os.replace(tmp, out_path)


def _crop_outputs(model, ck, meta, data_dir, part):
    import numpy as np
    import dataset
    import transforms
    cfg = ck["config"]
    names, _ = dataset.read_keypoints_csv(*dataset.split_paths(data_dir, "train"))
    tr, va = dataset.person_split(names, cfg["val_fraction"], seed=0)
    d = dataset.KeypointsData(data_dir, "train", tr if part == "train" else va)
    if ck["arch"] == "seed":
        tf = transforms.SeedTest()
    elif meta["crop"].get("rotation") == "eye_line":
        tf = transforms.ProdEvalAligned(meta)
    else:
        tf = transforms.ProdEval(meta)
    xs, ys, ex = [], [], []
    for i in range(len(d)):
        x, y, e = tf(d.gray[i], d.points[i])
        xs.append(x)
        ys.append(y)
        ex.append(e)
    outs = []
    with torch.no_grad():
        for s in range(0, len(xs), 64):
            outs.append(model(torch.from_numpy(np.stack(xs[s:s + 64]))).reshape(len(xs[s:s + 64]), -1).numpy())
    return np.concatenate(outs), np.stack(ys), ex, d.points


def calibrate(model, ck, meta, data_dir):
    """Constant output offset = mean residual on the training part (a label-convention correction)."""
    import common
    import dataset
    data_dir = data_dir or dataset.default_data_dir()
    out, ys, _, _ = _crop_outputs(model, ck, meta, data_dir, "train")
    bias = (ys - out).mean(0)
    cal = models.OutputBias(model, bias).eval()
    res = {"before": None, "after": None}
    if ck["config"]["val_fraction"] > 0:
        for name, m in (("before", model), ("after", cal)):
            o, _, ex, pts = _crop_outputs(m, ck, meta, data_dir, "val")
            res[name] = float(common.nme(common.out_to_image(o, ex, meta), pts).mean())
        print("calibration: mean |offset| %.4f (normalised), val NME %.2f%% -> %.2f%%"
              % (abs(bias).mean(), 100 * res["before"], 100 * res["after"]))
    else:
        print("calibration: mean |offset| %.4f (normalised); no validation part" % abs(bias).mean())
    meta["training"]["calibration"] = {
        "what": "constant per-coordinate output offset = mean residual on the training part (gt-box crops)",
        "mean_abs_offset_normalised": float(abs(bias).mean()),
        "mean_offset_x_normalised": float(bias[0::2].mean()), "mean_offset_y_normalised": float(bias[1::2].mean()),
        "val_nme_before": res["before"], "val_nme_after": res["after"]}
    meta["training"]["val_nme"] = res["after"]
    return cal


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ckpt", required=True, help="checkpoint (best.ckpt or last.ckpt of a run)")
    ap.add_argument("--out", required=True, help="output .pt")
    ap.add_argument("--calibrate", action="store_true",
                    help="add the mean output residual on the TRAINING part of the split (gt-box crops, no "
                         "augmentation) as a constant output offset; reports val NME before/after")
    ap.add_argument("--data", default=None, help="data root for --calibrate (default as in train.py)")
    ap.add_argument("--flip-tta", action="store_true",
                    help="bake horizontal-flip test-time averaging into the model (2 crops per face in one batch)")
    ap.add_argument("--mirror-average", action="store_true",
                    help="input.light_gain.mirror_average: the engine averages each dim crop's prediction with "
                         "its mirror image's (needs a model trained with --light-gain and flips)")
    ap.add_argument("--detector-stage", metavar="MODEL_PT",
                    help="a facefilter model file whose net serves crops from detector boxes "
                         "(method %s); the checkpoint's net serves crops from keypoints" % models.DETECTOR_BOX_METHOD)
    args = ap.parse_args()

    torch.set_num_threads(1)
    model, ck = load_model_from_ckpt(args.ckpt)
    meta = dict(ck["meta"])
    hist = ck["history"]
    run_dir = os.path.dirname(os.path.abspath(args.ckpt))
    last_val = hist[-1]["val_nme"] if hist else None
    # wall time of the whole run: from last.ckpt of the same run if present
    total_epochs, wall = ck["epoch"], ck["elapsed"]
    last_path = os.path.join(run_dir, "last.ckpt")
    if os.path.exists(last_path) and os.path.abspath(last_path) != os.path.abspath(args.ckpt):
        lk = torch.load(last_path, map_location="cpu")
        total_epochs, wall, last_val = lk["epoch"], lk["elapsed"], lk["history"][-1]["val_nme"]
        del lk
    meta["training"] = {
        "config": ck["config"],
        "epochs": total_epochs,
        "exported_epoch": ck["epoch"],
        "val_nme": ck["val_nme"],
        "final_val_nme": last_val,
        "val_nme_note": "mean NME (point-to-point / outer-eye-corner distance 36-45) on a by-person ~10% "
                        "hold-out of training_frames_keypoints.csv, crops from box_from_points of the truth",
        "wall_time_s": round(wall, 1),
        "hardware": "2 CPU cores, torch %s, %d threads" % (torch.__version__, ck["config"]["threads"]),
        "data": ck.get("data", "udacity-keypoints/training_frames_keypoints.csv"),
        "data_fingerprint": ck["data_fingerprint"],
        "data_fingerprint_note": ck.get("fingerprint_note", ""),
        "exported": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "params": models.num_params(model),
    }
    if args.flip_tta:
        import transforms
        model = models.FlipTTA(model, transforms.FLIP_PERM, meta["input"]["width"]).eval()
        meta["training"]["flip_tta"] = True
    if args.mirror_average:
        if "light_gain" not in meta["input"]:
            raise SystemExit("--mirror-average: the checkpoint has no input.light_gain (train.py --light-gain)")
        meta["input"] = dict(meta["input"], light_gain=dict(meta["input"]["light_gain"], mirror_average=True))
    if args.calibrate:
        model = calibrate(model, ck, meta, args.data)
    methods = ()
    if args.detector_stage:
        import ffmodel
        det, det_meta = ffmodel.load(args.detector_stage, optimize=False)
        det_training = det_meta.get("training")
        if det_meta.get("detector_box_method"):
            # A two-stage file (the shipped model): its detector-box net, as trained for it.
            if det_meta["detector_box_method"] != models.DETECTOR_BOX_METHOD:
                raise SystemExit("--detector-stage %s: detector_box_method %r is not %r"
                                 % (args.detector_stage, det_meta["detector_box_method"], models.DETECTOR_BOX_METHOD))
            det = models.DetectorStageOf(det)
            det_training = ((det_meta.get("training") or {}).get("detector_stage") or {}).get("training")
        # Crops from detector boxes turn with the detection's roll whatever crop.rotation says (that key is
        # about crops from keypoints), so the two stages must agree on everything else.
        for key in ("input", "output", "crop", "box_from_points"):
            a, b = dict(det_meta[key]), dict(meta[key])
            if key == "crop":
                a.pop("rotation", None)
                b.pop("rotation", None)
            if key == "input":  # the light gain is applied before any method sees the crop
                a.pop("light_gain", None)
                b.pop("light_gain", None)
            if a != b:
                raise SystemExit("--detector-stage %s: its %s differs from the checkpoint's (%s vs %s)"
                                 % (args.detector_stage, key, det_meta[key], meta[key]))
        model = models.TwoStage(model, det).eval()
        methods = (models.DETECTOR_BOX_METHOD,)
        meta["detector_box_method"] = models.DETECTOR_BOX_METHOD
        meta["training"]["detector_stage"] = {"file": os.path.basename(args.detector_stage),
                                              "description": det_meta.get("description"),
                                              "training": det_training}
        det_wall = (det_training or {}).get("wall_time_s")
        if det_wall is not None:  # what training both stages from scratch takes
            meta["training"]["both_stages_wall_time_s"] = round(wall + det_wall, 1)
    frozen = script_frozen(model, methods)
    check_model(frozen, meta, ref=model)
    save_model(frozen, meta, args.out)
    print("wrote %s (%.1f MB), epoch %d, val NME %.2f%%"
          % (args.out, os.path.getsize(args.out) / 1e6, ck["epoch"], 100 * ck["val_nme"]))
    print(json.dumps({k: meta[k] for k in ("input", "output", "crop", "box_from_points")}))


if __name__ == "__main__":
    main()
