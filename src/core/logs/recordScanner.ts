import { lazyKernelModule } from '../wasm/kernelModule';
import type { IndexBuilder, SummaryColumn } from './indexBuilder';
import { COL } from './indexColumns';
import { F, IN, LAYOUT_ID, MAX_COMP, N, O, ST } from './scannerTables';

// The row slots as module constants: read once, not through the imported table on every record of the hot loop.
const { line: C_LINE, offset: C_OFFSET, length: C_LENGTH, step: C_STEP, run: C_RUN, group: C_GROUP, sample: C_SAMPLE, image: C_IMAGE, reward: C_REWARD, advantage: C_ADVANTAGE, completionLength: C_COMPLETION_LENGTH } = COL;

/** What src/asm/recordScanner.ts exports: the scan, and the hash of the tables it was built from. */
interface ScannerExports {
  readonly memory: WebAssembly.Memory;
  readonly LAYOUT_ID: WebAssembly.Global;
  scan(from: number, stop: number, fresh: boolean): number;
  next(): number;
}

/** The compiled scanner, or undefined when recordScanner.wasm is not beside this module (the JavaScript path then runs alone). */
const scannerModule = lazyKernelModule(__dirname, 'recordScanner.wasm');

/** A record's interned ids and the columns its reward components go to. */
interface SlotIds {
  run: number;
  group: number;
  image: number;
  cols: SummaryColumn[];
}

/** Bytes past each read buffer the scanner may load (16-byte SIMD loads never cross into the other buffer). */
const PAD = 64;

/** Handles one line the scanner left to the JavaScript path (bytes [start, end) of buf, newline excluded). */
export type FallbackLine = (buf: Buffer, start: number, end: number, lineNo: number, offset: number) => void;

/**
 * The WebAssembly record scanner with its memory: two read buffers the line scanner reads chunks into, and the
 * loop that turns the scanner's slots into index records. Strings are decoded only when they differ from the
 * previous record's, which the scanner tells by comparing bytes; so most records cost no string work.
 */
export class RecordScanner {
  readonly buffers: readonly [Buffer, Buffer];
  private readonly ex: ScannerExports;
  private readonly i32: Int32Array;
  private readonly f64: Float64Array;
  // Ids of the previous accepted record; `trusted` is false after a record the host turned down (a slow number
  // that is not finite), whose strings the scanner compared the next record with but the host never interned.
  private trusted = false;
  private lastRun = -1;
  private lastGroup = -1;
  private lastImage = -1;
  private lastCols: SummaryColumn[] = [];

  constructor(module: WebAssembly.Module, chunkBytes: number) {
    this.ex = new WebAssembly.Instance(module, {}).exports as unknown as ScannerExports;
    if (this.ex.LAYOUT_ID.value !== LAYOUT_ID) throw new Error(`recordScanner.wasm was built from other tables (layout ${String(this.ex.LAYOUT_ID.value)}, this host's ${LAYOUT_ID}): rebuild with node esbuild.mjs`);
    const need = IN + 2 * (chunkBytes + PAD);
    const pages = Math.ceil(need / 65536) - this.ex.memory.buffer.byteLength / 65536;
    if (pages > 0) this.ex.memory.grow(pages);
    // Views only after the last grow: growing detaches the old ArrayBuffer.
    const mem = this.ex.memory.buffer;
    this.i32 = new Int32Array(mem);
    this.f64 = new Float64Array(mem);
    this.buffers = [Buffer.from(mem, IN, chunkBytes), Buffer.from(mem, IN + chunkBytes + PAD, chunkBytes)];
  }

  /**
   * Index the complete lines of buf[start, stop) (stop just past a newline; buf one of `buffers`) into `b`, lines
   * numbered from lineNo at file offset `offset`; lines the scanner cannot take go to `fallback`. Returns the number of lines.
   */
  block(b: IndexBuilder, buf: Buffer, start: number, stop: number, lineNo: number, offset: number, fallback: FallbackLine): number {
    const { ex, i32, f64 } = this;
    const base = buf.byteOffset;
    const fileBase = offset - start;
    const { STATUS: oStatus, START: oStart, END: oEnd, CLEN: oClen, SLOW: oSlow, STEP: oStep, REWARD: oReward, ADV: oAdv, SAMPLE: oSample, COMP_V: oCompV } = O;
    const { OK: ST_OK, BLANK: ST_BLANK } = ST;
    let a = base + start;
    const s = base + stop;
    let line = lineNo;
    let fresh = true;
    while (a < s) {
      const n = ex.scan(a, s, fresh);
      fresh = false;
      for (let r = 0; r < n; r++) {
        const st = i32[oStatus + r]!;
        const ls = i32[oStart + r]! - base;
        const le = i32[oEnd + r]! - base;
        const ln = line++;
        if (st === ST_BLANK) continue;
        if (st === ST_OK && (i32[oSlow + r] === 0 || this.slowNumbers(buf, base, r))) {
          const ids = this.ids(buf, base, r, b);
          const row = b.row;
          row[C_LINE] = ln;
          row[C_OFFSET] = fileBase + ls;
          row[C_LENGTH] = le - ls;
          row[C_STEP] = f64[oStep + r]!;
          row[C_RUN] = ids.run;
          row[C_GROUP] = ids.group;
          row[C_SAMPLE] = f64[oSample + r]!;
          row[C_IMAGE] = ids.image;
          row[C_REWARD] = f64[oReward + r]!;
          row[C_ADVANTAGE] = f64[oAdv + r]!;
          row[C_COMPLETION_LENGTH] = i32[oClen + r]!;
          const i = b.commit();
          const cols = ids.cols;
          const v0 = oCompV + r * MAX_COMP;
          for (let k = 0; k < cols.length; k++) cols[k]!.set(i, f64[v0 + k]!);
          continue;
        }
        this.trusted = false;
        fallback(buf, ls, le, ln, fileBase + ls);
      }
      a = ex.next();
    }
    return line - lineNo;
  }

