// The simulated kernel state of one system: the vector matrix, per-IRQ chip
// data at every hierarchy level, IRTE tables and what each device holds.
//
// A state is either live (one Runner writes it) or sealed (shared: the
// memoized boot state of a system, a kept end state, the base of forks).
// Containers are copy-on-write (cow.ts): forkState() costs what the fork
// changes, cloneState() is the full copy the forks are tested against.
import type { DeviceSym, DomainSym, GuestSym, SystemSym } from '../model/types.js';
import { CowMap, deepFreezing, PAGED_MAP_PAGE, PagedMap, SealedWrite, type PagedBytes } from './cow.js';
import type { KernelFeatures } from './kernel.js';
import type { IrqMatrix } from './matrix.js';
import { cloneIts, itsSetCpuOnline, type ItsState } from './its.js';
import { clonePasid, type PasidState } from './pasid.js';
import { CpuIrqs } from './cpu-irqs.js';
import { VectorIrq } from './vector-irq.js';
import { IrteEntries } from './irte-entries.js';
import type { MsgTable } from './msg-table.js';

/** An MSI message as the device holds it (struct msi_msg). */
export interface Msg {
  readonly addressLo: number;
  readonly addressHi: number;
  readonly data: number;
}

export const ZERO_MSG: Msg = { addressLo: 0, addressHi: 0, data: 0 };

/** struct apic_chip_data (arch/x86/kernel/apic/vector.c). */
export interface ApicChipData {
  vector: number;
  cpu: number;
  prevVector: number;
  prevCpu: number;
  moveInProgress: boolean;
  isManaged: boolean;
  canReserve: boolean;
  hasReserved: boolean;
  /** hw_irq_cfg: what the hardware is programmed with (0xEF while reserved or shut down). */
  hwVector: number;
  hwCpu: number;
}

/** A VT-d IRTE (struct irte) or an AMD-Vi legacy IRTE, as programmed. */
export interface Irte {
  present: boolean;
  vector: number;
  destId: number;
  logical: boolean;
  /** Source ID (requester ID, bus << 8 | devfn) checked with SVT = 1, SQ = 0. */
  sid: number;
  /** A posted IRTE: the interrupt goes to a guest's vCPU and vector. */
  posted?: { guest: string; vcpu: number; vector: number };
}

export interface IrteTable {
  /** No single entry below this is free: where order-0 searches start. */
  hint: number;
  readonly domain: DomainSym;
  /** AMD-Vi tables are per device; VT-d has one per IOMMU. */
  readonly device?: DeviceSym;
  readonly size: number;
  /** Which entries are allocated (bitmap_find_free_region()'s bitmap). */
  readonly used: PagedBytes;
  /** The programmed entries (irte-entries.ts: words, not objects; get() gives a copy). */
  readonly entries: IrteEntries;
}

/** An IRQ's place in an IRTE table: a naturally aligned block, entry `index + subhandle`. */
export interface IrteRef {
  readonly table: string;
  /** The block's first entry: the VT-d handle, or the AMD-Vi base index. */
  readonly index: number;
  /** The IRQ's position in the block (VT-d sub-handle). */
  readonly subhandle: number;
  readonly blockSize: number;
}

/** The outcome of the last interrupt an IRQ's device raised. */
export interface Delivery {
  readonly delivered: boolean;
  /** Held pending while masked: neither delivered nor lost. */
  readonly pending?: boolean;
  readonly cpu?: number;
  readonly vector?: number;
  readonly reason: string;
}

