// The irq_matrix allocator (kernel/irq/matrix.c), bit for bit: per-CPU
// alloc/managed maps and counters, the global counters, and the quirks of
// semantics.md §2.3 (total_allocated and offline CPUs, stale `available`).
//
// Two things here are irqd's, not the kernel's, and change no result:
//   - a fork shares every CPU's map with its base and copies one the first
//     time it writes it (cow.ts explains forks);
//   - two search indexes: each CPU's lowest bit that may be free, and a
//     max-tree over the `available` of the CPUs online both here and in
//     cpu_online_mask, so that matrix_find_best_cpu() over cpu_online_mask
//     takes O(log CPUs) instead of a scan of every CPU per allocation.
import { deepFreezing, SealedWrite } from './cow.js';

export type Errno = 'EINVAL' | 'ENOSPC' | 'EBUSY' | 'EIO' | 'ENOSYS' | 'ENXIO' | 'ERANGE' | 'ENOTTY';

export interface CpuMap {
  available: number;
  allocated: number;
  managed: number;
  managedAllocated: number;
  initialized: boolean;
  online: boolean;
  readonly allocMap: Uint8Array;
  readonly managedMap: Uint8Array;
  /** irqd's search hint: no bit below this is free for matrix_alloc_area() (not free means managed, system or allocated). */
  searchFrom: number;
}

/** A leaf of the best-CPU tree for a CPU that cannot be chosen. */
const NONE = -(2 ** 31);

/** findBestInRuns() found no CPU it may choose. */
const NO_CHOOSABLE_CPU = -2;

/** Masks shorter than this are scanned: a scan of a few CPUs costs less than splitting it into runs. */
const RANGE_SEARCH_MIN = 64;

/**
 * A mask as runs of consecutive CPUs, [first, last] pairs, made once per mask:
 * masks are never changed in place once made (state.ts keptMask()), so the
 * runs of one stay its runs.
 */
function runsOf(mask: readonly number[]): Int32Array {
  let runs = runsMemo.get(mask);
  if (!runs) {
    const out: number[] = [];
    for (let i = 0; i < mask.length; ) {
      let j = i;
      while (j + 1 < mask.length && mask[j + 1] === (mask[j] as number) + 1) j++;
      out.push(mask[i] as number, mask[j] as number);
      i = j + 1;
    }
    runs = Int32Array.from(out);
    runsMemo.set(mask, runs);
  }
  return runs;
}

const runsMemo = new WeakMap<readonly number[], Int32Array>();

function cloneCpuMap(c: CpuMap): CpuMap {
  return { ...c, allocMap: c.allocMap.slice(), managedMap: c.managedMap.slice() };
}

export class IrqMatrix {
  /** Per CPU (struct cpumap). Read them freely; every write goes through the matrix's own methods. */
  readonly cpus: readonly CpuMap[];
  globalAvailable = 0;
  globalReserved = 0;
  totalAllocated = 0;
  onlineMaps = 0;
  systembitsInalloc = 0;
  readonly systemMap: Uint8Array;
  /** Per CPU: 1 when cpus[n] is this matrix's own copy, 0 while it is shared with the base of a fork. */
  private readonly owned: Uint8Array;
  /** cpu_online_mask as the state last told it (setCpuOnline()): which CPUs the best-CPU tree may choose. */
  private readonly cpuOnlineMask: Uint8Array;
  /** The best-CPU tree: leaves (from index `leaves`) hold a choosable CPU's available, inner nodes the max of their children. */
  private tree: Int32Array;
  private treeOwned: boolean;
  private readonly leaves: number;
  private sealed = false;

  constructor(
    readonly matrixBits: number,
    readonly allocStart: number,
    readonly allocEnd: number,
    nrCpus: number,
    from?: IrqMatrix,
  ) {
    let leaves = 1;
    while (leaves < nrCpus) leaves *= 2;
    this.leaves = leaves;
    if (from) {
      // A fork (fork()): every CPU map and the tree shared until written.
      this.systemMap = from.systemMap;
      this.cpus = from.cpus.slice();
      this.owned = new Uint8Array(nrCpus);
      this.cpuOnlineMask = from.cpuOnlineMask.slice();
      this.tree = from.tree;
      this.treeOwned = false;
      return;
    }
    this.systemMap = new Uint8Array(matrixBits);
    this.cpus = Array.from({ length: nrCpus }, () => ({
      available: 0,
      allocated: 0,
      managed: 0,
      managedAllocated: 0,
      initialized: false,
      online: false,
      allocMap: new Uint8Array(matrixBits),
      managedMap: new Uint8Array(matrixBits),
      searchFrom: allocStart,
    }));
    this.owned = new Uint8Array(nrCpus).fill(1);
    this.cpuOnlineMask = new Uint8Array(nrCpus).fill(1);
    this.tree = new Int32Array(2 * leaves).fill(NONE);
    this.treeOwned = true;
  }

