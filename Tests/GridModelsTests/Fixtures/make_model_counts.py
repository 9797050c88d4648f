"""Parameter counts and output shapes of the gridcnn model zoo, computed with PyTorch (2.13.0+cpu).
Usage: python3 Tests/GridModelsTests/Fixtures/make_model_counts.py  -> writes model_counts.json beside this script.
The models are built here the same way as in GridModels (SRCNN, UNet, WaveNet, TDNN as shared/bench/torch_ref.py;
LeNet-5, AlexNet with grouped convs, VGG-16 and ResNet-34 as torchvision; jet CNN, extreme-weather CNN, maxout).
The Swift tests read the JSON and never need torch."""
import json, os, torch, torch.nn as nn, torch.nn.functional as F

def count(m): return sum(p.numel() for p in m.parameters())

def srcnn(cin=2, cout=1, k2=1):
    return nn.Sequential(nn.Conv2d(cin, 64, 9, padding=4), nn.ReLU(), nn.Conv2d(64, 32, k2, padding=k2 // 2), nn.ReLU(),
                         nn.Conv2d(32, cout, 5, padding=2))

class UNet(nn.Module):  # torch_ref.py's UNet, with the convolution dimension as a parameter
    def __init__(s, cin=2, cout=1, base=32, depth=4, dim=2):
        super().__init__()
        C = {2: nn.Conv2d, 3: nn.Conv3d}[dim]; B = {2: nn.BatchNorm2d, 3: nn.BatchNorm3d}[dim]
        T = {2: nn.ConvTranspose2d, 3: nn.ConvTranspose3d}[dim]
        s.pool = {2: F.max_pool2d, 3: F.max_pool3d}[dim]
        def block(a, b): return nn.Sequential(C(a, b, 3, padding=1), B(b), nn.ReLU(), C(b, b, 3, padding=1), B(b), nn.ReLU())
        ch = [base * 2**i for i in range(depth + 1)]
        s.down = nn.ModuleList([block(cin if i == 0 else ch[i-1], ch[i]) for i in range(depth)])
        s.mid = block(ch[depth-1], ch[depth])
        s.up = nn.ModuleList([T(ch[i+1], ch[i], 2, stride=2) for i in reversed(range(depth))])
        s.dec = nn.ModuleList([block(2*ch[i], ch[i]) for i in reversed(range(depth))])
        s.out = C(ch[0], cout, 1)
    def forward(s, x):
        skips = []
        for b in s.down:
            x = b(x); skips.append(x); x = s.pool(x, 2)
        x = s.mid(x)
        for u, d in zip(s.up, s.dec):
            x = u(x); x = d(torch.cat([x, skips.pop()], 1))
        return s.out(x)

class WaveNet(nn.Module):  # torch_ref.py's WaveNet
    def __init__(s, classes=256, res=32, skip=64, layers=10, stacks=1):
        super().__init__()
        s.inp = nn.Conv1d(classes, res, 1)
        s.dil = [2**i for i in range(layers)] * stacks
        s.filt = nn.ModuleList([nn.Conv1d(res, res, 2, dilation=d) for d in s.dil])
        s.gate = nn.ModuleList([nn.Conv1d(res, res, 2, dilation=d) for d in s.dil])
        s.resc = nn.ModuleList([nn.Conv1d(res, res, 1) for _ in s.dil])
        s.skipc = nn.ModuleList([nn.Conv1d(res, skip, 1) for _ in s.dil])
        s.o1 = nn.Conv1d(skip, skip, 1); s.o2 = nn.Conv1d(skip, classes, 1)
    def forward(s, x):
        x = s.inp(x); out = 0
        for d, f, g, r, k in zip(s.dil, s.filt, s.gate, s.resc, s.skipc):
            xp = F.pad(x, (d, 0))
            z = torch.tanh(f(xp)) * torch.sigmoid(g(xp))
            out = out + k(z); x = x + r(z)
        return s.o2(F.relu(s.o1(F.relu(out))))

def tdnn():
    return nn.Sequential(nn.Conv1d(16, 8, 3), nn.Sigmoid(), nn.Conv1d(8, 3, 5), nn.Sigmoid())

def lenet5():
    return nn.Sequential(nn.Conv2d(1, 6, 5), nn.Tanh(), nn.AvgPool2d(2), nn.Conv2d(6, 16, 5), nn.Tanh(), nn.AvgPool2d(2),
                         nn.Flatten(), nn.Linear(400, 120), nn.Tanh(), nn.Linear(120, 84), nn.Tanh(), nn.Linear(84, 10))

def alexnet(classes=1000):
    return nn.Sequential(
        nn.Conv2d(3, 96, 11, stride=4), nn.ReLU(), nn.LocalResponseNorm(5, 1e-4, 0.75, 2), nn.MaxPool2d(3, 2),
        nn.Conv2d(96, 256, 5, padding=2, groups=2), nn.ReLU(), nn.LocalResponseNorm(5, 1e-4, 0.75, 2), nn.MaxPool2d(3, 2),
        nn.Conv2d(256, 384, 3, padding=1), nn.ReLU(), nn.Conv2d(384, 384, 3, padding=1, groups=2), nn.ReLU(),
        nn.Conv2d(384, 256, 3, padding=1, groups=2), nn.ReLU(), nn.MaxPool2d(3, 2), nn.Flatten(),
        nn.Linear(9216, 4096), nn.ReLU(), nn.Dropout(), nn.Linear(4096, 4096), nn.ReLU(), nn.Dropout(), nn.Linear(4096, classes))

def vgg16():
    layers, c = [], 3
    for n, w in zip([2, 2, 3, 3, 3], [64, 128, 256, 512, 512]):
        for _ in range(n): layers += [nn.Conv2d(c, w, 3, padding=1), nn.ReLU()]; c = w
        layers.append(nn.MaxPool2d(2))
    return nn.Sequential(*layers, nn.Flatten(), nn.Linear(25088, 4096), nn.ReLU(), nn.Dropout(), nn.Linear(4096, 4096),
                         nn.ReLU(), nn.Dropout(), nn.Linear(4096, 1000))

class Basic(nn.Module):  # torchvision's BasicBlock
    def __init__(s, a, b, stride):
        super().__init__()
        s.conv1 = nn.Conv2d(a, b, 3, stride, 1, bias=False); s.bn1 = nn.BatchNorm2d(b)
        s.conv2 = nn.Conv2d(b, b, 3, 1, 1, bias=False); s.bn2 = nn.BatchNorm2d(b)
        s.down = nn.Sequential(nn.Conv2d(a, b, 1, stride, bias=False), nn.BatchNorm2d(b)) if stride != 1 or a != b else None
    def forward(s, x):
        h = s.bn2(s.conv2(F.relu(s.bn1(s.conv1(x)))))
        return F.relu(h + (s.down(x) if s.down is not None else x))

def resnet34(classes=1000):
    layers, c = [nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(3, 2, 1)], 64
    for i, (n, w) in enumerate(zip([3, 4, 6, 3], [64, 128, 256, 512])):
        for b in range(n): layers.append(Basic(c, w, 2 if b == 0 and i > 0 else 1)); c = w
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(512, classes))

