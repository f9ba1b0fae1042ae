// `irqd compare SNAPSHOT FILE.irqd`: every fact a snapshot holds about the
// interrupt state, side by side with the simulated state of the file's
// machine (as found, or after some steps of a scenario). A fact is one value
// the kernel printed — an IRQ's vector, its affinity, a CPU's avl count, an
// IRTE's destination — and it agrees when the simulation has exactly that
// value. What the snapshot does not hold is listed as not checked.
import { requesterIdOf } from '../model/binder-devices.js';
import { deviceMsg } from '../sim/msi.js';
import type { Irq, SimState } from '../sim/state.js';
import { irqView } from '../sim/views.js';
import { classifyIrqs, type IrqSource } from './irq-source.js';
import { cpuListText, kernelOf } from './machine.js';
import type { DebugIrq, HostSnapshot, IrteRecord } from './types.js';
import { domainProp } from '../model/values.js';

export const FACT_KINDS = [
  'online',
  'irq',
  'source',
  'chain',
  'status',
  'managed',
  'cpu',
  'vector',
  'previous',
  'affinity',
  'effective',
  'pending',
  'message',
  'irte',
  'matrix-cpu',
  'matrix-global',
] as const;
export type FactKind = (typeof FACT_KINDS)[number];

export interface FactResult {
  readonly kind: FactKind;
  /** What the fact is about: 'IRQ 35', 'CPU 2 avl', 'IRTE 29'. */
  readonly subject: string;
  readonly snapshot: string;
  readonly simulated: string;
  readonly agree: boolean;
  /** Where the snapshot says it. */
  readonly from: string;
}

export interface Comparison {
  /** The facts compared. */
  readonly facts: readonly FactResult[];
  /** What the snapshot could not say, so what was not checked. */
  readonly unchecked: readonly string[];
  /**
   * Facts the snapshot contradicts itself on, so no state can agree with all
   * of it: its files are read one after another (the lab README: "a dump is
   * not atomic"), and an interrupt between two reads can complete a move.
   */
  readonly inconsistent: readonly { readonly subject: string; readonly why: string }[];
}

function hex(n: number): string {
  return '0x' + n.toString(16);
}

function bdfOf(segment: number, rid: number): string {
  const h = (n: number, w: number): string => n.toString(16).padStart(w, '0');
  return `${h(segment, 4)}:${h(rid >> 8, 2)}:${h((rid >> 3) & 0x1f, 2)}.${rid & 7}`;
}

/** The simulated IRQ's source as the snapshot names sources: 'msix 0000:01:00.0[0]', 'IO-APIC GSI 22'. */
function simSource(irq: Irq): string {
  const dev = irq.device;
  if (irq.cap === 'ioapic') return `IO-APIC GSI ${gsiOfIrq(irq)}`;
  if (dev.bus === 'platform') return irq.chain[0]?.domainKind === 'dmar-msi' ? 'DMAR-MSI' : 'HPET-MSI';
  const a = dev.address ?? dev.pf?.address;
  return `${irq.cap} ${a ? bdfOf(a.segment, requesterIdOf(a)) : dev.name}[${irq.index}]`;
}

function gsiOfIrq(irq: Irq): number {
  const domain = irq.chain[0];
  if (!domain) return irq.index;
  let base = 0;
  for (const d of domain.owner.scope.domains.values()) {
    if (d === domain) break;
    if (d.domainKind === 'ioapic') base += domainProp(d, 'pins') ?? 24;
  }
  return base + irq.index;
}

function snapSource(s: Exclude<IrqSource, { kind: 'skipped' }>): string {
  if (s.kind === 'ioapic') return `IO-APIC GSI ${s.gsi}`;
  if (s.kind === 'msi') return `${s.mode} ${s.address ?? '?'}[${s.index}]`;
  return s.kind === 'dmar' ? 'DMAR-MSI' : 'HPET-MSI';
}

/** The status the kernel's flags say (the words of a state's `irq` line). */
function snapStatus(d: DebugIrq): string {
  if (d.dstate.has('IRQD_MANAGED_SHUTDOWN')) return 'shutdown';
  if (d.dstate.has('IRQD_IRQ_STARTED')) return 'requested';
  if (d.dstate.has('IRQD_ACTIVATED')) return 'allocated';
  return 'reserved';
}