  get allocSize(): number {
    return this.allocEnd - this.allocStart;
  }

  /** Seals this matrix and returns a fork sharing its CPU maps until it writes them. */
  fork(): IrqMatrix {
    this.seal();
    const m = new IrqMatrix(this.matrixBits, this.allocStart, this.allocEnd, this.cpus.length, this);
    m.copyCounters(this);
    return m;
  }

  /** A full copy that shares nothing (cloneState()'s deep copy, the reference the forks are tested against). */
  clone(): IrqMatrix {
    const m = new IrqMatrix(this.matrixBits, this.allocStart, this.allocEnd, this.cpus.length, this);
    m.copyCounters(this);
    for (let n = 0; n < m.cpus.length; n++) m.own(n);
    m.tree = m.tree.slice();
    m.treeOwned = true;
    return m;
  }

  seal(): void {
    if (this.sealed) return;
    this.sealed = true;
    // Test mode: the CPU maps this matrix owns are frozen (their bitmaps, typed arrays, cannot be; forks.test.ts compares them).
    if (deepFreezing()) for (let n = 0; n < this.cpus.length; n++) if (this.owned[n]) Object.freeze(this.cpus[n]);
  }

  /** How many CPU maps this matrix holds of its own (not shared with a fork's base). */
  ownedCpus(): number {
    let n = 0;
    for (const o of this.owned) n += o;
    return n;
  }

  private copyCounters(from: IrqMatrix): void {
    this.globalAvailable = from.globalAvailable;
    this.globalReserved = from.globalReserved;
    this.totalAllocated = from.totalAllocated;
    this.onlineMaps = from.onlineMaps;
    this.systembitsInalloc = from.systembitsInalloc;
  }

  /** A CPU's map to write: this matrix's own, copied from the base of a fork on the first write. */
  private own(n: number): CpuMap {
    if (this.sealed) throw new SealedWrite('vector matrix');
    const c = this.cpus[n] as CpuMap;
    if (this.owned[n]) return c;
    const copy = cloneCpuMap(c);
    (this.cpus as CpuMap[])[n] = copy;
    this.owned[n] = 1;
    return copy;
  }

  /** The counters and flags of every global write, checked for a sealed matrix. */
  private global(): void {
    if (this.sealed) throw new SealedWrite('vector matrix');
  }

  /** Recomputes CPU n's leaf of the best-CPU tree after its available or online flag changed. */
  private reindex(n: number): void {
    if (!this.treeOwned) {
      this.tree = this.tree.slice();
      this.treeOwned = true;
    }
    const c = this.cpus[n] as CpuMap;
    const t = this.tree;
    let i = this.leaves + n;
    t[i] = c.online && this.cpuOnlineMask[n] ? c.available : NONE;
    for (i >>= 1; i >= 1; i >>= 1) {
      const v = Math.max(t[2 * i] as number, t[2 * i + 1] as number);
      if (t[i] === v) break;
      t[i] = v;
    }
  }

  /**
   * The state's cpu_online_mask changed for this CPU (state.ts setCpuOnline()).
   * The kernel's matrix does not see cpu_online_mask; the best-CPU tree needs it.
   */
  setCpuOnline(cpu: number, on: boolean): void {
    this.global();
    if (cpu < 0 || cpu >= this.cpus.length) return;
    this.cpuOnlineMask[cpu] = on ? 1 : 0;
    this.reindex(cpu);
  }

  // irq_matrix_assign_system(): kernel/irq/matrix.c (boot time only)
  assignSystem(bit: number): void {
    this.global();
    this.systemMap[bit] = 1;
    if (bit >= this.allocStart && bit < this.allocEnd) this.systembitsInalloc++;
  }

  // irq_matrix_online(): kernel/irq/matrix.c
  online(cpu: number): void {
    const c = this.own(cpu);
    if (!c.initialized) {
      c.available = this.allocSize - (c.managed + this.systembitsInalloc);
      c.initialized = true;
    }
    this.globalAvailable += c.available;
    c.online = true;
    this.onlineMaps++;
    this.reindex(cpu);
  }

