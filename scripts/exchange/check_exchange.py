#!/usr/bin/env python3
"""Checks gridcnn's ONNX export and PyTorch import against onnxruntime and PyTorch, model kind by model kind.

For every case of torch_models.cases() (SRCNN, UNet with both up paths, jet CNN, maxout, TDNN, WaveNet): a seeded
PyTorch module (batch-norm statistics set to non-trivial values) is saved as safetensors, imported with
`gridcnn import`, exported with `gridcnn export --test-input`, and four outputs on the same input are compared:
PyTorch, gridcnn (the imported checkpoint), onnxruntime on the exported model. With --checkpoint, trained
checkpoints are also exported and onnxruntime is compared with gridcnn on gridcnn's seeded test input.

Tolerance: max |a - b| <= 1e-4 * max(1, max |reference|) (float32; gridcnn picks Winograd/GEMM convolutions, PyTorch
and onnxruntime their own, so sums differ in rounding only).

--write-fixtures DIR writes, per case, DIR/<case>/{spec.json, weights.safetensors, io.safetensors} (io: input,
torch_output, onnxruntime_output): the committed fixtures of Tests/GridExchangeTests.
"""
import argparse, json, os, subprocess, sys, tempfile
import numpy as np
import torch
import onnx, onnxruntime as ort
from onnx import numpy_helper
from safetensors.torch import save_file
from safetensors.numpy import save_file as save_numpy

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_models import cases  # noqa: E402

TOL = 1e-4


def close(a, b, what):
    scale = max(1.0, float(np.abs(b).max()))
    err = float(np.abs(a - b).max())
    ok = a.shape == b.shape and err <= TOL * scale
    print(f"  {'ok  ' if ok else 'FAIL'} {what}: max |diff| {err:.2e} (limit {TOL * scale:.2e})")
    return ok


def gridcnn(binary, *args):
    r = subprocess.run([binary, *args], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"gridcnn {' '.join(args)} failed: {r.stderr.strip()}")
    return r.stdout


def ort_run(path, x):
    sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    return sess.run(None, {sess.get_inputs()[0].name: x})[0]


def check_case(binary, work, name, task, module, spec, shape, one_hot, fixtures):
    print(f"{name} ({spec['kind']}, as for {task})")
    torch.manual_seed(sum(map(ord, name)))
    for m in module.modules():
        if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2.0)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.3, 0.3)
    module.eval()
    g = torch.Generator().manual_seed(7)
    if one_hot:
        codes = torch.randint(0, shape[0], (2, shape[1]), generator=g)
        x = torch.nn.functional.one_hot(codes, shape[0]).permute(0, 2, 1).float().contiguous()
    else:
        x = torch.randn(2, *shape, generator=g)
    with torch.no_grad():
        y_torch = module(x).numpy()
    d = os.path.join(work, name)
    os.makedirs(d, exist_ok=True)
    weights, spec_path = os.path.join(d, "weights.safetensors"), os.path.join(d, "spec.json")
    save_file({k: v.contiguous() for k, v in module.state_dict().items()}, weights)
    with open(spec_path, "w") as f:
        json.dump({"model": spec, "task": "imported", "task_spec": {"note": f"check_exchange.py case {name}"}}, f, indent=1)
    ck, model_onnx, test = os.path.join(d, "model.h5"), os.path.join(d, "model.onnx"), os.path.join(d, "test")
    gridcnn(binary, "import", "--from", weights, "--model-spec", spec_path, "--output", ck, "--overwrite")
    x_pb = os.path.join(d, "input.pb")
    with open(x_pb, "wb") as f:
        f.write(numpy_helper.from_array(x.numpy(), "input").SerializeToString())
    gridcnn(binary, "export", "--model", ck, "--output", model_onnx, "--test-input", x_pb, "--test-data", test, "--overwrite")
    onnx.checker.check_model(onnx.load(model_onnx), full_check=True)
    y_grid = numpy_helper.to_array(onnx.load_tensor(os.path.join(test, "test_data_set_0", "output_0.pb")))
    y_ort = ort_run(model_onnx, x.numpy())
    ok = close(y_grid, y_torch, "gridcnn (imported) vs PyTorch")
    ok &= close(y_ort, y_torch, "onnxruntime (exported) vs PyTorch")
    ok &= close(y_ort, y_grid, "onnxruntime vs gridcnn")
    if fixtures:
        out = os.path.join(fixtures, name)
        os.makedirs(out, exist_ok=True)
        save_file({k: v.contiguous() for k, v in module.state_dict().items()}, os.path.join(out, "weights.safetensors"))
        with open(os.path.join(out, "spec.json"), "w") as f:
            json.dump({"model": spec, "task": "imported", "task_spec": {"note": f"check_exchange.py case {name}"}}, f, indent=1)
        save_numpy({"input": x.numpy(), "torch_output": y_torch, "onnxruntime_output": y_ort.astype(np.float32)},
                   os.path.join(out, "io.safetensors"))
    return ok