function simStatus(irq: Irq): string {
  if (irq.managedShutdown) return 'shutdown';
  if (irq.started) return 'requested';
  if (irq.activated) return 'allocated';
  return 'reserved';
}

class Collector {
  readonly facts: FactResult[] = [];

  add(kind: FactKind, subject: string, snapshot: string, simulated: string, from: string): void {
    this.facts.push({ kind, subject, snapshot, simulated, agree: snapshot === simulated, from });
  }
}

/** The IRTE entry as the debugfs table prints it, from the simulated table. */
function simIrte(s: SimState, index: number): { present: boolean; text: string } {
  for (const t of s.irteTables.values()) {
    if (t.domain.domainKind !== 'intel-ir') continue;
    const e = t.entries.get(index);
    if (!e?.present) continue;
    const eim = s.system.apic === 'x2apic';
    const dest = eim ? e.destId >>> 0 : (e.destId & 0xff) << 8;
    return { present: true, text: irteText(e.sid, dest, e.vector, e.logical) };
  }
  return { present: false, text: 'not present' };
}

function irteText(sid: number, dest: number, vector: number, logical: boolean): string {
  return `SID ${bdfOf(0, sid).slice(5)} dest 0x${dest.toString(16).padStart(8, '0')} vector ${hex(vector)} ${logical ? 'logical' : 'physical'}`;
}

function snapIrte(e: IrteRecord): string {
  return irteText(e.sid, e.destId, e.vector, (e.low & 4n) !== 0n);
}

/** Compares one snapshot with one simulated state. */
export function compareState(snap: HostSnapshot, s: SimState): Comparison {
  const c = new Collector();
  const unchecked: string[] = [];
  const v = kernelOf(snap.osrelease?.value ?? '') ?? { major: 6, minor: 1 };
  const hasDebugfs = snap.debugIrqs.size > 0;
  if (!hasDebugfs) unchecked.push('no sys/kernel/debug/irq/irqs: the hierarchy, status, managed flag, vectors, CPUs, moves and pending masks of IRQs are not checked');
  if (!snap.vectorMatrix) unchecked.push('no sys/kernel/debug/irq/domains/VECTOR: the vector matrix is not checked');
  if (snap.irteTables.length === 0 && [...s.irteTables.values()].some((t) => t.domain.domainKind === 'intel-ir')) unchecked.push('no ir_translation_struct: the IRTEs are not checked');
  if (snap.msixTables.size === 0) unchecked.push('no msix-tables.txt: MSI-X messages are not checked');

  // cpu_online_mask
  if (snap.cpus.online) {
    const sim = s.cpuOnline.flatMap((on, i) => (on ? [i] : []));
    c.add('online', 'online CPUs', cpuListText(snap.cpus.online), cpuListText(sim), 'sys/devices/system/cpu/online');
  }

  const sources = classifyIrqs(snap, v);
  const seen = new Set<number>();
  for (const src of sources) {
    if (src.kind === 'skipped') continue;
    seen.add(src.virq);
    const irq = s.irqs.get(src.virq);
    const who = `IRQ ${src.virq}`;
    c.add('irq', who, 'present', irq ? 'present' : 'absent', src.from);
    if (!irq) continue;
    c.add('source', who, snapSource(src), simSource(irq), src.from);
    compareIrq(c, snap, s, irq, src);
  }
  for (const irq of s.irqs.values()) {
    if (seen.has(irq.virq) || irq.postedTo) continue;
    c.add('irq', `IRQ ${irq.virq}`, 'absent', 'present', 'not in the snapshot');
  }

  // The IRTE table (the first VT-d unit; irqd has one table per intel-ir domain).
  const table = snap.irteTables[0];
  if (table) {
    const file = 'sys/kernel/debug/iommu/intel/ir_translation_struct';
    const indices = new Set<number>([...table.entries.keys()]);
    for (const t of s.irteTables.values()) if (t.domain.domainKind === 'intel-ir') for (const [i, e] of t.entries) if (e.present) indices.add(i);
    for (const i of [...indices].sort((a, b) => a - b)) {
      const e = table.entries.get(i);
      if (e?.posted) continue;
      c.add('irte', `IRTE ${i}`, e ? snapIrte(e) : 'not present', simIrte(s, i).text, e ? `${file} line ${e.origin.line ?? '?'}` : file);
    }
  }

  // The vector matrix (irq_matrix_debug_show()).
  const m = snap.vectorMatrix;
  const inconsistent: { subject: string; why: string }[] = [];
  const contradicted = m && hasDebugfs ? rowsContradicted(snap) : new Map<number, string>();
  for (const [cpu, why] of contradicted) inconsistent.push({ subject: `CPU ${cpu} in ${m?.origin.file ?? 'the VECTOR file'}`, why });
  if (contradicted.size > 0) inconsistent.push({ subject: 'the global counters of the VECTOR file', why: 'they add up the rows above, which the IRQ files contradict' });
  if (m) {
    const sm = s.matrix;
    const file = m.origin.file;
    c.add('matrix-global', 'Online bitmaps', String(m.onlineBitmaps), String(sm.onlineMaps), file);
    if (contradicted.size === 0) {
      c.add('matrix-global', 'Global available', String(m.globalAvailable), String(sm.globalAvailable), file);
      c.add('matrix-global', 'Total allocated', String(m.totalAllocated), String(sm.totalAllocated), file);
    }
    c.add('matrix-global', 'Global reserved', String(m.globalReserved), String(sm.globalReserved), file);
    for (const row of m.cpus) {
      if (contradicted.has(row.cpu)) continue;
      const sc = sm.cpus[row.cpu];
      const at = `${file} line ${row.origin.line ?? '?'}`;
      if (!sc?.online) {
        c.add('matrix-cpu', `CPU ${row.cpu}`, 'online', 'offline', at);
        continue;
      }
      c.add('matrix-cpu', `CPU ${row.cpu} avl`, String(row.available), String(sc.available), at);
      c.add('matrix-cpu', `CPU ${row.cpu} man`, String(row.managed), String(sc.managed), at);
      c.add('matrix-cpu', `CPU ${row.cpu} mac`, String(row.managedAllocated), String(sc.managedAllocated), at);
      c.add('matrix-cpu', `CPU ${row.cpu} act`, String(row.allocated), String(sc.allocated), at);
      c.add('matrix-cpu', `CPU ${row.cpu} vectors`, cpuListText(row.vectors), cpuListText(sm.vectorsOf(row.cpu)), at);
    }
  }
  return { facts: c.facts, unchecked, inconsistent };
}

