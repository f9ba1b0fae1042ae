// Static rules over the Model: the irqdomain hierarchy, value ranges and
// placements that are wrong before anything runs. Each range names where the
// limit comes from (the kernel constant or the PCI rule).
import type * as A from '../../../grammar/index.js';
import { expandCpuList } from '../model/binder.js';
import { diagnostic, type IrqdDiagnostic } from '../model/diagnostic.js';
import type { DeviceSym, DomainSym, GuestSym, Model, ScenarioSym, SubDeviceSym, SystemSym } from '../model/types.js';
import { article, domainKindInfo, domainProp, listOf, MAX_CPUS, ownEntry, pageSizes, shownNumber } from '../model/values.js';
/** PCI_MSIX_FLAGS_QSIZE + 1: the Table Size field is 11 bits. */
const MAX_MSIX = 2048;
/** PCI_MSI_FLAGS_QMASK: Multiple Message Capable encodes 1..32 as a power of two. */
const MAX_MSI = 32;
/** irqd's bound on an IMS store; IDXD has at most a few thousand entries. */
const MAX_IMS = 65536;
/** PCI_SRIOV_TOTAL_VF is a 16-bit register. */
const MAX_VFS = 65535;
/** The PASID is a 20-bit field (PCIe PASID TLP prefix). */
const MAX_PASIDS = 2 ** 20;
/** Size of one MSI-X table entry (PCI_MSIX_ENTRY_SIZE). */
const MSIX_ENTRY_SIZE = 16;

function isPowerOfTwo(n: number): boolean {
  return n > 0 && (n & (n - 1)) === 0;
}

class Checker {
  readonly diagnostics: IrqdDiagnostic[] = [];

  private range(n: A.NumberLit | undefined, span: A.Span, value: number, min: number, max: number, what: string, why: string): boolean {
    if (value >= min && value <= max) return true;
    // Past 2^53 a number is not exact: say it as it was written, not as 1e+23.
    const shown = shownNumber(value, n?.text);
    this.diagnostics.push(diagnostic('IRQD025', n?.span ?? span, `${what} ${shown} is out of range ${min}..${max}: ${why}`));
    return false;
  }

  run(model: Model): void {
    for (const system of model.systems.values()) this.checkSystem(system);
    for (const sc of model.scenarios) this.checkScenario(sc);
  }

  private checkSystem(s: SystemSym): void {
    const cpusItem = s.decl.items.find((i): i is A.CpusItem => i.kind === 'cpus');
    if (cpusItem?.count) {
      this.range(cpusItem.count, cpusItem.span, cpusItem.count.value, 1, MAX_CPUS, 'cpus', `x86_64 kernels have at most NR_CPUS = ${MAX_CPUS} CPUs`);
      this.checkApic(s.apic, cpusItem.count, s.decl.items, s.arch);
    }
    if (s.arch !== 'x86_64') {
      for (const item of s.decl.items) {
        if (item.kind === 'apic' || item.kind === 'dest-mode') {
          this.diagnostics.push(diagnostic('IRQD014', item.keyword, `'${item.kind}' describes the x86 local APIC; system '${s.name}' is ${s.arch}`));
        }
      }
    }
    const page = s.decl.items.find((i): i is A.PageSizeItem => i.kind === 'page-size');
    if (page?.size && !(pageSizes as readonly number[]).includes(page.size.value)) {
      this.diagnostics.push(diagnostic('IRQD025', page.size.span, `page size ${page.size.text} is not one the kernel supports: expected 4K, 16K or 64K`));
    } else if (page?.size && page.size.value !== 4096 && s.arch !== 'arm64') {
      // PAGE_SHIFT is 12 on x86 (arch/x86/include/asm/page_types.h) and riscv (arch/riscv/include/asm/page.h);
      // only arm64 builds with 16K or 64K pages (CONFIG_ARM64_16K_PAGES, CONFIG_ARM64_64K_PAGES).
      this.diagnostics.push(diagnostic('IRQD025', page.size.span, `${s.arch} kernels have 4K pages only (PAGE_SHIFT 12); 16K and 64K pages are arm64 builds (CONFIG_ARM64_16K_PAGES, CONFIG_ARM64_64K_PAGES)`));
    }
    this.checkNodes(s);
    this.checkScope(s.scope.domains, s.scope.devices, s, undefined);
    if (s.pasid) this.checkPasid(s);
    for (const g of s.guests.values()) this.checkGuest(g);
  }

  /** xAPIC physical destinations are 8 bits, and 0xFF is the broadcast ID. */
  private checkApic(apic: SystemSym['apic'], count: A.NumberLit, items: readonly A.BodyItem[], arch: SystemSym['arch']): void {
    const cpus = count.value;
    if (arch !== 'x86_64' || apic !== 'xapic' || cpus <= 255) return;
    const item = items.find((i): i is A.ApicItem => i.kind === 'apic');
    const span = item?.span ?? items.find((i) => i.kind === 'cpus')?.span;
    if (span) {
      this.diagnostics.push(
        diagnostic('IRQD025', span, `xAPIC addresses CPUs by an 8-bit APIC ID (0xFF is broadcast), so at most 255 CPUs; ${shownNumber(cpus, count.text)} CPUs need 'apic x2apic'`),
      );
    }
  }

