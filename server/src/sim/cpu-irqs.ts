// Which IRQs CPU hotplug must look at. The kernel walks every descriptor:
// irq_migrate_all_off_this_cpu() runs migrate_one_irq() on each active IRQ
// (kernel/irq/cpuhotplug.c), and irq_affinity_online_cpu() checks each one
// for a managed IRQ to restart. migrate_one_irq() does nothing for an IRQ
// that neither targets the dying CPU nor keeps an old vector there nor has
// a pending move, and irq_affinity_online_cpu() nothing for an IRQ that is
// not shut down; so walking only those, in the same order (by IRQ number),
// gives the kernel's result in time proportional to the IRQs on the CPU,
// not to every IRQ times every CPU taken down.
//
// The lists are supersets: an IRQ is noted when it gets a CPU (or a move
// or a managed shutdown), never taken out on a change, and the walk checks
// each IRQ's real state. A list is compacted (stale and repeated numbers
// dropped) after each walk over it and whenever it doubles. Like
// vector_irq[], each list is shared with a fork's base and copied on the
// first write (cow.ts).
import { SealedWrite } from './cow.js';

/**
 * Test mode (test/sim/hotplug-walk.test.ts): every walk takes every IRQ, as
 * the kernel does, to check that the lists leave out only IRQs the walk
 * would not change.
 */
let walkEveryIrq = false;

export function setWalkEveryIrq(on: boolean): void {
  walkEveryIrq = on;
}

export class CpuIrqs {
  /** Per CPU the IRQs that may target it; then the IRQs with a pending move; then the managed IRQs shut down. */
  private readonly lists: (number[] | undefined)[];
  /** Per list: 1 when it is this state's own, 0 while shared with a fork's base. */
  private readonly owned: Uint8Array;
  /** Per list: its length after its last compaction (it is compacted again at twice that). */
  private readonly compacted: Uint32Array;
  private sealed = false;

  constructor(
    readonly cpus: number,
    from?: CpuIrqs,
  ) {
    this.lists = from ? from.lists.slice() : new Array<number[] | undefined>(cpus + 2).fill(undefined);
    this.owned = new Uint8Array(cpus + 2);
    this.compacted = from ? from.compacted.slice() : new Uint32Array(cpus + 2);
  }

  /** The IRQ now targets `cpu` (its vector, or the old vector a move keeps there). */
  noteCpu(cpu: number, virq: number): void {
    if (cpu >= 0 && cpu < this.cpus && cpu === Math.floor(cpu)) this.add(cpu, virq);
  }

  /** irqd_set_move_pending(): the IRQ has a move waiting for its next interrupt. */
  noteMovePending(virq: number): void {
    this.add(this.cpus, virq);
  }

  /** The managed IRQ was shut down (no online CPU left in its mask). */
  noteManagedShutdown(virq: number): void {
    this.add(this.cpus + 1, virq);
  }

  /** What migrate_one_irq() may act on when `cpu` goes down: ascending IRQ numbers, each once (`all`: every IRQ, for the test mode). */
  offlineCandidates(cpu: number, all: () => number[]): number[] {
    if (walkEveryIrq) return all();
    return sortedUnique([...(this.lists[cpu] ?? []), ...(this.lists[this.cpus] ?? [])]);
  }

  /** What irq_affinity_online_cpu() may restart: ascending IRQ numbers, each once. */
  shutdownCandidates(all: () => number[]): number[] {
    if (walkEveryIrq) return all();
    return sortedUnique(this.lists[this.cpus + 1] ?? []);
  }

  /** Keeps, of one CPU's list, the IRQs `keep` says still target it. */
  compactCpu(cpu: number, keep: (virq: number) => boolean): void {
    if (cpu >= 0 && cpu < this.cpus) this.compact(cpu, keep);
  }

  compactMovePending(keep: (virq: number) => boolean): void {
    this.compact(this.cpus, keep);
  }

  compactManagedShutdown(keep: (virq: number) => boolean): void {
    this.compact(this.cpus + 1, keep);
  }

  fork(): CpuIrqs {
    this.sealed = true;
    return new CpuIrqs(this.cpus, this);
  }

  /** A copy that shares no list (cloneState()). */
  copy(): CpuIrqs {
    const c = new CpuIrqs(this.cpus, this);
    for (let i = 0; i < this.lists.length; i++) if (this.lists[i]) c.own(i);
    return c;
  }

  seal(): void {
    this.sealed = true;
  }

  private add(list: number, virq: number): void {
    const l = this.own(list);
    if (l[l.length - 1] === virq) return;
    l.push(virq);
    // Affinity churn notes the same IRQs again and again: drop repeats when the list doubles.
    if (l.length > 2 * Math.max(this.compacted[list] as number, 256)) this.compact(list, () => true);
  }

  private compact(list: number, keep: (virq: number) => boolean): void {
    const l = this.lists[list];
    if (!l || l.length === 0) return;
    const kept = sortedUnique(l).filter(keep);
    if (this.sealed) throw new SealedWrite('CPU IRQ list');
    this.lists[list] = kept;
    this.owned[list] = 1;
    this.compacted[list] = kept.length;
  }

  private own(list: number): number[] {
    if (this.sealed) throw new SealedWrite('CPU IRQ list');
    const l = this.lists[list];
    if (l && this.owned[list]) return l;
    const mine = l ? l.slice() : [];
    this.lists[list] = mine;
    this.owned[list] = 1;
    return mine;
  }
}

function sortedUnique(virqs: readonly number[]): number[] {
  const out = Array.from(new Set(virqs));
  out.sort((a, b) => a - b);
  return out;
}