/**
 * The CPUs whose row in the VECTOR file lists other vectors than the IRQ
 * files say are allocated there (each IRQ's vector, and a moving IRQ's
 * previous one): the two were read at different moments, so those rows and
 * the global sums cannot be compared with any one state.
 */
function rowsContradicted(snap: HostSnapshot): Map<number, string> {
  const implied = new Map<number, Set<number>>();
  const owner = new Map<string, number>();
  const add = (cpu: number, v: number, irq: number): void => {
    const set = implied.get(cpu) ?? new Set<number>();
    set.add(v);
    implied.set(cpu, set);
    owner.set(`${cpu}:${v}`, irq);
  };
  for (const d of snap.debugIrqs.values()) {
    const vl = d.levels.find((l) => l.domain === 'VECTOR');
    if (!vl || !vl.vector || vl.target === undefined) continue;
    add(vl.target, vl.vector, d.irq);
    if (vl.moveInProgress && vl.prevVector && vl.prevTarget !== undefined) add(vl.prevTarget, vl.prevVector, d.irq);
  }
  const out = new Map<number, string>();
  for (const row of snap.vectorMatrix?.cpus ?? []) {
    const want = [...(implied.get(row.cpu) ?? [])].sort((a, b) => a - b);
    const have = cpuListText(row.vectors);
    if (have === cpuListText(want)) continue;
    const extra = want.filter((v) => !row.vectors.includes(v)).map((v) => `${hex(v)} (IRQ ${owner.get(`${row.cpu}:${v}`) ?? '?'})`);
    const missing = row.vectors.filter((v) => !want.includes(v)).map(hex);
    out.set(
      row.cpu,
      `its row lists vectors ${have}, the IRQ files ${cpuListText(want)}${extra.length ? `: ${extra.join(', ')} ${extra.length === 1 ? 'is' : 'are'} not in the row` : ''}${missing.length ? `${extra.length ? ';' : ':'} ${missing.join(', ')} in the row belong${missing.length === 1 ? 's' : ''} to no IRQ file` : ''} — a move completed between the reads`,
    );
  }
  return out;
}