  private checkNodes(s: SystemSym): void {
    const owner = new Map<number, number>();
    const ids = new Set<number>();
    for (const item of s.decl.items) {
      if (item.kind !== 'node' || !item.id || !item.cpus) continue;
      if (ids.has(item.id.value)) {
        this.diagnostics.push(diagnostic('IRQD029', item.id.span, `node ${item.id.value} is declared twice`));
      }
      ids.add(item.id.value);
      if (s.cpusKnown) this.cpusInside(item.cpus, s.cpus, `system '${s.name}'`);
      for (const cpu of expandCpuList(item.cpus, s.cpus)) {
        const other = owner.get(cpu);
        if (other !== undefined && other !== item.id.value) {
          this.diagnostics.push(diagnostic('IRQD029', item.cpus.span, `CPU ${cpu} is already in node ${other}: NUMA nodes do not share CPUs`));
          break;
        }
        owner.set(cpu, item.id.value);
      }
    }
  }

  private cpusInside(list: A.CpuList, cpus: number, where: string): void {
    for (const r of list.ranges) {
      if (r.from > r.to) {
        this.diagnostics.push(diagnostic('IRQD025', r.span, `CPU range ${shownNumber(r.from, r.written?.from)}-${shownNumber(r.to, r.written?.to)} runs backwards`));
      } else if (r.to >= cpus) {
        this.diagnostics.push(diagnostic('IRQD026', r.span, `${where} has CPUs 0-${cpus - 1}; CPU ${r.from >= cpus ? shownNumber(r.from, r.written?.from) : cpus} does not exist`));
      }
    }
  }

  private checkScope(
    domains: ReadonlyMap<string, DomainSym>,
    devices: ReadonlyMap<string, DeviceSym>,
    system: SystemSym,
    guest: GuestSym | undefined,
  ): void {
    for (const d of domains.values()) this.checkDomain(d, system, guest);
    const addresses = new Map<string, DeviceSym>();
    for (const dev of devices.values()) {
      this.checkDevice(dev, system);
      if (dev.address) {
        const key = `${dev.address.segment}:${dev.address.bus}:${dev.address.device}.${dev.address.fn}`;
        const first = addresses.get(key);
        if (first) {
          this.diagnostics.push(
            diagnostic('IRQD011', dev.address.span, `PCI address ${dev.address.text} is already taken by device '${first.name}'`, {
              related: [{ span: first.nameSpan, message: `'${first.name}' is here` }],
            }),
          );
        } else addresses.set(key, dev);
      }
    }
  }

  private checkDomain(d: DomainSym, system: SystemSym, guest: GuestSym | undefined): void {
    const kind = d.domainKind;
    if (!kind || !d.decl.domainKind) return;
    const info = domainKindInfo[kind];
    const kindSpan = d.decl.domainKind.span;
    if (!info.archs.includes(system.arch)) {
      this.diagnostics.push(diagnostic('IRQD022', kindSpan, `${kind} domains exist on ${listOf(info.archs)}, not on ${system.arch}`));
    }
    if (kind === 'imsic' && !(system.kernel.major > 6 || (system.kernel.major === 6 && system.kernel.minor >= 10))) {
      this.diagnostics.push(diagnostic('IRQD022', kindSpan, `the RISC-V IMSIC driver arrived in Linux 6.10; Linux ${system.kernel.text} has none`));
    }
    if (kind === 'hcall' && !guest) {
      this.diagnostics.push(diagnostic('IRQD022', kindSpan, 'an hcall domain models a guest\'s hypercall path: declare it inside a guest'));
    }
    for (const [key, value] of d.props) {
      const rule = ownEntry(info.props, key);
      const prop = d.decl.props.find((p) => p.key.text === key);
      if (!rule || !prop) continue;
      if (rule.oneOf && !rule.oneOf.includes(value)) {
        this.diagnostics.push(diagnostic('IRQD025', prop.value?.span ?? prop.span, `${key} ${shownNumber(value, prop.value?.text)} is not allowed: ${rule.why}`));
      } else if (this.range(prop.value, prop.span, value, rule.min, rule.max, key, rule.why) && rule.powerOfTwo && !isPowerOfTwo(value)) {
        this.diagnostics.push(diagnostic('IRQD025', prop.value?.span ?? prop.span, `${key} ${value} is not a power of two: ${rule.why}`));
      }
    }
    if (info.parents.length === 0) {
      if (d.decl.parent) {
        this.diagnostics.push(diagnostic('IRQD021', d.decl.parent.span, `${article(kind)} ${kind} domain is a root of the hierarchy and takes no parent`));
      }
      return;
    }
    if (!d.decl.parent) {
      // With 'parent' typed and its name missing, the syntax error says it all.
      if (!d.decl.parentKeyword) {
        this.diagnostics.push(
          diagnostic('IRQD021', d.nameSpan, `${article(kind)} ${kind} domain needs a parent: ${listOf(info.parents.map((k) => `${article(k)} ${k} domain`))}`),
        );
      }
      return;
    }
    if (kind === 'ims' && guest && d.parent?.domainKind === 'vector') {
      this.diagnostics.push(
        diagnostic('IRQD047', d.decl.parent.span, `IMS domain creation fails in guest '${guest.name}': without the hypercall domain its vector domain has no MSI_FLAG_PCI_IMS and returns an error (seed 002); use 'parent HCALL' with 'domain HCALL hcall parent ${d.parent.name}'`),
      );
      return;
    }
    if (kind === 'ims' && guest && (d.parent?.domainKind === 'intel-ir' || d.parent?.domainKind === 'amd-ir') && guest.hypervisor === 'visible') {
      this.diagnostics.push(
        diagnostic('IRQD047', d.decl.parent.span, `IMS domain creation fails in guest '${guest.name}': '${d.parent.name}' is a virtual IOMMU (caching mode), whose vIR- MSI parent lacks MSI_FLAG_PCI_IMS (6.2–6.9); IMS in a guest needs the hypercall domain`),
      );
      return;
    }
    if (kind === 'ims' && !guest && !(system.kernel.major === 6 && system.kernel.minor >= 2 && system.kernel.minor <= 9)) {
      this.diagnostics.push(diagnostic('IRQD049', kindSpan, `Linux ${system.kernel.text} has no IMS core (it was in the kernel from 6.2 to 6.9): irqd simulates that core's semantics`));
    }
    if (d.parent?.domainKind && !info.parents.includes(d.parent.domainKind)) {
      this.diagnostics.push(
        diagnostic(
          'IRQD020',
          d.decl.parent.span,
          `${article(kind)} ${kind} domain cannot sit on ${article(d.parent.domainKind)} ${d.parent.domainKind} domain: its parent must be ${listOf(info.parents.map((k) => `${article(k)} ${k}`))} domain`,
          { related: [{ span: d.parent.nameSpan, message: `'${d.parent.name}' is ${article(d.parent.domainKind)} ${d.parent.domainKind} domain` }] },
        ),
      );
    }
    this.checkCycle(d);
  }

