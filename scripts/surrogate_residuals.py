#!/usr/bin/env python3
"""Surrogate residuals over a grid of tiles: `kirchhoff fit` then `kirchhoff check --json` per
point, one CSV row per point (the table in cosim/README.md comes from this).

The grid: cell kind x rows x wire segment resistance x read voltage, on square tiles (cols =
rows logical outputs; differential columns, so 2 x rows bit lines, unless --set says other).
Every point uses the same device (--preset, --g-min) and the fit's and check's other defaults.
Extra `--set key=value` arguments go to every `kirchhoff fit` (e.g. a surrogate tier key), so
the same grid can be re-run for another surrogate.

  scripts/surrogate_residuals.py --out residuals.csv                   # the full grid
  scripts/surrogate_residuals.py --rows 128 --wires 2.5 --vreads 0.5 --out worst.csv
  scripts/surrogate_residuals.py --out t.csv --set fit.tiles=4         # passed to every fit

Points already in --out (same cell, rows, wire, v_read) are skipped, so an interrupted run
resumes. Standard library only.
"""
import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time

COLUMNS = ["cell", "rows", "cols", "r_wire_ohm", "v_read_volt", "preset", "g_min_siemens", "extra_set",
           "differential", "v_star_volt", "samples", "failed", "nmse", "ideal_nmse", "ir_nmse",
           "captured_fraction", "captured_fraction_ir", "max_rel_err", "mean_rel_err", "median_rel_err",
           "fit_seconds", "check_seconds"]


def words(text, kind):
    return [kind(w) for w in text.replace(",", " ").split()]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--kirchhoff", default=os.path.join(here, "..", "build", "bin", "kirchhoff"),
                   help="the kirchhoff program (default build/bin/kirchhoff)")
    p.add_argument("--cells", default="1R 1T1R", help="array.cell values (default '1R 1T1R')")
    p.add_argument("--rows", default="32 64 128", help="array.rows = array.cols values (default '32 64 128')")
    p.add_argument("--wires", default="1 2.5", help="array.r_wire_row_ohm = array.r_wire_col_ohm values (default '1 2.5')")
    p.add_argument("--vreads", default="0.1 0.3 0.5", help="input.v_read_volt values (default '0.1 0.3 0.5')")
    p.add_argument("--preset", default="stanford_rram_aimc", help="device.preset (default stanford_rram_aimc)")
    p.add_argument("--g-min", default="2e-6", help="device.g_min_siemens (default 2e-6)")
    p.add_argument("--samples", type=int, default=2, help="held-out tiles per check (default 2)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="passed to every `kirchhoff fit`")
    p.add_argument("--out", required=True, help="CSV file (appended to; existing points are skipped)")
    a = p.parse_args()

    done = set()
    if os.path.exists(a.out):
        with open(a.out) as f:
            for row in csv.DictReader(f):
                done.add((row["cell"], int(row["rows"]), float(row["r_wire_ohm"]), float(row["v_read_volt"]),
                          row["extra_set"]))
    new_file = not os.path.exists(a.out) or os.path.getsize(a.out) == 0
    extra = " ".join(a.set)
    with open(a.out, "a", newline="") as f, tempfile.TemporaryDirectory() as tmp:
        out = csv.DictWriter(f, fieldnames=COLUMNS)
        if new_file:
            out.writeheader()
        for cell in words(a.cells, str):
            for rows in words(a.rows, int):
                for wire in words(a.wires, float):
                    for v_read in words(a.vreads, float):
                        if (cell, rows, wire, v_read, extra) in done:
                            continue
                        tile = ["--set", f"array.cell={cell}", "--set", f"array.rows={rows}",
                                "--set", f"array.cols={rows}", "--set", f"array.r_wire_row_ohm={wire}",
                                "--set", f"array.r_wire_col_ohm={wire}", "--set", f"input.v_read_volt={v_read}",
                                "--set", f"device.preset={a.preset}", "--set", f"device.g_min_siemens={a.g_min}"]
                        for s in a.set:
                            tile += ["--set", s]
                        table = os.path.join(tmp, "table.safetensors")
                        label = f"{cell} {rows}x{rows} {wire} ohm {v_read} V"
                        print(f"{label}: fit", file=sys.stderr, flush=True)
                        t0 = time.monotonic()
                        fit = subprocess.run([a.kirchhoff, "fit", *tile, "--out", table], capture_output=True, text=True)
                        if fit.returncode != 0:
                            sys.exit(f"{label}: kirchhoff fit failed ({fit.returncode}):\n{fit.stderr}")
                        t1 = time.monotonic()
                        print(f"{label}: check", file=sys.stderr, flush=True)
                        check = subprocess.run([a.kirchhoff, "check", "--tables", table, "--samples", str(a.samples),
                                                "--json"], capture_output=True, text=True)
                        if check.returncode != 0:
                            sys.exit(f"{label}: kirchhoff check failed ({check.returncode}):\n{check.stderr}")
                        t2 = time.monotonic()
                        j = json.loads(check.stdout)
                        row = {"cell": cell, "rows": rows, "cols": rows, "r_wire_ohm": wire, "v_read_volt": v_read,
                               "preset": a.preset, "g_min_siemens": a.g_min, "extra_set": extra,
                               "fit_seconds": f"{t1 - t0:.1f}", "check_seconds": f"{t2 - t1:.1f}"}
                        for k in COLUMNS:
                            if k in j:
                                row[k] = "" if j[k] is None else j[k]
                        out.writerow(row)
                        f.flush()


if __name__ == "__main__":
    main()
