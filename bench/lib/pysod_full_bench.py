"""Time PySODMetrics computing the workbench's full metric set (the anchor of bench/metricsFull.bench.ts).

Usage: python3 bench/lib/pysod_full_bench.py <pairs.txt> <keys.txt> [repeats]
  pairs.txt: one "pred_path<TAB>gt_path" per line; keys.txt: the registry's keys, one per line (FullSet.keys).
PySODMetrics is imported from $PYSOD_PATH (lartpang/PySODMetrics @ ac5b1fc7, v1.6.2); its size-invariant metrics need
scikit-image. The metric classes of examples/test_metrics.py are instantiated for the keys asked for, configured as
that file does, stepped over the preloaded arrays and reduced as that file does. Pairs with an all-foreground GT skip
the size-invariant classes (PySODMetrics raises AssertionError on them; the workbench excludes them).
Prints one JSON line: {"pairs": n, "metrics_s": t, "metrics_cpu_s": t, "values": {key: value, ...}} (best of repeats).
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

BASE = ["fm", "f1", "pre", "rec", "fpr", "iou", "dice", "spec", "ber", "oa", "kappa"]
H = {
    "fm": lambda **k: pysod.FmeasureHandler(**k, beta=0.3),
    "f1": lambda **k: pysod.FmeasureHandler(**k, beta=1),
    "pre": pysod.PrecisionHandler, "rec": pysod.RecallHandler, "fpr": pysod.FPRHandler, "iou": pysod.IOUHandler,
    "dice": pysod.DICEHandler, "spec": pysod.SpecificityHandler, "ber": pysod.BERHandler,
    "oa": pysod.OverallAccuracyHandler, "kappa": pysod.KappaHandler,
}
GRAY = dict(with_adaptive=True, with_dynamic=True)
SBIN = dict(with_adaptive=False, with_dynamic=False, with_binary=True, sample_based=True)
OBIN = dict(with_adaptive=False, with_dynamic=False, with_binary=True, sample_based=False)
OGRAY = dict(with_adaptive=False, with_dynamic=True, sample_based=False)


def cal_auc(y, x):
    idx = np.argsort(x, axis=-1, kind="stable")
    return np.trapz(y=np.take_along_axis(y, idx, axis=-1), x=np.take_along_axis(x, idx, axis=-1), axis=-1)


def build(keys):
    """(per-pair steppers, si steppers, reducer) for the families the keys name."""
    m = {}
    if "Smeasure" in keys:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m["fm"] = pysod.Fmeasure()
        m.update(sm=pysod.Smeasure(), wfm=pysod.WeightedFmeasure(), em=pysod.Emeasure(), mae=pysod.MAE())
    if "adpiou" in keys:
        h = {}
        for b in BASE:
            h[b] = H[b](**GRAY)
            h[f"sample_bi{b}"] = H[b](**SBIN)
            h[f"overall_bi{b}"] = H[b](**OBIN)
        m["v2"] = pysod.FmeasureV2(metric_handlers=h)
    # Other slices' families, stepped when the registry holds their keys (ccm needs the image: not timed here).
    if "HCE" in keys:
        m["hce"] = pysod.HumanCorrectionEffortMeasure()
    if "adpmsiou" in keys:
        m["msiou"] = pysod.MSIoU(with_dynamic=True, with_adaptive=True, with_binary=True)
    if "cm" in keys:
        m["cm"] = pysod.ContextMeasure()
    si = {}
    if "si_mae" in keys:
        s = {}
        for b in BASE:
            s[f"si_sample_{b}"] = H[b](**GRAY)
            s[f"si_overall_{b}"] = H[b](**OGRAY)
            s[f"si_sample_bi{b}"] = H[b](**SBIN)
            s[f"si_overall_bi{b}"] = H[b](**OBIN)
        si = {"si_mae": pysod.SizeInvarianceMAE(), "si": pysod.SizeInvarianceFmeasureV2(metric_handlers=s)}
    return m, si


def reduce(m, si):
    """A few values per family, reduced as examples/test_metrics.py does, for the bench's same-numbers check."""
    v = {}
    if "sm" in m:
        v["Smeasure"] = m["sm"].get_results()["sm"]
        v["maxFm"] = m["fm"].get_results()["fm"]["curve"].max()
    if "v2" in m:
        r = m["v2"].get_results()
        v["meankappa"] = r["kappa"]["dynamic"].mean()
        v["overall_biber"] = r["overall_biber"]["binary"]
        v["auc_pr"] = cal_auc(np.flip(r["pre"]["dynamic"]), np.flip(r["rec"]["dynamic"]))
    if si:
        r = si["si"].get_results()
        v["si_mae"] = si["si_mae"].get_results()["si_mae"]
        v["si_sample_maxfm"] = np.mean([s.max(axis=-1).mean() for s in r["si_sample_fm"]["dynamic"]])
        v["si_overall_meaniou"] = r["si_overall_iou"]["dynamic"].mean()
        v["si_sample_bidice"] = r["si_sample_bidice"]["binary"]
    if "hce" in m:
        v["HCE"] = m["hce"].get_results()["hce"]
    if "cm" in m:
        v["cm"] = m["cm"].get_results()["cm"]
    return {k: float(x) for k, x in v.items()}


def main():
    with open(sys.argv[1]) as f:
        pairs = [line.rstrip("\n").split("\t") for line in f if line.strip()]
    with open(sys.argv[2]) as f:
        keys = {line.strip() for line in f if line.strip()}
    repeats = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    data = [(cv2.imread(p, cv2.IMREAD_GRAYSCALE), cv2.imread(g, cv2.IMREAD_GRAYSCALE)) for p, g in pairs]
    best = {"metrics_s": float("inf"), "metrics_cpu_s": float("inf")}
    values = {}
    for _ in range(repeats):
        m, si = build(keys)
        t0, c0 = time.perf_counter(), time.process_time()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for pred, gt in data:
                for metric in m.values():
                    metric.step(pred=pred, gt=gt)
                if si and not np.all(gt > 128):
                    for metric in si.values():
                        metric.step(pred=pred, gt=gt)
            values = reduce(m, si)
        best["metrics_s"] = min(best["metrics_s"], time.perf_counter() - t0)
        best["metrics_cpu_s"] = min(best["metrics_cpu_s"], time.process_time() - c0)
    print(json.dumps({"pairs": len(data), **best, "values": values}))


if __name__ == "__main__":
    main()
