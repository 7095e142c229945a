import { open, readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { AdapterOptions, RolloutAdapter, RolloutSink } from './adapterTypes';
import { abortError } from './lineScanner';
import { TrlRowMapper, trlRewardNames } from './trlCompletions';

/** TRL writes `<output_dir>/completions/completions_{step:05d}.parquet`. */
export const TRL_PARQUET_FILE = /^completions_(\d+)\.parquet$/;

/** The completions parquet files of a TRL folder (output_dir or its completions/), in step order. */
export async function trlParquetFiles(dir: string): Promise<string[]> {
  let names = await readdir(dir);
  if (!names.some((n) => TRL_PARQUET_FILE.test(n)) && names.includes('completions')) {
    dir = join(dir, 'completions');
    names = await readdir(dir);
  }
  return names
    .filter((n) => TRL_PARQUET_FILE.test(n))
    .sort((a, b) => Number(TRL_PARQUET_FILE.exec(a)![1]) - Number(TRL_PARQUET_FILE.exec(b)![1]))
    .map((n) => join(dir, n));
}

interface FileBuffer {
  byteLength: number;
  slice(start: number, end?: number): Promise<ArrayBuffer>;
}

/** A hyparquet AsyncBuffer over a file handle: only the footer and the requested column chunks are read. */
async function fileBuffer(path: string): Promise<{ buf: FileBuffer; close: () => Promise<void> }> {
  const fh = await open(path, 'r');
  const size = (await fh.stat()).size;
  return {
    buf: {
      byteLength: size,
      async slice(start: number, end = size) {
        const out = new Uint8Array(Math.max(0, end - start));
        await fh.read(out, 0, out.length, start);
        return out.buffer;
      },
    },
    close: () => fh.close(),
  };
}

/** Read every completions parquet file of a TRL run (or one file) through `mapper`, row group by row group. */
export async function readTrlParquet(path: string, sink: RolloutSink, opts: AdapterOptions = {}, rewardWeights?: Readonly<Record<string, number>>): Promise<void> {
  const { parquetMetadataAsync, parquetSchema, parquetReadObjects } = await import('hyparquet');
  const isDir = (await stat(path)).isDirectory();
  const files = isDir ? (await trlParquetFiles(path)).filter((f) => !opts.skipFile?.(f)) : [path];
  const logged = await trlRewardNames(dirname(files[0] ?? join(path, 'x')));
  let mapper: TrlRowMapper | undefined;
  const total = files.length;
  let done = 0;
  for (const file of files) {
    if (opts.signal?.aborted) throw abortError();
    const name = basename(file);
    const opened = await fileBuffer(file).catch((err: unknown) => {
      sink.issue({ line: 0, file: name, severity: 'error', message: `could not be opened (${err instanceof Error ? err.message : String(err)})` });
      return undefined;
    });
    if (!opened) continue;
    const { buf, close } = opened;
    try {
      let metadata;
      try {
        metadata = await parquetMetadataAsync(buf);
      } catch (err) {
        sink.issue({ line: 0, file: name, severity: 'error', message: `not a readable parquet file: ${err instanceof Error ? err.message : String(err)}` });
        continue;
      }
      const columns = parquetSchema(metadata).children.map((c) => c.element.name);
      const missing = ['prompt', 'completion', 'step', 'advantage'].filter((c) => !columns.includes(c));
      for (const c of missing) sink.issue({ line: 0, file: name, severity: c === 'completion' ? 'error' : 'warning', field: c, message: `column '${c}' missing${c === 'completion' ? '; file skipped' : ''}` });
      if (missing.includes('completion')) continue;
      // Without the run's trainer_state, every floating-point column is taken for a reward function.
      const floats = parquetSchema(metadata)
        .children.filter((c) => c.element.type === 'DOUBLE' || c.element.type === 'FLOAT')
        .map((c) => c.element.name)
        .filter((c) => c !== 'advantage');
      const m = (mapper ??= new TrlRowMapper(sink, logged ?? floats, rewardWeights));
      let rowStart = 0;
      for (const [g, rg] of metadata.row_groups.entries()) {
        const rowEnd = rowStart + Number(rg.num_rows);
        // A corrupt page loses its row group, not the file's other row groups nor the other files.
        try {
          const rows = await parquetReadObjects({ file: buf, metadata, rowStart, rowEnd });
          rows.forEach((row, k) => m.row(row, name, rowStart + k));
        } catch (err) {
          if (err instanceof Error && err.name === 'AbortError') throw err;
          sink.issue({ line: 0, file: name, severity: 'error', message: `row group ${g + 1} of ${metadata.row_groups.length} (rows ${rowStart + 1}–${rowEnd}) could not be decoded (${err instanceof Error ? err.message : String(err)}); its rows skipped` });
        }
        rowStart = rowEnd;
      }
    } catch (err) {
      if (err instanceof Error && err.name === 'AbortError') throw err;
      sink.issue({ line: 0, file: name, severity: 'error', message: `could not be read (${err instanceof Error ? err.message : String(err)}); its remaining rows skipped` });
    } finally {
      await close();
    }
    opts.onProgress?.(++done, total);
  }
  mapper?.finish();
}

/** TRL GRPOTrainer `log_completions` parquet files. */
export const trlParquetAdapter: RolloutAdapter = {
  name: 'trl-parquet',
  summary: 'TRL GRPOTrainer <output_dir>/completions/completions_{step:05d}.parquet',
  read: (path, sink, opts) => readTrlParquet(path, sink, opts),
};