  private checkCycle(d: DomainSym): void {
    const seen = new Set<DomainSym>([d]);
    for (let p = d.parent; p; p = p.parent) {
      if (p === d) {
        this.diagnostics.push(diagnostic('IRQD023', d.decl.parent?.span ?? d.nameSpan, `following 'parent' from '${d.name}' leads back to it: the hierarchy must be a tree`));
        return;
      }
      if (seen.has(p)) return;
      seen.add(p);
    }
  }

  private checkDevice(dev: DeviceSym, system: SystemSym): void {
    const caps = dev.caps;
    if (caps.msix) {
      this.range(caps.msix.item.count, caps.msix.span, caps.msix.count, 1, MAX_MSIX, 'MSI-X table size', `the MSI-X Table Size field allows 1..${MAX_MSIX} entries`);
    }
    if (caps.msi) {
      const c = caps.msi.count;
      if (c < 1 || c > MAX_MSI || !isPowerOfTwo(c)) {
        this.diagnostics.push(
          diagnostic('IRQD025', caps.msi.item.count?.span ?? caps.msi.span, `MSI supports 1, 2, 4, 8, 16 or 32 vectors (Multiple Message Capable is a power of two up to ${MAX_MSI}), not ${c}`),
        );
      }
    }
    if (caps.ims) {
      this.range(caps.ims.item.count, caps.ims.span, caps.ims.count, 1, MAX_IMS, 'IMS store size', `irqd models IMS stores of 1..${MAX_IMS} entries`);
    }
    if (dev.bus === 'platform') this.checkPlatform(dev);
    // VFIO_MIGRATION_PRE_COPY and the PRE_COPY states of vfio_mig_get_next_state() (drivers/vfio/vfio_main.c) are from 6.2.
    const k = system.kernel;
    if (dev.migration?.preCopy && (k.major < 6 || (k.major === 6 && k.minor < 2))) {
      const flag = dev.decl.items.find((i): i is A.MigrationItem => i.kind === 'migration')?.flags.find((f) => f.text === 'pre-copy');
      this.diagnostics.push(
        diagnostic('IRQD053', flag?.span ?? dev.migration.span, `VFIO_MIGRATION_PRE_COPY is from Linux 6.2: a ${k.text} vfio-pci driver cannot offer it, so a 'vfio ${dev.name} pre-copy' step fails with -EINVAL`),
      );
    }
    for (const cap of Object.values(caps)) {
      // A platform device's MSI is the IOMMU's or the HPET's own (dmar_alloc_hwirq(), hpet_assign_irq()).
      const want: readonly string[] = dev.bus === 'platform' ? ['dmar-msi', 'hpet-msi'] : cap.cap === 'ims' ? ['ims'] : ['pci-msi'];
      if (cap.domain?.domainKind && !want.includes(cap.domain.domainKind)) {
        this.diagnostics.push(
          diagnostic('IRQD024', cap.item.domain?.span ?? cap.span, `${dev.bus === 'platform' ? "a platform device's MSI" : cap.cap === 'ims' ? 'IMS' : cap.cap === 'msi' ? 'MSI' : 'MSI-X'} allocates from ${article(want[0] ?? '')} ${listOf(want)} domain; '${cap.domain.name}' is ${article(cap.domain.domainKind)} ${cap.domain.domainKind} domain`),
        );
      }
    }
    const pin = dev.ioapicPin;
    if (pin) {
      if (!pin.domain && pin.ambiguous) {
        this.diagnostics.push(diagnostic('IRQD017', pin.span, "this system has several IO-APICs: say which one with 'domain D'"));
      } else if (!pin.domain) {
        this.diagnostics.push(diagnostic('IRQD017', pin.span, "this pin needs an IO-APIC: declare 'domain IOAPIC0 ioapic parent ...' or name one with 'domain D'"));
      } else if (pin.domain.domainKind && pin.domain.domainKind !== 'ioapic') {
        this.diagnostics.push(diagnostic('IRQD024', pin.span, `an IO-APIC pin belongs to an ioapic domain; '${pin.domain.name}' is ${article(pin.domain.domainKind)} ${pin.domain.domainKind} domain`));
      } else {
        const pins = domainProp(pin.domain, 'pins') ?? 24;
        this.range(undefined, pin.pinSpan, pin.pin, 0, pins - 1, 'pin', `IO-APIC '${pin.domain.name}' has ${pins} pins`);
      }
    }
    this.checkBars(dev, system);
    this.checkVf(dev);
    if (dev.sriov !== undefined) {
      const item = dev.decl.items.find((i): i is A.SriovItem => i.kind === 'sriov');
      this.range(item?.count, item?.span ?? dev.nameSpan, dev.sriov, 1, MAX_VFS, 'sriov', 'TotalVFs is a 16-bit field');
    }
    if (dev.node !== undefined) {
      const item = dev.decl.items.find((i): i is A.DeviceNodeItem => i.kind === 'device-node');
      const declared = system.nodes.map((n) => n.id);
      const ok = declared.length === 0 ? dev.node === 0 : declared.includes(dev.node);
      if (!ok) {
        this.diagnostics.push(
          diagnostic('IRQD029', item?.id?.span ?? dev.nameSpan, `node ${dev.node} is not declared in system '${system.name}' (nodes: ${declared.length ? [...new Set(declared)].join(', ') : '0, the default'})`),
        );
      }
    }
  }

