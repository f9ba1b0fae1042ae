// arm64 GICv3 ITS (drivers/irqchip/irq-gic-v3-its.c, semantics.md §9.1):
// per-device ITTs with aligned event blocks, LPIs from 8192, a collection
// (target CPU) per LPI chosen least-loaded, and messages that name the ITS
// doorbell (GITS_TRANSLATER) and the EventID; a move is a MOVI, so the
// message never changes.
import type { DeviceSym, DomainSym } from '../model/types.js';
import { hex } from './kernel.js';
import type { Errno } from './matrix.js';
import { requesterId } from './remap.js';
import type { Delivery, Irq, Msg, SimState } from './state.js';
import { domainOfKind, writableIts } from './state.js';
import type { Log } from './vector.js';
import { domainProp } from '../model/values.js';

/** GITS_TRANSLATER's offset in the ITS frame (include/linux/irqchip/arm-gic-v3.h). */
export const GITS_TRANSLATER = 0x10040;
/** The first LPI INTID. */
export const LPI_BASE = 8192;
/** irqd's QEMU-virt default when `its { base … }` is not given. */
const DEFAULT_ITS_BASE = 0x08080000;

export interface ItsDevice {
  readonly deviceId: number;
  readonly lpiBase: number;
  readonly events: Uint8Array;
}

export interface ItsState {
  /** Per ITS domain: its devices by DeviceID. */
  readonly devices: Map<string, Map<number, ItsDevice>>;
  /** LPI INTIDs in use (lpi ranges are first fit). */
  readonly lpis: Set<number>;
  /** LPIs targeted at each CPU (its_read_lpi_count()). Change it only through itsAddLoad(). */
  readonly load: number[];
  /**
   * A min-tree over the online CPUs' loads (an offline CPU's leaf is
   * OFFLINE_LOAD), so that the least loaded CPU of a range of CPUs is found
   * in O(log CPUs) where cpumask_pick_least_loaded() walks the mask.
   */
  readonly tree: LoadTree;
}

/** Leaves from `size` on; node i holds the least load under it. */
interface LoadTree {
  readonly size: number;
  readonly min: Int32Array;
}

/** An offline CPU's leaf: never the least loaded. */
const OFFLINE_LOAD = 0x7fffffff;

export function bootIts(cpus: number): ItsState {
  let size = 1;
  while (size < cpus) size *= 2;
  const min = new Int32Array(2 * size).fill(OFFLINE_LOAD);
  // Every CPU boots online with no LPI.
  for (let c = 0; c < cpus; c++) min[size + c] = 0;
  for (let i = size - 1; i >= 1; i--) min[i] = Math.min(min[2 * i] as number, min[2 * i + 1] as number);
  return { devices: new Map(), lpis: new Set(), load: Array.from({ length: cpus }, () => 0), tree: { size, min } };
}

export function cloneIts(s: ItsState): ItsState {
  const devices = new Map<string, Map<number, ItsDevice>>();
  for (const [n, m] of s.devices) devices.set(n, new Map([...m].map(([id, d]) => [id, { ...d, events: d.events.slice() }])));
  return { devices, lpis: new Set(s.lpis), load: [...s.load], tree: { size: s.tree.size, min: s.tree.min.slice() } };
}

function setLeaf(tree: LoadTree, cpu: number, value: number): void {
  let i = tree.size + cpu;
  if (cpu < 0 || i >= tree.min.length) return;
  tree.min[i] = value;
  for (i >>= 1; i >= 1; i >>= 1) tree.min[i] = Math.min(tree.min[2 * i] as number, tree.min[2 * i + 1] as number);
}

/** Adds to a CPU's LPI count (never below 0), in the counts and the tree. */
export function itsAddLoad(st: ItsState, cpu: number, delta: number, online: boolean): void {
  if (cpu < 0 || cpu >= st.load.length) return;
  const load = Math.max(0, (st.load[cpu] ?? 0) + delta);
  st.load[cpu] = load;
  setLeaf(st.tree, cpu, online ? load : OFFLINE_LOAD);
}