function compareIrq(c: Collector, snap: HostSnapshot, s: SimState, irq: Irq, src: Exclude<IrqSource, { kind: 'skipped' }>): void {
  const who = `IRQ ${irq.virq}`;
  const d = snap.debugIrqs.get(irq.virq);
  const proc = snap.procIrqs.get(irq.virq);
  const a = irq.apic;
  if (d) {
    const file = `sys/kernel/debug/irq/irqs/${irq.virq}`;
    const view = irqView(s, irq);
    c.add('chain', who, d.levels.map((l) => `${l.domain}:${hex(l.hwirq)}`).join(' → '), view.levels.map((l) => `${l.kernelName}:${hex(l.hwirq)}`).join(' → '), file);
    c.add('status', who, snapStatus(d), simStatus(irq), file);
    const vl = d.levels.find((l) => l.domain === 'VECTOR');
    c.add('managed', who, String(d.dstate.has('IRQD_AFFINITY_MANAGED')), String(irq.managed), file);
    if (vl) {
      const snapVector = vl.vector ?? 0;
      c.add('vector', who, hex(snapVector), hex(a.vector), file);
      // Target is meaningful with a vector, and for a managed IRQ shut down (its last CPU).
      if (snapVector || a.vector || d.dstate.has('IRQD_MANAGED_SHUTDOWN')) c.add('cpu', who, String(vl.target ?? '?'), String(a.cpu), file);
      const snapPrev = vl.moveInProgress && vl.prevVector ? `CPU ${vl.prevTarget ?? '?'} vector ${hex(vl.prevVector)}` : 'none';
      const simPrev = a.moveInProgress && a.prevVector ? `CPU ${a.prevCpu} vector ${hex(a.prevVector)}` : 'none';
      c.add('previous', who, snapPrev, simPrev, file);
    }
    c.add('affinity', who, cpuListText(d.affinity), cpuListText(irq.affinity), file);
    c.add('effective', who, cpuListText(d.effective), cpuListText(effectiveOf(s, irq)), file);
    const pending = d.dstate.has('IRQD_SETAFFINITY_PENDING') ? cpuListText(d.pending) : 'none';
    c.add('pending', who, pending, irq.movePending ? cpuListText(irq.movePending) : 'none', file);
  } else if (proc) {
    // /proc/irq/N/smp_affinity_list shows the pending mask while a move is pending (show_irq_affinity()).
    if (proc.affinity) c.add('affinity', who, cpuListText(proc.affinity), cpuListText(irq.movePending ?? irq.affinity), `proc/irq/${irq.virq}/smp_affinity_list`);
    if (proc.effective) c.add('effective', who, cpuListText(proc.effective), cpuListText(effectiveOf(s, irq)), `proc/irq/${irq.virq}/effective_affinity_list`);
  }
  if (src.kind === 'msi' && src.address) {
    const msg = deviceMsg(s, irq);
    const text = (lo: number, hi: number, data: number): string => `${hex(hi * 2 ** 32 + lo)} / ${hex(data)}`;
    if (src.mode === 'msix') {
      const e = snap.msixTables.get(src.address)?.entries.get(src.index);
      if (e) c.add('message', who, text(e.addressLo, e.addressHi, e.data), msg ? text(msg.addressLo, msg.addressHi, msg.data) : 'none', `msix-tables.txt line ${e.origin.line ?? '?'}`);
    } else if (src.index === 0) {
      const mc = snap.pci.get(src.address)?.lspci?.msi;
      if (mc?.enabled && mc.address !== undefined && mc.data !== undefined) {
        c.add('message', who, text(Number(mc.address & 0xffffffffn), Number(mc.address >> 32n), mc.data), msg ? text(msg.addressLo, msg.addressHi, msg.data) : 'none', `lspci line ${mc.origin.line ?? '?'}`);
      }
    }
  }
}

/** irq_data_get_effective_affinity_mask(): the CPU of the hardware's vector (the placeholder's while reserved). */
function effectiveOf(s: SimState, irq: Irq): number[] {
  void s;
  return [irq.apic.hwCpu];
}

/** Per fact kind: how many agree of how many. */
export function summarize(facts: readonly FactResult[]): Map<FactKind, { agree: number; total: number }> {
  const out = new Map<FactKind, { agree: number; total: number }>();
  for (const k of FACT_KINDS) out.set(k, { agree: 0, total: 0 });
  for (const f of facts) {
    const e = out.get(f.kind) as { agree: number; total: number };
    e.total++;
    if (f.agree) e.agree++;
  }
  return out;
}
