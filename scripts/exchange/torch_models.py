"""PyTorch modules with the structure and parameter names of gridcnn's model kinds (docs/pytorch-weights.md).

A state_dict of one of these, saved as safetensors, imports with `gridcnn import` under the matching model spec
(spec() gives the spec JSON of each). Used by scripts/exchange/check_exchange.py; not a runtime dependency.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


class SRCNN(nn.Module):
    def __init__(self, cin, cout, kernels, widths, residual=None):
        super().__init__()
        ch = [cin] + widths + [cout]
        layers = []
        for i in range(3):
            assert kernels[i] % 2 == 1
            layers.append(nn.Conv2d(ch[i], ch[i + 1], kernels[i], padding=kernels[i] // 2))
            if i < 2:
                layers.append(nn.ReLU())
        self.body = nn.Sequential(*layers)
        self.residual = residual

    def forward(self, x):
        y = self.body(x)
        if self.residual is not None:
            y = y + x[:, self.residual:self.residual + 1]
        return y


class UNetBlock(nn.Module):
    def __init__(self, cin, cout, bn=True):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(cout) if bn else None
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(cout) if bn else None

    def forward(self, x):
        h = self.conv1(x)
        if self.bn1 is not None:
            h = self.bn1(h)
        h = self.conv2(F.relu(h))
        if self.bn2 is not None:
            h = self.bn2(h)
        return F.relu(h)


class UNet(nn.Module):
    def __init__(self, cin, cout, base, depth, bn=True, up_mode="transposedConv"):
        super().__init__()
        ch = [base << i for i in range(depth + 1)]
        self.down = nn.ModuleList([UNetBlock(cin if i == 0 else ch[i - 1], ch[i], bn) for i in range(depth)])
        self.mid = UNetBlock(ch[depth - 1], ch[depth], bn)
        ups = []
        for i in reversed(range(depth)):
            if up_mode == "transposedConv":
                ups.append(nn.ConvTranspose2d(ch[i + 1], ch[i], 2, stride=2))
            else:
                ups.append(nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(ch[i + 1], ch[i], 3, padding=1)))
        self.up = nn.ModuleList(ups)
        self.dec = nn.ModuleList([UNetBlock(2 * ch[i], ch[i], bn) for i in reversed(range(depth))])
        self.out = nn.Conv2d(ch[0], cout, 1)
        self.pool = nn.MaxPool2d(2)

    def forward(self, x):
        skips, h = [], x
        for block in self.down:
            h = block(h)
            skips.append(h)
            h = self.pool(h)
        h = self.mid(h)
        for u, d in zip(self.up, self.dec):
            h = d(torch.cat([u(h), skips.pop()], 1))
        return self.out(h)


class ConvNet(nn.Module):
    """gridcnn's ConvNet with 'same' 5x5 stages, ReLU, max-pool 2 (the jet CNN and patch CNN presets)."""
    def __init__(self, cin, size, widths, hidden, classes, dropout, kernel=5):
        super().__init__()
        feats, c, s = [], cin, size
        for w in widths:
            feats += [nn.Conv2d(c, w, kernel, padding=kernel // 2), nn.ReLU(), nn.MaxPool2d(2)]
            c, s = w, s // 2
        self.features = nn.Sequential(*feats)
        cls, width = [nn.Flatten()], c * s * s
        for h in hidden:
            cls += [nn.Linear(width, h), nn.ReLU()] + ([nn.Dropout(dropout)] if dropout > 0 else [])
            width = h
        cls.append(nn.Linear(width, classes))
        self.classifier = nn.Sequential(*cls)

    def forward(self, x):
        return self.classifier(self.features(x))


class MaxOut(nn.Module):
    def __init__(self, fin, fout, pieces):
        super().__init__()
        self.linear = nn.Linear(fin, fout * pieces)
        self.fout, self.pieces = fout, pieces

    def forward(self, x):
        y = self.linear(x)
        return y.view(*y.shape[:-1], self.fout, self.pieces).amax(-1)


class MaxOutNet(nn.Module):
    def __init__(self, fin, units, pieces, hidden, classes):
        super().__init__()
        layers, w = [nn.Flatten()], fin
        for u in units:
            layers.append(MaxOut(w, u, pieces))
            w = u
        for h in hidden:
            layers += [nn.Linear(w, h), nn.ReLU()]
            w = h
        layers.append(nn.Linear(w, classes))
        self.body = nn.Sequential(*layers)

    def forward(self, x):
        return self.body(x)


class TDNN(nn.Module):
    def __init__(self, channels, kernels, sum_over_time=True):
        super().__init__()
        layers = []
        for i, k in enumerate(kernels):
            layers += [nn.Conv1d(channels[i], channels[i + 1], k), nn.Sigmoid()]
        self.body = nn.Sequential(*layers)
        self.sum_over_time = sum_over_time

    def forward(self, x):
        y = self.body(x)
        return y.sum(2) if self.sum_over_time else y


class WaveNet(nn.Module):
    def __init__(self, classes, res, skip, layers, stacks=1, kernel=2):
        super().__init__()
        self.dil = [1 << i for i in range(layers)] * stacks
        self.kernel = kernel
        self.inp = nn.Conv1d(classes, res, 1)
        self.filt = nn.ModuleList([nn.Conv1d(res, res, kernel, dilation=d) for d in self.dil])
        self.gate = nn.ModuleList([nn.Conv1d(res, res, kernel, dilation=d) for d in self.dil])
        self.resc = nn.ModuleList([nn.Conv1d(res, res, 1) for _ in self.dil])
        self.skipc = nn.ModuleList([nn.Conv1d(res, skip, 1) for _ in self.dil])
        self.o1 = nn.Conv1d(skip, skip, 1)
        self.o2 = nn.Conv1d(skip, classes, 1)

    def forward(self, x):
        h, skips = self.inp(x), 0
        for i, d in enumerate(self.dil):
            hp = F.pad(h, ((self.kernel - 1) * d, 0))
            z = torch.tanh(self.filt[i](hp)) * torch.sigmoid(self.gate[i](hp))
            skips = skips + self.skipc[i](z)
            h = h + self.resc[i](z)
        return self.o2(F.relu(self.o1(F.relu(skips))))


def _conv_stage(width):
    return {"outChannels": width, "kernel": 5, "stride": 1, "padding": {"same": {}}, "groups": 1, "convs": 1,
            "batchNorm": False, "lrn": False, "pool": {"kind": "max", "kernel": 2}}


def cases():
    """(name, task it stands for, torch module, gridcnn model spec, one sample's input shape, one-hot input?)."""
    relu = {"relu": {}}
    return [
        ("srcnn", "downscale", SRCNN(3, 1, [9, 1, 5], [16, 8], residual=0),
         {"kind": "srcnn", "config": {"inChannels": 3, "outChannels": 1, "kernels": [9, 1, 5], "widths": [16, 8],
                                      "residualChannel": 0, "spatialRank": 2}}, [3, 20, 24], False),
        ("unet", "detect", UNet(4, 3, 6, 2, bn=True, up_mode="transposedConv"),
         {"kind": "unet", "config": {"inChannels": 4, "outChannels": 3, "base": 6, "depth": 2, "spatialRank": 2,
                                     "batchNorm": True, "upMode": "transposedConv"}}, [4, 16, 24], False),
        ("unet-upsample", "downscale", UNet(3, 1, 4, 2, bn=True, up_mode="upsampleConv"),
         {"kind": "unet", "config": {"inChannels": 3, "outChannels": 1, "base": 4, "depth": 2, "spatialRank": 2,
                                     "batchNorm": True, "upMode": "upsampleConv"}}, [3, 16, 16], False),
        ("jetcnn", "classify", ConvNet(1, 25, [8, 16], [32], 1, 0.5),
         {"kind": "jetcnn", "config": {"inChannels": 1, "inputSize": [25, 25], "stages": [_conv_stage(8), _conv_stage(16)],
                                       "hidden": [32], "classes": 1, "activation": relu, "dropout": 0.5}}, [1, 25, 25], False),
        ("maxout", "classify", MaxOutNet(100, [16, 8], 3, [8], 1),
         {"kind": "maxout", "config": {"inFeatures": 100, "units": [16, 8], "pieces": 3, "hidden": [8], "classes": 1,
                                       "dropout": 0}}, [100], False),
        ("tdnn", "syllables", TDNN([16, 8, 3], [3, 5]),
         {"kind": "tdnn", "config": {"channels": [16, 8, 3], "kernels": [3, 5], "activation": {"sigmoid": {}},
                                     "sumOverTime": True, "frames": 15}}, [16, 15], False),
        ("wavenet", "sequence", WaveNet(32, 8, 16, 4, stacks=2),
         {"kind": "wavenet", "config": {"classes": 32, "residualChannels": 8, "skipChannels": 16, "layers": 4, "stacks": 2,
                                        "kernelSize": 2, "conditionChannels": 0}}, [32, 40], True),
    ]
