// Interrupt remapping: the VT-d IRTE table of an IOMMU and the AMD-Vi
// per-device tables (semantics.md §4.2, §4.3, §6).
import type { DeviceSym, DomainSym } from '../model/types.js';
import { destApicId, apicDriver, isLogical } from './compose.js';
import { hex, vec } from './kernel.js';
import type { Errno } from './matrix.js';
import { PagedBytes } from './cow.js';
import { domainOfKind, emptyIrteEntries, writableTable, type Irq, type IrteTable, type SimState } from './state.js';
import type { Log } from './vector.js';
import { domainProp } from '../model/values.js';

/** INTR_REMAP_TABLE_ENTRIES (drivers/iommu/intel/irq_remapping.c). */
const VTD_TABLE_ENTRIES = 65536;
/** MAX_IRQS_PER_TABLE in 6.1 (drivers/iommu/amd/amd_iommu_types.h). */
const AMD_TABLE_ENTRIES = 256;

/** The remapping domain of a hierarchy, if any. */
export function remapDomain(chain: readonly DomainSym[]): DomainSym | undefined {
  return domainOfKind(chain, 'intel-ir', 'amd-ir');
}

function tableKey(domain: DomainSym, device: DeviceSym): string {
  return domain.domainKind === 'amd-ir' ? `${domain.name}/${device.name}` : domain.name;
}

/** The table an allocation writes: this state's own, created on first use. */
function tableFor(s: SimState, domain: DomainSym, device: DeviceSym): IrteTable {
  const key = tableKey(domain, device);
  let t = writableTable(s, key);
  if (!t) {
    const size = domain.domainKind === 'amd-ir' ? (domainProp(domain, 'entries') ?? AMD_TABLE_ENTRIES) : (domainProp(domain, 'irtes') ?? VTD_TABLE_ENTRIES);
    t = { hint: 0, domain, ...(domain.domainKind === 'amd-ir' ? { device } : {}), size, used: new PagedBytes(size), entries: emptyIrteEntries(size) };
    s.irteTables.set(key, t);
  }
  return t;
}

// bitmap_find_free_region(): the lowest naturally aligned free block of 2^order entries.
function findFreeRegion(table: IrteTable, order: number): number {
  const used = table.used;
  const n = 1 << order;
  // Nothing below the hint is free, so the search for a block may start at its aligned base.
  while (table.hint < used.length && used.get(table.hint)) table.hint++;
  for (let base = table.hint - (table.hint % n); base + n <= used.length; base += n) {
    let free = true;
    for (let i = 0; i < n; i++) {
      if (used.get(base + i)) {
        free = false;
        break;
      }
    }
    if (free) {
      used.fill(1, base, base + n);
      return base;
    }
  }
  return -1;
}

/**
 * The source ID an IO-APIC's messages carry (set_ioapic_sid()): the IO-APIC's
 * own bus/devfn from the DMAR device scope. Without a `source-id` on the
 * domain irqd uses F0:1F.0, where Intel platforms typically place it (QEMU's
 * q35 says ff:00.0).
 */
export const IOAPIC_SID = 0xf0f8;

/** The source ID the IOMMU checks for an IRQ's interrupts. */
export function sourceIdOf(irq: Irq): number {
  // set_ioapic_sid() / set_hpet_sid(): the requester ID the DMAR scope gives the interrupt's source.
  const top = irq.chain[0];
  const declared = top ? domainProp(top, 'source-id') : undefined;
  if (declared !== undefined) return declared;
  if (irq.cap === 'ioapic') return IOAPIC_SID;
  return requesterId(irq.device);
}

/** The source ID the IOMMU checks: bus << 8 | devfn (set_msi_sid(), SVT_VERIFY_SID_SQ). */
export function requesterId(device: DeviceSym): number {
  const a = device.address ?? device.pf?.address;
  if (!a) return 0;
  const rid = (a.bus << 8) | (a.device << 3) | a.fn;
  // A VF's routing ID is the PF's plus First VF Offset + index × Stride; irqd uses offset = stride = 1.
  return device.bus === 'vf' && device.pf ? rid + 1 + (device.vfIndex ?? 0) : rid;
}

// The texts of the per-IRQ events, made when a trace is read (Log.lazy()).
const irteAllocText = (index: number, n: number, table: string): string =>
  n === 1 ? `IRTE ${hex(index)} in ${table}` : `IRTEs ${hex(index)}-${hex(index + n - 1)} (block of ${n}) in ${table}`;
const irteText = (slot: number, vector: number, cpu: number): string => `IRTE ${hex(slot)}: vector ${vec(vector)} → CPU ${cpu}`;

