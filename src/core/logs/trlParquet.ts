import { open, readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { AdapterOptions, RolloutAdapter, RolloutSink } from './adapterTypes';
import { abortError } from './lineScanner';
import { trlRunConfig } from './trainingArgs';
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

/**
 * Largest parquet page (uncompressed) the reader allocates. TRL's `log_completions` writes one row per completion
 * through pandas/pyarrow, whose pages are ~1 MiB; 256 MiB is far beyond any real completions page, and a page header
 * declaring more is refused before the buffer exists.
 */
export const MAX_PARQUET_PAGE_BYTES = 256 * 1024 * 1024;

/** Snappy cannot expand more than 64 bytes per 3-byte copy tag (plus the length varint): a larger ratio is a lie. */
const SNAPPY_MAX_RATIO = 22;

/** A declared parquet size (page, column chunk) beyond the file or a cap. */
export class ParquetSizeError extends Error {
  /** What declared it, e.g. `page uncompressed_page_size`. */
  readonly field: string;

  /** `field` prefixes the message. */
  constructor(field: string, message: string) {
    super(`${field} ${message}`);
    this.name = 'ParquetSizeError';
    this.field = field;
  }
}

/** hyparquet's Snappy decompression, with the page header's declared size checked before the output is allocated. */
export function boundedSnappy(snappyUncompress: (input: Uint8Array, output: Uint8Array) => void): (input: Uint8Array, outputLength: number) => Uint8Array {
  return (input, outputLength) => {
    if (!Number.isSafeInteger(outputLength) || outputLength < 0) throw new ParquetSizeError('page uncompressed_page_size', `${outputLength} is not a size`);
    if (outputLength > MAX_PARQUET_PAGE_BYTES) throw new ParquetSizeError('page uncompressed_page_size', `${outputLength} exceeds the cap of ${MAX_PARQUET_PAGE_BYTES} bytes`);
    if (outputLength > input.length * SNAPPY_MAX_RATIO + 16) throw new ParquetSizeError('page uncompressed_page_size', `${outputLength} is more than Snappy can expand ${input.length} bytes to`);
    const out = new Uint8Array(outputLength);
    snappyUncompress(input, out);
    return out;
  };
}

/** The column-chunk sizes and offsets a row group declares, as hyparquet's metadata gives them. */
interface ChunkMeta {
  readonly meta_data?: { readonly path_in_schema: readonly string[]; readonly total_compressed_size: bigint | number; readonly total_uncompressed_size: bigint | number; readonly data_page_offset: bigint | number; readonly dictionary_page_offset?: bigint | number };
}

/**
 * Check a row group's column chunks against the file: every chunk must lie inside it, and none may declare more
 * uncompressed bytes than the page cap allows for its pages. Throws a ParquetSizeError naming the column.
 */
export function checkColumnChunks(columns: readonly ChunkMeta[], fileSize: number): void {
  for (const c of columns) {
    const m = c.meta_data;
    if (!m) continue;
    const col = `column '${m.path_in_schema.join('.')}'`;
    const start = Number(m.dictionary_page_offset ?? m.data_page_offset);
    const compressed = Number(m.total_compressed_size);
    const end = Math.min(start, Number(m.data_page_offset)) + compressed;
    if (!(start >= 0 && compressed >= 0 && end <= fileSize)) throw new ParquetSizeError(`${col} total_compressed_size`, `${compressed} at offset ${start} runs past the end of the ${fileSize}-byte file`);
    const uncompressed = Number(m.total_uncompressed_size);
    if (!(uncompressed >= 0 && uncompressed <= Math.max(MAX_PARQUET_PAGE_BYTES, compressed * SNAPPY_MAX_RATIO + 16))) throw new ParquetSizeError(`${col} total_uncompressed_size`, `${uncompressed} exceeds what ${compressed} compressed bytes can hold (cap ${MAX_PARQUET_PAGE_BYTES})`);
  }
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
        // Offsets come from the file's own metadata: never allocate past the file, whatever it declares.
        const out = new Uint8Array(Math.max(0, Math.min(end, size) - Math.max(0, start)));
        await fh.read(out, 0, out.length, start);
        return out.buffer;
      },
    },
    close: () => fh.close(),
  };
}

/** The output_dir of a completions file: TRL writes `<output_dir>/completions/completions_N.parquet`. */
function trlOutputDir(file: string): string {
  return basename(dirname(file)) === 'completions' ? dirname(dirname(file)) : dirname(file);
}

/** Read every completions parquet file of a TRL run (or one file) through `mapper`, row group by row group. */
export async function readTrlParquet(path: string, sink: RolloutSink, opts: AdapterOptions = {}, rewardWeights?: Readonly<Record<string, number>>): Promise<void> {
  const { parquetMetadataAsync, parquetSchema, parquetReadObjects, snappyUncompress } = await import('hyparquet');
  const compressors = { SNAPPY: boundedSnappy(snappyUncompress) };
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
      if (!mapper) {
        // reward_funcs order is the table's: TRL writes the reward columns in it (grpo_trainer.py `table = {...}`).
        const rewardCols = columns.filter((c) => (logged ?? floats).includes(c));
        const config = await trlRunConfig(trlOutputDir(file), rewardCols, (i) => sink.issue(i));
        const weights = rewardWeights ?? config.rewardWeights;
        // The trainer's advantage settings travel on every record, so `auto` picks the estimator the run used.
        const runFields = {
          ...(config.multiObjectiveAggregation !== undefined ? { multi_objective_aggregation: config.multiObjectiveAggregation } : {}),
          ...(config.scaleRewards !== undefined ? { scale_rewards: config.scaleRewards } : {}),
        };
        mapper = new TrlRowMapper(sink, logged ?? floats, weights, weights !== undefined, runFields);
      }
      const m = mapper;
      let rowStart = 0;
      for (const [g, rg] of metadata.row_groups.entries()) {
        const rowEnd = rowStart + Number(rg.num_rows);
        // A corrupt page or a size that lies loses its row group, not the file's other row groups nor the other files.
        try {
          checkColumnChunks(rg.columns, buf.byteLength);
          const rows = await parquetReadObjects({ file: buf, metadata, rowStart, rowEnd, compressors });
          rows.forEach((row, k) => m.row(row, name, rowStart + k));
        } catch (err) {
          if (err instanceof Error && err.name === 'AbortError') throw err;
          const what = err instanceof ParquetSizeError ? `declares a size that cannot be true (${err.message})` : `could not be decoded (${err instanceof Error ? err.message : String(err)})`;
          sink.issue({ line: 0, file: name, severity: 'error', ...(err instanceof ParquetSizeError ? { field: err.field } : {}), message: `row group ${g + 1} of ${metadata.row_groups.length} (rows ${rowStart + 1}–${rowEnd}) ${what}; its rows skipped` });
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
