"""Keypoint networks.

SeedNet: NaimishNet (Agarwal et al. 2017) adapted to 227x227 gray input, as in
the Udacity P1 project: 4 conv layers (32 k4, 64 k3, 128 k2, 256 k1), each
ELU + maxpool 2 + dropout 0.1..0.4, then dense 1000 (ELU, dropout 0.5),
1000 (ReLU, dropout 0.6), 136. ~44M parameters.

FFNet: the production network, a plain 3x3 conv net (conv+BN+ReLU, folded by
freezing) small enough to run in ~1 ms per face on one CPU thread with oneDNN.
Outputs [N, 136] normalised coordinates (x = out * W/2 + W/2).
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

NUM_OUT = 136


class SeedNet(nn.Module):
    input_size = 227

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 4)     # 227 -> 224 -> pool 112
        self.conv2 = nn.Conv2d(32, 64, 3)    # 112 -> 110 -> 55
        self.conv3 = nn.Conv2d(64, 128, 2)   # 55 -> 54 -> 27
        self.conv4 = nn.Conv2d(128, 256, 1)  # 27 -> 27 -> 13
        self.pool = nn.MaxPool2d(2, 2)
        self.drop1 = nn.Dropout(0.1)
        self.drop2 = nn.Dropout(0.2)
        self.drop3 = nn.Dropout(0.3)
        self.drop4 = nn.Dropout(0.4)
        # The dense layers 43264 -> 1000 -> 1000 -> 136 are written as convolutions (fc1 = a 13x13 conv over
        # the 13x13x256 map, then 1x1 convs): the same function, parameter count and init distribution as
        # nn.Linear (same fan-in), but run by oneDNN instead of Debian torch's reference BLAS (2-3x faster).
        self.fc1 = nn.Conv2d(256, 1000, 13)
        self.fc2 = nn.Conv2d(1000, 1000, 1)
        self.fc3 = nn.Conv2d(1000, NUM_OUT, 1)
        self.drop5 = nn.Dropout(0.5)
        self.drop6 = nn.Dropout(0.6)

    def forward(self, x):
        x = self.drop1(self.pool(F.elu(self.conv1(x))))
        x = self.drop2(self.pool(F.elu(self.conv2(x))))
        x = self.drop3(self.pool(F.elu(self.conv3(x))))
        x = self.drop4(self.pool(F.elu(self.conv4(x))))
        x = self.drop5(F.elu(self.fc1(x)))
        x = self.drop6(F.relu(self.fc2(x)))
        return torch.flatten(self.fc3(x), 1)


def conv_bn(cin, cout, stride=1):
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, stride, 1, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
    )


class FFNet(nn.Module):
    """Plain conv net. `widths` per stage; each stage = stride-2 conv then `depth-1` stride-1 convs."""

    def __init__(self, input_size=112, widths=(16, 32, 64, 96, 128), depths=(1, 2, 2, 2, 1),
                 hidden=256, dropout=0.1):
        super().__init__()
        self.input_size = input_size
        layers, cin = [], 1
        for w, d in zip(widths, depths):
            layers.append(conv_bn(cin, w, 2))
            for _ in range(d - 1):
                layers.append(conv_bn(w, w, 1))
            cin = w
        self.features = nn.Sequential(*layers)
        fs = input_size
        for _ in widths:
            fs = (fs + 1) // 2
        self.feat_size = fs
        # Dense head written as convolutions (a fs x fs conv over the fs x fs map == a Linear layer on the
        # flattened features): Debian's torch uses the reference BLAS for Linear (slow), convs use oneDNN.
        self.head = nn.Sequential(
            nn.Conv2d(cin, hidden, fs),
            nn.ReLU(inplace=True),
            nn.Dropout(dropout),
            nn.Conv2d(hidden, NUM_OUT, 1),
            nn.Flatten(1),
        )

    def forward(self, x):
        return self.head(self.features(x))


FFNET_CONFIG = dict(input_size=96, widths=(24, 32, 64, 128, 192), depths=(1, 2, 2, 2, 2), hidden=256,
                    dropout=0.1)


class FFHeat(nn.Module):
    """Heatmap net with integral regression (soft-argmax): the FFNet encoder down to 1/16, a small decoder
    back to 1/4 with skip connections, one heatmap per point, and the expected position under its softmax
    as the output. Same output contract as FFNet ([N, 136], x = out * W/2 + W/2), trained on coordinates.
    Convolutions see every position alike, so a point is located where it appears rather than inferred
    from a global vector: the better use of a small data set."""

    def __init__(self, input_size=96, widths=(24, 32, 64, 128), depths=(1, 2, 2, 2), decoder=(64, 32)):
        super().__init__()
        self.input_size = input_size
        stages, cin = [], 1
        for w, d in zip(widths, depths):
            layers = [conv_bn(cin, w, 2)] + [conv_bn(w, w, 1) for _ in range(d - 1)]
            stages.append(nn.Sequential(*layers))
            cin = w
        self.s1, self.s2, self.s3, self.s4 = stages  # 1/2, 1/4, 1/8, 1/16
        d3, d2 = decoder  # decoder widths at 1/8 and 1/4 (the 1/4 map is the costly one)
        self.top = nn.Conv2d(widths[3], d3, 1)
        self.lat3 = nn.Conv2d(widths[2], d3, 1)
        self.dec3 = conv_bn(d3, d3)
        self.mid = nn.Conv2d(d3, d2, 1)
        self.lat2 = nn.Conv2d(widths[1], d2, 1)
        self.dec2 = conv_bn(d2, d2)
        self.heat = nn.Conv2d(d2, NUM_OUT // 2, 1)
        hm = input_size // 4
        # cell centres in normalised crop coordinates: ((i + 0.5) * 4 - W/2) / (W/2)
        g = (torch.arange(hm, dtype=torch.float32) + 0.5) * (2.0 / hm) - 1.0
        self.register_buffer("gx", g.repeat(hm))                 # x varies fastest (row-major cells)
        self.register_buffer("gy", g.repeat_interleave(hm))

    def heatmaps(self, x):
        """[N, 68, cells]: each point's softmax over the 1/4-resolution grid (cells row-major, x fastest)."""
        f2 = self.s2(self.s1(x))
        f3 = self.s3(f2)
        f4 = self.s4(f3)
        y = self.top(f4)
        y = self.dec3(F.interpolate(y, scale_factor=2.0, mode="nearest") + self.lat3(f3))
        y = self.dec2(F.interpolate(self.mid(y), scale_factor=2.0, mode="nearest") + self.lat2(f2))
        h = self.heat(y)
        return torch.softmax(h.reshape(h.shape[0], 68, -1), dim=2)

    def coords(self, p):
        px = (p * self.gx).sum(2)
        py = (p * self.gy).sum(2)
        return torch.stack([px, py], 2).reshape(p.shape[0], 136)

    def forward(self, x):
        return self.coords(self.heatmaps(x))

    def forward_train(self, x):
        """(coordinates, heatmaps), for a loss on the heatmaps' shape as well (train.py --heatmap-reg)."""
        p = self.heatmaps(x)
        return self.coords(p), p