  // irq_matrix_offline(): kernel/irq/matrix.c; total_allocated and the maps stay.
  offline(cpu: number): void {
    const c = this.own(cpu);
    this.globalAvailable -= c.available;
    c.online = false;
    this.onlineMaps--;
    this.reindex(cpu);
  }

  /** The lowest bit matrix_alloc_area() may take on a CPU (free of managed, system and allocated bits), or allocEnd. */
  private firstFree(c: CpuMap): number {
    for (let bit = Math.max(this.allocStart, c.searchFrom); bit < this.allocEnd; bit++) {
      if (!c.managedMap[bit] && !this.systemMap[bit] && !c.allocMap[bit]) return bit;
    }
    return this.allocEnd;
  }

  // matrix_alloc_area(): lowest free bit at or above alloc_start, avoiding managed, system and allocated bits.
  private allocArea(c: CpuMap, managed: boolean): number {
    const bit = this.firstFree(c);
    // Every bit below the one found is taken, and so is that one now.
    c.searchFrom = bit + 1;
    if (bit >= this.allocEnd) return this.allocEnd;
    if (managed) c.managedMap[bit] = 1;
    else c.allocMap[bit] = 1;
    return bit;
  }

  /** A bit of this CPU became free again: the search hint may have to go back. */
  private freed(c: CpuMap, bit: number): void {
    if (bit < c.searchFrom) c.searchFrom = bit;
  }

  // matrix_find_best_cpu(): the online CPU with strictly the most available; ties to the lowest.
  findBestCpu(mask: readonly number[]): number | undefined {
    let best: number | undefined;
    let maxavl = 0;
    for (const cpu of mask) {
      const c = this.cpus[cpu];
      if (!c?.online) continue;
      if (c.available <= maxavl) continue;
      best = cpu;
      maxavl = c.available;
    }
    return best;
  }

  /**
   * matrix_find_best_cpu() over mask ∩ within (cpumask_and(vector_searchmask,
   * dest, cpu_online_mask) in apic_set_affinity()), the intersection taken
   * during the scan instead of made first: -1 when it is empty.
   */
  private findBestCpuWithin(mask: readonly number[], within: readonly boolean[]): number | undefined | -1 {
    // A long mask is a few runs of CPUs: the tree answers each run in O(log CPUs). `within` is
    // cpu_online_mask (its only callers), which the tree's leaves already hold.
    if (mask.length >= RANGE_SEARCH_MIN) {
      const r = this.findBestInRuns(runsOf(mask));
      if (r !== NO_CHOOSABLE_CPU) return r;
    }
    let best: number | undefined;
    let maxavl = 0;
    let empty = true;
    for (const cpu of mask) {
      if (!within[cpu]) continue;
      empty = false;
      const c = this.cpus[cpu];
      if (!c?.online) continue;
      if (c.available <= maxavl) continue;
      best = cpu;
      maxavl = c.available;
    }
    return empty ? -1 : best;
  }

  /**
   * The scan's answer over runs of CPUs (ascending, disjoint) from the tree:
   * per run its maximum and the leftmost CPU holding it, the strictly
   * largest over the runs in order, so ties go to the lowest CPU as in the
   * scan. When no CPU of the runs can be chosen at all the caller scans
   * instead, to tell an empty intersection (-EINVAL) from full CPUs.
   */
  private findBestInRuns(runs: Int32Array): number | undefined | typeof NO_CHOOSABLE_CPU {
    let best: number | undefined;
    let maxavl = 0;
    let choosable = false;
    for (let k = 0; k < runs.length; k += 2) {
      const lo = runs[k] as number;
      const hi = Math.min(runs[k + 1] as number, this.cpus.length - 1);
      if (lo > hi) continue;
      const v = this.treeMax(lo, hi);
      if (v === NONE) continue;
      choosable = true;
      if (v <= maxavl) continue;
      maxavl = v;
      best = this.leftmostWith(1, 0, this.leaves - 1, lo, hi, v);
    }
    return choosable ? best : NO_CHOOSABLE_CPU;
  }

  /** The largest leaf of CPUs lo..hi. */
  private treeMax(lo: number, hi: number): number {
    const t = this.tree;
    let res = NONE;
    for (let l = lo + this.leaves, r = hi + this.leaves + 1; l < r; l >>= 1, r >>= 1) {
      if (l & 1) res = Math.max(res, t[l++] as number);
      if (r & 1) res = Math.max(res, t[--r] as number);
    }
    return res;
  }