  /**
   * Parse slot r's numbers the scanner left to Number() (more digits than its exact path) into their value slots;
   * false when one is not finite, or a sample not a non-negative integer: the JavaScript path turns those lines down.
   */
  private slowNumbers(buf: Buffer, base: number, r: number): boolean {
    const { i32, f64 } = this;
    const mask = i32[O.SLOW + r]!;
    const n0 = r * N.SLOTS;
    for (let k = 0; k < N.SLOTS; k++) {
      if (!(mask & (1 << k))) continue;
      const v = Number(buf.toString('latin1', i32[O.NUM_S + n0 + k]! - base, i32[O.NUM_E + n0 + k]! - base));
      if (!Number.isFinite(v)) return false;
      if (k === N.SAMPLE && !(Number.isInteger(v) && v >= 0)) return false;
      const at = k === N.STEP ? O.STEP + r : k === N.REWARD ? O.REWARD + r : k === N.ADV ? O.ADV + r : k === N.SAMPLE ? O.SAMPLE + r : O.COMP_V + r * MAX_COMP + (k - N.COMP);
      f64[at] = v;
    }
    return true;
  }

  private readonly idsOut: SlotIds = { run: -1, group: -1, image: -1, cols: [] };

  /** Slot r's string [s, e) from the span slots starting at element indices sSlot and eSlot. */
  private str(buf: Buffer, base: number, r: number, sSlot: number, eSlot: number): string {
    return buf.toString('utf8', this.i32[sSlot + r]! - base, this.i32[eSlot + r]! - base);
  }

  /** Interned ids and component columns of slot r (the scanner has already turned down unsafe paths). */
  private ids(buf: Buffer, base: number, r: number, b: IndexBuilder): SlotIds {
    const i32 = this.i32;
    const flags = i32[O.FLAGS + r]!;
    const trusted = this.trusted;
    const out = this.idsOut;
    out.run = !(flags & F.RUN) ? -1 : trusted && flags & F.RUN_SAME ? this.lastRun : b.runId(this.str(buf, base, r, O.RUN_S, O.RUN_E));
    out.group = trusted && flags & F.GROUP_SAME ? this.lastGroup : b.groupId(this.str(buf, base, r, O.GROUP_S, O.GROUP_E));
    out.image = !(flags & F.IMAGE) ? -1 : trusted && flags & F.IMAGE_SAME ? this.lastImage : b.imageId(this.str(buf, base, r, O.IMAGE_S, O.IMAGE_E));
    if (!(trusted && flags & F.COMP_SAME)) {
      const n = i32[O.NCOMP + r]!;
      const cols: SummaryColumn[] = [];
      const c0 = r * MAX_COMP;
      for (let k = 0; k < n; k++) cols.push(b.componentColumn(buf.toString('utf8', i32[O.COMP_S + c0 + k]! - base, i32[O.COMP_E + c0 + k]! - base)));
      this.lastCols = cols;
    }
    out.cols = this.lastCols;
    this.lastRun = out.run;
    this.lastGroup = out.group;
    this.lastImage = out.image;
    this.trusted = true;
    return out;
  }
}

const pool: RecordScanner[] = [];

/**
 * A scanner whose read buffers hold `chunkBytes`, from this thread's pool (release it after the scan); undefined
 * when WebAssembly or the compiled scanner is unavailable.
 */
export function acquireRecordScanner(chunkBytes: number): RecordScanner | undefined {
  const i = pool.findIndex((s) => s.buffers[0].length === chunkBytes);
  if (i >= 0) return pool.splice(i, 1)[0];
  const m = scannerModule();
  return m ? new RecordScanner(m, chunkBytes) : undefined;
}

/** Give a scanner back for the next scan on this thread (two at most are kept: each holds its read buffers). */
export function releaseRecordScanner(s: RecordScanner): void {
  if (pool.length < 2) pool.push(s);
}
