// What each IRQ of a snapshot is: an IO-APIC line (with its GSI and trigger),
// a PCI MSI or MSI-X vector (with its function and entry), the IOMMU's or an
// HPET's own MSI, or something irqd does not model. debugfs names the
// domain of every level; without it /proc/interrupts' chip and hwirq
// columns and the PCI msi_irqs directories tell nearly as much.
import type { Fact } from './machine.js';
import type { DebugIrq, HostSnapshot } from './types.js';

export type IrqSource =
  | {
      readonly kind: 'ioapic';
      readonly virq: number;
      /** The Global System Interrupt: the IO-APIC's GSI base plus the pin (mp_map_gsi_to_irq()). */
      readonly gsi: number;
      readonly trigger: Fact<'edge' | 'level'>;
      readonly irte?: number;
      readonly from: string;
    }
  | {
      readonly kind: 'msi';
      readonly virq: number;
      /** 'SSSS:BB:DD.F'. */
      readonly address?: string;
      readonly mode: 'msi' | 'msix';
      readonly index: number;
      readonly irte?: number;
      /** apicd->can_reserve, when debugfs shows it. */
      readonly canReserve?: boolean;
      readonly from: string;
    }
  | { readonly kind: 'dmar' | 'hpet'; readonly virq: number; readonly domain: string; readonly irte?: number; readonly from: string }
  | { readonly kind: 'skipped'; readonly virq: number; readonly why: string };

function hex(n: number, w: number): string {
  return n.toString(16).padStart(w, '0');
}

/** The 'SSSS:BB:DD.F' of a requester ID (bus << 8 | devfn) in a PCI segment. */
function addressOf(segment: number, rid: number): string {
  return `${hex(segment, 4)}:${hex(rid >> 8, 2)}:${hex((rid >> 3) & 0x1f, 2)}.${rid & 7}`;
}

/** The IRTE entry of a remapped IRQ: intel_irq_remapping_alloc() sets hwirq = index << 16 | sub-handle. */
function irteOf(d: DebugIrq): number | undefined {
  const ir = d.levels.find((l) => /^INTEL-IR-\d+/.test(l.domain));
  return ir ? (ir.hwirq >>> 16) + (ir.hwirq & 0xffff) : undefined;
}

/** The GSI base of IO-APIC n (the kernel log's IOAPIC[n] line), 0 for the first one when the log does not say. */
function gsiBase(snap: HostSnapshot, index: number): number {
  const l = snap.dmesg?.ioapics.find((x) => x.index === index);
  if (l) return l.gsiBase;
  // Without the log, IO-APICs are assumed to have 24 pins each, in order.
  return index * 24;
}

/** The ISA IRQ → GSI overrides (ACPI INT_SRC_OVR); the timer's IRQ 0 → GSI 2 when the log does not say. */
function isaGsi(snap: HostSnapshot, irq: number): number {
  const o = snap.dmesg?.overrides.find((x) => x.isaIrq === irq);
  if (o) return o.gsi;
  return irq === 0 ? 2 : irq;
}

/** Which PCI function and mode each MSI IRQ belongs to, from the msi_irqs directories. */
function msiOwners(snap: HostSnapshot): Map<number, { address: string; mode: 'msi' | 'msix' }> {
  const out = new Map<number, { address: string; mode: 'msi' | 'msix' }>();
  for (const p of snap.pci.values()) for (const [irq, mode] of p.msiIrqs) out.set(irq, { address: p.address, mode });
  return out;
}

/**
 * An MSI vector's entry from its top-level hwirq: 6.1's shared PCI-MSI
 * domain uses pci_msi_domain_calc_hwirq() (index | devid << 11 | domain << 27),
 * the per-device domains of 6.2+ the index itself.
 */
function msiIndex(hwirq: number, perDevice: boolean): { index: number; rid?: number; segment?: number } {
  if (perDevice) return { index: hwirq };
  return { index: hwirq & 0x7ff, rid: (hwirq >>> 11) & 0xffff, segment: (hwirq >>> 27) & 0x1f };
}

