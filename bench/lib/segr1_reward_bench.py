"""Time Seg-R1's segment reward in Python on the rollouts the replay bench replays (the anchor of bench/replay.bench.ts).

Usage: python3 bench/lib/segr1_reward_bench.py <rollouts.json> <as-trained|intended> [repeats]
<rollouts.json>: [{"line": n, "gt": "<GT file>", "mask": <COCO RLE in the 768² reward frame>}, ...], the rollouts whose
answer parses (the others score 0 without any of this work). Per rollout, timed, what grpo.py does to score a mask:
the GT read as PIL "L" is resized to 768² with PIL bilinear (`TF.resize`, `resize_image_and_mask`) and binarised
> 127, IoU by numpy, and the S-measure by PySODMetrics' `Smeasure.cal_sm` (imported from $PYSOD_PATH) on the float
0/1 mask and, `as-trained`, grpo.py's `_prepare_data` GT (re-binarised > 128: all zeros, the shipped quirk; the
workbench's `segr1-reference` set) or, `intended`, the GT itself (a NaN Sm counting 0: `segr1-intended`); then
0.7·IoU + 0.3·clip(Sm, 0, 1).
The GT files are opened once and the RLE masks decoded before each rollout's timing starts (neither is timed).
Prints one JSON line: {"rollouts": n, "reward_s": t, "reward_cpu_s": t, "segment": {line: value}} (best of repeats).
"""

import json
import math
import os
import sys
import time

import numpy as np
from PIL import Image

sys.path.insert(0, os.environ["PYSOD_PATH"])
import py_sod_metrics as pysod  # noqa: E402

SIDE = 768


def rle_counts(s):
    """pycocotools rleFrString: 5-bit groups + 48, 0x20 continuation, 0x10 sign, deltas from the 3rd run on."""
    counts, p = [], 0
    while p < len(s):
        x, k, more = 0, 0, True
        while more:
            c = ord(s[p]) - 48
            x |= (c & 0x1F) << (5 * k)
            more = bool(c & 0x20)
            p += 1
            k += 1
            if not more and (c & 0x10):
                x |= -1 << (5 * k)
        if len(counts) > 2:
            x += counts[-2]
        counts.append(x)
    return counts


def decode_rle(rle):
    h, w = rle["size"]
    counts = rle["counts"] if isinstance(rle["counts"], list) else rle_counts(rle["counts"])
    flat = np.zeros(h * w, dtype=bool)
    pos, val = 0, False
    for c in counts:
        if val:
            flat[pos:pos + c] = True
        pos += c
        val = not val
    return flat.reshape((h, w), order="F")


def segment_reward(mask_pred, gt_l, sm_calculator, as_trained):
    gt_mask = np.array(gt_l.resize((SIDE, SIDE), Image.BILINEAR)) > 127
    intersection = np.logical_and(mask_pred, gt_mask).sum()
    union = np.logical_or(mask_pred, gt_mask).sum()
    iou = intersection / union if union > 0 else 0.0
    pred = mask_pred.astype(np.float64)
    if as_trained:
        # grpo.py: both as float64, then _prepare_data: astype again and gt = (gt > 128), all zeros, as float64.
        gt = np.array(gt_mask).astype(np.float64)
        pred, gt = pred.astype(np.float64), gt.astype(np.float64)
        gt = (gt > 128).astype(np.float64)
        sm = float(sm_calculator.cal_sm(pred, gt))
    else:
        sm = float(sm_calculator.cal_sm(pred, gt_mask))
        sm = 0.0 if math.isnan(sm) else sm
    return 0.7 * iou + 0.3 * max(0.0, min(1.0, sm))


def main():
    with open(sys.argv[1]) as f:
        rollouts = json.load(f)
    as_trained = {"as-trained": True, "intended": False}[sys.argv[2]]
    repeats = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    gts = {}
    for r in rollouts:
        if r["gt"] not in gts:
            gts[r["gt"]] = Image.open(r["gt"]).convert("L")
    best_wall, best_cpu, values = float("inf"), float("inf"), {}
    for _ in range(repeats):
        wall = cpu = 0.0
        sm_calculator = pysod.Smeasure()
        for r in rollouts:
            mask = decode_rle(r["mask"])
            t0, c0 = time.perf_counter(), time.process_time()
            v = segment_reward(mask, gts[r["gt"]], sm_calculator, as_trained)
            wall += time.perf_counter() - t0
            cpu += time.process_time() - c0
            values[str(r["line"])] = float(v)
        best_wall, best_cpu = min(best_wall, wall), min(best_cpu, cpu)
    print(json.dumps({"rollouts": len(rollouts), "reward_s": best_wall, "reward_cpu_s": best_cpu, "segment": values}))


if __name__ == "__main__":
    main()