  /** A platform device is no PCI function: only an IO-APIC line or one MSI of the IOMMU's or HPET's domain. */
  private checkPlatform(dev: DeviceSym): void {
    const pciOnly: Partial<Record<A.DeviceItem['kind'], string>> = {
      bar: 'bar',
      'msix-table': 'msix-table',
      'msix-pba': 'msix-pba',
      register: 'register',
      'pasid-cap': 'pasid',
      sriov: 'sriov',
      migration: 'migration',
    };
    for (const item of dev.decl.items) {
      const word = item.kind === 'cap' && item.cap !== 'msi' ? item.cap : pciOnly[item.kind];
      if (word) this.diagnostics.push(diagnostic('IRQD014', item.keyword, `'${word}' belongs to a PCI function; '${dev.name}' is a platform device`));
    }
    const msi = dev.caps.msi;
    if (msi && msi.count !== 1) this.diagnostics.push(diagnostic('IRQD025', msi.item.count?.span ?? msi.span, 'a DMAR or HPET interrupt is one MSI (dmar_alloc_hwirq() and hpet_assign_irq() allocate one IRQ)'));
  }

  private checkBars(dev: DeviceSym, system: SystemSym): void {
    for (const bar of dev.bars.values()) {
      const item = dev.decl.items.find((i): i is A.BarItem => i.kind === 'bar' && i.index?.value === bar.index);
      this.range(item?.index, bar.span, bar.index, 0, 5, 'BAR', 'a PCI function has BARs 0 to 5');
      if (!isPowerOfTwo(bar.size) || bar.size < 16) {
        this.diagnostics.push(diagnostic('IRQD025', item?.size?.span ?? bar.span, `BAR size ${bar.size} must be a power of two of at least 16 bytes (PCI BAR sizing)`));
      }
    }
    const msixCount = dev.caps.msix?.count ?? 0;
    const placements: [string, { bar: number; offset: number; span: A.Span } | undefined, number][] = [
      ['the MSI-X table', dev.msixTable, msixCount * MSIX_ENTRY_SIZE],
      ['the MSI-X PBA', dev.msixPba, Math.ceil(msixCount / 64) * 8],
      ...dev.registers.map((r): [string, typeof r, number] => [`register '${r.name}'`, r, r.size]),
    ];
    for (const [what, p, size] of placements) {
      if (!p) continue;
      const bar = dev.bars.get(p.bar);
      if (!bar) {
        this.diagnostics.push(diagnostic('IRQD027', p.span, `${what} is in BAR ${p.bar}, which device '${dev.name}' does not declare ('bar ${p.bar} size N')`));
        continue;
      }
      if (p.offset + Math.max(size, 1) > bar.size) {
        this.diagnostics.push(
          diagnostic('IRQD027', p.span, `${what} (0x${p.offset.toString(16)}..0x${(p.offset + Math.max(size, 1) - 1).toString(16)}) does not fit in BAR ${p.bar} of 0x${bar.size.toString(16)} bytes`),
        );
      }
    }
    this.checkMsixLayout(dev, system);
    if ((dev.msixTable || dev.msixPba) && !dev.caps.msix) {
      const p = dev.msixTable ?? dev.msixPba;
      if (p) this.diagnostics.push(diagnostic('IRQD017', p.span, `device '${dev.name}' places an MSI-X table but declares no 'msix N domain D'`));
    }
  }