export interface Irq {
  readonly virq: number;
  readonly device: DeviceSym;
  /** 'ioapic': a PCI INTx line through an IO-APIC pin (level triggered, shareable). */
  readonly cap: 'msi' | 'msix' | 'ims' | 'ioapic';
  /** The MSI-X/IMS table entry, the MSI vector number within the block, or the IO-APIC pin. */
  readonly index: number;
  /** The hierarchy from the device's domain (top) down to the vector domain (root). */
  readonly chain: readonly DomainSym[];
  readonly apic: ApicChipData;
  irte?: IrteRef;
  /** The affinity mask (CPUs) and whether it is managed. */
  affinity: readonly number[];
  readonly managed: boolean;
  /** IRQD_CAN_RESERVE on the irq_data (cleared by msi_init_virq() for non-maskable MSI). */
  irqdCanReserve: boolean;
  activated: boolean;
  /** request_irq() done: the IRQ has a handler and is started. */
  started: boolean;
  managedShutdown: boolean;
  masked: boolean;
  /** An interrupt raised while masked, waiting in the PBA. */
  pending: boolean;
  /** A deferred affinity change waiting for the next interrupt (IRQD_SETAFFINITY_PENDING). */
  movePending?: readonly number[];
  /** Multi-MSI: the first IRQ of the block and the block's size; the device holds one message. */
  readonly msiBlock?: { readonly first: number; readonly count: number };
  /** A host record behind a guest's hcall IRQ: its IRTE posts to this guest. */
  readonly postedTo?: string;
  /** The device tags this IRQ's messages with a PASID (a SIOV sub-device in pasid mode). */
  readonly pasidTagged?: boolean;
  /** note_interrupt()'s desc->irq_count and desc->irqs_unhandled (spurious.ts). */
  irqCount?: number;
  irqsUnhandled?: number;
  /** IRQS_SPURIOUS_DISABLED: "nobody cared", disabled until requested again. */
  spuriousDisabled?: boolean;
  /** IRQD_AFFINITY_SET: the affinity was set (irq_set_affinity_locked()), so irq_setup_affinity() keeps it. */
  affinitySet?: boolean;
  /** IRQF_NOBALANCING (IRQD_NO_BALANCING): user-space affinity writes fail with -EIO. */
  noBalancing?: boolean;
  /** desc->affinity_hint, set by a driver's irq_set_affinity_and_hint(). */
  hint?: readonly number[];
  /** arm64 ITS: the EventID within the device's ITT. */
  event?: number;
  lastDelivery?: Delivery;
}

export interface DeviceState {
  readonly cap: 'msi' | 'msix' | 'ims' | 'ioapic';
  /** virq of each allocated entry, by index. */
  readonly virqs: number[];
  /** The message the device holds for each entry (MSI: one for the block); msg-table.ts: words, get() gives a copy. */
  readonly msgs: MsgTable;
}

export interface SimState {
  readonly system: SystemSym;
  readonly k: KernelFeatures;
  readonly matrix: IrqMatrix;
  /** cpu_online_mask; the matrix keeps its own per-CPU online flag, updated later in the offline path. Written only by setCpuOnline(). */
  readonly cpuOnline: readonly boolean[];
  /**
   * cpu_online_mask as an ascending list, one shared array replaced (never
   * changed): read it through onlineCpus(), which makes it when a CPU came or
   * went since (undefined until then: a step that takes 8,000 CPUs down makes
   * the list only when something asks for it, not 8,000 times).
   */
  online: readonly number[] | undefined;
  /**
   * The last list made and the one CPU that came or went since (undefined
   * after two): the next list is made from it by one insertion or removal.
   * A CPU-hotplug callback that reads the mask for every CPU taken down
   * (virtnet_set_affinity()) then costs a copy of the list per CPU, not a
   * scan of every CPU's flag.
   */
  onlineWas?: { readonly list: readonly number[]; readonly cpu: number; readonly on: boolean } | undefined;
  /** How many CPUs are online: cpumask_weight(cpu_online_mask), without the list. */
  onlineCount: number;
  /** Every CPU of the system, 0..cpus-1: the default affinity (irq_default_affinity), one shared array. */
  readonly everyCpu: readonly number[];
  /** Per CPU: vector → virq, or the kernel's markers for unused slots. */
  readonly vectorIrq: VectorIrq;
  /** The IRQs CPU hotplug must look at (cpu-irqs.ts). Note an IRQ there whenever it gets a CPU, a pending move or a managed shutdown. */
  readonly cpuIrqs: CpuIrqs;
  /** The IRQ descriptors by number. Change an Irq only through writableIrq(). */
  readonly irqs: PagedMap<Irq>;
  /** Each device's allocation by name. Change one only through writableDevice(). */
  readonly devices: CowMap<string, DeviceState>;
  /** The IRTE tables by key. Change one only through writableTable(). */
  readonly irteTables: CowMap<string, IrteTable>;
  /** Each device's VFIO migration state (RUNNING until a `vfio` step changes it). */
  readonly vfio: Map<string, 'error' | 'stop' | 'running' | 'stop-copy' | 'resuming' | 'running-p2p' | 'pre-copy' | 'pre-copy-p2p'>;
  /** The kernels of the guests (host state only), booted at their first `guest` step. */
  readonly guests: Map<string, SimState>;
  /** A guest's link to its host (guest states only). */
  hypervisor?: { readonly host: SimState; readonly guest: GuestSym };
  /** A guest IRQ's host side: the hcall posting record or the trapped host IRQ (guest states only). */
  readonly bindings: Map<number, { readonly kind: 'hcall' | 'trap'; readonly hostVirq: number }>;
  /** arm64: the ITS tables and per-CPU LPI load. Read here; write through writableIts(). */
  its?: ItsState;
  /** PASID capacity and sets, when the system declares `pasid capacity`. Read here; write through writablePasid(). */
  pasid?: PasidState;
  /** The parts a fork still shares with its base (copied on the first write). */
  readonly shared: Set<'its' | 'pasid'>;
  /** The first dynamic Linux IRQ number (arch_dynirq_lower_bound()). */
  readonly nextVirq: number;
  /** No IRQ number from nextVirq up to this one is free: where the lowest-free search starts (never below nextVirq). */
  virqHint: number;
  /** Forked (or kept as a scenario's end state): shared, never written again. */
  sealed: boolean;
}