// alloc_irte() (VT-d) and alloc_irq_index(align = true) (AMD-Vi): one aligned block per allocation.
export function allocIrtes(s: SimState, irqs: readonly Irq[], domain: DomainSym, log: Log, from = 0, count = irqs.length - from): Errno | undefined {
  const first = irqs[from];
  if (!first || count < 1) return undefined;
  const table = tableFor(s, domain, first.device);
  const order = Math.ceil(Math.log2(count));
  const index = findFreeRegion(table, order);
  if (index < 0) {
    log.warn(domain.domainKind === 'amd-ir' ? 'alloc_irq_index' : 'alloc_irte', "Can't allocate an IRTE");
    return 'ENOSPC';
  }
  const n = 1 << order;
  // VT-d: one handle and a sub-handle per IRQ; AMD-Vi: consecutive indices. Either way IRQ i uses entry index + i.
  const key = tableKey(domain, first.device);
  for (let i = 0; i < count; i++) (irqs[from + i] as Irq).irte = { table: key, index, subhandle: i, blockSize: n };
  log.lazy(domain.domainKind === 'amd-ir' ? 'irq_remapping_alloc' : 'intel_irq_remapping_alloc', irteAllocText, index, n, table.domain.name);
  return undefined;
}

/**
 * A declared machine state's IRTE block (sim/declared.ts): the entries an
 * IRQ (or a multi-MSI block) already holds, marked used as alloc_irte() left
 * them. False when an entry is out of the table or taken.
 */
export function restoreIrtes(s: SimState, irqs: readonly Irq[], domain: DomainSym, index: number): boolean {
  const first = irqs[0];
  if (!first) return false;
  const table = tableFor(s, domain, first.device);
  const n = 1 << Math.ceil(Math.log2(irqs.length));
  if (index < 0 || index + n > table.size) return false;
  for (let i = 0; i < n; i++) if (table.used.get(index + i)) return false;
  table.used.fill(1, index, index + n);
  irqs.forEach((irq, i) => {
    irq.irte = { table: tableKey(domain, irq.device), index, subhandle: i, blockSize: n };
  });
  return true;
}

/** The IRTE entry an IRQ uses. */
export function irteIndex(irq: Irq): number | undefined {
  return irq.irte ? irq.irte.index + irq.irte.subhandle : undefined;
}

// intel_ir_reconfigure_irte() / amd_ir_update_irte(): program vector and destination.
export function programIrte(s: SimState, irq: Irq, log: Log): void {
  const ref = irq.irte;
  if (!ref) return;
  const table = writableTable(s, ref.table);
  const slot = irteIndex(irq);
  if (!table || slot === undefined) return;
  const driver = apicDriver(s.system);
  const posted = irq.postedTo ? { guest: irq.postedTo, vcpu: irq.apic.hwCpu, vector: irq.apic.hwVector } : undefined;
  table.entries.program(slot, true, irq.apic.hwVector, destApicId(driver, irq.apic.hwCpu, s.system), isLogical(driver), sourceIdOf(irq), posted);
  const fn = table.domain.domainKind === 'amd-ir' ? 'amd_ir_update_irte' : 'modify_irte';
  if (!irq.postedTo) {
    log.lazy(fn, irteText, slot, irq.apic.hwVector, irq.apic.hwCpu);
    return;
  }
  log.event(fn, `IRTE ${hex(slot)}: posted to ${irq.postedTo} vCPU ${irq.apic.hwCpu} vector ${vec(irq.apic.hwVector)}${irq.pasidTagged ? ', PASID-tagged requests only' : ''}`);
}

// intel_irq_remapping_deactivate(): the IRTE is cleared.
export function clearIrte(s: SimState, irq: Irq): void {
  const ref = irq.irte;
  const slot = irteIndex(irq);
  if (!ref || slot === undefined) return;
  writableTable(s, ref.table)?.entries.program(slot, false, 0, 0, false, 0);
}

// free_irte() / free_irq_index(): the whole block goes back with its first IRQ (sub-handle 0).
export function freeIrtes(s: SimState, irq: Irq): void {
  const ref = irq.irte;
  const slot = irteIndex(irq);
  if (!ref || slot === undefined) return;
  const table = writableTable(s, ref.table);
  irq.irte = undefined;
  if (!table) return;
  table.entries.delete(slot);
  if (ref.subhandle === 0) {
    table.used.fill(0, ref.index, ref.index + ref.blockSize);
    table.hint = Math.min(table.hint, ref.index);
  }
}