/** A CPU came or went: its leaf is its load or out of the running (set_cpu_online()). */
export function itsSetCpuOnline(st: ItsState, cpu: number, online: boolean): void {
  setLeaf(st.tree, cpu, online ? (st.load[cpu] ?? 0) : OFFLINE_LOAD);
}

/** The lowest CPU of lo..hi with the least load among the online ones, or undefined when none is online. */
function leastLoadedIn(tree: LoadTree, lo: number, hi: number): number | undefined {
  const best = rangeMin(tree, 1, 0, tree.size - 1, lo, hi);
  if (best >= OFFLINE_LOAD) return undefined;
  return leftmost(tree, 1, 0, tree.size - 1, lo, hi, best);
}

function rangeMin(tree: LoadTree, node: number, from: number, to: number, lo: number, hi: number): number {
  if (hi < from || to < lo) return OFFLINE_LOAD;
  if (lo <= from && to <= hi) return tree.min[node] as number;
  const mid = (from + to) >> 1;
  return Math.min(rangeMin(tree, 2 * node, from, mid, lo, hi), rangeMin(tree, 2 * node + 1, mid + 1, to, lo, hi));
}

function leftmost(tree: LoadTree, node: number, from: number, to: number, lo: number, hi: number, value: number): number | undefined {
  if (hi < from || to < lo || (tree.min[node] as number) > value) return undefined;
  if (from === to) return from;
  const mid = (from + to) >> 1;
  return leftmost(tree, 2 * node, from, mid, lo, hi, value) ?? leftmost(tree, 2 * node + 1, mid + 1, to, lo, hi, value);
}

export function itsOf(chain: readonly DomainSym[]): DomainSym | undefined {
  return domainOfKind(chain, 'its');
}

/** its_irq_get_msi_base(): the ITS's GITS_TRANSLATER, where every device writes. */
export function doorbell(its: DomainSym): number {
  return (domainProp(its, 'base') ?? DEFAULT_ITS_BASE) + GITS_TRANSLATER;
}

// its_irq_compose_msi_msg(): the doorbell address, data = the EventID.
export function composeIts(its: DomainSym, event: number): Msg {
  const addr = doorbell(its);
  return { addressLo: addr % 2 ** 32, addressHi: Math.floor(addr / 2 ** 32), data: event };
}

/** get_count_order(): the order of the power of two ≥ n. */
function order(n: number): number {
  return Math.max(0, Math.ceil(Math.log2(Math.max(1, n))));
}

// its_create_device(): the ITT for nvecs rounded up to a power of two (at least 32 for DeviceID 0),
// and alloc_lpi_range(): the lowest free range of that many LPIs.
function createDevice(s: SimState, its: DomainSym, dev: DeviceSym, nvecs: number, log: Log): ItsDevice {
  const st = writableIts(s) as ItsState;
  let table = st.devices.get(its.name);
  if (!table) {
    table = new Map();
    st.devices.set(its.name, table);
  }
  const deviceId = requesterId(dev);
  const existing = table.get(deviceId);
  if (existing) return existing;
  const size = Math.max(deviceId === 0 ? 32 : 1, 2 ** order(nvecs));
  let base = LPI_BASE;
  for (;;) {
    let free = true;
    for (let i = 0; i < size; i++) {
      if (st.lpis.has(base + i)) {
        free = false;
        base += i + 1;
        break;
      }
    }
    if (free) break;
  }
  for (let i = 0; i < size; i++) st.lpis.add(base + i);
  const d: ItsDevice = { deviceId, lpiBase: base, events: new Uint8Array(size) };
  table.set(deviceId, d);
  log.event('its_create_device', `${its.name}: DeviceID ${hex(deviceId, 4)} (${dev.name}), ITT of ${size} events, LPIs ${base}-${base + size - 1}`);
  return d;
}

// its_alloc_device_irq(): the lowest free, naturally aligned block of events.
export function itsAllocEvents(s: SimState, its: DomainSym, dev: DeviceSym, n: number, log: Log): { device: ItsDevice; event: number } | Errno {
  const d = createDevice(s, its, dev, n, log);
  const size = 2 ** order(n);
  for (let base = 0; base + size <= d.events.length; base += size) {
    if (d.events.subarray(base, base + size).every((b) => b === 0)) {
      d.events.fill(1, base, base + size);
      return { device: d, event: base };
    }
  }
  return 'ENOSPC';
}

