import type { AdapterOptions, RolloutAdapter, RolloutSink } from './adapterTypes';
import { forEachJsonLine } from './textLines';
import { validateRolloutJson } from './validateRecord';

/** The workbench's own JSON Lines, read through the same validation as the index. */
export const canonicalAdapter: RolloutAdapter = {
  name: 'canonical',
  summary: 'Seg-R1 Workbench canonical rollout JSON Lines',
  async read(path: string, sink: RolloutSink, opts: AdapterOptions = {}): Promise<void> {
    await forEachJsonLine(
      path,
      (value, line) => {
        const v = validateRolloutJson(value, line);
        for (const i of v.issues) sink.issue(i);
        if (v.record) sink.record(v.record, line);
      },
      (i) => sink.issue(i),
      opts,
    );
  },
};