/** Forgets an IRQ and makes its number free again (irq_free_descs()). */
export function releaseVirq(s: SimState, virq: number): void {
  s.irqs.delete(virq);
  // The hint is for the dynamic range the allocators search (from nextVirq): a GSI below it freed (`free timer`)
  // left the hint at 0 and every later allocation scanning every IRQ above it (65,536 IMS IRQs: 20 s).
  if (virq < s.virqHint && virq >= s.nextVirq) s.virqHint = virq;
}

// ---- copies of the values a fork shares until it writes them ---------------

function cloneIrq(irq: Irq): Irq {
  // The arrays (affinity, movePending, hint) are replaced whole, never changed in place, so they are shared.
  return { ...irq, apic: { ...irq.apic } };
}

function cloneDevice(d: DeviceState): DeviceState {
  return { cap: d.cap, virqs: [...d.virqs], msgs: d.msgs.copy() };
}

function cloneTable(t: IrteTable): IrteTable {
  return { ...t, used: t.used.fork(), entries: t.entries.fork() };
}

/** Test mode (cow.ts setDeepFreeze()): a Map that throws on writes, since Object.freeze does not stop Map.set. */
function freezeMap(m: Map<unknown, unknown>): void {
  const refuse = (): never => {
    throw new SealedWrite('Map of a shared state');
  };
  Object.defineProperty(m, 'set', { value: refuse });
  Object.defineProperty(m, 'delete', { value: refuse });
  Object.defineProperty(m, 'clear', { value: refuse });
  Object.freeze(m);
}

function freezeIrq(irq: Irq): void {
  Object.freeze(irq.apic);
  Object.freeze(irq.affinity);
  if (irq.movePending) Object.freeze(irq.movePending);
  if (irq.hint) Object.freeze(irq.hint);
  Object.freeze(irq);
}

function freezeDevice(d: DeviceState): void {
  Object.freeze(d.virqs);
  d.msgs.seal();
  Object.freeze(d);
}

function freezeTable(t: IrteTable): void {
  t.used.seal();
  t.entries.seal();
  Object.freeze(t);
}

const IRQ_OPS = { clone: cloneIrq, freeze: freezeIrq };
const DEVICE_OPS = { clone: cloneDevice, freeze: freezeDevice };
const TABLE_OPS = { clone: cloneTable, freeze: freezeTable };