// its_irq_domain_free(): the EventID is released in the device's lpi_map; an
// activated LPI also leaves its collection's load (its_dec_lpi_count()).
export function itsFreeEvent(s: SimState, irq: Irq): void {
  const its = itsOf(irq.chain);
  const st = writableIts(s);
  const d = its ? st?.devices.get(its.name)?.get(requesterId(irq.device)) : undefined;
  if (d) d.events[irq.event ?? irq.index] = 0;
  if (irq.activated && st) st.load[irq.apic.cpu] = Math.max(0, (st.load[irq.apic.cpu] ?? 0) - 1);
}

// its_select_cpu(): the least loaded online CPU of the affinity (cpumask_pick_least_loaded(), ties lowest).
export function itsSelectCpu(s: SimState, mask: readonly number[]): number | undefined {
  const its = s.its;
  // A range of CPUs (every CPU, a node): the tree answers; any other mask is walked.
  if (its && mask.length > 0 && (mask[mask.length - 1] as number) - (mask[0] as number) === mask.length - 1) return leastLoadedIn(its.tree, mask[0] as number, mask[mask.length - 1] as number);
  let best: number | undefined;
  let min = Infinity;
  const load = its?.load;
  // An indexed loop: this runs for every LPI moved, over masks of up to 8,192 CPUs.
  for (let i = 0; i < mask.length; i++) {
    const cpu = mask[i] as number;
    if (!s.cpuOnline[cpu]) continue;
    const l = load?.[cpu] ?? 0;
    if (l < min) {
      best = cpu;
      min = l;
      if (l === 0) break;
    }
  }
  return best;
}

const targetText = (lpi: number, event: number, cpu: number): string => `LPI ${lpi} (event ${event}) → collection of CPU ${cpu}`;

// its_irq_domain_activate() / its_set_affinity(): MAPTI or MOVI to the chosen collection.
export function itsTarget(s: SimState, irq: Irq, mask: readonly number[], log: Log, fn: string): Errno | undefined {
  const cpu = itsSelectCpu(s, mask);
  if (cpu === undefined) return 'EINVAL';
  const st = writableIts(s) as ItsState;
  // A MOVI leaves the old collection; a first MAPTI has none.
  if (irq.activated) itsAddLoad(st, irq.apic.cpu, -1, s.cpuOnline[irq.apic.cpu] === true);
  itsAddLoad(st, cpu, 1, true);
  irq.apic.cpu = cpu;
  irq.apic.hwCpu = cpu;
  s.cpuIrqs.noteCpu(cpu, irq.virq);
  log.lazy(fn, targetText, irq.apic.vector, irq.index, cpu);
  return undefined;
}

/**
 * The delivery of an ITS message as the hardware translates it: the write must
 * hit GITS_TRANSLATER; DeviceID (the requester ID) selects the ITT that
 * its_send_mapd() installed, EventID the entry its_send_mapti() wrote; the
 * LPI then goes to its collection's redistributor.
 */
export function itsDeliver(s: SimState, irq: Irq, msg: Msg, log: Log): { cpu: number; lpi: number } | Delivery {
  const its = itsOf(irq.chain);
  if (!its) return { delivered: false, reason: 'no ITS' };
  const addr = msg.addressLo + msg.addressHi * 2 ** 32;
  if (addr !== doorbell(its)) return { delivered: false, reason: `the write goes to ${hex(addr)}, not the ITS doorbell ${hex(doorbell(its))}` };
  const deviceId = requesterId(irq.device);
  const d = s.its?.devices.get(its.name)?.get(deviceId);
  if (!d || !d.events[msg.data]) return { delivered: false, reason: `${its.name}: DeviceID ${hex(deviceId, 4)} has no mapping for EventID ${msg.data}: the ITS drops it` };
  const lpi = d.lpiBase + msg.data;
  log.event('its', `${its.name}: DeviceID ${hex(deviceId, 4)} EventID ${msg.data} → LPI ${lpi} → CPU ${irq.apic.cpu}`);
  return { cpu: irq.apic.cpu, lpi };
}
