// What the debugger shows of a kernel state: a tree of named values, made on
// demand. The Variables view, the watch and hover expressions and the
// breakpoint conditions all read the same tree, so `nvme0[3].vector` in a
// condition is the `vector` a user sees under that IRQ in the IRQs scope.
//
// Children are functions: a node's children are only made when a client
// expands it, which keeps a 512-CPU system or 60,000 IRQs fast (the scope
// lists are chunked as well, variables.ts).
import { bitmapList } from '../sim/matrix.js';
import { deviceMsg } from '../sim/msi.js';
import { hex, vec } from '../sim/kernel.js';
import type { Irq, SimState } from '../sim/state.js';
import { irqView } from '../sim/views.js';
import { NR_VECTORS } from '../sim/kernel.js';

/** A value a condition can compare. */
export type Scalar = number | string | boolean;

export interface Node {
  readonly name: string;
  /** What the Variables view shows. */
  readonly value: string;
  /** What a condition compares; absent for a structure, or a field with no value now (no vector yet). */
  readonly scalar?: Scalar;
  readonly children?: () => Node[];
  /** How many children, when known without making them (a chunked list). */
  readonly count?: number;
}

function leaf(name: string, scalar: Scalar | undefined, shown?: string): Node {
  if (scalar === undefined) return { name, value: shown ?? 'none' };
  return { name, value: shown ?? String(scalar), scalar };
}

function cpuList(cpus: readonly number[] | undefined): string {
  return cpus && cpus.length > 0 ? bitmapList(cpus) : 'none';
}

/** The IRQ a device's entry has now (DEV[INDEX]), if the entry is allocated. */
export function irqOfEntry(s: SimState, device: string, index: number): Irq | undefined {
  const virq = s.devices.get(device)?.virqs[index];
  return virq === undefined ? undefined : s.irqs.get(virq);
}

/**
 * Every field of an IRQ, the kernel's irq_desc and the levels below it: the
 * names are what conditions write (`nvme0[3].cpu`, `irq 35.managed`).
 */
export function irqFields(s: SimState, irq: Irq): Node[] {
  const v = irqView(s, irq);
  const a = irq.apic;
  const hasVector = a.vector !== 0;
  // Where it is delivered first, then how it gets there, then what it is: the header already names the IRQ and its entry.
  const fields: Node[] = [
    leaf('cpu', hasVector ? a.cpu : undefined),
    leaf('vector', hasVector ? a.vector : undefined, hasVector ? vec(a.vector) : undefined),
    leaf('affinity', bitmapList(irq.affinity)),
    // x86's vector domain targets one CPU: the effective affinity is the CPU the vector is on.
    leaf('effective', hasVector ? String(a.cpu) : undefined),
    leaf('managed', irq.managed),
    leaf('movePending', irq.movePending ? bitmapList(irq.movePending) : undefined),
    leaf('state', v.state),
    leaf('irte', v.irte),
    leaf('message', v.message),
    leaf('decoded', v.messageDecoded),
    {
      name: 'hwirq',
      value: v.levels.map((l) => `${l.kernelName} ${hex(l.hwirq)}`).join(' → '),
      children: () => v.levels.map((l) => leaf(`${l.domain} (${l.kernelName})`, l.hwirq, `${hex(l.hwirq)} (${l.kind})`)),
    },
    leaf('hardware', v.hardware),
    leaf('prev', v.prev),
    leaf('masked', irq.masked),
    leaf('pending', irq.pending),
    leaf('started', irq.started),
    leaf('activated', irq.activated),
    leaf('proc', v.procInterrupts),
    leaf('irq', irq.virq),
    leaf('device', irq.device.name),
    leaf('index', irq.index),
    leaf('cap', irq.cap),
  ];
  if (v.host) fields.push(leaf('host', v.host));
  if (v.lastFire) fields.push(leaf('lastFire', v.lastFire));
  return fields;
}

/** One line for an IRQ: what a collapsed IRQ shows. */
export function irqSummary(irq: Irq): string {
  const where = irq.apic.vector ? `CPU ${irq.apic.cpu} vector ${vec(irq.apic.vector)}` : 'no vector';
  return `${irq.cap === 'ioapic' ? `${irq.device.name} pin ${irq.index}` : `${irq.device.name}[${irq.index}]`}: ${where}, affinity ${bitmapList(irq.affinity)}${irq.managed ? ' managed' : ''}`;
}

export function irqNode(s: SimState, irq: Irq, name = `IRQ ${irq.virq}`): Node {
  return { name, value: irqSummary(irq), children: () => irqFields(s, irq) };
}

/** A CPU's line of the vector matrix (irq_matrix_debug_show()) and its online flag. */
export function cpuFields(s: SimState, cpu: number): Node[] {
  const c = s.matrix.cpus[cpu];
  if (!c) return [];
  return [
    leaf('online', s.cpuOnline[cpu] === true),
    leaf('available', c.available),
    leaf('allocated', c.allocated),
    leaf('managed', c.managed),
    leaf('managedAllocated', c.managedAllocated),
    { name: 'vectors', value: cpuList(s.matrix.vectorsOf(cpu)).replace(/\d+/g, (n) => vec(Number(n))), children: () => vectorTable(s, cpu) },
  ];
}

/** vector_irq[] of one CPU: each used slot and what it delivers to. */
function vectorTable(s: SimState, cpu: number): Node[] {
  const out: Node[] = [];
  for (let v = 0; v < NR_VECTORS; v++) {
    const slot = s.vectorIrq.get(cpu, v);
    if (slot === undefined) continue;
    if (slot === 'shutdown' || slot === 'retriggered') {
      out.push(leaf(vec(v), `VECTOR_${slot.toUpperCase()}`));
      continue;
    }
    const irq = s.irqs.get(slot);
    out.push(irq ? irqNode(s, irq, vec(v)) : leaf(vec(v), `IRQ ${slot}`));
  }
  return out;
}