def small_cnn(cin, size, widths, hidden, classes):  # jet CNN and the extreme-weather classifier: conv 5x5 'same'
    layers, c, s = [], cin, size
    for w in widths: layers += [nn.Conv2d(c, w, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2)]; c = w; s = [v // 2 for v in s]
    layers.append(nn.Flatten()); f = c * s[0] * s[1]
    for h in hidden: layers += [nn.Linear(f, h), nn.ReLU(), nn.Dropout()]; f = h
    return nn.Sequential(*layers, nn.Linear(f, classes))

class MaxOut(nn.Module):
    def __init__(s, a, b, k): super().__init__(); s.lin = nn.Linear(a, b * k); s.b, s.k = b, k
    def forward(s, x): return s.lin(x).view(x.shape[0], s.b, s.k).max(2).values

def maxout_net():
    return nn.Sequential(nn.Flatten(), MaxOut(625, 256, 5), MaxOut(256, 128, 5), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 1))

cases = {
    "conv_3_10_k5_pad2": (nn.Conv2d(3, 10, 5, padding=2), [1, 3, 32, 32]),
    "alexnet_conv1": (nn.Conv2d(3, 96, 11, stride=4), [1, 3, 227, 227]),
    "srcnn_915_cin2": (srcnn(2), [1, 2, 32, 32]),
    "srcnn_955_cin1": (srcnn(1, 1, 5), [1, 1, 20, 24]),
    "unet_default": (UNet(), [1, 2, 64, 64]),
    "unet_3d_small": (UNet(1, 3, 4, 2, dim=3), [1, 1, 8, 8, 8]),
    "wavenet_default": (WaveNet(), [1, 256, 32]),
    "wavenet_2x4": (WaveNet(16, 8, 12, 4, 2), [2, 16, 20]),
    "tdnn_waibel": (tdnn(), [1, 16, 15]),
    "lenet5": (lenet5(), [1, 1, 32, 32]),
    "alexnet": (alexnet(), [1, 3, 227, 227]),
    "vgg16": (vgg16(), [1, 3, 224, 224]),
    "resnet34": (resnet34(), [1, 3, 64, 64]),
    "jetcnn": (small_cnn(1, [25, 25], [32, 64], [128], 2), [1, 1, 25, 25]),
    "weathercnn": (small_cnn(8, [32, 32], [8, 16], [50], 2), [1, 8, 32, 32]),
    "maxout": (maxout_net(), [1, 1, 25, 25]),
}
out = {}
with torch.no_grad():
    for name, (m, shape) in cases.items():
        m.eval()
        out[name] = {"params": count(m), "input_shape": shape, "output_shape": list(m(torch.zeros(shape)).shape)}
out["_generator"] = "make_model_counts.py with torch " + torch.__version__
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "model_counts.json")
with open(path, "w") as f:
    f.write("{\n" + ",\n".join(f"  {json.dumps(k)}: {json.dumps(v)}" for k, v in out.items()) + "\n}\n")
print(json.dumps(out, indent=1))