/** The containers of a new, empty state (boot). */
export function emptyContainers(cpus: number): Pick<SimState, 'vectorIrq' | 'cpuIrqs' | 'irqs' | 'devices' | 'irteTables'> {
  return { vectorIrq: new VectorIrq(cpus), cpuIrqs: new CpuIrqs(cpus), irqs: new PagedMap(IRQ_OPS), devices: new CowMap<string, DeviceState>(DEVICE_OPS), irteTables: new CowMap<string, IrteTable>(TABLE_OPS) };
}

/** A new IRTE table's entries (remap.ts). */
export function emptyIrteEntries(size: number): IrteEntries {
  return new IrteEntries(size);
}

// ---- writable accessors -----------------------------------------------------

/**
 * The IRQ to change: this state's own copy of it, made on the first write
 * after a fork. Every simulator function that changes an Irq it did not just
 * create gets it from here (or from a caller that did).
 */
export function writableIrq(s: SimState, irq: Irq): Irq {
  return s.irqs.writable(irq.virq) ?? irq;
}

/** A device's allocation to change (its virqs or messages), or undefined. */
export function writableDevice(s: SimState, name: string): DeviceState | undefined {
  return s.devices.writable(name);
}

/** An IRTE table to change, or undefined. */
export function writableTable(s: SimState, key: string): IrteTable | undefined {
  return s.irteTables.writable(key);
}

export function writableIts(s: SimState): ItsState | undefined {
  if (!s.its) return undefined;
  if (s.sealed) throw new SealedWrite('ITS state');
  if (s.shared.delete('its')) s.its = cloneIts(s.its);
  return s.its;
}

export function writablePasid(s: SimState): PasidState | undefined {
  if (!s.pasid) return undefined;
  if (s.sealed) throw new SealedWrite('PASID state');
  if (s.shared.delete('pasid')) s.pasid = clonePasid(s.pasid);
  return s.pasid;
}

// ---- cpu_online_mask --------------------------------------------------------

/**
 * A list many holders share, never changed in place (the type says so).
 * Frozen only in the tests' deep-freeze mode: V8 keeps a frozen array's
 * elements in a kind that its fast paths do not take (a slice of 4,096 CPUs
 * of a frozen list was 70 times slower, measured), and these lists are what
 * every affinity computation reads.
 */
function sharedList(list: readonly number[]): readonly number[] {
  // Never changed once made: IRQs keep it as their affinity without a copy (keptMask()).
  return deepFreezing() ? Object.freeze(list) : unchangingMask(list);
}

/** The online CPUs, ascending (cpu_online_mask): one shared array, never changed in place. */
export function onlineCpus(s: SimState): readonly number[] {
  if (s.online === undefined) {
    const was = s.onlineWas;
    s.online = sharedList(was ? listChanged(was.list, was.cpu, was.on, s.everyCpu) : listOnline(s.cpuOnline, s.everyCpu));
    s.onlineWas = undefined;
  }
  return s.online;
}

export function isOnline(s: SimState, cpu: number): boolean {
  return s.cpuOnline[cpu] === true;
}

/** set_cpu_online(): the flag, the list and the matrix's view of cpu_online_mask together. */
export function setCpuOnline(s: SimState, cpu: number, on: boolean): void {
  if (s.sealed) throw new SealedWrite('state');
  if (s.cpuOnline[cpu] === on || cpu < 0 || cpu >= s.cpuOnline.length) return;
  (s.cpuOnline as boolean[])[cpu] = on;
  s.matrix.setCpuOnline(cpu, on);
  // The ITS's least-loaded search counts online CPUs only.
  const its = writableIts(s);
  if (its) itsSetCpuOnline(its, cpu, on);
  s.onlineCount += on ? 1 : -1;
  s.onlineWas = s.online ? { list: s.online, cpu, on } : undefined;
  s.online = undefined;
}

/** cpumask_weight(cpu_online_mask). */
export function onlineCount(s: SimState): number {
  return s.onlineCount;
}

