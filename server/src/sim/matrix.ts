// The irq_matrix allocator (kernel/irq/matrix.c), bit for bit: per-CPU
// alloc/managed maps and counters, the global counters, and the quirks of
// semantics.md §2.3 (total_allocated and offline CPUs, stale `available`).

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
}

export class IrqMatrix {
  readonly cpus: CpuMap[];
  globalAvailable = 0;
  globalReserved = 0;
  totalAllocated = 0;
  onlineMaps = 0;
  systembitsInalloc = 0;
  readonly systemMap: Uint8Array;

  constructor(
    readonly matrixBits: number,
    readonly allocStart: number,
    readonly allocEnd: number,
    nrCpus: number,
  ) {
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
    }));
  }

  get allocSize(): number {
    return this.allocEnd - this.allocStart;
  }

  clone(): IrqMatrix {
    const m = new IrqMatrix(this.matrixBits, this.allocStart, this.allocEnd, 0);
    m.globalAvailable = this.globalAvailable;
    m.globalReserved = this.globalReserved;
    m.totalAllocated = this.totalAllocated;
    m.onlineMaps = this.onlineMaps;
    m.systembitsInalloc = this.systembitsInalloc;
    m.systemMap.set(this.systemMap);
    for (const c of this.cpus) m.cpus.push({ ...c, allocMap: c.allocMap.slice(), managedMap: c.managedMap.slice() });
    return m;
  }

  private cpu(n: number): CpuMap {
    return this.cpus[n] as CpuMap;
  }

  // irq_matrix_assign_system(): kernel/irq/matrix.c (boot time only)
  assignSystem(bit: number): void {
    this.systemMap[bit] = 1;
    if (bit >= this.allocStart && bit < this.allocEnd) this.systembitsInalloc++;
  }

  // irq_matrix_online(): kernel/irq/matrix.c
  online(cpu: number): void {
    const c = this.cpu(cpu);
    if (!c.initialized) {
      c.available = this.allocSize - (c.managed + this.systembitsInalloc);
      c.initialized = true;
    }
    this.globalAvailable += c.available;
    c.online = true;
    this.onlineMaps++;
  }

  // irq_matrix_offline(): kernel/irq/matrix.c; total_allocated and the maps stay.
  offline(cpu: number): void {
    const c = this.cpu(cpu);
    this.globalAvailable -= c.available;
    c.online = false;
    this.onlineMaps--;
  }

  // matrix_alloc_area(): lowest free bit at or above alloc_start, avoiding managed, system and allocated bits.
  private allocArea(c: CpuMap, managed: boolean): number {
    for (let bit = this.allocStart; bit < this.allocEnd; bit++) {
      if (c.managedMap[bit] || this.systemMap[bit] || c.allocMap[bit]) continue;
      if (managed) c.managedMap[bit] = 1;
      else c.allocMap[bit] = 1;
      return bit;
    }
    return this.allocEnd;
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

  // irq_matrix_alloc(): kernel/irq/matrix.c
  alloc(mask: readonly number[], reserved: boolean): { cpu: number; bit: number } | Errno {
    if (mask.length === 0) return 'EINVAL';
    const cpu = this.findBestCpu(mask);
    if (cpu === undefined) return 'ENOSPC';
    const c = this.cpu(cpu);
    const bit = this.allocArea(c, false);
    if (bit >= this.allocEnd) return 'ENOSPC';
    c.allocated++;
    c.available--;
    this.totalAllocated++;
    this.globalAvailable--;
    if (reserved) this.globalReserved--;
    return { cpu, bit };
  }

  // irq_matrix_reserve(): reservation mode books globally only.
  reserve(): boolean {
    const exceeds = this.globalReserved === this.globalAvailable;
    this.globalReserved++;
    return exceeds;
  }

  // irq_matrix_remove_reserved(): kernel/irq/matrix.c
  removeReserved(): void {
    this.globalReserved--;
  }

  // irq_matrix_reserve_managed(): one slot on every CPU of the mask, online or not; rolled back on failure.
  reserveManaged(mask: readonly number[]): Errno | undefined {
    const done: number[] = [];
    for (const cpu of mask) {
      const c = this.cpu(cpu);
      const bit = this.allocArea(c, true);
      if (bit >= this.allocEnd) {
        this.removeManaged(done);
        return 'ENOSPC';
      }
      c.managed++;
      if (c.online) {
        c.available--;
        this.globalAvailable--;
      }
      done.push(cpu);
    }
    return undefined;
  }

  // irq_matrix_remove_managed(): releases one reserved-but-unused managed bit per CPU.
  removeManaged(mask: readonly number[]): void {
    for (const cpu of mask) {
      const c = this.cpu(cpu);
      if (c.managed === 0) continue;
      let bit = -1;
      for (let b = this.allocStart; b < this.allocEnd; b++) {
        if (c.managedMap[b] && !c.allocMap[b]) {
          bit = b;
          break;
        }
      }
      if (bit < 0) continue;
      c.managedMap[bit] = 0;
      c.managed--;
      if (c.online) {
        c.available++;
        this.globalAvailable++;
      }
    }
  }

  // irq_matrix_alloc_managed(): kernel/irq/matrix.c; `available` was charged at reservation.
  allocManaged(mask: readonly number[]): { cpu: number; bit: number } | Errno {
    if (mask.length === 0) return 'EINVAL';
    const cpu = this.findBestCpuManaged(mask);
    if (cpu === undefined) return 'ENOSPC';
    const c = this.cpu(cpu);
    for (let bit = this.allocStart; bit < this.allocEnd; bit++) {
      if (c.managedMap[bit] && !c.allocMap[bit]) {
        c.allocMap[bit] = 1;
        c.allocated++;
        c.managedAllocated++;
        this.totalAllocated++;
        return { cpu, bit };
      }
    }
    return 'ENOSPC';
  }

  // irq_matrix_free(): kernel/irq/matrix.c
  free(cpu: number, bit: number, managed: boolean): void {
    const c = this.cpus[cpu];
    if (!c || bit < this.allocStart || bit >= this.allocEnd || !c.allocMap[bit]) return;
    c.allocMap[bit] = 0;
    c.allocated--;
    if (managed) c.managedAllocated--;
    if (c.online) this.totalAllocated--;
    if (!managed) {
      c.available++;
      if (c.online) this.globalAvailable++;
    }
  }

  // irq_matrix_assign(): boot-time legacy vectors on the current CPU.
  assign(cpu: number, bit: number): void {
    const c = this.cpu(cpu);
    c.allocMap[bit] = 1;
    c.allocated++;
    this.totalAllocated++;
    c.available--;
    this.globalAvailable--;
  }

  // irq_matrix_available(): kernel/irq/matrix.c
  availableFor(cpudown: number | undefined): number {
    return cpudown === undefined ? this.globalAvailable : this.globalAvailable - this.cpu(cpudown).available;
  }

  // irq_matrix_allocated(): this CPU's allocated, minus managed since a0b0bad10587.
  allocatedOn(cpu: number, excludeManaged: boolean): number {
    const c = this.cpu(cpu);
    return excludeManaged ? c.allocated - c.managedAllocated : c.allocated;
  }

  // ---- a declared machine state (sim/declared.ts) -----------------------
  //
  // A machine found in a state (an imported snapshot) already has its bits
  // set. These put one bit back with the counters exactly as the kernel's own
  // function left them, so that every later allocation sees the same matrix.

  /** A bit irq_matrix_alloc() (or, managed, irq_matrix_alloc_managed() after the reservation) had set. */
  restoreAllocated(cpu: number, bit: number, managed: boolean): boolean {
    const c = this.cpus[cpu];
    if (!c || bit < this.allocStart || bit >= this.allocEnd || c.allocMap[bit] || this.systemMap[bit]) return false;
    if (managed && !c.managedMap[bit]) this.restoreManagedReservation(cpu, bit);
    c.allocMap[bit] = 1;
    c.allocated++;
    this.totalAllocated++;
    if (managed) {
      c.managedAllocated++;
    } else {
      c.available--;
      if (c.online) this.globalAvailable--;
    }
    return true;
  }

  /** A managed bit irq_matrix_reserve_managed() had reserved on this CPU. */
  restoreManagedReservation(cpu: number, bit: number): boolean {
    const c = this.cpus[cpu];
    if (!c || bit < this.allocStart || bit >= this.allocEnd || c.managedMap[bit] || this.systemMap[bit]) return false;
    c.managedMap[bit] = 1;
    c.managed++;
    c.available--;
    if (c.online) this.globalAvailable--;
    return true;
  }

  /** The lowest bit matrix_alloc_area() could still take on this CPU, or undefined when none is left. */
  lowestFree(cpu: number): number | undefined {
    const c = this.cpus[cpu];
    if (!c) return undefined;
    for (let bit = this.allocStart; bit < this.allocEnd; bit++) {
      if (!c.managedMap[bit] && !this.systemMap[bit] && !c.allocMap[bit]) return bit;
    }
    return undefined;
  }

  /** The allocated vectors of a CPU, ascending. */
  vectorsOf(cpu: number): number[] {
    const out: number[] = [];
    const c = this.cpu(cpu);
    for (let b = 0; b < this.matrixBits; b++) if (c.allocMap[b]) out.push(b);
    return out;
  }
}

/** %*pbl: a bitmap as decimal ranges, "48-49,51-63". */
export function bitmapList(bits: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < bits.length; ) {
    let j = i;
    while (j + 1 < bits.length && bits[j + 1] === (bits[j] as number) + 1) j++;
    parts.push(i === j ? String(bits[i]) : `${bits[i]}-${bits[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}