FFHEAT_CONFIG = dict(input_size=96, widths=(24, 32, 64, 128), depths=(1, 2, 2, 2), decoder=(64, 32))


CONFIGS = {"ffnet": FFNET_CONFIG, "ffheat": FFHEAT_CONFIG}
NETS = {"ffnet": FFNet, "ffheat": FFHeat}


def build(arch, **kw):
    """The net for `arch` with its default configuration, updated by `kw`."""
    if arch == "seed":
        return SeedNet()
    if arch not in NETS:
        raise ValueError("unknown arch %r" % arch)
    return NETS[arch](**dict(CONFIGS[arch], **kw))


def num_params(m):
    return sum(p.numel() for p in m.parameters())


class FlipTTA(nn.Module):
    """Runs the net on the crop and its mirror image in one batch and averages the two predictions.

    The mirrored prediction is mapped back with the mirror training flips with (transforms: x' = W - x in
    input pixels, so x = -x' in normalised units; the engine's input.light_gain.mirror_average does the same);
    the 68 points are re-indexed with the iBUG left/right permutation.
    """

    def __init__(self, net, flip_perm, width):
        super().__init__()
        self.net = net
        self.register_buffer("perm", torch.as_tensor(flip_perm, dtype=torch.long))
        del width  # the mirror needs no shift in normalised units

    def forward(self, x):
        n = x.shape[0]
        out = self.net(torch.cat([x, x.flip(3)], 0)).reshape(2 * n, -1, 2)
        a = out[:n]
        b = out[n:].index_select(1, self.perm)
        bx = -b[:, :, 0]
        b = torch.stack([bx, b[:, :, 1]], 2)
        return ((a + b) * 0.5).reshape(n, -1)


class TwoStage(nn.Module):
    """One model file, two nets: forward() for crops from keypoints (tracking, the engine's second pass),
    forward_detector_box() for crops from a face detector's box, whose wider scatter the other net was
    trained for. The engine picks by where the crop came from (docs/model-format.md)."""

    def __init__(self, keypoints_net, detector_net):
        super().__init__()
        self.keypoints_net = keypoints_net
        self.detector_net = detector_net

    def forward(self, x):
        return self.keypoints_net(x)

    @torch.jit.export
    def forward_detector_box(self, x):
        return self.detector_net(x)


DETECTOR_BOX_METHOD = "forward_detector_box"


class DetectorStageOf(nn.Module):
    """The detector-box net of a two-stage model file as a net of its own, so that a new keypoints stage can be
    paired with a shipped detector stage (export.py --detector-stage) without retraining it."""

    def __init__(self, two_stage):
        super().__init__()
        self.base = two_stage

    def forward(self, x):
        return self.base.forward_detector_box(x)


class PresenceOf(nn.Module):
    """The presence net of a model file as a net of its own (add_presence.py --presence-from), so that a new
    keypoints stage can keep a shipped presence net without retraining it."""

    def __init__(self, model_file_module):
        super().__init__()
        self.base = model_file_module

    def forward(self, x):
        return self.base.presence(x)


class OutputBias(nn.Module):
    """Adds a constant per-coordinate offset to a net's output (a calibration folded in by freezing)."""

    def __init__(self, net, bias):
        super().__init__()
        self.net = net
        self.register_buffer("bias", torch.as_tensor(bias, dtype=torch.float32).reshape(1, -1))

    def forward(self, x):
        return self.net(x) + self.bias