function listOnline(flags: readonly boolean[], every: readonly number[]): readonly number[] {
  const out: number[] = [];
  for (let i = 0; i < flags.length; i++) if (flags[i]) out.push(i);
  // Every CPU online: the one shared list of all CPUs, so that masks compare by identity.
  return out.length === every.length ? every : out;
}

/** A sorted list of distinct CPUs with one CPU added (on) or removed: copies of runs (slice and concat are memory copies), no scan. */
function listChanged(list: readonly number[], cpu: number, on: boolean, every: readonly number[]): readonly number[] {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((list[mid] as number) < cpu) lo = mid + 1;
    else hi = mid;
  }
  const present = list[lo] === cpu;
  if (present === on) return list;
  const out = on ? list.slice(0, lo).concat([cpu], list.slice(lo)) : list.slice(0, lo).concat(list.slice(lo + 1));
  return out.length === every.length ? every : out;
}

/** The shared list 0..cpus-1 of a system. */
const everyCpuMemo = new WeakMap<SystemSym, readonly number[]>();
export function everyCpuOf(system: SystemSym): readonly number[] {
  let all = everyCpuMemo.get(system);
  if (!all || all.length !== system.cpus) {
    all = sharedList(Array.from({ length: system.cpus }, (_, i) => i));
    everyCpuMemo.set(system, all);
  }
  return all;
}

/** The cpu_online_mask parts of a new state, with the matrix told which CPUs are online. */
export function onlineParts(system: SystemSym, matrix: IrqMatrix, online: (cpu: number) => boolean): Pick<SimState, 'cpuOnline' | 'online' | 'onlineCount' | 'everyCpu'> {
  const everyCpu = everyCpuOf(system);
  const cpuOnline = Array.from({ length: system.cpus }, (_, i) => online(i));
  for (let cpu = 0; cpu < system.cpus; cpu++) if (!cpuOnline[cpu]) matrix.setCpuOnline(cpu, false);
  const list = sharedList(listOnline(cpuOnline, everyCpu));
  return { cpuOnline, online: list, onlineCount: list.length, everyCpu };
}

/**
 * cpumask_and(mask, cpu_online_mask). Masks are ascending lists of distinct
 * CPUs below the system's count (expandCpuList() and every other producer
 * makes them so); the result is the mask itself when it has no offline CPU,
 * and the shared online list when it holds every online CPU, so that the
 * matrix can see it is cpu_online_mask.
 */
export function andOnline(s: SimState, mask: readonly number[]): readonly number[] {
  const online = onlineCpus(s);
  const n = s.everyCpu.length;
  const last = mask[mask.length - 1];
  const inRange = last !== undefined && last < n;
  if (inRange && mask.length === n) return online;
  if (inRange && online.length === n) return mask;
  const out: number[] = [];
  for (const c of mask) if (s.cpuOnline[c]) out.push(c);
  return out.length === online.length ? online : out;
}

/**
 * cpumask_and() of two masks (ascending, distinct). Node masks and the
 * default affinity are ranges of CPUs, so when either side is one the answer
 * is the other side clipped to it (often the other side itself, shared, since
 * masks are never changed in place); otherwise a merge.
 */
export function andMasks(a: readonly number[], b: readonly number[]): readonly number[] {
  if (a.length === 0 || b.length === 0) return [];
  if (isCpuRange(b)) return clipMask(a, b[0] as number, b[b.length - 1] as number);
  if (isCpuRange(a)) return clipMask(b, a[0] as number, a[a.length - 1] as number);
  const out: number[] = [];
  let j = 0;
  for (let i = 0; i < a.length && j < b.length; i++) {
    const x = a[i] as number;
    while (j < b.length && (b[j] as number) < x) j++;
    if (b[j] === x) out.push(x);
  }
  return out;
}

/** Whether an ascending mask of distinct CPUs is every CPU from its first to its last. */
function isCpuRange(m: readonly number[]): boolean {
  return (m[m.length - 1] as number) - (m[0] as number) === m.length - 1;
}

/** The CPUs of an ascending mask within lo..hi: the mask itself when it is all within. */
function clipMask(m: readonly number[], lo: number, hi: number): readonly number[] {
  if ((m[0] as number) >= lo && (m[m.length - 1] as number) <= hi) return m;
  const from = lowerBound(m, lo);
  const to = lowerBound(m, hi + 1);
  return m.slice(from, to);
}