def check_checkpoint(binary, work, ck):
    print(f"{ck} (trained checkpoint)")
    base = os.path.join(work, os.path.basename(ck))
    info = json.loads(gridcnn(binary, "export", "--model", ck, "--output", base + ".onnx", "--test-data", base + "-test",
                              "--overwrite", "--json"))
    model = onnx.load(base + ".onnx")
    onnx.checker.check_model(model, full_check=True)
    meta = {p.key: p.value for p in model.metadata_props}
    print(f"  {info['model_kind']} for {info['task']}: {info['nodes']} nodes; metadata: {', '.join(sorted(meta))[:150]}...")
    x = numpy_helper.to_array(onnx.load_tensor(os.path.join(info["test_data"], "input_0.pb")))
    y = numpy_helper.to_array(onnx.load_tensor(os.path.join(info["test_data"], "output_0.pb")))
    return close(ort_run(base + ".onnx", x), y, "onnxruntime vs gridcnn")


def detect_roundtrip(binary, work):
    """The committed trained UNet as a PyTorch model and back: its weights (h5py) and spec (the ONNX export's
    gridcnn.model_spec / gridcnn.task_spec metadata) build the PyTorch UNet, whose safetensors state_dict imports
    as a detect checkpoint; `gridcnn detect` with it must give the same class mask as with the original."""
    import h5py
    from torch_models import UNet
    print("models/detect-unet.h5 -> PyTorch -> safetensors -> gridcnn import -> gridcnn detect")
    d = os.path.join(work, "roundtrip")
    os.makedirs(d, exist_ok=True)
    gridcnn(binary, "export", "--model", "models/detect-unet.h5", "--output", f"{d}/orig.onnx", "--overwrite")
    meta = {p.key: p.value for p in onnx.load(f"{d}/orig.onnx").metadata_props}
    spec, record = json.loads(meta["gridcnn.model_spec"]), json.loads(meta["gridcnn.task_spec"])
    c = spec["config"]
    net = UNet(c["inChannels"], c["outChannels"], c["base"], c["depth"], c["batchNorm"], c["upMode"])
    with h5py.File("models/detect-unet.h5") as f:
        state = {k: torch.from_numpy(f["weights"][k][()]) for k in f["weights"]}
        state.update({k.replace("runningMean", "running_mean").replace("runningVar", "running_var"): torch.from_numpy(f["buffers"][k][()])
                      for k in f["buffers"]})
    missing, unexpected = net.load_state_dict(state, strict=False)
    assert not unexpected and all(k.endswith("num_batches_tracked") for k in missing), (missing, unexpected)
    save_file({k: v.contiguous() for k, v in net.state_dict().items()}, f"{d}/unet.safetensors")
    with open(f"{d}/spec.json", "w") as f:
        json.dump({"model": spec, "task": "detect", "task_spec": record}, f)
    gridcnn(binary, "import", "--from", f"{d}/unet.safetensors", "--model-spec", f"{d}/spec.json", "--output", f"{d}/imported.h5")
    masks = []
    for ck in ("models/detect-unet.h5", f"{d}/imported.h5"):
        out = f"{d}/mask-{len(masks)}.nc"
        gridcnn(binary, "detect", "--model", ck, "--input", "datasets/weather/weather_test.nc", "--output", out, "--quiet")
        with h5py.File(out) as f:
            masks.append({k: f[k][()] for k in f if isinstance(f[k], h5py.Dataset) and f[k].dtype.kind in "iuf" and f[k].ndim >= 2})
    same = masks[0].keys() == masks[1].keys() and all(np.array_equal(masks[0][k], masks[1][k]) for k in masks[0])
    cells = sum(int(np.count_nonzero(v)) for v in masks[0].values())
    print(f"  {'ok  ' if same else 'FAIL'} class masks of the original and the PyTorch round trip identical "
          f"({', '.join(masks[0])}; {cells} non-zero cells)")
    return same


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gridcnn", default=".build/release/gridcnn")
    ap.add_argument("--checkpoint", action="append", default=[])
    ap.add_argument("--write-fixtures")
    ap.add_argument("--detect-roundtrip", action="store_true", help="also apply the trained UNet after a PyTorch round trip")
    a = ap.parse_args()
    ok = True
    with tempfile.TemporaryDirectory() as work:
        for case in cases():
            ok &= check_case(a.gridcnn, work, *case, a.write_fixtures)
        for ck in a.checkpoint:
            ok &= check_checkpoint(a.gridcnn, work, ck)
        if a.detect_roundtrip:
            ok &= detect_roundtrip(a.gridcnn, work)
    print("PASS" if ok else "FAIL")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
