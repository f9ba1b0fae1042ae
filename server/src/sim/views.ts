// Plain views of the simulated state for hovers, inlay hints and traces:
// everything here is derived, nothing is kept.
//
// A view is made in two steps. captureIrq() copies, at the step, what the
// view of an IRQ needs as of that step (the IRQ's fields, its IRTE entry and
// the message its device holds: a few object copies, no formatting), and
// formatView() turns that into the strings of an IrqView when a hover, a
// lens or a trace first asks (trace.ts keeps the captures of each record).
import type { DomainSym, SystemSym } from '../model/types.js';
import type { KernelFeatures } from './kernel.js';
import { amdIrteBits, amdIrteGaWords, amdIrteWord, apicDriver, describeMsg, destApicId, hex64, msgText, vtdIrteWords } from './compose.js';
import { hex, vec } from './kernel.js';
import { bitmapList } from './matrix.js';
import { deviceMsg } from './msi.js';
import { irteIndex, remapDomain, requesterId } from './remap.js';
import { assignedFrom, physicalMsg } from './guest.js';
import type { Irq, Irte, Msg, SimState } from './state.js';

export interface LevelView {
  readonly domain: string;
  readonly kind: string;
  /** The kernel's name for this level (debugfs domain name). */
  readonly kernelName: string;
  readonly hwirq: number;
}

export interface IrqView {
  readonly virq: number;
  readonly label: string;
  readonly levels: readonly LevelView[];
  /** /proc/interrupts chip name and hwirq column. */
  readonly procInterrupts: string;
  readonly state: string;
  readonly cpu?: number;
  readonly vector?: number;
  readonly hardware: string;
  readonly prev?: string;
  readonly affinity: string;
  readonly irte?: string;
  readonly message?: string;
  readonly messageDecoded?: string;
  /** For an assigned device's IRQ in a guest: the host side of the same interrupt. */
  readonly host?: string;
  readonly lastFire?: string;
}

/**
 * What the view of one IRQ needs, as of the step that captured it: plain
 * data and the (immutable) symbols it names, no state and no closure.
 */
export interface IrqCapture {
  readonly system: SystemSym;
  readonly k: KernelFeatures;
  /** A copy of the IRQ (its apic_chip_data copied too; the masks are never changed in place). */
  readonly irq: Irq;
  /** Its IRTE entry (replaced, never changed, on reprogramming) and the table's entry format. */
  readonly irte?: Irte;
  readonly irteFormat: IrteFormat;
  readonly msg?: Msg;
  /** A guest IRQ's host side, formatted at once (rare, and it reads the host's state). */
  readonly host?: string;
}

/** pci_dev_id(): bus << 8 | devfn. */
function devId(irq: Irq): number {
  return requesterId(irq.device);
}

function bdf(irq: Irq): string {
  const a = irq.device.address ?? irq.device.pf?.address;
  if (!a) return irq.device.name;
  const h = (n: number, w: number): string => n.toString(16).padStart(w, '0');
  const rid = devId(irq);
  return `${h(a.segment, 4)}:${h(rid >> 8, 2)}:${h((rid >> 3) & 0x1f, 2)}.${rid & 7}`;
}

/** What the formatting below reads of a state: its system and kernel, which a capture keeps. */
type Machine = Pick<SimState, 'system' | 'k'>;

function irSeq(s: Machine, ir: DomainSym): number {
  const all = [...s.system.scope.domains.values()].filter((d) => d.domainKind === ir.domainKind);
  return Math.max(0, all.indexOf(ir));
}