/** The index of the first CPU of an ascending mask that is ≥ cpu. */
function lowerBound(m: readonly number[], cpu: number): number {
  let lo = 0;
  let hi = m.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((m[mid] as number) < cpu) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** cpumask_test_cpu(): membership in an ascending mask, by bisection. */
export function inMask(mask: readonly number[], cpu: number): boolean {
  let lo = 0;
  let hi = mask.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const c = mask[mid] as number;
    if (c === cpu) return true;
    if (c < cpu) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/**
 * A mask an IRQ keeps (its affinity, a pending move): the mask itself when it
 * is frozen (cpu_online_mask, the default affinity, a mask kept before), else
 * a frozen copy. Masks are replaced, never changed, so sharing is safe, and
 * moving 2,048 IRQs on 8,192 CPUs no longer copies 8,192 CPUs each time.
 */
export function keptMask(mask: readonly number[]): readonly number[] {
  if (Object.isFrozen(mask) || kept.has(mask)) return mask;
  const copy = mask.slice();
  kept.add(copy);
  return copy;
}

/**
 * Masks known never to change, without freezing them (Object.freeze() walks
 * the whole array: a hotplug callback makes masks of thousands of CPUs for
 * every CPU taken down).
 */
const kept = new WeakSet<readonly number[]>();

/** A mask its maker will never change, to be kept by IRQs without a copy. */
export function unchangingMask(mask: readonly number[]): readonly number[] {
  kept.add(mask);
  return mask;
}

/** cpumask_intersects(mask, cpu_online_mask). */
export function anyOnline(s: SimState, mask: readonly number[]): boolean {
  for (const c of mask) if (s.cpuOnline[c]) return true;
  return false;
}

// ---- forks and copies -------------------------------------------------------

/**
 * Roughly how many IRQ-sized objects a state holds that its base does not:
 * a page of IRQs or IRTEs of its own counts as full, a CPU's vector map or
 * vector_irq[] table as a few IRQs. engine.ts keeps end states within a budget of it.
 */
export function stateWeight(s: SimState): number {
  let pages = s.irqs.ownedPages();
  for (const t of s.irteTables.values()) pages += t.entries.ownedPages();
  let w = pages * PAGED_MAP_PAGE + 4 * (s.matrix.ownedCpus() + s.vectorIrq.ownedTables());
  for (const g of s.guests.values()) w += stateWeight(g);
  return w;
}

/**
 * Seals a state: from now on it is shared (the base of forks, a kept end
 * state) and no container of it, nor of its guests, may be written.
 */
export function sealState(s: SimState): void {
  if (s.sealed) return;
  // The online list is made on demand: make it now, while the state may still be written.
  onlineCpus(s);
  s.sealed = true;
  s.matrix.seal();
  s.vectorIrq.seal();
  s.cpuIrqs.seal();
  s.irqs.seal();
  s.devices.seal();
  s.irteTables.seal();
  for (const t of s.irteTables.values()) {
    t.used.seal();
    t.entries.seal();
  }
  for (const g of s.guests.values()) sealState(g);
  if (deepFreezing()) {
    Object.freeze(s.cpuOnline);
    freezeMap(s.vfio);
    freezeMap(s.guests);
    freezeMap(s.bindings);
    Object.freeze(s.shared);
    Object.freeze(s);
  }
}

/**
 * A fork: seals the base and returns a state that starts out equal to it and
 * shares its storage until it writes (cow.ts). Costs the page tables, one
 * pointer per CPU and the small maps (devices, VFIO states, bindings), not the
 * IRQs, IRTEs or vectors. A host's guests are forked with it and linked to
 * the new host.
 */
export function forkState(s: SimState, host?: SimState): SimState {
  sealState(s);
  const f: SimState = {
    system: s.system,
    k: s.k,
    matrix: s.matrix.fork(),
    cpuOnline: [...s.cpuOnline],
    online: onlineCpus(s),
    onlineCount: s.onlineCount,
    everyCpu: s.everyCpu,
    vectorIrq: s.vectorIrq.fork(),
    cpuIrqs: s.cpuIrqs.fork(),
    irqs: s.irqs.fork(),
    devices: s.devices.fork(),
    irteTables: s.irteTables.fork(),
    vfio: new Map(s.vfio),
    guests: new Map(),
    ...(s.hypervisor ? { hypervisor: { host: host ?? s.hypervisor.host, guest: s.hypervisor.guest } } : {}),
    bindings: new Map(s.bindings),
    ...(s.its ? { its: s.its } : {}),
    ...(s.pasid ? { pasid: s.pasid } : {}),
    shared: new Set([...(s.its ? (['its'] as const) : []), ...(s.pasid ? (['pasid'] as const) : [])]),
    nextVirq: s.nextVirq,
    virqHint: s.virqHint,
    sealed: false,
  };
  for (const [n, g] of s.guests) f.guests.set(n, forkState(g, f));
  return f;
}

/**
 * A full copy that shares nothing with the original (and does not seal it):
 * what every fork used to be, kept as the reference the forks are tested
 * against (test/sim/forks.test.ts).
 */
export function cloneState(s: SimState, host?: SimState): SimState {
  const irqs = new PagedMap(IRQ_OPS);
  for (const [v, irq] of s.irqs) {
    irqs.set(v, {
      ...irq,
      apic: { ...irq.apic },
      affinity: [...irq.affinity],
      ...(irq.movePending ? { movePending: [...irq.movePending] } : {}),
      ...(irq.hint ? { hint: [...irq.hint] } : {}),
    });
  }
  const devices = new CowMap<string, DeviceState>(DEVICE_OPS);
  for (const [n, d] of s.devices) devices.set(n, cloneDevice(d));
  const irteTables = new CowMap<string, IrteTable>(TABLE_OPS);
  for (const [n, t] of s.irteTables) {
    irteTables.set(n, { ...t, used: t.used.copy(), entries: t.entries.copy() });
  }
  const c: SimState = {
    system: s.system,
    k: s.k,
    matrix: s.matrix.clone(),
    cpuOnline: [...s.cpuOnline],
    online: onlineCpus(s),
    onlineCount: s.onlineCount,
    everyCpu: s.everyCpu,
    vectorIrq: s.vectorIrq.copy(),
    cpuIrqs: s.cpuIrqs.copy(),
    irqs,
    devices,
    irteTables,
    vfio: new Map(s.vfio),
    guests: new Map(),
    ...(s.hypervisor ? { hypervisor: { host: host ?? s.hypervisor.host, guest: s.hypervisor.guest } } : {}),
    bindings: new Map(s.bindings),
    ...(s.pasid ? { pasid: clonePasid(s.pasid) } : {}),
    ...(s.its ? { its: cloneIts(s.its) } : {}),
    shared: new Set(),
    nextVirq: s.nextVirq,
    virqHint: s.virqHint,
    sealed: false,
  };
  for (const [n, g] of s.guests) c.guests.set(n, cloneState(g, c));
  return c;
}

/** The first domain of a hierarchy of either kind (a plain loop: this runs several times per IRQ). */
export function domainOfKind(chain: readonly DomainSym[], kind: string, other?: string): DomainSym | undefined {
  for (const d of chain) if (d.domainKind === kind || (other !== undefined && d.domainKind === other)) return d;
  return undefined;
}

/** Which interrupt architecture an IRQ's hierarchy ends in. */
export function platformOf(chain: readonly DomainSym[]): 'x86' | 'its' | 'imsic' {
  if (domainOfKind(chain, 'its')) return 'its';
  if (domainOfKind(chain, 'imsic')) return 'imsic';
  return 'x86';
}

/** The hierarchy of a domain, from it (the child) to the root; a cycle (reported by the checker) ends the walk. */
export function chainOf(domain: DomainSym | undefined): DomainSym[] {
  const out: DomainSym[] = [];
  for (let d = domain; d && !out.includes(d); d = d.parent) out.push(d);
  return out;
}
