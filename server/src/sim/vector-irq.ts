// vector_irq[] (arch/x86/include/asm/hw_irq.h): per CPU, which IRQ each
// vector delivers to, or the markers the kernel leaves in unused slots. Like
// the kernel's per-CPU array, one table of NR_VECTORS slots per CPU, made
// when the CPU first gets a vector; a fork shares each CPU's table with its
// base and copies it on the first write (cow.ts).
import { SealedWrite } from './cow.js';
import { NR_VECTORS } from './kernel.js';

/** What a slot holds: an IRQ number, VECTOR_SHUTDOWN or VECTOR_RETRIGGERED; undefined is VECTOR_UNUSED. */
export type VectorSlot = number | 'shutdown' | 'retriggered';

// A slot in the table: 0 is VECTOR_UNUSED, IRQ n is n + 1, the two markers are negative.
const UNUSED = 0;
const SHUTDOWN = -1;
const RETRIGGERED = -2;

function encode(v: VectorSlot): number {
  if (v === 'shutdown') return SHUTDOWN;
  if (v === 'retriggered') return RETRIGGERED;
  return v + 1;
}

export class VectorIrq {
  private readonly tables: (Int32Array | undefined)[];
  /** Per CPU: 1 when its table is this state's own, 0 while shared with a fork's base. */
  private readonly owned: Uint8Array;
  private sealed = false;

  constructor(
    readonly cpus: number,
    from?: VectorIrq,
  ) {
    this.tables = from ? from.tables.slice() : new Array<Int32Array | undefined>(cpus).fill(undefined);
    this.owned = new Uint8Array(cpus);
  }

  get(cpu: number, vector: number): VectorSlot | undefined {
    const t = this.tables[cpu];
    const v = t && vector >= 0 && vector < NR_VECTORS ? (t[vector] as number) : UNUSED;
    if (v === UNUSED) return undefined;
    if (v === SHUTDOWN) return 'shutdown';
    if (v === RETRIGGERED) return 'retriggered';
    return v - 1;
  }

  has(cpu: number, vector: number): boolean {
    return this.get(cpu, vector) !== undefined;
  }

  /** Sets a slot; a CPU outside the system is ignored, as the optional chaining on the old per-CPU maps did. */
  set(cpu: number, vector: number, value: VectorSlot): void {
    const t = this.own(cpu);
    if (!t) return;
    if (vector < 0 || vector >= NR_VECTORS) throw new RangeError(`vector ${vector} is outside vector_irq[]`);
    t[vector] = encode(value);
  }

  /** The slot becomes VECTOR_UNUSED. */
  delete(cpu: number, vector: number): void {
    if (!this.has(cpu, vector)) return;
    (this.own(cpu) as Int32Array)[vector] = UNUSED;
  }

  /** Every slot of the CPU becomes VECTOR_UNUSED (fixup_irqs() on a dying CPU). */
  clear(cpu: number): void {
    if (!this.tables[cpu]) return;
    (this.own(cpu) as Int32Array).fill(UNUSED);
  }

  fork(): VectorIrq {
    this.sealed = true;
    return new VectorIrq(this.cpus, this);
  }

  /** A copy that shares no table (cloneState()). */
  copy(): VectorIrq {
    const v = new VectorIrq(this.cpus, this);
    for (let cpu = 0; cpu < this.cpus; cpu++) if (this.tables[cpu]) v.own(cpu);
    return v;
  }

  seal(): void {
    this.sealed = true;
  }

  /** How many CPU tables this state holds of its own. */
  ownedTables(): number {
    let n = 0;
    for (const o of this.owned) n += o;
    return n;
  }

  private own(cpu: number): Int32Array | undefined {
    if (this.sealed) throw new SealedWrite('vector_irq table');
    if (cpu < 0 || cpu >= this.cpus || cpu !== Math.floor(cpu)) return undefined;
    const t = this.tables[cpu];
    if (t && this.owned[cpu]) return t;
    const mine = t ? t.slice() : new Int32Array(NR_VECTORS);
    this.tables[cpu] = mine;
    this.owned[cpu] = 1;
    return mine;
  }
}
