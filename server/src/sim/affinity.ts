// Managed affinity for multi-vector allocations (kernel/irq/affinity.c and
// lib/group_cpus.c): how many vectors a PCI_IRQ_AFFINITY allocation may get,
// and which CPUs each vector is spread over. struct irq_affinity's
// pre_vectors and post_vectors stay unmanaged with the default affinity (the
// NVMe admin queue, virtio's config vector); the vectors between them are
// spread, set by set.
import type { SystemSym } from '../model/types.js';
import { siblingsOf } from '../model/values.js';
import { andMasks, andOnline, anyOnline, onlineCpus, unchangingMask, type Irq, type SimState } from './state.js';
import { nodeMask } from './vector.js';

/** struct irq_affinity: `alloc … managed [pre P] [post Q] [sets A,B]`. */
export interface IrqAffinity {
  readonly pre: number;
  readonly post: number;
  /** The sizes of the affinity sets (a driver's calc_sets()); one set of every spread vector when absent. */
  readonly sets?: readonly number[];
}

/** One vector's mask and whether it is managed (struct irq_affinity_desc). */
export interface AffinityDesc {
  readonly mask: readonly number[];
  readonly managed: boolean;
}

/** The CPUs of each NUMA node (one node of every CPU when none is declared). */
function nodesOf(system: SystemSym): { id: number; cpus: number[] }[] {
  if (system.nodes.length > 0) return system.nodes.map((n) => ({ id: n.id, cpus: [...n.cpus] })).sort((a, b) => a.id - b.id);
  return [{ id: 0, cpus: Array.from({ length: system.cpus }, (_, i) => i) }];
}

// group_cpus_evenly() (lib/group_cpus.c): managed affinity masks, NUMA-aware.
export function groupCpusEvenly(system: SystemSym, numgrps: number): number[][] {
  const masks: number[][] = Array.from({ length: numgrps }, () => []);
  const nodes = nodesOf(system).filter((n) => n.cpus.length > 0);
  if (numgrps <= nodes.length) {
    // Fewer groups than nodes: whole nodes go to groups round robin.
    nodes.forEach((n, i) => (masks[i % numgrps] as number[]).push(...n.cpus));
    return masks.map(sortedCpus);
  }
  // alloc_nodes_groups(): groups in proportion to CPUs, smallest nodes first, at least one each.
  const groupsOf = new Map<number, number>();
  let remainingCpus = nodes.reduce((n, x) => n + x.cpus.length, 0);
  let remainingGroups = numgrps;
  for (const n of [...nodes].sort((a, b) => a.cpus.length - b.cpus.length || a.id - b.id)) {
    const g = Math.min(n.cpus.length, Math.max(1, Math.floor((remainingGroups * n.cpus.length) / remainingCpus)));
    groupsOf.set(n.id, g);
    remainingCpus -= n.cpus.length;
    remainingGroups -= g;
  }
  // __group_cpus_evenly() walks the node groups in the sorted order too.
  let cur = 0;
  for (const n of [...nodes].sort((a, b) => a.cpus.length - b.cpus.length || a.id - b.id)) {
    const g = groupsOf.get(n.id) ?? 1;
    const per = Math.floor(n.cpus.length / g);
    let extra = n.cpus.length - per * g;
    let next = 0;
    const left = system.smt > 1 ? new Set(n.cpus) : undefined;
    for (let i = 0; i < g; i++) {
      const take = per + (extra > 0 ? 1 : 0);
      if (extra > 0) extra--;
      const mask = masks[(cur + i) % numgrps] as number[];
      // Without SMT every CPU is its own sibling: grp_spread_init_one() takes the next run of the node.
      if (left) grpSpreadInitOne(system, mask, n.cpus, left, take);
      else mask.push(...n.cpus.slice(next, next + take));
      next += take;
    }
    cur = (cur + g) % numgrps;
  }
  return masks.map(sortedCpus);
}

/**
 * grp_spread_init_one() (lib/group_cpus.c): the lowest CPU left in the node,
 * then its thread siblings still left (topology_sibling_cpumask()), until the
 * group has its CPUs.
 */
function grpSpreadInitOne(system: SystemSym, mask: number[], nodeCpus: readonly number[], left: Set<number>, take: number): void {
  let i = 0;
  while (take > 0) {
    while (i < nodeCpus.length && !left.has(nodeCpus[i] as number)) i++;
    if (i >= nodeCpus.length) return;
    const cpu = nodeCpus[i] as number;
    left.delete(cpu);
    mask.push(cpu);
    take--;
    for (const sibl of siblingsOf(cpu, system.cpus, system.smt)) {
      if (take === 0) break;
      if (!left.delete(sibl)) continue;
      mask.push(sibl);
      take--;
    }
  }
}

/** The mask in ascending order (the groups are usually built in order already). */
function sortedCpus(m: number[]): number[] {
  for (let i = 1; i < m.length; i++) if ((m[i] as number) < (m[i - 1] as number)) return m.sort((a, b) => a - b);
  return m;
}

