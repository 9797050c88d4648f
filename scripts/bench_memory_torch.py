"""Peak resident memory of a steady-state PyTorch training step on torch_ref.py's workloads, measured exactly as
`gridcnn bench --memory`: RSS after set-up, one warm-up step, VmHWM reset via /proc/self/clear_refs, 3 steps,
VmHWM. Usage: python3 bench_memory_torch.py TORCH_REF_PATH WORKLOAD  (one workload per process)."""
import importlib.util, json, sys
import torch, torch.nn.functional as F

ref_path, which = sys.argv[1], sys.argv[2]
sys.argv = [ref_path, "none"]          # import the peer's models without running its benchmarks
spec = importlib.util.spec_from_file_location("torch_ref", ref_path)
ref = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ref)
torch.set_num_threads(1)
torch.manual_seed(0)

def status(key):
    for line in open("/proc/self/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024.0
    raise SystemExit(f"no {key} in /proc/self/status")

if which == "srcnn":
    model, x, y, loss = ref.srcnn(), torch.randn(16, 2, 64, 64), torch.randn(16, 1, 64, 64), F.mse_loss
elif which == "unet":
    model, x, y, loss = ref.UNet(), torch.randn(4, 2, 128, 128), torch.randn(4, 1, 128, 128), F.mse_loss
elif which == "wavenet":
    x = F.one_hot(torch.randint(0, 256, (1, 16000)), 256).float().transpose(1, 2)
    model, y, loss = ref.WaveNet(), torch.randint(0, 256, (1, 16000)), F.cross_entropy
elif which == "tdnn":
    model, x, y, loss = ref.tdnn(), torch.randn(64, 16, 15), torch.randn(64, 3, 9), F.mse_loss
else:
    raise SystemExit(f"unknown workload {which}")
opt = torch.optim.Adam(model.parameters(), 1e-3)
def step():
    opt.zero_grad(); loss(model(x), y).backward(); opt.step()
baseline = status("VmRSS")
step()
open("/proc/self/clear_refs", "w").write("5")
for _ in range(3):
    step()
print(json.dumps({"workload": which, "baselineMB": baseline, "peakMB": status("VmHWM"), "steps": 3}))