function fromDebugfs(snap: HostSnapshot, d: DebugIrq, owners: ReturnType<typeof msiOwners>): IrqSource {
  const virq = d.irq;
  const from = `debugfs irqs/${virq}`;
  const top = d.levels[0];
  if (!top || top.domain === '') {
    return { kind: 'skipped', virq, why: `IRQ ${virq} has no irqdomain (${d.handler ?? 'no handler'}${top?.chip ? `, chip ${top.chip}` : ''}): the legacy PIC's, which irqd does not model.` };
  }
  const io = /^IO-APIC-(\d+)$/.exec(top.domain);
  const irte = irteOf(d);
  if (io) {
    const level = d.dstate.has('IRQD_LEVEL');
    return { kind: 'ioapic', virq, gsi: gsiBase(snap, Number(io[1])) + top.hwirq, trigger: { value: level ? 'level' : 'edge', from: `${from}: ${level ? 'IRQD_LEVEL' : 'no IRQD_LEVEL'}` }, ...(irte !== undefined ? { irte } : {}), from };
  }
  if (top.domain === 'DMAR-MSI') return { kind: 'dmar', virq, domain: 'DMAR-MSI', from };
  if (/^HPET-MSI-\d+$/.test(top.domain)) return { kind: 'hpet', virq, domain: top.domain, ...(irte !== undefined ? { irte } : {}), from };
  if (/PCI-MSI|IR-MSI|PCI-MSIX/.test(top.domain)) {
    const perDevice = /PCI-MSIX?-[0-9a-f]{4}:/.test(top.domain);
    const { index, rid, segment } = msiIndex(top.hwirq, perDevice);
    const owner = owners.get(virq);
    const address = d.device ?? owner?.address ?? (rid !== undefined ? addressOf(segment ?? 0, rid) : undefined);
    const mode = owner?.mode ?? (/PCI-MSIX/.test(top.domain) ? 'msix' : address && snap.pci.get(address)?.lspci?.msi?.enabled ? 'msi' : 'msix');
    const vl = d.levels.find((l) => l.domain === 'VECTOR');
    return { kind: 'msi', virq, ...(address ? { address } : {}), mode, index, ...(irte !== undefined ? { irte } : {}), ...(vl?.canReserve !== undefined ? { canReserve: vl.canReserve } : {}), from };
  }
  return { kind: 'skipped', virq, why: `IRQ ${virq} belongs to the irqdomain '${top.domain}', which irqd does not model.` };
}