  /** The MSI-X structures' ranges in their BARs: [start, end). */
  private msixRanges(dev: DeviceSym): { what: string; bar: number; start: number; end: number; span: A.Span }[] {
    const n = dev.caps.msix?.count ?? 0;
    const out = [];
    if (dev.msixTable) out.push({ what: 'the MSI-X table', bar: dev.msixTable.bar, start: dev.msixTable.offset, end: dev.msixTable.offset + n * MSIX_ENTRY_SIZE, span: dev.msixTable.span });
    if (dev.msixPba) out.push({ what: 'the MSI-X PBA', bar: dev.msixPba.bar, start: dev.msixPba.offset, end: dev.msixPba.offset + Math.ceil(n / 64) * 8, span: dev.msixPba.span });
    return out;
  }

  // PCI Local Bus 3.0 §6.8.2 (semantics.md §11.1) and vfio-pci's page-granular view (§11.2).
  private checkMsixLayout(dev: DeviceSym, system: SystemSym): void {
    const ranges = this.msixRanges(dev);
    for (const r of ranges) {
      if (r.start % 8 !== 0) this.diagnostics.push(diagnostic('IRQD044', r.span, `${r.what} offset 0x${r.start.toString(16)} is not QWORD aligned (the low 3 bits of the offset register are the BIR)`));
    }
    const [table, pba] = ranges;
    if (table && pba && table.bar === pba.bar && table.start < pba.end && pba.start < table.end) {
      this.diagnostics.push(diagnostic('IRQD044', pba.span, `the MSI-X PBA (0x${pba.start.toString(16)}..0x${(pba.end - 1).toString(16)}) overlaps the MSI-X table (0x${table.start.toString(16)}..0x${(table.end - 1).toString(16)})`));
    }
    const page = system.pageSize;
    for (const reg of dev.registers) {
      const regEnd = reg.offset + Math.max(1, reg.size);
      const samePage: string[] = [];
      let pageBase = 0;
      for (const r of ranges) {
        if (r.bar !== reg.bar || r.end <= r.start) continue;
        const shares = (granule: number): boolean => Math.floor(reg.offset / granule) <= Math.floor((r.end - 1) / granule) && Math.floor((regEnd - 1) / granule) >= Math.floor(r.start / granule);
        if (shares(4096)) {
          const base = Math.floor(r.start / 4096) * 4096;
          this.diagnostics.push(diagnostic('IRQD044', reg.span, `register '${reg.name}' shares the naturally aligned 4 KiB range 0x${base.toString(16)}.. with ${r.what}: the PCI spec forbids other registers there`));
        } else if (page > 4096 && shares(page)) {
          pageBase = Math.floor(r.start / page) * page;
          samePage.push(r.what.replace('the MSI-X ', ''));
        }
      }
      if (samePage.length > 0) {
        this.diagnostics.push(
          diagnostic(
            'IRQD045',
            reg.span,
            `register '${reg.name}' shares the ${page / 1024}K host page at 0x${pageBase.toString(16)} with the MSI-X ${samePage.join(' and ')}: before 4.16 vfio-pci hid that whole page from mmap (sparse mmap); since 4.16 (VFIO_REGION_INFO_CAP_MSIX_MAPPABLE) the BAR is mmappable but the VMM still traps the table's page, so every access to '${reg.name}' is trapped and emulated`,
          ),
        );
      }
    }
  }

  private checkVf(dev: DeviceSym): void {
    if (dev.bus !== 'vf' || !dev.pf) return;
    const pfRef = dev.decl.pf;
    if (dev.pf.bus === 'vf') {
      this.diagnostics.push(diagnostic('IRQD012', pfRef?.span ?? dev.nameSpan, `'${dev.pf.name}' is itself a VF; a VF belongs to a physical function`));
      return;
    }
    if (dev.pf.sriov === undefined) {
      this.diagnostics.push(diagnostic('IRQD017', pfRef?.span ?? dev.nameSpan, `'${dev.pf.name}' declares no 'sriov N', so it has no VFs`));
      return;
    }
    if (dev.vfIndex !== undefined) {
      this.range(dev.decl.vfIndex, dev.nameSpan, dev.vfIndex, 0, dev.pf.sriov - 1, 'VF index', `'${dev.pf.name}' has ${dev.pf.sriov} VFs ('sriov ${dev.pf.sriov}')`);
    }
  }

