/**
 * The rollout index's schema: one table of its per-record columns. The builder's allocation, growth, row store,
 * merge and finish, the cache file's layout and the index worker's transfer list are all derived from it, so a
 * column is declared here and nowhere else (see README.md, "Adding an index field").
 */

/** Element kinds a column can have, by their typed arrays. */
const KINDS = { u32: Uint32Array, i32: Int32Array, f64: Float64Array } as const;

/** The element kind of a column. */
export type ColumnKind = keyof typeof KINDS;

/** The typed array of a column kind. */
export type ArrayOfKind<K extends ColumnKind> = InstanceType<(typeof KINDS)[K]>;

/** One column: its name on RolloutIndex, element kind, the value of "absent", and the string table its ids index. */
export interface ColumnSpec {
  readonly name: string;
  readonly kind: ColumnKind;
  /** What an unset entry holds (a grown column is filled with it). */
  readonly fill: number;
  /** For id columns: the RolloutIndex string table (`runs`, `groups`, `images`) the ids index; -1 is "absent". */
  readonly table?: 'runs' | 'groups' | 'images';
}

/**
 * The columns, in cache-file order. line: 1-based line number; offset/length: the record's byte range; step:
 * optimizer step (NaN absent); run/group/image: ids into their tables (-1 absent; a group is logged or inferred
 * from step + image/prompt); sample: index within the group (-1 absent); reward/advantage: NaN when absent;
 * completionLength: in UTF-16 code units.
 */
export const INDEX_COLUMNS = [
  { name: 'line', kind: 'u32', fill: 0 },
  { name: 'offset', kind: 'f64', fill: 0 },
  { name: 'length', kind: 'u32', fill: 0 },
  { name: 'step', kind: 'f64', fill: Number.NaN },
  { name: 'run', kind: 'i32', fill: -1, table: 'runs' },
  { name: 'group', kind: 'i32', fill: -1, table: 'groups' },
  { name: 'sample', kind: 'i32', fill: -1 },
  { name: 'image', kind: 'i32', fill: -1, table: 'images' },
  { name: 'reward', kind: 'f64', fill: Number.NaN },
  { name: 'advantage', kind: 'f64', fill: Number.NaN },
  { name: 'completionLength', kind: 'u32', fill: 0 },
] as const satisfies readonly ColumnSpec[];

type Columns = (typeof INDEX_COLUMNS)[number];

/** The name of an index column. */
export type ColumnName = Columns['name'];

/** The typed columns of an index, by name (what RolloutIndex carries besides its tables). */
export type IndexColumns = { readonly [C in Columns as C['name']]: ArrayOfKind<C['kind']> };

/**
 * One record's values, a slot per column at its COL position: the reused row the hot path fills before
 * `IndexBuilder.commit()` (a typed array, so the commit is one tight loop instead of per-name property accesses).
 */
export type IndexRow = Float64Array;

/** Each column's slot in an IndexRow (its position in INDEX_COLUMNS): `row[COL.reward] = v`. */
export const COL = Object.freeze(Object.fromEntries(INDEX_COLUMNS.map((c, k) => [c.name, k]))) as { readonly [C in ColumnName]: number };

/** A typed array of `n` elements of the column's kind (zeroed: the caller fills). */
export function allocColumn(spec: ColumnSpec, n: number): Float64Array | Uint32Array | Int32Array {
  return new KINDS[spec.kind](n);
}

/** A typed array of the column's kind over `buffer` (a cache file's bytes), `n` elements from `byteOffset`. */
export function viewColumn(spec: ColumnSpec, buffer: ArrayBuffer, byteOffset: number, n: number): Float64Array | Uint32Array | Int32Array {
  return new KINDS[spec.kind](buffer, byteOffset, n);
}

/** Bytes per element of the column. */
export function columnBytes(spec: ColumnSpec): number {
  return KINDS[spec.kind].BYTES_PER_ELEMENT;
}

/** A row with every column at its "absent" value. */
export function emptyRow(): IndexRow {
  return Float64Array.from(INDEX_COLUMNS, (c) => c.fill);
}

/**
 * The schema as the cache header records it (`line:u32,offset:f64,…`): a cache written under another column
 * table is rebuilt, never read with the wrong layout.
 */
export const COLUMNS_SIGNATURE = INDEX_COLUMNS.map((c) => `${c.name}:${c.kind}`).join(',');

/** Every buffer under an index's columns and components: what a worker transfers instead of copying. */
export function columnBuffers(ix: IndexColumns & { readonly components: ReadonlyMap<string, Float64Array> }): ArrayBuffer[] {
  const all = [...INDEX_COLUMNS.map((c) => ix[c.name].buffer), ...[...ix.components.values()].map((a) => a.buffer)];
  return [...new Set(all as ArrayBuffer[])];
}
