// Copy-on-write containers: what makes a fork of a simulated state cost what
// the fork changes, not what the state holds (architecture.md, "Forks").
//
// A state is forked when a scenario starts from a shared state: the boot
// state of its system (memoized per system) or the end state of the scenario
// it continues (`after`). Forking seals the base: from then on the base is
// read by every fork and written by none. Each container of the fork starts
// out sharing the base's storage and copies a piece (a page, one CPU's map,
// one value) the first time it writes it. The kernel has nothing like this;
// it is how irqd keeps fifty what-ifs after one 64k-IRQ boot cheap.
//
// The rules every container keeps:
//   - a write to a sealed container throws SealedWrite (a bug, never data);
//   - an object value read with get() belongs to whoever owns it and must not
//     be changed; writable(key) returns this container's own copy, cloning
//     it on the first write, and that copy is what the caller changes;
//   - values are iterated by ascending key (PagedMap) or in insertion order
//     (CowMap), the same in a fork as in its base.

/** A write to a container a fork shares: a simulator bug, reported as IRQD003 by the analysis guard. */
export class SealedWrite extends Error {
  constructor(what: string) {
    super(`write to a sealed ${what}: a state shared by forks is never written`);
  }
}

let deepFreeze = false;

/**
 * Test hook: when on, sealing also freezes every object value the sealed
 * container owns (Object.freeze, deeply through the freezer the container
 * was given), so that a write to a shared object through a stale reference
 * throws in strict mode instead of corrupting the base. Off in normal runs:
 * freezing costs a pass over the state.
 */
export function setDeepFreeze(on: boolean): void {
  deepFreeze = on;
}

export function deepFreezing(): boolean {
  return deepFreeze;
}

/** How a container makes its own copy of a value, and how tests freeze one. */
export interface ValueOps<V> {
  readonly clone: (v: V) => V;
  readonly freeze?: (v: V) => void;
}

const PAGE_BITS = 8;
const PAGE_SIZE = 1 << PAGE_BITS;
const PAGE_MASK = PAGE_SIZE - 1;
/**
 * Keys are virqs (< 2^20 in a declared state, check/state.ts; GSIs) and IRTE
 * indices (< 2^16). A key past this (an ISA override may name any IRQ) goes
 * to a plain map beside the pages, so that no key makes a page table huge.
 */
const MAX_KEY = 2 ** 24;

function paged(key: number): boolean {
  return key >>> 0 === key && key < MAX_KEY;
}

interface Page<V> {
  /** The map that created or copied this page, the only one that may write it. */
  readonly owner: object;
  readonly items: (V | undefined)[];
  /** Per slot: the value is the owner's own copy (1) or still shared with a base (0). */
  readonly own: Uint8Array;
  count: number;
}

/**
 * A map from small non-negative integers (Linux IRQ numbers, IRTE indices)
 * to objects, kept in pages of 256 keys: a fork copies the page table only,
 * a page on its first write, a value on its first writable(). Iteration is by
 * ascending key, the order in which the kernel walks its IRQ descriptors.
 */
export class PagedMap<V extends object> implements ReadonlyMap<number, V> {
  private readonly token = {};
  private sealed = false;
  private dir: (Page<V> | undefined)[];
  private count: number;
  /** The keys that are not page slots (see MAX_KEY), copied whole at a fork, and which of their values are this map's own. */
  private big: Map<number, V> | undefined;
  private bigOwn: Set<number> | undefined;

  constructor(
    private readonly ops?: ValueOps<V>,
    from?: { readonly dir: readonly (Page<V> | undefined)[]; readonly count: number; readonly big: ReadonlyMap<number, V> | undefined },
  ) {
    this.dir = from ? from.dir.slice() : [];
    this.count = from?.count ?? 0;
    if (from?.big?.size) this.big = new Map(from.big);
  }

  get size(): number {
    return this.count + (this.big?.size ?? 0);
  }

  get [Symbol.toStringTag](): string {
    return 'PagedMap';
  }

  get(key: number): V | undefined {
    if (!paged(key)) return this.big?.get(key);
    return this.dir[key >>> PAGE_BITS]?.items[key & PAGE_MASK];
  }

  has(key: number): boolean {
    return this.get(key) !== undefined;
  }

  /** Stores a value this map now owns (a fresh object, or a copy the caller made). */
  set(key: number, value: V): this {
    if (!paged(key)) {
      if (this.sealed) throw new SealedWrite('map');
      (this.big ??= new Map()).set(key, value);
      (this.bigOwn ??= new Set()).add(key);
      return this;
    }
    const page = this.ownPage(key);
    const slot = key & PAGE_MASK;
    if (page.items[slot] === undefined) {
      page.count++;
      this.count++;
    }
    page.items[slot] = value;
    page.own[slot] = 1;
    return this;
  }