/** The kernel's debugfs name of each level and its hwirq (semantics.md §7.3). */
function levelsOf(s: Machine, irq: Irq): LevelView[] {
  const ir = remapDomain(irq.chain);
  const perDevice = s.k.perDeviceMsiDomains;
  return irq.chain.map((d) => {
    let kernelName = d.name;
    let hwirq = irq.virq;
    switch (d.domainKind) {
      case 'vector':
        kernelName = 'VECTOR';
        hwirq = irq.virq;
        break;
      case 'intel-ir':
      case 'amd-ir': {
        const base = d.domainKind === 'intel-ir' ? 'INTEL-IR' : 'AMD-IR';
        kernelName = `${base}-${irSeq(s, d)}${perDevice ? (d.domainKind === 'intel-ir' ? '-13' : '-14') : ''}`;
        hwirq = d.domainKind === 'intel-ir' ? ((irq.irte?.index ?? 0) << 16) + (irq.irte?.subhandle ?? 0) : (devId(irq) << 16) + (irq.irte?.subhandle ?? 0);
        break;
      }
      case 'its':
      case 'gic':
        hwirq = irq.apic.vector;
        break;
      case 'imsic':
        hwirq = irq.virq;
        break;
      case 'dmar-msi':
        // dmar_alloc_hwirq(): hwirq is the IOMMU's sequence number.
        kernelName = 'DMAR-MSI';
        hwirq = irq.index;
        break;
      case 'hpet-msi':
        kernelName = `HPET-MSI-${irSeq(s, d)}`;
        hwirq = irq.index;
        break;
      case 'ioapic': {
        // mp_irqdomain_create(): named after the IO-APIC's APIC ID (irqd numbers them in order).
        const all = [...s.system.scope.domains.values()].filter((x) => x.domainKind === 'ioapic');
        kernelName = `IO-APIC-${Math.max(0, all.indexOf(d))}`;
        hwirq = irq.index;
        break;
      }
      case 'pci-msi':
      case 'ims': {
        const prefix = ir ? 'IR-' : '';
        if (perDevice) {
          const kind = irq.cap === 'ims' ? 'IMS' : irq.cap === 'msix' ? 'PCI-MSIX' : 'PCI-MSI';
          kernelName = `${prefix}${kind}-${bdf(irq)}${s.k.domainNameBusToken ? (irq.cap === 'msix' ? '-12' : irq.cap === 'msi' ? '-11' : '-15') : ''}`;
          hwirq = irq.index;
        } else {
          kernelName = ir ? `${ir.domainKind === 'intel-ir' ? 'INTEL-IR-MSI' : 'AMD-IR-MSI'}-${irSeq(s, ir)}-3` : 'PCI-MSI-3';
          // pci_msi_domain_calc_hwirq(): index | devid << 11 | domain_nr << 27
          const seg = irq.device.address?.segment ?? irq.device.pf?.address?.segment ?? 0;
          hwirq = (irq.index | (devId(irq) << 11) | ((seg & 0x1f) << 27)) >>> 0;
        }
        break;
      }
      default:
        break;
    }
    return { domain: d.name, kind: d.domainKind ?? '?', kernelName, hwirq };
  });
}

function procInterrupts(s: Machine, irq: Irq, levels: readonly LevelView[]): string {
  const ir = remapDomain(irq.chain);
  const top = levels[0];
  const prefix = ir ? 'IR-' : irq.chain.some((d) => d.domainKind === 'its') ? 'ITS-' : '';
  // The flow name after the hwirq: handle_fasteoi_irq for level lines, handle_edge_irq for edge ones and MSIs.
  if (irq.cap === 'ioapic') return `${irq.virq}: ${prefix}IO-APIC ${irq.index}-${irq.device.ioapicPin?.trigger === 'edge' ? 'edge' : 'fasteoi'}`;
  const kind = irq.chain[0]?.domainKind;
  if (kind === 'dmar-msi') return `${irq.virq}: DMAR-MSI ${irq.index}-edge`;
  if (kind === 'hpet-msi') return `${irq.virq}: ${prefix}HPET-MSI ${irq.index}-edge`;
  const chip = s.k.perDeviceMsiDomains
    ? `${prefix}${irq.cap === 'ims' ? 'IMS' : irq.cap === 'msix' ? 'PCI-MSIX' : 'PCI-MSI'}-${bdf(irq)}`
    : `${prefix}PCI-MSI`;
  return `${irq.virq}: ${chip} ${top?.hwirq ?? 0}-edge`;
}

function stateWord(irq: Irq): string {
  if (irq.managedShutdown) return 'managed, shut down (no online CPU in its mask)';
  const parts: string[] = [];
  if (irq.started) parts.push('requested');
  else if (irq.apic.hasReserved) parts.push('allocated, reserved (no vector until request_irq)');
  else parts.push('allocated');
  if (irq.apic.isManaged) parts.push('managed');
  if (irq.apic.moveInProgress) parts.push('move in progress');
  if (irq.movePending) parts.push(`move to CPUs ${bitmapList(irq.movePending)} pending until the next interrupt`);
  if (irq.masked) parts.push('masked');
  return parts.join(', ');
}

/** The view of an IRQ as it is now in the state. */
export function irqView(s: SimState, irq: Irq): IrqView {
  return formatView(captureIrq(s, irq));
}

/** What irqView() will need, copied now (at the step), formatted later. */
export function captureIrq(s: SimState, irq: Irq): IrqCapture {
  const slot = irteIndex(irq);
  const table = irq.irte && slot !== undefined ? s.irteTables.get(irq.irte.table) : undefined;
  const irte = table && slot !== undefined ? table.entries.get(slot) : undefined;
  const msg = deviceMsg(s, irq);
  const host = hostSide(s, irq);
  return {
    system: s.system,
    k: s.k,
    irq: { ...irq, apic: { ...irq.apic } },
    ...(irte ? { irte } : {}),
    irteFormat: table ? irteFormatOf(table.domain) : 'vtd',
    ...(msg ? { msg } : {}),
    ...(host !== undefined ? { host } : {}),
  };
}

/** How an IRTE is laid out in memory: VT-d's 128 bits, AMD-Vi's 128-bit GA format or its legacy 32 bits. */
type IrteFormat = 'vtd' | 'amd-ga' | 'amd-legacy';

function irteFormatOf(domain: DomainSym): IrteFormat {
  if (domain.domainKind !== 'amd-ir') return 'vtd';
  return amdIrteBits(domain) === 32 ? 'amd-legacy' : 'amd-ga';
}