  private checkPasid(s: SystemSym): void {
    const space = s.pasid;
    if (!space) return;
    const item = s.decl.items.find((i): i is A.PasidDecl => i.kind === 'pasid');
    this.range(item?.capacity, space.span, space.capacity, 1, MAX_PASIDS, 'PASID capacity', 'a PASID is 20 bits');
    let left = space.capacity;
    for (const set of space.sets.values()) {
      const decl = item?.sets.find((x) => x.name?.text === set.name);
      if (!this.range(decl?.quota, set.declSpan, set.quota, 1, space.capacity, 'quota', `a set's quota is at least 1 and at most the capacity (${space.capacity})`)) continue;
      if (set.quota > left) {
        this.diagnostics.push(
          diagnostic('IRQD025', decl?.quota?.span ?? set.declSpan, `quota ${set.quota} exceeds the ${left} PASIDs left after the sets above: ioasid_set_alloc() reserves quotas from the capacity and fails with -ENOSPC`),
        );
        continue;
      }
      left -= set.quota;
    }
  }

  /** Seed 002's isolation and visibility rules for what a guest is given. */
  private checkGuestIms(g: GuestSym): void {
    const hypervisorItem = g.decl.items.find((i): i is A.HypervisorItem => i.kind === 'hypervisor');
    if (g.hypervisor === 'hidden') {
      const imsOnVir = [...g.scope.domains.values()].some((d) => d.domainKind === 'ims' && (d.parent?.domainKind === 'intel-ir' || d.parent?.domainKind === 'amd-ir'));
      const hcall = [...g.scope.domains.values()].find((d) => d.domainKind === 'hcall');
      const why = imsOnVir
        ? 'it takes its virtual IOMMU for real remapping and writes its own messages into IMS, where the VMM cannot trap them: the host IOMMU blocks them and the interrupts never arrive'
        : hcall
          ? `it never uses its hcall domain '${hcall.name}'`
          : undefined;
      if (why) {
        this.diagnostics.push(
          diagnostic('IRQD046', hypervisorItem?.value?.span ?? g.nameSpan, `guest '${g.name}' cannot tell it runs on a hypervisor (no CPUID hypervisor bit): ${why} (seed 002); make it 'hypervisor visible' and give it an hcall domain`),
        );
      }
    }
    for (const a of g.assignments) {
      const dev = a.device;
      if (!dev) continue;
      if (a.sub && a.sub.mode === 'pasid' && !dev.pasid) {
        this.diagnostics.push(diagnostic('IRQD048', a.item.mode?.span ?? a.item.keyword, `'${dev.name}' declares no 'pasid': it cannot tag the sub-device's interrupt messages with a PASID`));
      }
      const ims = dev.caps.ims;
      const tagged = a.sub?.mode === 'pasid' && dev.pasid;
      if (ims?.storage === 'guest-memory' && !tagged) {
        const option = ims.item.options.find((o) => o.key === 'storage');
        this.diagnostics.push(
          diagnostic('IRQD048', option?.value?.span ?? ims.span, `'${dev.name}' keeps IMS in guest memory and is given to guest '${g.name}' without PASID-tagged messages: the guest can make the device send any address/data, so isolation is lost (seed 002)`),
        );
      }
    }
  }

  private checkGuest(g: GuestSym): void {
    this.checkGuestIms(g);
    const item = g.decl.items.find((i): i is A.CpusItem => i.kind === 'cpus');
    if (item?.count) {
      this.range(item.count, item.span, item.count.value, 1, MAX_CPUS, 'cpus', `a guest kernel has at most NR_CPUS = ${MAX_CPUS} CPUs`);
      this.checkApic(g.apic, item.count, g.decl.items, g.system.arch);
    }
    this.checkScope(g.scope.domains, g.scope.devices, g.system, g);
    const addresses = new Map<string, A.PciAddr>();
    for (const a of g.assignments) {
      if (a.guestAddress) {
        const key = a.guestAddress.text.replace(/^0000:/, '');
        if (addresses.has(key)) {
          this.diagnostics.push(diagnostic('IRQD011', a.guestAddress.span, `guest address ${a.guestAddress.text} is already used in guest '${g.name}'`));
        }
        addresses.set(key, a.guestAddress);
      }
      if (a.item.domain) {
        const want = a.sub ? ['ims', 'pci-msi'] : ['pci-msi'];
        if (a.domain?.domainKind && !want.includes(a.domain.domainKind)) {
          this.diagnostics.push(diagnostic('IRQD024', a.item.domain.span, `an assigned ${a.sub ? 'sub-device' : 'device'} allocates from ${article(want[0] ?? '')} ${listOf(want)} domain; '${a.domain.name}' is ${article(a.domain.domainKind)} ${a.domain.domainKind} domain`));
        }
      } else if (!a.domain && a.device) {
        const want = a.sub ? 'ims or pci-msi' : 'pci-msi';
        const n = [...g.scope.domains.values()].filter((d) => d.domainKind === 'pci-msi' || (a.sub && d.domainKind === 'ims')).length;
        this.diagnostics.push(
          diagnostic(
            'IRQD017',
            a.item.keyword,
            n === 0
              ? `guest '${g.name}' has no ${want} domain for '${a.device.name}' to allocate from`
              : `guest '${g.name}' has ${n} ${want} domains: say which one with 'domain D'`,
          ),
        );
      }
    }
  }

