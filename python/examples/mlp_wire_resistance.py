"""Accuracy of a small PyTorch MLP on Stanford-PKU RRAM 1T1R crossbar tiles against wire resistance.

Trains a 3-layer MLP on a synthetic 8-class problem (Gaussian clusters in 16 dimensions, a few
seconds on a CPU), converts its nn.Linear layers with kirchhoff.torch.convert onto 32 x 32
differential 1T1R tiles of Stanford-PKU RRAM cells (device.preset = stanford_rram_aimc, read at
0.3 V) and classifies held-out samples with every MVM a full circuit solve (engine "nodal": wires,
access transistors and the cells' sinh I-V), for each wire resistance, with and without the
per-column output calibration of the digital periphery. Plots test accuracy against the wire
resistance per cell pitch, and writes the numbers beside the plot: OUT.csv (one row per point)
and OUT_config.toml (the effective configuration of the tiles at the first point; the points
differ from it only in array.r_wire_row_ohm, array.r_wire_col_ohm and adc.calibration).

Every accuracy is the fraction of the same held-out samples (seed 2, not seen in training) that
the converted model classifies correctly; the dashed line is the same trained model in float32
PyTorch on those samples (the reference every analog point is measured against).

    PYTHONPATH=build/python /usr/bin/python3 python/examples/mlp_wire_resistance.py --out docs/mlp_wire_resistance.png
"""
import argparse
import csv
import pathlib
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

import kirchhoff.torch as ktorch  # noqa: E402

CLASSES, FEATURES = 8, 16


def dataset(n, seed):
    """n samples (x float32 (n, 16), labels (n,)): Gaussian clusters around fixed centres."""
    centres = np.random.default_rng(0).normal(size=(CLASSES, FEATURES))
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, CLASSES, size=n)
    x = centres[labels] + 0.9 * rng.normal(size=(n, FEATURES))
    return torch.from_numpy(x.astype(np.float32)), torch.from_numpy(labels)


def train(steps=200):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(FEATURES, 48), nn.ReLU(), nn.Linear(48, 48), nn.ReLU(), nn.Linear(48, CLASSES))
    x, y = dataset(2000, seed=1)
    optimiser = torch.optim.Adam(model.parameters(), lr=3e-3)
    for _ in range(steps):
        optimiser.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        optimiser.step()
    return model


def accuracy(model, x, y):
    with torch.no_grad():
        return (model(x).argmax(dim=1) == y).float().mean().item()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="accuracy_vs_wire.png",
                        help="the plot (PNG); OUT.csv and OUT_config.toml are written beside it")
    parser.add_argument("--samples", type=int, default=300, help="held-out samples classified per point")
    parser.add_argument("--wires", default="0,5,10,20,40", help="wire resistances per cell pitch, ohm")
    args = parser.parse_args()
    wires = [float(w) for w in args.wires.split(",")]

    model = train()
    x, y = dataset(args.samples, seed=2)
    digital = accuracy(model, x, y)
    print(f"digital accuracy {digital:.4f} on {args.samples} held-out samples")
    tiles = {"device.preset": "stanford_rram_aimc", "array.cell": "1T1R", "device.g_min_siemens": 2e-6,
             "input.v_read_volt": 0.3, "array.rows": 32, "array.cols": 32}
    out = pathlib.Path(args.out)
    results, rows = {}, []
    print(f"{'wire ohm':>9} {'calibration':>12} {'accuracy':>9} {'seconds':>8}")
    for calibration in ("per_column", "none"):
        for r in wires:
            start = time.perf_counter()
            config = {**tiles, "array.r_wire_row_ohm": r, "array.r_wire_col_ohm": r, "adc.calibration": calibration}
            analog = ktorch.convert(model, config=config, engine="nodal")
            results[calibration, r] = accuracy(analog, x, y)
            seconds = time.perf_counter() - start
            print(f"{r:>9g} {calibration:>12} {results[calibration, r]:>9.4f} {seconds:>8.1f}")
            if not rows:
                out.with_name(out.stem + "_config.toml").write_text(ktorch.layers_of(analog).effective_config())
            rows.append({"wire_ohm_per_cell": r, "adc_calibration": calibration, "accuracy": results[calibration, r],
                         "correct": round(results[calibration, r] * args.samples), "samples": args.samples,
                         "digital_accuracy": digital, "engine": "nodal", "seconds": round(seconds, 1)})
    with open(out.with_suffix(".csv"), "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)

    fig, ax = plt.subplots(figsize=(6.4, 4.6))
    ax.axhline(digital, color="grey", linestyle="--", label="same MLP in float32 PyTorch (reference)")
    for calibration, label in (("per_column", "per-column output calibration"), ("none", "uncalibrated")):
        ax.plot(wires, [results[calibration, r] for r in wires], marker="o", label=label)
    ax.set_xlabel("wire resistance per cell pitch (ohm)")
    ax.set_ylabel(f"accuracy on {args.samples} held-out samples")
    ax.set_title("MLP 16-48-48-8 on 32 x 32 Stanford-PKU RRAM 1T1R tiles (nodal circuit solves)", fontsize=8)
    ax.legend(fontsize=8)
    fig.text(0.01, 0.01, "Accuracy: fraction of the same held-out samples (synthetic 8 Gaussian classes, seed 2) "
             "classified correctly.\nTiles: device.preset stanford_rram_aimc, differential columns, g_min 2 uS, "
             "read 0.3 V; every MVM a nodal\ncircuit solve; other keys at their defaults "
             f"({out.stem}_config.toml beside this plot; data: {out.stem}.csv).", fontsize=6.5, va="bottom")
    fig.tight_layout(rect=(0, 0.1, 1, 1))
    fig.savefig(out, dpi=120)
    print(f"wrote {out}, {out.with_suffix('.csv')}, {out.with_name(out.stem + '_config.toml')}")


if __name__ == "__main__":
    main()