function fromProc(snap: HostSnapshot, virq: number, owners: ReturnType<typeof msiOwners>, rank: ReadonlyMap<number, number>): IrqSource {
  const row = snap.interrupts?.rows.get(virq);
  const owner = owners.get(virq);
  const at = row ? `proc/interrupts line ${row.origin.line ?? '?'}` : `proc/irq/${virq}`;
  if (row && /IO-APIC$/.test(row.chip)) {
    const level = row.flow === 'fasteoi' || row.flow === 'level';
    return { kind: 'ioapic', virq, gsi: row.hwirq ?? (virq < 16 ? isaGsi(snap, virq) : virq), trigger: { value: level ? 'level' : 'edge', from: `${at}: ${row.hwirq ?? ''}-${row.flow ?? '?'}` }, from: at };
  }
  if (row?.chip === 'DMAR-MSI') return { kind: 'dmar', virq, domain: 'DMAR-MSI', from: at };
  if (row && /HPET-MSI$/.test(row.chip)) return { kind: 'hpet', virq, domain: 'HPET-MSI-0', from: at };
  if (owner || (row && /PCI-MSI/.test(row.chip))) {
    const perDevice = row ? /PCI-MSIX?-[0-9a-f]{4}:/.test(row.chip) : false;
    const fromRow = row?.hwirq !== undefined ? msiIndex(row.hwirq, perDevice) : undefined;
    const address = owner?.address ?? (fromRow?.rid !== undefined ? addressOf(fromRow.segment ?? 0, fromRow.rid) : undefined);
    // An MSI vector without a handler has no /proc/interrupts row: its rank among the function's IRQs is its entry.
    const index = fromRow?.index ?? rank.get(virq) ?? 0;
    return { kind: 'msi', virq, ...(address ? { address } : {}), mode: owner?.mode ?? (row && /PCI-MSIX/.test(row.chip) ? 'msix' : 'msix'), index, from: at };
  }
  if (row && row.chip === 'XT-PIC') return { kind: 'skipped', virq, why: `IRQ ${virq} is an XT-PIC (legacy PIC) line, which irqd does not model.` };
  if (row) return { kind: 'skipped', virq, why: `IRQ ${virq} has the chip '${row.chip}', which irqd does not model.` };
  // A descriptor with no handler and no MSI owner: the legacy ISA lines and the PCI GSIs the IO-APIC maps at boot.
  const pins = (snap.dmesg?.ioapics ?? []).reduce((n, l) => Math.max(n, l.gsiEnd + 1), 0) || 24;
  // An ISA IRQ whose GSI an override gave to another IRQ has no IO-APIC line: IRQ 2, the 8259 cascade, whose GSI 2 is the timer's.
  const displaced = virq < 16 && [...Array(16).keys()].some((i) => i !== virq && isaGsi(snap, i) === virq);
  if (displaced) return { kind: 'skipped', virq, why: `IRQ ${virq} has no IO-APIC line: its GSI carries another ISA IRQ (an interrupt source override), and the legacy PIC's IRQ is not modelled.` };
  if (!row && !snap.procIrqs.has(virq)) {
    return { kind: 'ioapic', virq, gsi: virq, trigger: { value: 'level', from: 'PCI INTx lines are level triggered', inferred: true }, from: `inferred: an enabled PCI function routes INTx to GSI ${virq} (pci_enable_device() maps it)` };
  }
  if (virq < pins) {
    const isa = virq < 16;
    return { kind: 'ioapic', virq, gsi: isa ? isaGsi(snap, virq) : virq, trigger: { value: isa ? 'edge' : 'level', from: `${isa ? 'ISA lines are edge triggered' : 'PCI INTx lines are level triggered'} (no debugfs or handler says)`, inferred: true }, from: at };
  }
  return { kind: 'skipped', virq, why: `IRQ ${virq} has no handler, and nothing in the snapshot says what it is.` };
}

/** Every IRQ of the snapshot, in IRQ order, with what it is. */
export function classifyIrqs(snap: HostSnapshot, _version: { major: number; minor: number }): IrqSource[] {
  const owners = msiOwners(snap);
  const numbers = new Set<number>([...snap.debugIrqs.keys(), ...(snap.interrupts?.rows.keys() ?? []), ...snap.procIrqs.keys(), ...owners.keys()]);
  // The entry of an MSI IRQ without a /proc/interrupts row: its rank among the function's IRQs of that mode.
  const rank = new Map<number, number>();
  const byFn = new Map<string, number[]>();
  for (const [irq, o] of owners) {
    const key = `${o.address}/${o.mode}`;
    const l = byFn.get(key) ?? [];
    l.push(irq);
    byFn.set(key, l);
  }
  for (const l of byFn.values()) l.sort((a, b) => a - b).forEach((irq, i) => rank.set(irq, i));
  // Without debugfs the GSIs that pci_enable_device() mapped for functions using MSI have no /proc/irq
  // directory (no handler): an enabled function's routed GSI is such a line, reserved.
  if (snap.debugIrqs.size === 0) {
    for (const p of snap.pci.values()) {
      const g = p.lspci?.intxIrq ?? p.irq;
      if (g === undefined || g < 16 || !p.lspci?.intxPin || !(p.lspci.driver ?? p.driver) || p.msiIrqs.has(g)) continue;
      if (!numbers.has(g)) numbers.add(g);
    }
  }
  const out: IrqSource[] = [];
  for (const virq of [...numbers].sort((a, b) => a - b)) {
    const d = snap.debugIrqs.get(virq);
    out.push(d ? fromDebugfs(snap, d, owners) : fromProc(snap, virq, owners, rank));
  }
  return out;
}