/** The entry as the table holds it: high:low for the 128-bit formats. */
function irteWordsText(e: Irte, format: IrteFormat, x2apic: boolean, verifySid: boolean): string {
  if (format === 'amd-legacy') return hex(amdIrteWord(e), 8);
  const { low, high } = format === 'amd-ga' ? amdIrteGaWords(e) : vtdIrteWords(e, x2apic, verifySid);
  return `${hex64(high)}:${hex64(low)}`;
}

export function formatView(c: IrqCapture): IrqView {
  const s: Machine = c;
  const irq = c.irq;
  const levels = levelsOf(s, irq);
  const msg = c.msg;
  const slot = irteIndex(irq);
  let irte: string | undefined;
  if (irq.irte && slot !== undefined) {
    const e = c.irte;
    if (e) {
      const words = irteWordsText(e, c.irteFormat, s.system.apic === 'x2apic', !s.system.cmdline.noSourceId);
      irte = `${hex(slot)}${irq.irte.blockSize > 1 ? ` (block ${hex(irq.irte.index)}+${irq.irte.subhandle})` : ''}: ${e.present ? `vector ${vec(e.vector)}, destination ${hex(e.destId)} ${e.logical ? 'logical' : 'physical'}, SID ${hex(e.sid, 4)}, present` : 'not present'} = ${words}`;
    } else {
      irte = `${hex(slot)}: allocated, not programmed`;
    }
  }
  const a = irq.apic;
  return {
    virq: irq.virq,
    label: irq.cap === 'ioapic' ? `${irq.device.name}[0] (INTx, IO-APIC pin ${irq.index})` : `${irq.device.name}[${irq.index}]`,
    levels,
    procInterrupts: procInterrupts(s, irq, levels),
    state: stateWord(irq),
    ...(a.vector ? { cpu: a.cpu, vector: a.vector } : {}),
    hardware: `vector ${vec(a.hwVector)} → CPU ${a.hwCpu} (destination ID ${hex(destApicId(apicDriver(s.system), a.hwCpu, s.system))})`,
    ...(a.prevVector ? { prev: `vector ${vec(a.prevVector)} on CPU ${a.prevCpu} kept until the first interrupt on the new CPU` } : {}),
    affinity: `${bitmapList(irq.affinity)}${irq.managed ? ' (managed)' : ''}`,
    ...(irte ? { irte } : {}),
    ...(msg ? { message: msgText(msg), messageDecoded: describeMsg(msg) } : {}),
    ...(c.host ? { host: c.host } : {}),
    ...(irq.lastDelivery ? { lastFire: irq.lastDelivery.reason } : {}),
  };
}

/** The host side of a guest IRQ: its host IRQ or posting IRTE, and what the device really sends. */
function hostSide(s: SimState, irq: Irq): string | undefined {
  const hv = s.hypervisor;
  if (!hv || !assignedFrom(irq.device)) return undefined;
  const binding = s.bindings.get(irq.virq);
  const hostIrq = binding ? hv.host.irqs.get(binding.hostVirq) : undefined;
  const { msg, via } = physicalMsg(hv.host, s, irq, deviceMsg(s, irq));
  const parts: string[] = [];
  if (hostIrq && binding?.kind === 'hcall') {
    const slot = irteIndex(hostIrq);
    parts.push(`host IRTE ${slot === undefined ? '?' : hex(slot)} posts to vCPU ${hostIrq.apic.hwCpu} vector ${vec(hostIrq.apic.hwVector)}${hostIrq.pasidTagged ? ' (PASID-tagged)' : ''}`);
  } else if (hostIrq) {
    parts.push(`host IRQ ${hostIrq.virq} on CPU ${hostIrq.apic.cpu} vector ${vec(hostIrq.apic.vector)} (vfio), KVM injects the guest's vector`);
  } else {
    parts.push('no host IRQ or IRTE behind it');
  }
  parts.push(`the device sends ${msg ? `${msgText(msg)} — ${describeMsg(msg)}` : 'nothing yet'} (${via})`);
  return parts.join('; ');
}

/** The VECTOR debugfs matrix rows (irq_matrix_debug_show()), online CPUs only. */
export function matrixRows(s: SimState): string[] {
  const m = s.matrix;
  const rows = [
    `Online bitmaps: ${m.onlineMaps}, Global available: ${m.globalAvailable}, Global reserved: ${m.globalReserved}, Total allocated: ${m.totalAllocated}`,
    '| CPU | avl | man | mac | act | vectors',
  ];
  m.cpus.forEach((c, cpu) => {
    if (!c.online) return;
    rows.push(`  ${String(cpu).padStart(4)}  ${String(c.available).padStart(4)}  ${String(c.managed).padStart(4)}  ${String(c.managedAllocated).padStart(4)} ${String(c.allocated).padStart(4)}  ${bitmapList(m.vectorsOf(cpu))}`);
  });
  return rows;
}