/**
 * irq_calc_affinity_vectors(): with the reserved vectors taking more than the
 * minimum nothing can be spread (0); otherwise the spread gets at most one
 * vector per possible CPU, unless the driver computes its own sets.
 */
export function irqCalcAffinityVectors(system: SystemSym, minvec: number, maxvec: number, affd: IrqAffinity): number {
  const resv = affd.pre + affd.post;
  if (resv > minvec) return 0;
  const setVecs = affd.sets ? maxvec - resv : system.cpus;
  return resv + Math.min(setVecs, maxvec - resv);
}

/**
 * The set sizes for `affvecs` spread vectors: the driver's sizes when they
 * add up, else the first set (a driver's default queues, as
 * nvme_calc_irq_sets() computes them) takes the difference.
 */
function setSizes(affd: IrqAffinity, affvecs: number): number[] {
  const sets = affd.sets && affd.sets.length > 0 ? [...affd.sets] : [affvecs];
  const rest = sets.slice(1).reduce((n, x) => n + x, 0);
  if (rest >= affvecs) return [affvecs];
  sets[0] = affvecs - rest;
  return sets;
}

/**
 * irq_create_affinity_masks(): the pre vectors, then each set spread over
 * every CPU with group_cpus_evenly(), then the post vectors; only the spread
 * ones are managed. Nothing is spread (all unmanaged, default affinity) when
 * the reserved vectors take them all.
 */
export function irqCreateAffinityMasks(system: SystemSym, nvecs: number, affd: IrqAffinity, defaultAffinity: readonly number[]): AffinityDesc[] {
  const resv = affd.pre + affd.post;
  const affvecs = nvecs > resv ? nvecs - resv : 0;
  if (affvecs === 0) return Array.from({ length: nvecs }, () => ({ mask: defaultAffinity, managed: false }));
  const out: AffinityDesc[] = [];
  for (let i = 0; i < affd.pre; i++) out.push({ mask: defaultAffinity, managed: false });
  for (const size of setSizes(affd, affvecs)) {
    for (const mask of groupCpusEvenly(system, size)) out.push({ mask, managed: true });
  }
  while (out.length < nvecs) out.push({ mask: defaultAffinity, managed: false });
  return out;
}

/** irq_default_affinity: what `irqaffinity=` set (model/cmdline.ts), else every CPU. */
export function defaultAffinityOf(s: SimState): readonly number[] {
  return s.system.cmdline.defaultAffinity ?? s.everyCpu;
}

/**
 * irq_setup_affinity() (kernel/irq/manage.c): the mask irq_startup() gives a
 * non-managed IRQ at request_irq(). A mask set before (IRQD_AFFINITY_SET, by
 * a write to smp_affinity or a driver's irq_set_affinity_and_hint()) is kept
 * if it has an online CPU, else forgotten; otherwise the default affinity.
 * Either is limited to the online CPUs (all of them when none is left, since
 * 33de0aa4bae9 in 5.18), then to the device's NUMA node when the two intersect.
 */
export function setupAffinityMask(s: SimState, irq: Irq): readonly number[] {
  let set = defaultAffinityOf(s);
  if (irq.affinitySet) {
    if (anyOnline(s, irq.affinity)) set = irq.affinity;
    else irq.affinitySet = false;
  }
  let mask = andOnline(s, set);
  if (mask.length === 0) mask = onlineCpus(s);
  const node = nodeMask(s, irq);
  if (node) {
    const narrowed = nodeNarrowed(mask, node);
    if (narrowed.length > 0) mask = narrowed;
  }
  return mask;
}

/**
 * mask ∩ node, made once per pair: every IRQ a device requests asks for the
 * same two masks (the online list and its node), and keeps the answer as its
 * affinity without a copy.
 */
function nodeNarrowed(mask: readonly number[], node: readonly number[]): readonly number[] {
  let byNode = narrowedMemo.get(mask);
  if (!byNode) {
    byNode = new WeakMap();
    narrowedMemo.set(mask, byNode);
  }
  let out = byNode.get(node);
  if (!out) {
    out = unchangingMask(andMasks(mask, node));
    byNode.set(node, out);
  }
  return out;
}

const narrowedMemo = new WeakMap<readonly number[], WeakMap<readonly number[], readonly number[]>>();

/**
 * irq_do_set_affinity()'s mask for the chip: with `isolcpus=managed_irq`, a
 * managed IRQ whose mask has an online housekeeping CPU is programmed to the
 * housekeeping CPUs of its mask only, so that I/O submitted from a
 * housekeeping CPU never interrupts an isolated one. The IRQ's affinity stays
 * the whole mask.
 */
export function housekeepingMask(s: SimState, irq: Irq, mask: readonly number[]): readonly number[] {
  const hk = s.system.cmdline.managedIrqHousekeeping;
  if (!hk || !irq.managed) return mask;
  const tmp = andMasks(mask, hk);
  return anyOnline(s, tmp) ? tmp : mask;
}