  delete(key: number): boolean {
    if (!this.has(key)) return false;
    if (!paged(key)) {
      if (this.sealed) throw new SealedWrite('map');
      this.bigOwn?.delete(key);
      return (this.big as Map<number, V>).delete(key);
    }
    const page = this.ownPage(key);
    const slot = key & PAGE_MASK;
    page.items[slot] = undefined;
    page.own[slot] = 0;
    page.count--;
    this.count--;
    return true;
  }

  /** This map's own copy of the value at key, cloned from a shared one on first use. */
  writable(key: number): V | undefined {
    const v = this.get(key);
    if (v === undefined) return undefined;
    if (this.sealed) throw new SealedWrite('map');
    if (!paged(key)) {
      if (this.bigOwn?.has(key)) return v;
      const copy = this.ops ? this.ops.clone(v) : v;
      this.set(key, copy);
      return copy;
    }
    const slot = key & PAGE_MASK;
    const page = this.dir[key >>> PAGE_BITS] as Page<V>;
    if (page.owner === this.token && page.own[slot]) return v;
    const copy = this.ops ? this.ops.clone(v) : v;
    const own = this.ownPage(key);
    own.items[slot] = copy;
    own.own[slot] = 1;
    return copy;
  }

  /** Seals this map and returns a fork that shares its pages until it writes them. */
  fork(): PagedMap<V> {
    this.seal();
    return new PagedMap(this.ops, { dir: this.dir, count: this.count, big: this.big });
  }

  seal(): void {
    if (this.sealed) return;
    this.sealed = true;
    const freeze = this.ops?.freeze;
    if (!deepFreeze || !freeze) return;
    for (const page of this.dir) {
      if (page?.owner !== this.token) continue;
      for (let i = 0; i < PAGE_SIZE; i++) {
        const v = page.items[i];
        if (v !== undefined && page.own[i]) freeze(v);
      }
    }
    for (const k of this.bigOwn ?? []) freeze(this.big?.get(k) as V);
  }

  /** The keys past the pages, ascending (they all sort after the page keys). */
  private bigKeys(): number[] {
    return this.big ? [...this.big.keys()].sort((a, b) => a - b) : [];
  }

  /** How many pages this map holds of its own (created or copied), a measure of what it holds that its base does not. */
  ownedPages(): number {
    let n = 0;
    for (const page of this.dir) if (page?.owner === this.token) n++;
    return n;
  }

  /**
   * Calls fn with every value, by ascending key, reading each slot when its
   * turn comes: fn may replace the value it is given (writable()) but must not
   * add, delete or change others, which is what a scan of IRQ descriptors
   * that migrates each one in turn does (hotplug.ts).
   */
  scan(fn: (value: V) => void): void {
    for (let p = 0; p < this.dir.length; p++) {
      if (!this.dir[p]?.count) continue;
      for (let i = 0; i < PAGE_SIZE; i++) {
        const v = (this.dir[p] as Page<V>).items[i];
        if (v !== undefined) fn(v);
      }
    }
    for (const k of this.bigKeys()) {
      const v = this.big?.get(k);
      if (v !== undefined) fn(v);
    }
  }

  *entries(): MapIterator<[number, V]> {
    const dir = this.dir;
    for (let p = 0; p < dir.length; p++) {
      const page = dir[p];
      if (!page || page.count === 0) continue;
      const base = p << PAGE_BITS;
      for (let i = 0; i < PAGE_SIZE; i++) {
        const v = page.items[i];
        if (v !== undefined) yield [base + i, v];
      }
    }
    for (const k of this.bigKeys()) yield [k, this.big?.get(k) as V];
  }

  *keys(): MapIterator<number> {
    for (const [k] of this.entries()) yield k;
  }

  *values(): MapIterator<V> {
    for (const [, v] of this.entries()) yield v;
  }

  [Symbol.iterator](): MapIterator<[number, V]> {
    return this.entries();
  }

  forEach(fn: (value: V, key: number, map: ReadonlyMap<number, V>) => void): void {
    for (const [k, v] of this.entries()) fn(v, k, this);
  }

  /** The page of key, this map's own: created, or copied from a base on the first write. */
  private ownPage(key: number): Page<V> {
    if (this.sealed) throw new SealedWrite('map');
    const p = key >>> PAGE_BITS;
    const page = this.dir[p];
    if (page?.owner === this.token) return page;
    const copy: Page<V> = page
      ? { owner: this.token, items: page.items.slice(), own: new Uint8Array(PAGE_SIZE), count: page.count }
      : { owner: this.token, items: new Array<V | undefined>(PAGE_SIZE).fill(undefined), own: new Uint8Array(PAGE_SIZE), count: 0 };
    this.dir[p] = copy;
    return copy;
  }
}

/**
 * A small map (devices, IRTE tables, guests' VFIO states) copied whole at a
 * fork, its values shared until writable() clones one. Insertion order is
 * kept, as in a Map.
 */
