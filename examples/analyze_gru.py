"""Analyse a GRU you trained yourself with infoflow.

Trains a small 2-layer ``nn.GRU`` (plain PyTorch, no infoflow involved) to forecast the Lorenz
system's x coordinate one step ahead, records the activity of every unit with
``infoflow.record``, then measures the flow between units and its structure and writes a report.

Run:  .venv/bin/python examples/analyze_gru.py [OUT_DIR]
"""

from __future__ import annotations

import sys
from pathlib import Path

import torch
from torch import nn

import infoflow
from infoflow.data import lorenz
from infoflow.pipeline import analyze_recording


class Forecaster(nn.Module):
    def __init__(self, hidden: int = 8):
        super().__init__()
        self.gru = nn.GRU(1, hidden, num_layers=2, batch_first=True)
        self.readout = nn.Linear(hidden, 1)

    def forward(self, x):
        h, _ = self.gru(x)
        return self.readout(h)


def main(out_dir: str = "runs/gru_example") -> Path:
    torch.manual_seed(0)
    series = lorenz(6000, seed=0).sel(channel="x").values.astype("float32")
    series = (series - series.mean()) / series.std()
    x = torch.from_numpy(series[:-1]).reshape(1, -1, 1)
    y = torch.from_numpy(series[1:]).reshape(1, -1, 1)
    train_x, train_y = x[:, :4000].reshape(40, 100, 1), y[:, :4000].reshape(40, 100, 1)

    model = Forecaster()
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(60):
        opt.zero_grad()
        loss = nn.functional.mse_loss(model(train_x), train_y)
        loss.backward()
        opt.step()
    print(f"GRU training MSE after 60 epochs: {loss.item():.4f}")

    # Record every unit (input channel, both GRU layers, the read-out) on held-out data.
    recording = infoflow.record(model.gru, x[0, 4000:], readout=model.readout)
    result = analyze_recording(recording, out_dir, method="gaussian_copula", surrogates=100, n_null=199)
    for key in ("q1_direction", "q2_layers"):
        print(f"{key}: {result.summary[key]['answer']} - {result.summary[key]['sentence']}")
    print(f"report: {Path(out_dir) / 'report.html'}")
    return Path(out_dir)


if __name__ == "__main__":
    main(*sys.argv[1:2])
