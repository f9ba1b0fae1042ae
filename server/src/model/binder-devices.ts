// The binder's part for domains and devices: their kinds, properties and
// items, with the words checked against values.ts. References to other
// declarations (parents, capability domains, PFs) are resolved later by the
// binder, once every declaration is known.
import type * as A from '../../../grammar/index.js';
import type { BinderCore } from './binder.js';
import { diagnostic } from './diagnostic.js';
import type { Bar, BarPlacement, DeviceSym, DomainSym, GuestSym, InterruptCap, RegisterSym, SystemSym } from './types.js';
import * as V from './values.js';
import { article } from './values.js';

/** pci_dev_id(): bus << 8 | devfn. */
export function requesterIdOf(a: Pick<A.PciAddr, 'bus' | 'device' | 'fn'>): number {
  return (a.bus << 8) | (a.device << 3) | a.fn;
}

export function domainOf(b: BinderCore, decl: A.DomainDecl, owner: SystemSym | GuestSym): DomainSym | undefined {
  if (!decl.name) return undefined;
  const domainKind = b.enumValue(decl.domainKind, 'domain kind', V.domainKinds);
  const props = new Map<string, number>();
  const seen = new Map<string, A.Span>();
  const allowed = domainKind ? V.domainKindInfo[domainKind].props : {};
  for (const p of decl.props) {
    if (V.ownEntry(allowed, p.key.text) === undefined) {
      const keys = Object.keys(allowed);
      b.diagnostics.push(
        diagnostic(
          'IRQD013',
          p.key.span,
          keys.length > 0
            ? `unknown property '${p.key.text}' for ${article(domainKind ?? '')} ${domainKind ?? ''} domain: expected ${V.listOf(keys)}`
            : `${domainKind ? `${article(domainKind)} ${domainKind} domain` : 'this domain'} takes no properties`,
        ),
      );
      continue;
    }
    if (!b.once(seen, p.key.text, p.span, `'${p.key.text}'`)) continue;
    // A requester ID may be written as the PCI address it names (bus << 8 | devfn).
    const value = p.value?.value ?? (p.address ? requesterIdOf(p.address) : undefined);
    if (value !== undefined) props.set(p.key.text, value);
  }
  return {
    kind: 'domain',
    name: decl.name.text,
    nameSpan: decl.name.span,
    declSpan: decl.span,
    container: owner,
    decl,
    domainKind,
    props,
    owner,
  };
}