export class CowMap<K, V extends object> implements ReadonlyMap<K, V> {
  private readonly map: Map<K, V>;
  /** The keys whose value is this map's own copy. */
  private readonly own = new Set<K>();
  private sealed = false;

  constructor(
    private readonly ops?: ValueOps<V>,
    from?: ReadonlyMap<K, V>,
  ) {
    this.map = new Map(from);
  }

  get size(): number {
    return this.map.size;
  }

  get [Symbol.toStringTag](): string {
    return 'CowMap';
  }

  get(key: K): V | undefined {
    return this.map.get(key);
  }

  has(key: K): boolean {
    return this.map.has(key);
  }

  set(key: K, value: V): this {
    if (this.sealed) throw new SealedWrite('map');
    this.map.set(key, value);
    this.own.add(key);
    return this;
  }

  delete(key: K): boolean {
    if (this.sealed) throw new SealedWrite('map');
    this.own.delete(key);
    return this.map.delete(key);
  }

  writable(key: K): V | undefined {
    const v = this.map.get(key);
    if (v === undefined) return undefined;
    if (this.sealed) throw new SealedWrite('map');
    if (this.own.has(key)) return v;
    const copy = this.ops ? this.ops.clone(v) : v;
    this.map.set(key, copy);
    this.own.add(key);
    return copy;
  }

  fork(): CowMap<K, V> {
    this.seal();
    return new CowMap(this.ops, this.map);
  }

  seal(): void {
    if (this.sealed) return;
    this.sealed = true;
    const freeze = this.ops?.freeze;
    if (!deepFreeze || !freeze) return;
    for (const k of this.own) freeze(this.map.get(k) as V);
  }

  entries(): MapIterator<[K, V]> {
    return this.map.entries();
  }

  keys(): MapIterator<K> {
    return this.map.keys();
  }

  values(): MapIterator<V> {
    return this.map.values();
  }

  [Symbol.iterator](): MapIterator<[K, V]> {
    return this.map.entries();
  }

  forEach(fn: (value: V, key: K, map: ReadonlyMap<K, V>) => void): void {
    for (const [k, v] of this.map) fn(v, k, this);
  }
}

const BYTE_PAGE_BITS = 12;
const BYTE_PAGE = 1 << BYTE_PAGE_BITS;

/** The number of keys of one PagedMap page. */
export const PAGED_MAP_PAGE = PAGE_SIZE;

/** A fixed-length byte array (an IRTE table's allocation bitmap) in 4 KiB pages, copied page by page on write after a fork. */
export class PagedBytes {
  private readonly token = {};
  private sealed = false;
  /** A page not written yet is all zero and not there. */
  private readonly pages: (Uint8Array | undefined)[];
  private readonly owners: (object | undefined)[];

  constructor(
    readonly length: number,
    from?: PagedBytes,
  ) {
    const n = Math.ceil(length / BYTE_PAGE);
    this.pages = from ? from.pages.slice() : new Array<Uint8Array | undefined>(n).fill(undefined);
    this.owners = from ? from.owners.slice() : new Array<object | undefined>(n).fill(undefined);
  }

  /** The byte at i; 0 outside the array, like the Uint8Array it replaces reads undefined. */
  get(i: number): number {
    if (i < 0 || i >= this.length) return 0;
    return this.pages[i >>> BYTE_PAGE_BITS]?.[i & (BYTE_PAGE - 1)] ?? 0;
  }

  /** Uint8Array.fill(value, from, to) within the array. */
  fill(value: number, from: number, to: number): void {
    if (to === from + 1 && from >= 0 && from < this.length) {
      this.ownPage(from >>> BYTE_PAGE_BITS)[from & (BYTE_PAGE - 1)] = value;
      return;
    }
    const end = Math.min(to, this.length);
    for (let i = Math.max(0, from); i < end; ) {
      const p = i >>> BYTE_PAGE_BITS;
      const page = this.ownPage(p);
      const stop = Math.min(end, (p + 1) << BYTE_PAGE_BITS);
      page.fill(value, i & (BYTE_PAGE - 1), stop - (p << BYTE_PAGE_BITS));
      i = stop;
    }
  }

  fork(): PagedBytes {
    this.sealed = true;
    return new PagedBytes(this.length, this);
  }

  /** A copy that shares no page (cloneState()). */
  copy(): PagedBytes {
    const c = new PagedBytes(this.length, this);
    for (let p = 0; p < c.pages.length; p++) if (c.pages[p]) c.ownPage(p);
    return c;
  }

  seal(): void {
    this.sealed = true;
  }

  private ownPage(p: number): Uint8Array {
    if (this.sealed) throw new SealedWrite('bitmap');
    if (this.owners[p] === this.token) return this.pages[p] as Uint8Array;
    const copy = this.pages[p]?.slice() ?? new Uint8Array(BYTE_PAGE);
    this.pages[p] = copy;
    this.owners[p] = this.token;
    return copy;
  }
}