  /** The lowest CPU within lo..hi whose leaf is v, under node (covering nlo..nhi). */
  private leftmostWith(node: number, nlo: number, nhi: number, lo: number, hi: number, v: number): number | undefined {
    const t = this.tree;
    if (nhi < lo || nlo > hi || (t[node] as number) < v) return undefined;
    if (node >= this.leaves) return t[node] === v ? node - this.leaves : undefined;
    const mid = (nlo + nhi) >> 1;
    return this.leftmostWith(2 * node, nlo, mid, lo, hi, v) ?? this.leftmostWith(2 * node + 1, mid + 1, nhi, lo, hi, v);
  }

  /**
   * matrix_find_best_cpu() over cpu_online_mask, from the tree: the leftmost
   * CPU holding the maximum available, so the same CPU the scan finds (the
   * strictly largest, ties to the lowest), and none when no CPU has any.
   */
  findBestOnlineCpu(): number | undefined {
    const t = this.tree;
    const max = t[1] as number;
    if (max <= 0) return undefined;
    let i = 1;
    while (i < this.leaves) i = t[2 * i] === max ? 2 * i : 2 * i + 1;
    return i - this.leaves;
  }

  // matrix_find_best_cpu_managed(): the online CPU with the fewest managed_allocated; ties to the highest.
  findBestCpuManaged(mask: readonly number[]): number | undefined {
    let best: number | undefined;
    let fewest = Infinity;
    for (const cpu of mask) {
      const c = this.cpus[cpu];
      if (!c?.online) continue;
      if (c.managedAllocated > fewest) continue;
      best = cpu;
      fewest = c.managedAllocated;
    }
    return best;
  }

  /**
   * irq_matrix_alloc(): kernel/irq/matrix.c. `onlineMask` says the mask is
   * cpu_online_mask itself (state.ts onlineCpus()), which the tree answers
   * without a scan.
   */
  alloc(mask: readonly number[], reserved: boolean, onlineMask = false, within?: readonly boolean[]): { cpu: number; bit: number } | Errno {
    if (mask.length === 0) return 'EINVAL';
    const cpu = onlineMask ? this.findBestOnlineCpu() : within ? this.findBestCpuWithin(mask, within) : this.findBestCpu(mask);
    // cpumask_empty() of the search mask: irq_matrix_alloc() refuses it before looking for a CPU.
    if (cpu === -1) return 'EINVAL';
    if (cpu === undefined) return 'ENOSPC';
    const c = this.own(cpu);
    const bit = this.allocArea(c, false);
    if (bit >= this.allocEnd) return 'ENOSPC';
    c.allocated++;
    c.available--;
    this.totalAllocated++;
    this.globalAvailable--;
    if (reserved) this.globalReserved--;
    this.reindex(cpu);
    return { cpu, bit };
  }

  // irq_matrix_reserve(): reservation mode books globally only.
  reserve(): boolean {
    this.global();
    const exceeds = this.globalReserved === this.globalAvailable;
    this.globalReserved++;
    return exceeds;
  }

  // irq_matrix_remove_reserved(): kernel/irq/matrix.c
  removeReserved(): void {
    this.global();
    this.globalReserved--;
  }

  // irq_matrix_reserve_managed(): one slot on every CPU of the mask, online or not; rolled back on failure.
  reserveManaged(mask: readonly number[]): Errno | undefined {
    for (let i = 0; i < mask.length; i++) {
      const cpu = mask[i] as number;
      const c = this.own(cpu);
      const bit = this.allocArea(c, true);
      if (bit >= this.allocEnd) {
        this.removeManaged(mask.slice(0, i));
        return 'ENOSPC';
      }
      c.managed++;
      if (c.online) {
        c.available--;
        this.globalAvailable--;
      }
      this.reindex(cpu);
    }
    return undefined;
  }

  /** The lowest managed bit reserved on a CPU and not allocated, or -1. */
  private reservedManagedBit(c: CpuMap): number {
    for (let b = this.allocStart; b < this.allocEnd; b++) if (c.managedMap[b] && !c.allocMap[b]) return b;
    return -1;
  }

  // irq_matrix_remove_managed(): releases one reserved-but-unused managed bit per CPU.
  removeManaged(mask: readonly number[]): void {
    for (const cpu of mask) {
      if ((this.cpus[cpu] as CpuMap).managed === 0) continue;
      const bit = this.reservedManagedBit(this.cpus[cpu] as CpuMap);
      if (bit < 0) continue;
      const c = this.own(cpu);
      c.managedMap[bit] = 0;
      this.freed(c, bit);
      c.managed--;
      if (c.online) {
        c.available++;
        this.globalAvailable++;
      }
      this.reindex(cpu);
    }
  }

