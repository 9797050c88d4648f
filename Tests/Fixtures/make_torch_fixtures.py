#!/usr/bin/env python3
"""Generate PyTorch reference fixtures for gridcnn.

Writes Tests/Fixtures/torch_reference.json (see Tests/Fixtures/README.md for
the schema). Deterministic: every case draws its random tensors from a
generator seeded by a CRC32 of the case name, so adding/removing a case does
not change the others.

All math runs in float64. Random inputs are first rounded to 7 significant
digits, so the stored inputs are exactly the values the reference outputs and
gradients were computed from; outputs/gradients are then rounded to 7
significant digits as well.

Run:  python3 Tests/Fixtures/make_torch_fixtures.py
"""

import json
import math
import os
import zlib

import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_PATH = os.path.join(HERE, "torch_reference.json")

SIG = 7


def r7(v):
    v = float(v)
    if v == 0.0 or not math.isfinite(v):
        return 0.0 if v == 0.0 else v
    return float(f"{v:.{SIG}g}")


def round_tensor(t):
    return torch.tensor([r7(v) for v in t.detach().reshape(-1).tolist()],
                        dtype=torch.float64).reshape(t.shape)


def enc(t):
    """Tensor -> {"shape", "data"} (row-major, floats to 7 sig. digits)."""
    t = t.detach()
    if t.dtype in (torch.int64, torch.int32, torch.bool):
        data = [int(v) for v in t.reshape(-1).tolist()]
    else:
        data = [r7(v) for v in t.reshape(-1).tolist()]
    return {"shape": list(t.shape), "data": data}


class Case:
    """Random-tensor factory bound to one case's generator."""

    def __init__(self, name):
        self.name = name
        self.g = torch.Generator().manual_seed(zlib.crc32(name.encode()) & 0x7FFFFFFF)

    def randn(self, *shape, scale=1.0):
        return round_tensor(torch.randn(*shape, generator=self.g) * scale)

    def rand(self, *shape, lo=0.0, hi=1.0):
        return round_tensor(lo + (hi - lo) * torch.rand(*shape, generator=self.g))

    def randint(self, lo, hi, *shape):
        return torch.randint(lo, hi, shape, generator=self.g)

    def mask(self, *shape, p=0.5):
        m = (torch.rand(*shape, generator=self.g) < p).double()
        m.reshape(-1)[0] = 1.0  # never all-zero
        return m


CASES = []
NAMES = set()


def add(name, op, params, inputs, fn, grad_keys=None, extra_out=None,
        scalar_upstream_one=False, c=None):
    """Evaluate fn(**inputs) in float64, back-propagate a random upstream.

    inputs: ordered dict name -> tensor (float tensors listed in grad_keys get
    gradients; integer tensors are stored as ints).
    fn returns the output tensor, or (output, extras_dict).
    """
    assert name not in NAMES, name
    NAMES.add(name)
    if grad_keys is None:
        grad_keys = [k for k, v in inputs.items() if v.is_floating_point()]
    leaves = {}
    for k, v in inputs.items():
        if k in grad_keys:
            leaves[k] = v.clone().requires_grad_(True)
        else:
            leaves[k] = v.clone()
    res = fn(**leaves)
    extras = {}
    if isinstance(res, tuple):
        res, extras = res
    out = res
    if c is None:
        c = Case(name + "/upstream")
    if out.dim() == 0 and scalar_upstream_one:
        up = torch.tensor(1.0)
    else:
        up = round_tensor(torch.randn(*out.shape, generator=c.g)) if out.dim() > 0 \
            else round_tensor(torch.randn((), generator=c.g) * 0.5 + 1.0)
    (out * up).sum().backward()
    grads = {}
    for k in grad_keys:
        gk = leaves[k].grad
        if gk is None:
            gk = torch.zeros_like(leaves[k])
        grads[k] = enc(gk)
    o = enc(out)
    for k, v in extras.items():
        o[k] = enc(v)
    CASES.append({
        "name": name,
        "op": op,
        "params": params,
        "inputs": {k: enc(v) for k, v in inputs.items()},
        "output": o,
        "upstream": enc(up),
        "grads": grads,
    })