  // ---- scenarios --------------------------------------------------------

  private checkScenario(sc: ScenarioSym): void {
    if (!sc.system) return;
    this.checkSteps(sc.decl.steps, sc.system, undefined, sc);
  }

  private checkSteps(steps: readonly A.Step[], system: SystemSym, guest: GuestSym | undefined, sc: ScenarioSym): void {
    const cpus = (guest ? guest.cpusKnown : system.cpusKnown) ? (guest ? guest.cpus : system.cpus) : Infinity;
    const where = guest ? `guest '${guest.name}'` : `system '${system.name}'`;
    const devices = guest ? guest.visible : system.scope.devices;
    for (const step of steps) this.checkStep(step, { cpus, where, devices, system, sc, guest });
  }

  private checkStep(
    step: A.Step,
    ctx: {
      cpus: number;
      where: string;
      devices: ReadonlyMap<string, DeviceSym | SubDeviceSym>;
      system: SystemSym;
      sc: ScenarioSym;
      guest: GuestSym | undefined;
    },
  ): void {
    switch (step.kind) {
      case 'affinity':
        if (step.cpus) this.cpusInside(step.cpus, ctx.cpus, ctx.where);
        this.checkSelection(step.selection, ctx.devices);
        break;
      case 'offline':
      case 'online':
        if (step.cpus) this.cpusInside(step.cpus, ctx.cpus, ctx.where);
        break;
      case 'request':
      case 'release':
      case 'mask':
      case 'unmask':
      case 'fire':
        this.checkSelection(step.selection, ctx.devices);
        break;
      case 'alloc':
        this.checkAlloc(step, ctx.devices);
        break;
      case 'free': {
        const dev = step.device ? ctx.devices.get(step.device.text) : undefined;
        if (step.entries && dev?.kind === 'device') this.checkEntries(step.entries, dev);
        break;
      }
      case 'mmio': {
        const dev = step.device ? ctx.devices.get(step.device.text) : undefined;
        if (dev?.kind === 'device' && step.bar && !dev.bars.has(step.bar.value)) {
          this.diagnostics.push(diagnostic('IRQD027', step.bar.span, `device '${dev.name}' declares no BAR ${shownNumber(step.bar.value, step.bar.text)}`));
        } else if (dev?.kind === 'device' && step.bar && step.offset) {
          const bar = dev.bars.get(step.bar.value);
          if (bar && step.offset.value >= bar.size) {
            this.diagnostics.push(diagnostic('IRQD027', step.offset.span, `offset 0x${step.offset.value.toString(16)} is beyond BAR ${bar.index} (0x${bar.size.toString(16)} bytes)`));
          }
        }
        break;
      }
      case 'pasid':
        if (step.count && step.count.value < 1 && step.op === 'alloc') {
          this.diagnostics.push(diagnostic('IRQD025', step.count.span, 'allocate at least one PASID'));
        }
        break;
      case 'guest': {
        const g = step.guest ? ctx.system.guests.get(step.guest.text) : undefined;
        if (g && !ctx.guest) this.checkSteps(step.steps, ctx.system, g, ctx.sc);
        break;
      }
      case 'expect':
        this.checkAssertion(step.assertion, ctx);
        break;
      default:
        break;
    }
  }

  private checkAssertion(
    a: A.Assertion | undefined,
    ctx: Parameters<Checker['checkStep']>[1],
  ): void {
    if (!a) return;
    switch (a.kind) {
      case 'cpu':
      case 'affinity':
        if (a.cpus) this.cpusInside(a.cpus, ctx.cpus, ctx.where);
        this.checkSelection(a.selection, ctx.devices);
        break;
      case 'vector':
      case 'message':
      case 'lost':
      case 'delivered':
      case 'irte':
        this.checkSelection(a.selection, ctx.devices);
        break;
      case 'cpu-available':
        if (a.cpu && a.cpu.value >= ctx.cpus) {
          this.diagnostics.push(diagnostic('IRQD026', a.cpu.span, `${ctx.where} has CPUs 0-${ctx.cpus - 1}; CPU ${shownNumber(a.cpu.value, a.cpu.text)} does not exist`));
        }
        break;
      case 'fail':
        if (a.step) this.checkStep(a.step, ctx);
        break;
      default:
        break;
    }
  }

  /** `alloc DEV[LIST]` and `free DEV[LIST]`: MSI-X entries of the device's table. */
  private checkEntries(entries: A.CpuList, dev: DeviceSym): void {
    const msix = dev.caps.msix;
    if (!msix) {
      this.diagnostics.push(diagnostic('IRQD028', entries.span, `device '${dev.name}' has no MSI-X capability: entries are allocated one by one only in an MSI-X table (pci_msix_alloc_irq_at())`));
      return;
    }
    for (const r of entries.ranges) {
      if (r.to >= msix.count) {
        this.diagnostics.push(diagnostic('IRQD028', r.span, `device '${dev.name}' has ${msix.count} MSI-X entries (0-${msix.count - 1}); entry ${r.from >= msix.count ? shownNumber(r.from, r.written?.from) : msix.count} is outside its table`));
        return;
      }
    }
  }