export function deviceOf(b: BinderCore, decl: A.DeviceDecl, owner: SystemSym | GuestSym): DeviceSym | undefined {
  if (!decl.name) return undefined;
  const seen = new Map<string, A.Span>();
  const caps: DeviceSym['caps'] = {};
  const bars = new Map<number, Bar>();
  const registers: RegisterSym[] = [];
  let registerNames: Map<string, RegisterSym> | undefined;
  let msixTable: BarPlacement | undefined;
  let msixPba: BarPlacement | undefined;
  let ioapicPin: DeviceSym['ioapicPin'];
  let pasid = false;
  let sriov: number | undefined;
  let migration: DeviceSym['migration'];
  let node: number | undefined;
  let driver: string | undefined;
  // The symbol with every field it will have, so that V8 gives all devices one compact shape (filling in
  // twenty fields later with Object.assign() made each a dictionary: 1.3 KB a device, measured); the
  // registers point to it before its fields are known.
  const device: DeviceDraft = {
    name: decl.name.text,
    kind: 'device',
    nameSpan: decl.name.span,
    declSpan: decl.span,
    container: owner,
    decl,
    bus: decl.bus ?? 'pci',
    address: decl.address,
    vfIndex: decl.vfIndex?.value,
    caps,
    ioapicPin: undefined,
    bars,
    msixTable: undefined,
    msixPba: undefined,
    registers,
    pasid: false,
    sriov: undefined,
    migration: undefined,
    node: undefined,
    driver: undefined,
    owner,
  };

  for (const item of decl.items) {
    switch (item.kind) {
      case 'cap': {
        if (!b.once(seen, item.cap, item.span, `'${item.cap}'`) || !item.count) break;
        let maskable = item.cap !== 'msi';
        let storage: InterruptCap['storage'] = 'device';
        let optSeen: Map<string, A.Span> | undefined;
        for (const o of item.options) {
          if (!b.once((optSeen ??= new Map()), o.key, o.span, `'${o.key}'`)) continue;
          if (o.key === 'maskable') {
            if (item.cap === 'ims') {
              b.diagnostics.push(diagnostic('IRQD014', o.keyword, "'maskable' applies to MSI and MSI-X; IMS entries are masked by the device driver"));
              continue;
            }
            const v = b.enumValue(o.value, "'maskable' value", V.yesNo);
            if (v) maskable = v === 'yes';
          } else {
            if (item.cap !== 'ims') {
              b.diagnostics.push(diagnostic('IRQD014', o.keyword, "'storage' applies to IMS only; MSI and MSI-X live in the device's capability and table"));
              continue;
            }
            storage = b.enumValue(o.value, 'IMS storage', V.imsStorages) ?? storage;
          }
        }
        caps[item.cap] = { cap: item.cap, count: item.count.value, maskable, storage, span: item.span, item };
        break;
      }
      case 'ioapic-pin':
        if (b.once(seen, 'ioapic', item.span, "'ioapic pin'") && item.pin) {
          for (const span of item.repeated) b.diagnostics.push(diagnostic('IRQD015', span, `'${b.textOf(span)}' is given twice in one 'ioapic pin'`));
          // PCI INTx is level triggered (PCI spec); the ISA interrupts of a platform device are edge triggered.
          const trigger = item.trigger ? (item.trigger.text as 'edge' | 'level') : decl.bus === 'platform' ? 'edge' : 'level';
          ioapicPin = { pin: item.pin.value, ...(item.irq ? { irq: item.irq.value } : {}), trigger, span: item.span, pinSpan: item.pin.span };
        }
        break;
      case 'driver':
        if (b.once(seen, 'driver', item.span, "'driver'") && item.name) driver = item.name.text;
        break;
      case 'bar':
        if (item.index && item.size && b.once(seen, `bar${item.index.value}`, item.span, `BAR ${item.index.value}`)) {
          bars.set(item.index.value, { index: item.index.value, size: item.size.value, span: item.span });
        }
        break;
      case 'msix-table':
      case 'msix-pba':
        if (b.once(seen, item.kind, item.span, `'${item.kind}'`) && item.bar && item.offset) {
          const p = { bar: item.bar.value, offset: item.offset.value, span: item.span };
          if (item.kind === 'msix-table') msixTable = p;
          else msixPba = p;
        }
        break;
      case 'register':
        if (item.name && item.bar && item.offset) {
          const r: RegisterSym = {
            kind: 'register',
            name: item.name.text,
            nameSpan: item.name.span,
            declSpan: item.span,
            container: device,
            bar: item.bar.value,
            offset: item.offset.value,
            size: item.size?.value ?? 4,
            span: item.span,
          };
          b.declare((registerNames ??= new Map()), r);
          registers.push(r);
        }
        break;
      case 'pasid-cap':
        if (b.once(seen, 'pasid', item.span, "'pasid'")) pasid = true;
        break;
      case 'sriov':
        if (b.once(seen, 'sriov', item.span, "'sriov'")) sriov = item.count?.value;
        break;
      case 'migration':
        if (b.once(seen, 'migration', item.span, "'migration'")) {
          const flags = new Set<string>();
          for (const f of item.flags) {
            const v = b.enumValue(f, 'migration flag', V.migrationFlags);
            if (v) flags.add(v);
          }
          migration = { p2p: flags.has('p2p'), preCopy: flags.has('pre-copy'), span: item.span };
        }
        break;
      case 'device-node':
        if (b.once(seen, 'node', item.span, "'node'")) node = item.id?.value;
        break;
    }
  }

  if (decl.bus === 'pci' && !decl.address) return undefined;
  device.ioapicPin = ioapicPin;
  device.msixTable = msixTable;
  device.msixPba = msixPba;
  device.pasid = pasid;
  device.sriov = sriov;
  device.migration = migration;
  device.node = node;
  device.driver = driver;
  return device;
}

/** A DeviceSym while deviceOf() fills it in. */
type DeviceDraft = { -readonly [K in keyof DeviceSym]: DeviceSym[K] };