def nd(v, dims):
    return list(v) if isinstance(v, (list, tuple)) else [v] * dims


# ----------------------------------------------------------------- conv

CONV_FN = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}
CONVT_FN = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}
POOL_MAX = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}
POOL_AVG = {1: F.avg_pool1d, 2: F.avg_pool2d, 3: F.avg_pool3d}


def torch_pad_list(lo, hi):
    """Per-spatial-dim lo/hi (first spatial dim first) -> F.pad order."""
    p = []
    for a, b in zip(reversed(lo), reversed(hi)):
        p += [a, b]
    return p


def conv_case(name, dims, n, cin, cout, spatial, k, stride=1, pad_lo=0, pad_hi=None,
              dilation=1, groups=1, bias=True):
    c = Case(name)
    k = nd(k, dims)
    stride = nd(stride, dims)
    pad_lo = nd(pad_lo, dims)
    pad_hi = nd(pad_lo if pad_hi is None else pad_hi, dims)
    dilation = nd(dilation, dims)
    inputs = {"x": c.randn(n, cin, *nd(spatial, dims)),
              "w": c.randn(cout, cin // groups, *k, scale=0.3)}
    if bias:
        inputs["b"] = c.randn(cout, scale=0.3)
    params = {"dims": dims, "stride": stride, "padding_lo": pad_lo,
              "padding_hi": pad_hi, "dilation": dilation, "groups": groups}

    def fn(x, w, b=None):
        xp = F.pad(x, torch_pad_list(pad_lo, pad_hi))
        return CONV_FN[dims](xp, w, b, stride=stride, padding=0,
                             dilation=dilation, groups=groups)
    add(name, "conv", params, inputs, fn, c=c)


def convt_case(name, dims, n, cin, cout, spatial, k, stride=1, padding=0,
               output_padding=0, dilation=1, groups=1, bias=True):
    c = Case(name)
    k = nd(k, dims)
    stride = nd(stride, dims)
    padding = nd(padding, dims)
    output_padding = nd(output_padding, dims)
    dilation = nd(dilation, dims)
    inputs = {"x": c.randn(n, cin, *nd(spatial, dims)),
              "w": c.randn(cin, cout // groups, *k, scale=0.3)}
    if bias:
        inputs["b"] = c.randn(cout, scale=0.3)
    params = {"dims": dims, "stride": stride, "padding": padding,
              "output_padding": output_padding, "dilation": dilation,
              "groups": groups}

    def fn(x, w, b=None):
        return CONVT_FN[dims](x, w, b, stride=stride, padding=padding,
                              output_padding=output_padding, groups=groups,
                              dilation=dilation)
    add(name, "conv_transpose", params, inputs, fn, c=c)


def build_conv():
    # 1-D
    conv_case("conv1d_k3_s1_p1", 1, 2, 3, 4, 10, 3, pad_lo=1)
    conv_case("conv1d_k2_d4_causal", 1, 2, 3, 4, 12, 2, pad_lo=4, pad_hi=0, dilation=4)
    conv_case("conv1d_k5_s2", 1, 2, 3, 4, 13, 5, stride=2)
    conv_case("conv1d_k3_nobias", 1, 2, 2, 3, 8, 3, pad_lo=1, bias=False)
    # 2-D
    conv_case("conv2d_k3_p1", 2, 2, 3, 4, [5, 6], 3, pad_lo=1)
    conv_case("conv2d_k3_s2_p1", 2, 2, 3, 4, [7, 6], 3, stride=2, pad_lo=1)
    conv_case("conv2d_k5_d2_p4", 2, 1, 2, 3, [7, 7], 5, pad_lo=4, dilation=2)
    conv_case("conv2d_groups2", 2, 2, 4, 6, [5, 5], 3, pad_lo=1, groups=2)
    conv_case("conv2d_depthwise4", 2, 2, 4, 4, [5, 5], 3, pad_lo=1, groups=4)
    conv_case("conv2d_1x1", 2, 2, 5, 3, [4, 4], 1)
    conv_case("conv2d_asym_pad", 2, 2, 3, 4, [5, 6], 2, pad_lo=[1, 0], pad_hi=[0, 1])
    conv_case("conv2d_k2x3_s2x1", 2, 2, 3, 4, [7, 6], [2, 3], stride=[2, 1])
    conv_case("conv2d_k3_nobias", 2, 1, 3, 2, [5, 5], 3, bias=False)
    # 3-D
    conv_case("conv3d_k3_p1", 3, 1, 2, 3, [4, 4, 4], 3, pad_lo=1)
    conv_case("conv3d_k2_s2", 3, 2, 2, 3, [4, 4, 4], 2, stride=2)
    conv_case("conv3d_groups2", 3, 1, 4, 4, [4, 3, 4], 3, pad_lo=1, groups=2)

    convt_case("convt1d_k4_s2_p1", 1, 2, 3, 2, 6, 4, stride=2, padding=1)
    convt_case("convt2d_k2_s2", 2, 2, 4, 3, [4, 3], 2, stride=2)
    convt_case("convt2d_k3_s2_p1_op1", 2, 2, 3, 2, [3, 4], 3, stride=2, padding=1,
               output_padding=1)
    convt_case("convt2d_groups2", 2, 2, 4, 6, [4, 4], 3, stride=1, padding=1, groups=2)
    convt_case("convt3d_k2_s2", 3, 1, 3, 2, [2, 3, 2], 2, stride=2)
    convt_case("convt2d_k3_d2_s2", 2, 1, 3, 2, [3, 4], 3, stride=2, padding=1,
               dilation=2, output_padding=1)
    convt_case("convt2d_k3_s1_nobias", 2, 1, 2, 3, [4, 4], 3, bias=False)


# ----------------------------------------------------------------- pooling

def build_pool():
    def maxpool(name, dims, shape, kernel, stride, padding=0):
        c = Case(name)
        kernel, stride, padding = nd(kernel, dims), nd(stride, dims), nd(padding, dims)
        params = {"dims": dims, "kernel": kernel, "stride": stride,
                  "padding": padding, "dilation": [1] * dims, "ceil_mode": False}

        def fn(x):
            y, idx = POOL_MAX[dims](x, kernel, stride, padding, return_indices=True)
            return y, {"indices": idx}
        add(name, "max_pool", params, {"x": c.randn(*shape)}, fn, c=c)

    maxpool("maxpool1d_k2_s2", 1, [2, 3, 9], 2, 2)
    maxpool("maxpool1d_k3_s2_p1", 1, [2, 2, 9], 3, 2, 1)
    maxpool("maxpool2d_k2_s2", 2, [2, 3, 6, 6], 2, 2)
    maxpool("maxpool2d_k3_s2_p1", 2, [2, 2, 7, 6], 3, 2, 1)
    maxpool("maxpool3d_k2_s2", 3, [1, 2, 4, 4, 6], 2, 2)

    # max_unpool 2-D
    for name, shape, k, s, osize in [
        ("maxunpool2d_k2_s2", [2, 2, 6, 6], 2, 2, [6, 6]),
        ("maxunpool2d_k2_s2_odd", [1, 3, 5, 7], 2, 2, [5, 7]),
    ]:
        c = Case(name)
        src = c.randn(*shape)
        pooled, idx = F.max_pool2d(src, k, s, return_indices=True)
        x = round_tensor(pooled)
        params = {"kernel": [k, k], "stride": [s, s], "padding": [0, 0],
                  "output_size": osize}
        add(name, "max_unpool", params, {"x": x, "indices": idx},
            lambda x, indices: F.max_unpool2d(x, indices, k, s, output_size=osize),
            grad_keys=["x"], c=c)

    def avgpool(name, dims, shape, kernel, stride, padding, cip):
        c = Case(name)
        kernel, stride, padding = nd(kernel, dims), nd(stride, dims), nd(padding, dims)
        params = {"dims": dims, "kernel": kernel, "stride": stride,
                  "padding": padding, "count_include_pad": cip, "ceil_mode": False}
        add(name, "avg_pool", params, {"x": c.randn(*shape)},
            lambda x: POOL_AVG[dims](x, kernel, stride, padding,
                                     count_include_pad=cip), c=c)

    avgpool("avgpool2d_k3_s2_p1_incl", 2, [2, 2, 6, 5], 3, 2, 1, True)
    avgpool("avgpool2d_k3_s2_p1_excl", 2, [2, 2, 6, 5], 3, 2, 1, False)
    avgpool("avgpool2d_k2_s2", 2, [2, 3, 4, 6], 2, 2, 0, True)
    avgpool("avgpool1d_k3_s1_p1_excl", 1, [2, 3, 8], 3, 1, 1, False)
    avgpool("avgpool1d_k2_s2", 1, [2, 3, 8], 2, 2, 0, True)
    avgpool("avgpool3d_k2_s2", 3, [1, 2, 4, 4, 4], 2, 2, 0, True)

    c = Case("adaptive_avg_pool_global")
    add("adaptive_avg_pool_global", "adaptive_avg_pool_global", {"dims": 2},
        {"x": c.randn(2, 3, 4, 5)}, lambda x: F.adaptive_avg_pool2d(x, 1), c=c)


# ----------------------------------------------------------------- upsample / pad

def build_resample():
    def up(name, dims, shape, scale, mode):
        c = Case(name)
        params = {"dims": dims, "scale": [scale] * dims, "mode": mode,
                  "align_corners": False}
        tmode = mode
        ac = None if mode == "nearest" else False
        add(name, "upsample", params, {"x": c.randn(*shape)},
            lambda x: F.interpolate(x, scale_factor=[float(scale)] * dims,
                                    mode=tmode, align_corners=ac), c=c)

    up("upsample1d_nearest_s2", 1, [2, 2, 5], 2, "nearest")
    up("upsample1d_nearest_s3", 1, [2, 2, 4], 3, "nearest")
    up("upsample1d_linear_s2", 1, [2, 2, 5], 2, "linear")
    up("upsample1d_linear_s3", 1, [2, 2, 4], 3, "linear")
    up("upsample2d_nearest_s2", 2, [2, 2, 3, 4], 2, "nearest")
    up("upsample2d_nearest_s3", 2, [1, 2, 3, 3], 3, "nearest")
    up("upsample2d_bilinear_s2", 2, [2, 2, 3, 4], 2, "bilinear")
    up("upsample2d_bilinear_s3", 2, [1, 2, 3, 3], 3, "bilinear")
    up("upsample3d_nearest_s2", 3, [1, 2, 2, 3, 3], 2, "nearest")
    up("upsample3d_trilinear_s2", 3, [1, 2, 2, 3, 3], 2, "trilinear")
    up("upsample3d_trilinear_s3", 3, [1, 1, 2, 2, 3], 3, "trilinear")

    def pad(name, shape, mode, lo, hi, value=0.0):
        c = Case(name)
        params = {"mode": mode, "pad_lo": lo, "pad_hi": hi}
        if mode == "constant":
            params["value"] = value
        kw = {"value": value} if mode == "constant" else {}
        add(name, "pad", params, {"x": c.randn(*shape)},
            lambda x: F.pad(x, torch_pad_list(lo, hi), mode=mode, **kw), c=c)

    pad("pad1d_constant", [2, 3, 6], "constant", [2], [1])
    pad("pad1d_constant_value", [2, 2, 5], "constant", [1], [3], value=0.5)
    pad("pad1d_reflect", [2, 3, 6], "reflect", [2], [3])
    pad("pad1d_replicate", [2, 3, 6], "replicate", [3], [1])
    pad("pad2d_constant", [2, 2, 4, 5], "constant", [1, 2], [2, 0])
    pad("pad2d_reflect", [2, 2, 4, 5], "reflect", [1, 2], [2, 3])
    pad("pad2d_reflect_sym1", [1, 3, 4, 4], "reflect", [1, 1], [1, 1])
    pad("pad2d_replicate", [2, 2, 4, 5], "replicate", [2, 1], [0, 3])


# ----------------------------------------------------------------- activations

def build_act():
    acts = {
        "relu": ({}, lambda x: F.relu(x)),
        "leaky_relu": ({"negative_slope": 0.1}, lambda x: F.leaky_relu(x, 0.1)),
        "elu": ({"alpha": 1.0}, lambda x: F.elu(x, 1.0)),
        "gelu": ({"approximate": "none"}, lambda x: F.gelu(x)),
        "gelu_tanh": ({"approximate": "tanh"}, lambda x: F.gelu(x, approximate="tanh")),
        "sigmoid": ({}, lambda x: torch.sigmoid(x)),
        "tanh": ({}, lambda x: torch.tanh(x)),
        "softmax": ({"dim": 1}, lambda x: F.softmax(x, dim=1)),
        "log_softmax": ({"dim": 1}, lambda x: F.log_softmax(x, dim=1)),
        "softplus": ({"beta": 1.0, "threshold": 20.0}, lambda x: F.softplus(x)),
        "lecun_tanh": ({"formula": "1.7159*tanh(2*x/3)"},
                       lambda x: 1.7159 * torch.tanh(2.0 * x / 3.0)),
    }
    for op, (params, f) in acts.items():
        name = op
        c = Case(name)
        x = c.randn(2, 3, 4, 4, scale=2.0)
        add(name, op, params, {"x": x}, f, c=c)
    # softmax / log_softmax on [N, C] too
    for op, f in [("softmax", lambda x: F.softmax(x, dim=1)),
                  ("log_softmax", lambda x: F.log_softmax(x, dim=1))]:
        name = op + "_2d"
        c = Case(name)
        add(name, op, {"dim": 1}, {"x": c.randn(4, 6, scale=2.0)}, f, c=c)


# ----------------------------------------------------------------- normalisation

def build_norm():
    def bn(name, shape, training):
        c = Case(name)
        C = shape[1]
        inputs = {"x": c.randn(*shape),
                  "weight": round_tensor(1.0 + c.randn(C, scale=0.3)),
                  "bias": c.randn(C, scale=0.3),
                  "running_mean": c.randn(C, scale=0.5),
                  "running_var": c.rand(C, lo=0.5, hi=1.5)}
        params = {"training": training, "momentum": 0.1, "eps": 1e-5}

        def fn(x, weight, bias, running_mean, running_var):
            rm, rv = running_mean.clone(), running_var.clone()
            y = F.batch_norm(x, rm, rv, weight, bias, training=training,
                             momentum=0.1, eps=1e-5)
            return y, {"running_mean_after": rm, "running_var_after": rv}
        add(name, "batch_norm", params, inputs, fn,
            grad_keys=["x", "weight", "bias"], c=c)

    bn("batchnorm2d_train", [3, 4, 3, 5], True)
    bn("batchnorm2d_eval", [3, 4, 3, 5], False)
    bn("batchnorm1d_train", [4, 3, 6], True)
    bn("batchnorm1d_eval", [4, 3, 6], False)

    for name, alpha in [("lrn_size5", 1e-4), ("lrn_size5_alpha0.5", 0.5)]:
        c = Case(name)
        params = {"size": 5, "alpha": alpha, "beta": 0.75, "k": 2.0,
                  "formula": "y = x / (k + alpha/size * sum_{c' in [c-size//2, c+(size-1)//2]} x_{c'}^2)^beta (zero-padded over channels)"}
        add(name, "local_response_norm", params, {"x": c.randn(2, 7, 3, 3, scale=2.0)},
            lambda x: F.local_response_norm(x, 5, alpha=alpha, beta=0.75, k=2.0), c=c)


# ----------------------------------------------------------------- losses

def build_losses():
    # mse / l1
    for op, f in [("mse", F.mse_loss), ("l1", F.l1_loss)]:
        for name, shape, one in [(op, [2, 3, 4], True), (op + "_4d", [2, 2, 3, 3], False)]:
            c = Case(name)
            add(name, op, {"reduction": "mean"},
                {"x": c.randn(*shape), "target": c.randn(*shape)},
                lambda x, target, f=f: f(x, target, reduction="mean"), grad_keys=["x", "target"],
                scalar_upstream_one=one, c=c)

    # masked
    for op, errf in [("mse_masked", lambda d: d * d), ("l1_masked", lambda d: d.abs())]:
        for name, shape in [(op, [2, 3, 4]), (op + "_4d", [2, 1, 4, 4])]:
            c = Case(name)
            inputs = {"x": c.randn(*shape), "target": c.randn(*shape),
                      "mask": c.mask(*shape, p=0.6)}
            params = {"formula": "sum(mask*err)/sum(mask), err = " +
                      ("(x-target)^2" if op == "mse_masked" else "|x-target|")}
            add(name, op, params, inputs,
                lambda x, target, mask, errf=errf: (mask * errf(x - target)).sum() / mask.sum(),
                grad_keys=["x", "target"], scalar_upstream_one=(shape == [2, 3, 4]), c=c)

    # cross entropy
    def ce(name, shape, weight=False, ignore=False, ls=0.0, one=False):
        c = Case(name)
        N, C = shape[0], shape[1]
        logits = c.randn(*shape, scale=1.5)
        tshape = [N] + shape[2:]
        target = c.randint(0, C, *tshape)
        if ignore:
            flat = target.reshape(-1)
            flat[1] = -100
            flat[-2] = -100
        inputs = {"x": logits, "target": target}
        if weight:
            inputs["weight"] = c.rand(C, lo=0.3, hi=2.0)
        params = {"reduction": "mean", "ignore_index": -100, "label_smoothing": ls,
                  "class_dim": 1}

        def fn(x, target, weight=None):
            return F.cross_entropy(x, target, weight=weight, ignore_index=-100,
                                   reduction="mean", label_smoothing=ls)
        add(name, "cross_entropy", params, inputs, fn, grad_keys=["x"],
            scalar_upstream_one=one, c=c)

    ce("cross_entropy_plain", [5, 4], one=True)
    ce("cross_entropy_plain_rand_upstream", [4, 6])
    ce("cross_entropy_weight", [6, 4], weight=True)
    ce("cross_entropy_ignore", [6, 4], ignore=True)
    ce("cross_entropy_weight_ignore", [6, 4], weight=True, ignore=True)
    ce("cross_entropy_label_smoothing", [5, 4], ls=0.1)
    ce("cross_entropy_4d_plain", [2, 3, 3, 4], one=True)
    ce("cross_entropy_4d_weight", [2, 3, 3, 4], weight=True)
    ce("cross_entropy_4d_ignore", [2, 3, 3, 4], ignore=True)
    ce("cross_entropy_4d_label_smoothing", [2, 3, 3, 4], ls=0.1)

    # bce with logits
    for name, shape, pw, one in [("bce_with_logits", [3, 4], False, True),
                                 ("bce_with_logits_pos_weight", [3, 4], True, False),
                                 ("bce_with_logits_4d", [2, 2, 3, 3], False, False),
                                 ("bce_with_logits_4d_pos_weight", [2, 2, 3, 3], True, False)]:
        c = Case(name)
        inputs = {"x": c.randn(*shape, scale=2.0), "target": c.mask(*shape, p=0.5)}
        if pw:
            pshape = [shape[1]] + [1] * (len(shape) - 2)
            inputs["pos_weight"] = c.rand(*pshape, lo=0.5, hi=3.0)
        params = {"reduction": "mean",
                  "formula": "mean(-(pos_weight*t*log(sigmoid(x)) + (1-t)*log(1-sigmoid(x))))",
                  "pos_weight_broadcast": "pos_weight has shape [C] (+ trailing 1s) and broadcasts along dim 1" if pw else None}
        if not pw:
            del params["pos_weight_broadcast"]

        def fn(x, target, pos_weight=None):
            return F.binary_cross_entropy_with_logits(x, target, pos_weight=pos_weight,
                                                      reduction="mean")
        add(name, "bce_with_logits", params, inputs, fn, grad_keys=["x"],
            scalar_upstream_one=one, c=c)

    # soft dice
    for name, shape, one in [("soft_dice", [2, 1, 4, 4], True),
                             ("soft_dice_multi", [2, 3, 3, 3], False)]:
        c = Case(name)
        inputs = {"x": c.randn(*shape, scale=2.0), "target": c.mask(*shape, p=0.4)}
        params = {"smooth": 1.0,
                  "formula": "p = sigmoid(x); loss = 1 - (2*sum(p*target) + smooth)/(sum(p) + sum(target) + smooth); sums over ALL elements"}

        def fn(x, target):
            p = torch.sigmoid(x)
            return 1.0 - (2.0 * (p * target).sum() + 1.0) / (p.sum() + target.sum() + 1.0)
        add(name, "soft_dice", params, inputs, fn, grad_keys=["x"],
            scalar_upstream_one=one, c=c)


# ----------------------------------------------------------------- matmul / reductions

def build_misc():
    for name, sa, sb in [("matmul_3x4_4x5", [3, 4], [4, 5]),
                         ("matmul_batched_2x3x4_2x4x5", [2, 3, 4], [2, 4, 5])]:
        c = Case(name)
        add(name, "matmul", {"formula": "output = x @ y"},
            {"x": c.randn(*sa), "y": c.randn(*sb)}, lambda x, y: x @ y, c=c)

    reds = [
        ("sum", [1], False), ("sum", [0, 2], True), ("sum", [0, 1, 2], False),
        ("sum", [2], True),
        ("mean", [2], False), ("mean", [0, 1], True), ("mean", [0, 1, 2], False),
        ("max", [1], False), ("max", [2], True), ("max", [0, 2], False),
        ("max", [0, 1, 2], False),
        ("var", [1], False), ("var", [0, 2], True), ("var", [2], False),
        ("logsumexp", [1], False), ("logsumexp", [1], True),
    ]
    for op, axes, keep in reds:
        name = f"{op}_axes{''.join(map(str, axes))}" + ("_keepdim" if keep else "")
        c = Case(name)
        params = {"axes": axes, "keepdim": keep}
        if op == "var":
            params["unbiased"] = False
        f = {
            "sum": lambda x: x.sum(dim=axes, keepdim=keep),
            "mean": lambda x: x.mean(dim=axes, keepdim=keep),
            "max": lambda x: torch.amax(x, dim=axes, keepdim=keep),
            "var": lambda x: torch.var(x, dim=axes, keepdim=keep, unbiased=False),
            "logsumexp": lambda x: torch.logsumexp(x, dim=axes, keepdim=keep),
        }[op]
        add(name, op, params, {"x": c.randn(2, 3, 4)}, f, c=c)


def main():
    torch.manual_seed(0)
    build_conv()
    build_pool()
    build_resample()
    build_act()
    build_norm()
    build_losses()
    build_misc()
    # sanity: every tensor small
    for case in CASES:
        for sect in ("inputs", "grads"):
            for k, v in case[sect].items():
                assert len(v["data"]) <= 600, (case["name"], sect, k, len(v["data"]))
        assert len(case["output"]["data"]) <= 600, case["name"]
    text = "[\n" + ",\n".join(json.dumps(c, separators=(",", ":")) for c in CASES) + "\n]\n"
    with open(OUT_PATH, "w") as fh:
        fh.write(text)
    print(f"wrote {len(CASES)} cases, {len(text)} bytes -> {OUT_PATH} (torch {torch.__version__})")


if __name__ == "__main__":
    main()
