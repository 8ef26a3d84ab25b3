#!/usr/bin/python3
# Writes the seed corpus of fuzz_model_asset (fuzz/corpus/model_asset/): small .glb files made by hand, one
# per path of the loader (index types, strips and fans, normals given or computed, node hierarchies with
# matrices and TRS, embedded PNG textures with alpha, an unsupported mode). Deterministic.
# Usage: /usr/bin/python3 fuzz/make_model_asset_seeds.py   (needs python3-opencv and python3-numpy)
import json
import os
import struct

import cv2
import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'corpus', 'model_asset')


def glb(gltf, bin_):
    j = json.dumps(gltf, separators=(',', ':')).encode()
    j += b' ' * (-len(j) % 4)
    bin_ += b'\0' * (-len(bin_) % 4)
    body = struct.pack('<I4s', len(j), b'JSON') + j
    if bin_:
        body += struct.pack('<I4s', len(bin_), b'BIN\0') + bin_
    return b'glTF' + struct.pack('<II', 2, 12 + len(body)) + body


def triangle(mode=4, index_type=5125, with_uv=True, texture=None, alpha='OPAQUE', nodes=None, normals=False):
    pos = struct.pack('<9f', 0, 0, 0, 1, 0, 0, 0, 1, 0)
    fmt = {5121: 'B', 5123: 'H', 5125: 'I'}[index_type]
    idx = struct.pack('<3' + fmt, 0, 1, 2)
    idx += b'\0' * (-len(idx) % 4)
    uv = struct.pack('<6f', 0, 0, 1, 0, 0, 1)
    nrm = struct.pack('<9f', 0, 0, 1, 0, 0, 1, 0, 0, 1)
    bin_ = pos + idx + uv + nrm
    views = [{"buffer": 0, "byteOffset": 0, "byteLength": 36},
             {"buffer": 0, "byteOffset": 36, "byteLength": len(idx)},
             {"buffer": 0, "byteOffset": 36 + len(idx), "byteLength": 24},
             {"buffer": 0, "byteOffset": 60 + len(idx), "byteLength": 36}]
    acc = [{"bufferView": 0, "componentType": 5126, "count": 3, "type": "VEC3", "min": [0, 0, 0], "max": [1, 1, 0]},
           {"bufferView": 1, "componentType": index_type, "count": 3, "type": "SCALAR"},
           {"bufferView": 2, "componentType": 5126, "count": 3, "type": "VEC2"},
           {"bufferView": 3, "componentType": 5126, "count": 3, "type": "VEC3"}]
    attrs = {"POSITION": 0}
    if with_uv:
        attrs["TEXCOORD_0"] = 2
    if normals:
        attrs["NORMAL"] = 3
    mat = {"pbrMetallicRoughness": {"baseColorFactor": [1, 0.5, 0.2, 0.8]}, "alphaMode": alpha, "doubleSided": True}
    g = {"asset": {"version": "2.0"}, "scene": 0, "scenes": [{"nodes": [0]}],
         "nodes": nodes or [{"mesh": 0, "translation": [0, 1, 0], "rotation": [0, 0, 0.7071, 0.7071],
                             "scale": [2, 2, 2]}],
         "meshes": [{"primitives": [{"attributes": attrs, "indices": 1, "material": 0, "mode": mode}]}],
         "materials": [mat], "accessors": acc, "bufferViews": views, "buffers": [{"byteLength": len(bin_)}]}
    if texture is not None:
        ok, png = cv2.imencode('.png', texture)
        assert ok
        png = png.tobytes()
        offset = len(bin_)
        bin_ += png + b'\0' * (-len(png) % 4)
        views.append({"buffer": 0, "byteOffset": offset, "byteLength": len(png)})
        g["images"] = [{"bufferView": len(views) - 1, "mimeType": "image/png"}]
        g["textures"] = [{"source": 0}]
        mat["pbrMetallicRoughness"]["baseColorTexture"] = {"index": 0}
        g["buffers"][0]["byteLength"] = len(bin_)
    return glb(g, bin_)


def main():
    tex = np.zeros((4, 4, 4), np.uint8)
    tex[:, :, 2] = 255
    tex[:, :, 3] = (np.arange(16).reshape(4, 4) * 16).astype(np.uint8)
    seeds = {
        'triangle.glb': triangle(),
        'triangle_normals_u16.glb': triangle(index_type=5123, normals=True),
        'strip_u8.glb': triangle(mode=5, index_type=5121),
        'fan.glb': triangle(mode=6),
        'textured_blend.glb': triangle(texture=tex, alpha='BLEND'),
        'textured_mask.glb': triangle(texture=tex[:, :, :3].copy(), alpha='MASK'),
        'hierarchy.glb': triangle(nodes=[{"children": [1], "matrix": [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0.5, 0, 0, 1]},
                                         {"mesh": 0, "scale": [1, -1, 1]}]),
        'lines.glb': triangle(mode=1),
    }
    os.makedirs(OUT, exist_ok=True)
    for name, data in seeds.items():
        assert len(data) < 8192, name  # scripts/ci-fuzz.sh's -max_len
        with open(os.path.join(OUT, name), 'wb') as f:
            f.write(data)


if __name__ == '__main__':
    main()
