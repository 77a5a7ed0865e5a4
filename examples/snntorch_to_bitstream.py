import numpy as np
import snntorch as snn
import torch
from snntorch import functional as SF
from snntorch import utils

import spikeloom

# A toy task: 4 classes of rate-coded spike patterns, 16 inputs, 20 steps.
T, F, C = 20, 16, 4
rng = np.random.default_rng(0)
rates = rng.uniform(0.05, 0.6, (C, F))
labels = rng.integers(0, C, 256)
x = (rng.random((T, 256, F)) < rates[labels]).astype(np.float32)  # [T, N, F]

# Train a tiny snnTorch network (per-neuron beta/threshold: the NIR export needs the shapes).
torch.manual_seed(0)
net = torch.nn.Sequential(
    torch.nn.Linear(F, 24),
    snn.Leaky(beta=0.9 * torch.ones(24), threshold=torch.ones(24), init_hidden=True,
              reset_mechanism="zero"),
    torch.nn.Linear(24, C),
    snn.Leaky(beta=0.8 * torch.ones(C), threshold=torch.ones(C), init_hidden=True, output=True,
              reset_mechanism="zero"),
)
opt = torch.optim.Adam(net.parameters(), lr=2e-2)
loss_fn = SF.ce_rate_loss()
for epoch in range(30):
    utils.reset(net)
    spikes = torch.stack([net(torch.from_numpy(x[t]))[0] for t in range(T)])
    loss = loss_fn(spikes, torch.from_numpy(labels))
    opt.zero_grad()
    loss.backward()
    opt.step()

# Into spikeloom: the reset mechanism ("zero") is read off the modules, no flags.
model = spikeloom.from_snntorch(net, torch.zeros(1, F))
print(model.semantics["layers"])
float_run = model.simulate(x, labels=labels)
print(f"float accuracy {float_run.accuracy:.1%}")

q = model.quantize(calibrate=x, weight_bits=8, state_bits=16, labels=labels)
print(f"fixed-point accuracy {q.report['fixed_accuracy']:.1%}")
q.save("toy.q.json")  # spikeloom.load("toy.q.json") reads it back

check = q.verify(x[:, :4], simulator="both")  # fixed == cycle model == Verilator == Icarus
print(check)
assert check.passed

build = q.build("icebreaker", "out/toy-icebreaker", sample=x[:, :2])
print(build.bitstream, build.report["fmax_mhz"], "MHz")
build  # in a notebook: the build report, inline