  private checkAlloc(step: A.AllocStep, devices: ReadonlyMap<string, DeviceSym | SubDeviceSym>): void {
    if (step.count && step.count.value < 1) {
      this.diagnostics.push(diagnostic('IRQD025', step.count.span, 'allocate at least one vector (pci_alloc_irq_vectors() returns -EINVAL for 0)'));
    }
    if (step.min && step.count && (step.min.value < 1 || step.min.value > step.count.value)) {
      this.diagnostics.push(diagnostic('IRQD025', step.min.span, `min ${shownNumber(step.min.value, step.min.text)} must be between 1 and the count ${shownNumber(step.count.value, step.count.text)} (pci_alloc_irq_vectors() returns -EINVAL otherwise)`));
    }
    // struct irq_affinity: at most IRQ_AFFINITY_MAX_SETS sets, and the reserved vectors leave some to spread.
    const resv = (step.pre?.value ?? 0) + (step.post?.value ?? 0);
    if (step.count && resv >= step.count.value && (step.pre || step.post)) {
      this.diagnostics.push(diagnostic('IRQD025', (step.post ?? step.pre)?.span ?? step.span, `pre + post (${resv}) must leave vectors to spread out of ${step.count.value} (irq_create_affinity_masks() spreads none otherwise)`));
    }
    if (step.sets) {
      if (step.sets.sizes.length > 4) this.diagnostics.push(diagnostic('IRQD025', step.sets.span, `at most IRQ_AFFINITY_MAX_SETS = 4 affinity sets, not ${step.sets.sizes.length}`));
      const sum = step.sets.sizes.reduce((n, x) => n + x.value, 0);
      for (const size of step.sets.sizes) if (size.value < 1) this.diagnostics.push(diagnostic('IRQD025', size.span, 'an affinity set holds at least one vector'));
      if (step.count && sum !== step.count.value - resv) {
        this.diagnostics.push(diagnostic('IRQD025', step.sets.span, `the sets hold ${sum} vectors; the spread has ${step.count.value - resv} (${step.count.value}${resv ? ` minus ${resv} pre/post` : ''}), and irq_create_affinity_masks() needs them equal`));
      }
    }
    const dev = step.device ? devices.get(step.device.text) : undefined;
    if (dev?.kind !== 'device') return;
    if (step.entries) {
      this.checkEntries(step.entries, dev);
      return;
    }
    const via = step.via?.text;
    if (via === 'ioapic') {
      if (!dev.ioapicPin && step.via) this.diagnostics.push(diagnostic('IRQD028', step.via.span, `device '${dev.name}' has no 'ioapic pin'`));
    } else if (via === 'msi' || via === 'msix' || via === 'ims') {
      if (!dev.caps[via] && step.via) {
        this.diagnostics.push(diagnostic('IRQD028', step.via.span, `device '${dev.name}' has no ${({ msi: 'MSI', msix: 'MSI-X', ims: 'IMS' } as const)[via]} capability`));
      }
    } else if (!via && Object.keys(dev.caps).length === 0 && !dev.ioapicPin && step.device) {
      this.diagnostics.push(diagnostic('IRQD028', step.device.span, `device '${dev.name}' declares no msi, msix, ims capability or ioapic pin to allocate from`));
    }
  }

  private checkSelection(sel: A.Selection | undefined, devices: ReadonlyMap<string, DeviceSym | SubDeviceSym>): void {
    if (!sel?.device) return;
    const dev = devices.get(sel.device.text);
    if (dev?.kind !== 'device') return;
    const sizes = Object.values(dev.caps).map((c) => c.count);
    if (sizes.length === 0 && !dev.ioapicPin) {
      this.diagnostics.push(diagnostic('IRQD028', sel.device.span, `device '${dev.name}' has no interrupt capability`));
      return;
    }
    const max = Math.max(dev.ioapicPin ? 1 : 0, ...sizes);
    // A capability of no entries is already out of range (IRQD025): no index of it is checked against it.
    if (max < 1) return;
    for (const r of sel.indices?.ranges ?? []) {
      if (r.from > r.to) {
        this.diagnostics.push(diagnostic('IRQD025', r.span, `index range ${shownNumber(r.from, r.written?.from)}-${shownNumber(r.to, r.written?.to)} runs backwards`));
      } else if (r.to >= max) {
        this.diagnostics.push(diagnostic('IRQD028', r.span, `device '${dev.name}' has vectors 0-${max - 1}; index ${r.from >= max ? shownNumber(r.from, r.written?.from) : max} is outside its capability`));
      }
    }
  }
}

export function checkTopology(model: Model): IrqdDiagnostic[] {
  const c = new Checker();
  c.run(model);
  return c.diagnostics;
}
