"""Change keys of a facefilter model file's metadata (facefilter.json); the nets stay as they are.

  /usr/bin/python3 training/set_metadata.py MODEL.pt --set input.light_gain.mirror_average=true [--out OUT.pt]

Each --set is KEY.PATH=VALUE, VALUE as JSON (true, 70, "text", {...}). The file is written as export.py writes
one (loaded back and checked as the engine loads it); without --out it is replaced in place. For inference
choices that need no training, such as input.light_gain.mirror_average (docs/model-format.md).
"""
import argparse
import json
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import export  # noqa: E402


def set_key(meta, path, value):
    node = meta
    keys = path.split(".")
    for k in keys[:-1]:
        if not isinstance(node.get(k), dict):
            raise SystemExit("--set %s: %s is not an object in the metadata" % (path, k))
        node = node[k]
    node[keys[-1]] = value


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model")
    ap.add_argument("--set", action="append", required=True, metavar="KEY.PATH=JSON")
    ap.add_argument("--out", help="where to write (default: the model file itself)")
    args = ap.parse_args()
    extra = {"facefilter.json": ""}
    mod = torch.jit.load(args.model, map_location="cpu", _extra_files=extra)
    if not extra["facefilter.json"]:
        raise SystemExit("%s: no facefilter.json metadata" % args.model)
    meta = json.loads(extra["facefilter.json"])
    for item in args.set:
        path, sep, text = item.partition("=")
        if not sep or not path:
            raise SystemExit("--set %r: expected KEY.PATH=JSON" % item)
        try:
            value = json.loads(text)
        except json.JSONDecodeError as e:
            raise SystemExit("--set %s: %r is not JSON (%s)" % (path, text, e))
        set_key(meta, path, value)
    out = args.out or args.model
    export.save_model(mod, meta, out)
    print("wrote %s (%.1f MB)" % (out, os.path.getsize(out) / 1e6))


if __name__ == "__main__":
    main()