/** Aliases of the CPU fields, as the VECTOR debugfs file names its columns. */
export const CPU_ALIASES: Readonly<Record<string, string>> = { avl: 'available', act: 'allocated', man: 'managed', mac: 'managedAllocated' };

export function cpuNode(s: SimState, cpu: number): Node {
  const c = s.matrix.cpus[cpu];
  const online = s.cpuOnline[cpu] === true;
  const value = c ? `${online ? 'online' : 'offline'}, avl ${c.available} act ${c.allocated} man ${c.managed} mac ${c.managedAllocated}` : 'no such CPU';
  return { name: `CPU ${cpu}`, value, children: () => cpuFields(s, cpu) };
}

/** A device's interrupt entries (the MSI-X table as the device holds it) and its pending bits (PBA). */
export function deviceFields(s: SimState, name: string): Node[] {
  const dev = s.devices.get(name);
  const sym = s.system.scope.devices.get(name);
  const out: Node[] = [];
  if (sym) out.push(leaf('bus', sym.bus), leaf('address', sym.address?.text ?? (sym.pf ? `VF ${sym.vfIndex ?? '?'} of ${sym.pf.name}` : undefined)));
  const vfio = s.vfio.get(name);
  if (vfio) out.push(leaf('vfio', vfio));
  if (!dev) {
    out.push(leaf('entries', undefined, 'none allocated'));
    return out;
  }
  out.push(leaf('cap', dev.cap));
  const entries: { index: number; irq: Irq }[] = [];
  dev.virqs.forEach((virq, index) => {
    const irq = s.irqs.get(virq);
    if (irq) entries.push({ index, irq });
  });
  out.push({
    name: dev.cap === 'msix' ? 'MSI-X table' : dev.cap === 'ims' ? 'IMS entries' : 'MSI',
    value: `${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}`,
    count: entries.length,
    children: () => entries.map(({ index, irq }) => entryNode(s, name, index, irq)),
  });
  const pending = entries.filter((e) => e.irq.pending).map((e) => e.index);
  out.push(leaf('PBA', pending.length > 0 ? bitmapList(pending) : 'no bit set'));
  return out;
}

function entryNode(s: SimState, device: string, index: number, irq: Irq): Node {
  const msg = deviceMsg(s, irq);
  const text = msg ? `address ${hex(msg.addressHi, 8)}:${hex(msg.addressLo, 8)} data ${hex(msg.data, 4)}${irq.masked ? ' masked' : ''}` : 'not written';
  return {
    name: `${device}[${index}]`,
    value: text,
    children: () => [
      leaf('irq', irq.virq),
      leaf('addressLo', msg?.addressLo, msg ? hex(msg.addressLo, 8) : undefined),
      leaf('addressHi', msg?.addressHi, msg ? hex(msg.addressHi, 8) : undefined),
      leaf('data', msg?.data, msg ? hex(msg.data, 4) : undefined),
      leaf('masked', irq.masked),
      leaf('pending', irq.pending),
      irqNode(s, irq, 'IRQ'),
    ],
  };
}

export function deviceNode(s: SimState, name: string): Node {
  const dev = s.devices.get(name);
  const n = dev ? dev.virqs.filter((v) => v !== undefined).length : 0;
  return { name, value: dev ? `${dev.cap}, ${n} IRQ${n === 1 ? '' : 's'}` : 'no interrupts allocated', children: () => deviceFields(s, name) };
}

/** The devices the system declares (the state also keys IO-APIC pins' entries, which are not devices). */
export function deviceNames(s: SimState): string[] {
  return [...s.system.scope.devices.keys()];
}

/** The IRTE tables: each programmed entry, by index. */
export function irteTableNodes(s: SimState): Node[] {
  return [...s.irteTables.entries()].map(([key, t]) => {
    const entries = [...t.entries];
    return {
      name: key,
      value: `${t.domain.name}${t.device ? ` (${t.device.name})` : ''}, ${entries.length} of ${t.size} entries programmed`,
      count: entries.length,
      children: () =>
        entries.map(([index, e]) =>
          leaf(
            hex(index),
            e.present ? `vector ${vec(e.vector)} → destination ${hex(e.destId)} ${e.logical ? 'logical' : 'physical'}, SID ${hex(e.sid, 4)}${e.posted ? `, posted to ${e.posted.guest} vCPU ${e.posted.vcpu} vector ${vec(e.posted.vector)}` : ''}` : 'not present',
          ),
        ),
    };
  });
}

export function vfioNodes(s: SimState): Node[] {
  return [...s.vfio.entries()].map(([device, state]) => leaf(device, state));
}

export function pasidNodes(s: SimState): Node[] {
  const p = s.pasid;
  if (!p) return [];
  return [
    leaf('capacity', p.capacity),
    leaf('capacityAvail', p.capacityAvail),
    ...[...p.sets.values()].map((set) => ({
      name: set.name,
      value: `${set.ids.length} of ${set.quota} used${set.freed ? ', freed' : ''}`,
      children: () => [leaf('quota', set.quota), leaf('used', set.ids.length), leaf('ids', set.ids.length > 0 ? bitmapList([...set.ids].sort((a, b) => a - b)) : 'none'), leaf('freed', set.freed)],
    })),
  ];
}

/** The IRQs of a state in ascending number, as /proc/interrupts lists them. */
export function irqList(s: SimState): Irq[] {
  return [...s.irqs.values()].sort((a, b) => a.virq - b.virq);
}
