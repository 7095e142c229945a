"""Time PySODMetrics on the pairs the metrics bench generated (the anchor of bench/metrics.bench.ts).

Usage: python3 bench/lib/pysod_bench.py <pairs.txt> [repeats]   (one "pred_path<TAB>gt_path" per line; best of repeats)
PySODMetrics is imported from $PYSOD_PATH (a checkout of lartpang/PySODMetrics @ ac5b1fc7, v1.6.2). Prints one JSON line:
{"pairs": n, "decode_s": t, "metrics_s": t, "metrics_cpu_s": t, ...dataset values} where metrics_s (wall) and
metrics_cpu_s (process CPU) time the standard set (Sm, wFm, MAE, Em, Fm) on preloaded arrays, decode_s the
cv2.imread(IMREAD_GRAYSCALE) calls.
"""

import json
import os
import sys
import time
import warnings

import cv2
import numpy as np

sys.path.insert(0, os.environ["PYSOD_PATH"])
import py_sod_metrics as pysod  # noqa: E402


def main():
    with open(sys.argv[1]) as f:
        pairs = [line.rstrip("\n").split("\t") for line in f if line.strip()]
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    best = {"decode_s": float("inf"), "metrics_s": float("inf"), "metrics_cpu_s": float("inf")}
    for _ in range(repeats):
        t0 = time.perf_counter()
        data = [(cv2.imread(p, cv2.IMREAD_GRAYSCALE), cv2.imread(g, cv2.IMREAD_GRAYSCALE)) for p, g in pairs]
        best["decode_s"] = min(best["decode_s"], time.perf_counter() - t0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fm = pysod.Fmeasure()
        sm, em, wfm, mae = pysod.Smeasure(), pysod.Emeasure(), pysod.WeightedFmeasure(), pysod.MAE()
        t2 = time.perf_counter()
        c2 = time.process_time()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for pred, gt in data:
                fm.step(pred, gt)
                wfm.step(pred, gt)
                sm.step(pred, gt)
                em.step(pred, gt)
                mae.step(pred, gt)
            res = sm.get_results(), wfm.get_results(), mae.get_results(), em.get_results(), fm.get_results()
        best["metrics_s"] = min(best["metrics_s"], time.perf_counter() - t2)
        best["metrics_cpu_s"] = min(best["metrics_cpu_s"], time.process_time() - c2)
    print(json.dumps({
        "pairs": len(data), **best,
        "sm": float(res[0]["sm"]), "wfm": float(res[1]["wfm"]), "mae": float(res[2]["mae"]),
        "maxEm": float(np.max(res[3]["em"]["curve"])), "maxFm": float(np.max(res[4]["fm"]["curve"])),
    }))


if __name__ == "__main__":
    main()
