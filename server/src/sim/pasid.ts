// PASID sets with quotas (semantics.md §12, seed 001). The kernel never merged
// the 2020–2021 "IOASID extensions for guest SVA" series; irqd simulates the
// semantics that thread agrees on (capacity, per-set quotas, set-level free
// with notifications) over the allocator of current kernels: the lowest free
// PASID ≥ 1 in one global space (ida_alloc_range(), iommu_alloc_global_pasid()).
import type { PasidSpace, SystemSym } from '../model/types.js';
import { bitmapList, type Errno } from './matrix.js';
import type { Log } from './vector.js';

export interface PasidSetState {
  readonly name: string;
  quota: number;
  readonly ids: number[];
  freed: boolean;
}

export interface PasidState {
  readonly capacity: number;
  /** capacity_avail: what is left for new quotas. */
  capacityAvail: number;
  readonly sets: Map<string, PasidSetState>;
  /** Every allocated PASID, in the one global space. */
  readonly used: Set<number>;
  /** No PASID below this is free. */
  hint: number;
}

// ioasid_install_capacity() and ioasid_alloc_set() for each declared set, in order.
export function bootPasid(space: PasidSpace): PasidState {
  const state: PasidState = { capacity: space.capacity, capacityAvail: space.capacity, sets: new Map(), used: new Set(), hint: 1 };
  for (const set of space.sets.values()) {
    if (set.quota > state.capacityAvail) continue; // check/ reports it (IRQD025)
    state.capacityAvail -= set.quota;
    state.sets.set(set.name, { name: set.name, quota: set.quota, ids: [], freed: false });
  }
  return state;
}

export function clonePasid(p: PasidState): PasidState {
  const sets = new Map<string, PasidSetState>();
  for (const [n, s] of p.sets) sets.set(n, { ...s, ids: [...s.ids] });
  return { ...p, sets, used: new Set(p.used) };
}

export type PasidResult = { ok: string } | { err: Errno; why: string };

function setOf(p: PasidState, name: string): PasidSetState | { err: Errno; why: string } {
  const set = p.sets.get(name);
  if (!set) return { err: 'EINVAL', why: `there is no PASID set '${name}'` };
  if (set.freed) return { err: 'EINVAL', why: `set '${name}' was freed (ioasid_free_set())` };
  return set;
}

// ioasid_alloc(set, 1, capacity - 1): fails once nr_ioasids == quota; the lowest free ID otherwise.
export function pasidAlloc(p: PasidState, name: string, count: number, log: Log): PasidResult {
  const set = setOf(p, name);
  if ('err' in set) return set;
  const got: number[] = [];
  for (let i = 0; i < count; i++) {
    if (set.ids.length >= set.quota) {
      return { err: 'ENOSPC', why: `set '${name}' has used its quota of ${set.quota}${got.length ? ` after ${got.length} more` : ''}` };
    }
    while (p.used.has(p.hint)) p.hint++;
    // PASID 0 is reserved (IOMMU_NO_PASID): IDs are 1 .. capacity - 1.
    if (p.hint >= p.capacity) return { err: 'ENOSPC', why: `all ${p.capacity - 1} PASIDs are allocated` };
    p.used.add(p.hint);
    set.ids.push(p.hint);
    got.push(p.hint);
  }
  const text = got.length === 1 ? `PASID ${got[0]}` : `PASIDs ${rangeText(got)}`;
  log.event('ioasid_alloc', `set ${name}: ${text} (${set.ids.length}/${set.quota} used)`);
  return { ok: `→ ${text}` };
}

/** The subscribers of a set's notifications, in IOASID_PRIO order (LAST, DEVICE, IOMMU, CPU). */
function subscribers(system: SystemSym, name: string): string[] {
  const guest = system.guests.get(name);
  const devices = guest ? guest.assignments.map((a) => a.sub?.name ?? a.device?.name).filter((n): n is string => n !== undefined) : [];
  const iommu = [...system.scope.domains.values()].find((d) => d.domainKind === 'intel-ir' || d.domainKind === 'amd-ir');
  return [
    ...(devices.length > 0 ? [`DEVICE: ${devices.join(', ')} (drain work with these PASIDs)`] : []),
    `IOMMU: ${iommu?.domainKind === 'amd-ir' ? 'AMD-Vi' : 'VT-d'} driver (clear the PASID table entries, flush the caches)`,
    ...(guest ? [`CPU: KVM (drop guest ${guest.name}'s PASID translations)`] : []),
  ];
}

// ioasid_free_set(): every ID freed with IOASID_NOTIFY_FREE, then the quota returns to capacity_avail.
export function pasidFreeSet(p: PasidState, system: SystemSym, name: string, log: Log): PasidResult {
  const set = setOf(p, name);
  if ('err' in set) return set;
  const ids = [...set.ids];
  for (const id of ids) {
    p.used.delete(id);
    if (id < p.hint) p.hint = id;
  }
  if (ids.length > 0) {
    for (const who of subscribers(system, name)) log.event('ioasid_notify', `IOASID_NOTIFY_FREE (${ids.length} PASIDs of set ${name}: ${rangeText(ids)}) → ${who}`);
  }
  set.ids.length = 0;
  set.freed = true;
  p.capacityAvail += set.quota;
  log.event('ioasid_free_set', `set ${name} freed; its quota of ${set.quota} returns (capacity_avail ${p.capacityAvail})`);
  return { ok: `${ids.length} PASIDs freed, ${ids.length > 0 ? 'subscribers notified' : 'no PASIDs'}` };
}

// ioasid_adjust_set(): not ≤ 0, not below what is allocated, not beyond capacity_avail.
export function pasidAdjustQuota(p: PasidState, name: string, quota: number, log: Log): PasidResult {
  const set = setOf(p, name);
  if ('err' in set) return set;
  if (quota <= 0) return { err: 'EINVAL', why: 'a quota must be positive' };
  if (quota < set.ids.length) return { err: 'EINVAL', why: `set '${name}' has ${set.ids.length} PASIDs allocated; its quota cannot shrink below that` };
  if (quota - set.quota > p.capacityAvail) {
    return { err: 'ENOSPC', why: `raising '${name}' from ${set.quota} to ${quota} needs ${quota - set.quota}, only ${p.capacityAvail} left (capacity_avail)` };
  }
  p.capacityAvail += set.quota - quota;
  log.event('ioasid_adjust_set', `set ${name}: quota ${set.quota} → ${quota} (capacity_avail ${p.capacityAvail})`);
  set.quota = quota;
  return { ok: `quota ${quota}` };
}

export function pasidUsed(p: PasidState, name: string): number | undefined {
  return p.sets.get(name)?.ids.length;
}

function rangeText(ids: readonly number[]): string {
  return bitmapList([...ids].sort((a, b) => a - b));
}