  // irq_matrix_alloc_managed(): kernel/irq/matrix.c; `available` was charged at reservation.
  allocManaged(mask: readonly number[]): { cpu: number; bit: number } | Errno {
    if (mask.length === 0) return 'EINVAL';
    const cpu = this.findBestCpuManaged(mask);
    if (cpu === undefined) return 'ENOSPC';
    const bit = this.reservedManagedBit(this.cpus[cpu] as CpuMap);
    if (bit < 0) return 'ENOSPC';
    const c = this.own(cpu);
    c.allocMap[bit] = 1;
    c.allocated++;
    c.managedAllocated++;
    this.totalAllocated++;
    return { cpu, bit };
  }

  // irq_matrix_free(): kernel/irq/matrix.c
  free(cpu: number, bit: number, managed: boolean): void {
    const shared = this.cpus[cpu];
    if (!shared || bit < this.allocStart || bit >= this.allocEnd || !shared.allocMap[bit]) return;
    const c = this.own(cpu);
    c.allocMap[bit] = 0;
    this.freed(c, bit);
    c.allocated--;
    if (managed) c.managedAllocated--;
    if (c.online) this.totalAllocated--;
    if (!managed) {
      c.available++;
      if (c.online) this.globalAvailable++;
    }
    this.reindex(cpu);
  }

  // irq_matrix_assign(): boot-time legacy vectors on the current CPU.
  assign(cpu: number, bit: number): void {
    const c = this.own(cpu);
    c.allocMap[bit] = 1;
    c.allocated++;
    this.totalAllocated++;
    c.available--;
    this.globalAvailable--;
    this.reindex(cpu);
  }

  // irq_matrix_available(): kernel/irq/matrix.c
  availableFor(cpudown: number | undefined): number {
    return cpudown === undefined ? this.globalAvailable : this.globalAvailable - (this.cpus[cpudown] as CpuMap).available;
  }

  // irq_matrix_allocated(): this CPU's allocated, minus managed since a0b0bad10587.
  allocatedOn(cpu: number, excludeManaged: boolean): number {
    const c = this.cpus[cpu] as CpuMap;
    return excludeManaged ? c.allocated - c.managedAllocated : c.allocated;
  }

  // ---- a declared machine state (sim/declared.ts) -----------------------
  //
  // A machine found in a state (an imported snapshot) already has its bits
  // set. These put one bit back with the counters exactly as the kernel's own
  // function left them, so that every later allocation sees the same matrix.

  /** A bit irq_matrix_alloc() (or, managed, irq_matrix_alloc_managed() after the reservation) had set. */
  restoreAllocated(cpu: number, bit: number, managed: boolean): boolean {
    const shared = this.cpus[cpu];
    if (!shared || bit < this.allocStart || bit >= this.allocEnd || shared.allocMap[bit] || this.systemMap[bit]) return false;
    if (managed && !shared.managedMap[bit]) this.restoreManagedReservation(cpu, bit);
    const c = this.own(cpu);
    c.allocMap[bit] = 1;
    c.allocated++;
    this.totalAllocated++;
    if (managed) {
      c.managedAllocated++;
    } else {
      c.available--;
      if (c.online) this.globalAvailable--;
    }
    this.reindex(cpu);
    return true;
  }

  /** A managed bit irq_matrix_reserve_managed() had reserved on this CPU. */
  restoreManagedReservation(cpu: number, bit: number): boolean {
    const shared = this.cpus[cpu];
    if (!shared || bit < this.allocStart || bit >= this.allocEnd || shared.managedMap[bit] || this.systemMap[bit]) return false;
    const c = this.own(cpu);
    c.managedMap[bit] = 1;
    c.managed++;
    c.available--;
    if (c.online) this.globalAvailable--;
    this.reindex(cpu);
    return true;
  }

  /** The lowest bit matrix_alloc_area() could still take on this CPU, or undefined when none is left. */
  lowestFree(cpu: number): number | undefined {
    const c = this.cpus[cpu];
    if (!c) return undefined;
    const bit = this.firstFree(c);
    return bit < this.allocEnd ? bit : undefined;
  }

  /** The allocated vectors of a CPU, ascending. */
  vectorsOf(cpu: number): number[] {
    const out: number[] = [];
    const c = this.cpus[cpu] as CpuMap;
    for (let b = 0; b < this.matrixBits; b++) if (c.allocMap[b]) out.push(b);
    return out;
  }
}

/** %*pbl: a bitmap as decimal ranges, "48-49,51-63". */
export { cpuListText as bitmapList } from '../model/values.js';
