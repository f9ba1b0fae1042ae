// The binder: declares every name, resolves every reference, and turns the
// AST's items into the Model's records. It reports name errors (unknown,
// duplicate, wrong kind), words that are not values of their item, items in
// the wrong place or given twice. Range and hierarchy rules live in check/.
import type * as A from '../../../grammar/index.js';
import { diagnostic, type IrqdDiagnostic } from './diagnostic.js';
import type {
  AnySymbol,
  Assignment,
  Bar,
  BarPlacement,
  DeviceSym,
  DomainKind,
  DomainSym,
  GuestSym,
  InterruptCap,
  KernelVersion,
  Model,
  NumaNode,
  PasidSpace,
  PasidSetSym,
  RegisterSym,
  ScenarioSym,
  Scope,
  SubDeviceSym,
  SymbolKind,
  SystemSym,
} from './types.js';
import * as V from './values.js';
import { article } from './values.js';

export interface BindOptions {
  /** The kernel a system without `kernel` simulates (the irqd.kernel setting). */
  readonly defaultKernel?: string;
}

export interface BindResult {
  readonly model: Model;
  readonly diagnostics: IrqdDiagnostic[];
}

const MAINLINE: KernelVersion = { text: 'mainline', major: 6, minor: 999 };
/** The oldest kernel irqd models (semantics.md takes 6.1 as ground truth). */
const OLDEST = { major: 6, minor: 1 };

const kindWord: Record<SymbolKind, string> = {
  system: 'system',
  domain: 'domain',
  device: 'device',
  guest: 'guest',
  'pasid-set': 'PASID set',
  scenario: 'scenario',
  'sub-device': 'sub-device',
  register: 'register',
};

/** Parses `6.1`, `6.10`, `mainline`; undefined for anything else. */
export function parseKernelVersion(text: string): KernelVersion | undefined {
  if (text === 'mainline') return MAINLINE;
  const m = /^(\d+)(?:\.(\d+))?(?:\.\d+)?$/.exec(text);
  if (!m) return undefined;
  return { text, major: Number(m[1]), minor: Number(m[2] ?? 0) };
}

export function kernelAtLeast(k: KernelVersion, major: number, minor: number): boolean {
  return k.major > major || (k.major === major && k.minor >= minor);
}

class Binder {
  readonly diagnostics: IrqdDiagnostic[] = [];
  readonly symbols: AnySymbol[] = [];
  readonly references: Model['references'] = [];
  readonly resolved = new WeakMap<A.Ident, AnySymbol>();
  readonly systems = new Map<string, SystemSym>();
  readonly scenarios: ScenarioSym[] = [];
  /** Work that needs every declaration first (forward references). */
  private readonly deferred: (() => void)[] = [];

  constructor(
    private readonly options: BindOptions,
    private readonly text: string,
  ) {}

  private textOf(span: A.Span): string {
    return this.text.slice(span.start, span.end);
  }

  bind(file: A.SourceFile): Model {
    for (const item of file.items) {
      if (item.kind === 'system') this.bindSystem(item);
    }
    for (const item of file.items) {
      if (item.kind === 'scenario') this.bindScenario(item);
    }
    for (const run of this.deferred) run();
    for (const sc of this.scenarios) this.bindSteps(sc);
    this.symbols.sort((a, b) => a.nameSpan.start - b.nameSpan.start);
    this.references.sort((a, b) => a.span.start - b.span.start);
    return {
      systems: this.systems,
      scenarios: this.scenarios,
      symbols: this.symbols,
      references: this.references,
      resolved: this.resolved,
    };
  }

  // ---- names ------------------------------------------------------------

  private declare<T extends AnySymbol>(table: Map<string, T>, sym: T, what = kindWord[sym.kind]): void {
    this.symbols.push(sym);
    const previous = table.get(sym.name);
    if (previous) {
      this.diagnostics.push(
        diagnostic('IRQD011', sym.nameSpan, `${what} '${sym.name}' is already declared`, {
          related: [{ span: previous.nameSpan, message: `'${sym.name}' is first declared here` }],
        }),
      );
      return;
    }
    table.set(sym.name, sym);
  }

  private reference(ident: A.Ident, target: AnySymbol | undefined): void {
    this.references.push({ span: ident.span, name: ident.text, target });
    if (target) this.resolved.set(ident, target);
  }

  /**
   * Resolves a name among candidates of the wanted kinds; reports an unknown
   * name, or a name of another kind found in `others`.
   */
  private resolve<T extends AnySymbol>(
    ident: A.Ident,
    wanted: string,
    candidates: ReadonlyMap<string, T>,
    others: readonly ReadonlyMap<string, AnySymbol>[] = [],
    where = '',
  ): T | undefined {
    const hit = candidates.get(ident.text);
    if (hit) {
      this.reference(ident, hit);
      return hit;
    }
    for (const table of others) {
      const other = table.get(ident.text);
      if (other) {
        this.reference(ident, other);
        const otherWord = kindWord[other.kind];
        this.diagnostics.push(
          diagnostic('IRQD012', ident.span, `'${ident.text}' is ${article(otherWord)} ${otherWord}, not ${article(wanted)} ${wanted}`, {
            related: [{ span: other.nameSpan, message: `'${ident.text}' is declared here` }],
          }),
        );
        return undefined;
      }
    }
    this.reference(ident, undefined);
    const suggestion = V.closest(ident.text, [...candidates.keys()]);
    this.diagnostics.push(
      diagnostic(
        'IRQD010',
        ident.span,
        `unknown ${wanted} '${ident.text}'${where}${suggestion ? `; did you mean '${suggestion}'?` : ''}`,
      ),
    );
    return undefined;
  }

  /** A word that must be one of `values`; reports IRQD013 and returns undefined otherwise. */
  private enumValue<T extends string>(ident: A.Ident | undefined, what: string, values: readonly T[]): T | undefined {
    if (!ident) return undefined;
    if ((values as readonly string[]).includes(ident.text)) return ident.text as T;
    const suggestion = V.closest(ident.text, values);
    this.diagnostics.push(
      diagnostic(
        'IRQD013',
        ident.span,
        `unknown ${what} '${ident.text}': expected ${V.listOf(values)}${suggestion ? ` (did you mean '${suggestion}'?)` : ''}`,
      ),
    );
    return undefined;
  }

  private once(seen: Map<string, A.Span>, key: string, span: A.Span, what: string): boolean {
    const first = seen.get(key);
    if (first) {
      this.diagnostics.push(
        diagnostic('IRQD015', span, `${what} is given twice`, { related: [{ span: first, message: 'first given here' }] }),
      );
      return false;
    }
    seen.set(key, span);
    return true;
  }

  private notAllowed(item: { keyword: A.Span }, word: string, where: string, belongs: string): void {
    this.diagnostics.push(diagnostic('IRQD014', item.keyword, `'${word}' is not allowed in ${where}: it belongs ${belongs}`));
  }

  // ---- systems ----------------------------------------------------------

  private bindSystem(decl: A.SystemDecl): void {
    if (!decl.name) return;
    const seen = new Map<string, A.Span>();
    let arch: V.DomainKindInfo['archs'][number] = 'x86_64';
    let kernel: KernelVersion | undefined;
    let cpus: number | undefined;
    let apic: (typeof V.apicModes)[number] | undefined;
    let extDestId = false;
    let destMode: (typeof V.destModes)[number] = 'physical';
    let pageSize = 4096;
    const nodes: NumaNode[] = [];
    const backports = new Set<string>();
    let pasid: PasidSpace | undefined;

    for (const item of decl.items) {
      switch (item.kind) {
        case 'arch':
          if (this.once(seen, 'arch', item.span, "'arch'")) arch = this.enumValue(item.value, 'architecture', V.archs) ?? arch;
          break;
        case 'kernel':
          if (this.once(seen, 'kernel', item.span, "'kernel'")) kernel = this.kernelOf(item.value);
          break;
        case 'cpus':
          if (this.once(seen, 'cpus', item.span, "'cpus'")) cpus = item.count?.value;
          break;
        case 'apic':
          if (this.once(seen, 'apic', item.span, "'apic'")) {
            apic = this.enumValue(item.value, 'APIC mode', V.apicModes);
            for (const f of item.flags) if (this.enumValue(f, 'APIC flag', ['ext-dest-id'])) extDestId = true;
          }
          break;
        case 'dest-mode':
          if (this.once(seen, 'dest-mode', item.span, "'dest-mode'"))
            destMode = this.enumValue(item.value, 'destination mode', V.destModes) ?? destMode;
          break;
        case 'page-size':
          if (this.once(seen, 'page-size', item.span, "'page-size'") && item.size) pageSize = item.size.value;
          break;
        case 'node':
          if (item.id && item.cpus) nodes.push({ id: item.id.value, cpus: expandCpuList(item.cpus), span: item.span });
          break;
        case 'pasid':
          if (this.once(seen, 'pasid', item.span, "'pasid capacity'")) pasid = this.pasidSpace(item);
          break;
        case 'hypervisor':
          this.notAllowed(item, 'hypervisor', 'a system', "in a guest ('guest NAME { hypervisor visible }')");
          break;
        case 'backport':
          for (const n of item.names) {
            const v = this.enumValue(n, 'backport', V.backportNames);
            if (v) backports.add(v);
          }
          break;
        case 'assign':
          this.notAllowed(item, 'assign', 'a system', "in a guest ('guest NAME { assign DEV as 00:04.0 }')");
          break;
        default:
          break;
      }
    }
    if (cpus === undefined && !decl.items.some((i) => i.kind === 'cpus')) {
      this.diagnostics.push(diagnostic('IRQD017', decl.name.span, `system '${decl.name.text}' has no 'cpus'`));
    }

    const system: SystemSym = {
      kind: 'system',
      name: decl.name.text,
      nameSpan: decl.name.span,
      declSpan: decl.span,
      decl,
      description: decl.description?.text,
      arch,
      kernel: kernel ?? this.defaultKernel(),
      cpus: cpus ?? 1,
      cpusKnown: cpus !== undefined,
      // Firmware and the kernel switch to x2APIC when APIC IDs exceed 8 bits.
      apic: apic ?? ((cpus ?? 1) > 255 ? 'x2apic' : 'xapic'),
      extDestId,
      destMode,
      pageSize,
      nodes,
      backports,
      scope: { domains: new Map(), devices: new Map() },
      guests: new Map(),
      pasid,
    };
    this.declare(this.systems, system);
    if (pasid) {
      for (const set of pasid.sets.values()) (set as { container?: SystemSym }).container = system;
    }
    this.bindScopeItems(decl.items, system, system.scope);
    for (const item of decl.items) {
      if (item.kind === 'guest') this.bindGuest(item, system);
    }
  }

  /** The irqd.kernel setting (or --kernel); unknown or older than 6.1 means 6.1. */
  private defaultKernel(): KernelVersion {
    const v = parseKernelVersion(this.options.defaultKernel ?? '6.1');
    return v && kernelAtLeast(v, OLDEST.major, OLDEST.minor) ? v : { text: '6.1', major: 6, minor: 1 };
  }

  private kernelOf(value: A.Ident | undefined): KernelVersion | undefined {
    if (!value) return undefined;
    const v = parseKernelVersion(value.text);
    if (!v) {
      this.diagnostics.push(
        diagnostic('IRQD013', value.span, `unknown kernel version '${value.text}': expected a version such as ${V.listOf(V.kernelNames)}`),
      );
      return undefined;
    }
    if (!kernelAtLeast(v, OLDEST.major, OLDEST.minor)) {
      this.diagnostics.push(
        diagnostic('IRQD018', value.span, `irqd models Linux 6.1 and later; kernel ${value.text} is simulated as 6.1`),
      );
      return { text: '6.1', major: 6, minor: 1 };
    }
    return v;
  }

  private pasidSpace(item: A.PasidDecl): PasidSpace {
    const sets = new Map<string, PasidSetSym>();
    for (const s of item.sets) {
      if (!s.name) continue;
      this.declare(sets, {
        kind: 'pasid-set',
        name: s.name.text,
        nameSpan: s.name.span,
        declSpan: s.span,
        quota: s.quota?.value ?? 0,
      });
    }
    return { capacity: item.capacity?.value ?? 2 ** 20, sets, span: item.span };
  }

  /** Domains and devices of a system or guest body. */
  private bindScopeItems(items: readonly A.BodyItem[], owner: SystemSym | GuestSym, scope: Scope): void {
    const names = new Map<string, DomainSym | DeviceSym | GuestSym>();
    for (const item of items) {
      if (item.kind === 'domain') {
        const d = this.domainOf(item, owner);
        if (d) {
          this.declare(names, d);
          if (names.get(d.name) === d) scope.domains.set(d.name, d);
        }
      } else if (item.kind === 'device') {
        const d = this.deviceOf(item, owner);
        if (d) {
          this.declare(names, d);
          if (names.get(d.name) === d) scope.devices.set(d.name, d);
        }
      } else if (item.kind === 'guest' && owner.kind === 'system' && item.name) {
        // Guests share the system's namespace; bindGuest() fills them in.
        const other = names.get(item.name.text);
        if (other) {
          this.diagnostics.push(
            diagnostic('IRQD011', item.name.span, `'${item.name.text}' is already declared`, {
              related: [{ span: other.nameSpan, message: `'${item.name.text}' is first declared here` }],
            }),
          );
        }
      }
    }
    this.deferred.push(() => this.resolveScope(scope, owner));
  }

  private domainOf(decl: A.DomainDecl, owner: SystemSym | GuestSym): DomainSym | undefined {
    if (!decl.name) return undefined;
    const domainKind = this.enumValue(decl.domainKind, 'domain kind', V.domainKinds);
    const props = new Map<string, number>();
    const seen = new Map<string, A.Span>();
    const allowed = domainKind ? V.domainKindInfo[domainKind].props : {};
    for (const p of decl.props) {
      if (!(p.key.text in allowed)) {
        const keys = Object.keys(allowed);
        this.diagnostics.push(
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
      if (this.once(seen, p.key.text, p.span, `'${p.key.text}'`) && p.value) props.set(p.key.text, p.value.value);
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

  private deviceOf(decl: A.DeviceDecl, owner: SystemSym | GuestSym): DeviceSym | undefined {
    if (!decl.name) return undefined;
    const seen = new Map<string, A.Span>();
    const caps: DeviceSym['caps'] = {};
    const bars = new Map<number, Bar>();
    const registers: RegisterSym[] = [];
    const registerNames = new Map<string, RegisterSym>();
    let msixTable: BarPlacement | undefined;
    let msixPba: BarPlacement | undefined;
    let ioapicPin: DeviceSym['ioapicPin'];
    let pasid = false;
    let sriov: number | undefined;
    let migration: DeviceSym['migration'];
    let node: number | undefined;
    const device = { name: decl.name.text } as { name: string };

    for (const item of decl.items) {
      switch (item.kind) {
        case 'cap': {
          if (!this.once(seen, item.cap, item.span, `'${item.cap}'`) || !item.count) break;
          let maskable = item.cap !== 'msi';
          let storage: InterruptCap['storage'] = 'device';
          const optSeen = new Map<string, A.Span>();
          for (const o of item.options) {
            if (!this.once(optSeen, o.key, o.span, `'${o.key}'`)) continue;
            if (o.key === 'maskable') {
              if (item.cap === 'ims') {
                this.diagnostics.push(diagnostic('IRQD014', o.keyword, "'maskable' applies to MSI and MSI-X; IMS entries are masked by the device driver"));
                continue;
              }
              const v = this.enumValue(o.value, "'maskable' value", V.yesNo);
              if (v) maskable = v === 'yes';
            } else {
              if (item.cap !== 'ims') {
                this.diagnostics.push(diagnostic('IRQD014', o.keyword, "'storage' applies to IMS only; MSI and MSI-X live in the device's capability and table"));
                continue;
              }
              storage = this.enumValue(o.value, 'IMS storage', V.imsStorages) ?? storage;
            }
          }
          caps[item.cap] = { cap: item.cap, count: item.count.value, maskable, storage, span: item.span, item };
          break;
        }
        case 'ioapic-pin':
          if (this.once(seen, 'ioapic', item.span, "'ioapic pin'") && item.pin) ioapicPin = { pin: item.pin.value, span: item.span, pinSpan: item.pin.span };
          break;
        case 'bar':
          if (item.index && item.size && this.once(seen, `bar${item.index.value}`, item.span, `BAR ${item.index.value}`)) {
            bars.set(item.index.value, { index: item.index.value, size: item.size.value, span: item.span });
          }
          break;
        case 'msix-table':
        case 'msix-pba':
          if (this.once(seen, item.kind, item.span, `'${item.kind}'`) && item.bar && item.offset) {
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
              container: device as DeviceSym,
              bar: item.bar.value,
              offset: item.offset.value,
              size: item.size?.value ?? 4,
              span: item.span,
            };
            this.declare(registerNames, r);
            registers.push(r);
          }
          break;
        case 'pasid-cap':
          if (this.once(seen, 'pasid', item.span, "'pasid'")) pasid = true;
          break;
        case 'sriov':
          if (this.once(seen, 'sriov', item.span, "'sriov'")) sriov = item.count?.value;
          break;
        case 'migration':
          if (this.once(seen, 'migration', item.span, "'migration'")) {
            const flags = new Set<string>();
            for (const f of item.flags) {
              const v = this.enumValue(f, 'migration flag', V.migrationFlags);
              if (v) flags.add(v);
            }
            migration = { p2p: flags.has('p2p'), preCopy: flags.has('pre-copy'), span: item.span };
          }
          break;
        case 'device-node':
          if (this.once(seen, 'node', item.span, "'node'")) node = item.id?.value;
          break;
      }
    }

    if (decl.bus === 'pci' && !decl.address) return undefined;
    const sym: DeviceSym = Object.assign(device, {
      kind: 'device' as const,
      nameSpan: decl.name.span,
      declSpan: decl.span,
      container: owner,
      decl,
      bus: decl.bus ?? 'pci',
      address: decl.address,
      vfIndex: decl.vfIndex?.value,
      caps,
      ioapicPin,
      bars,
      msixTable,
      msixPba,
      registers,
      pasid,
      sriov,
      migration,
      node,
      owner,
    });
    return sym;
  }

  /** Parents, capability domains and VF links: all may name later declarations. */
  private resolveScope(scope: Scope, owner: SystemSym | GuestSym): void {
    const where = owner.kind === 'guest' ? ` in guest '${owner.name}'` : '';
    for (const d of scope.domains.values()) {
      if (d.decl.parent) d.parent = this.resolve(d.decl.parent, 'domain', scope.domains, [scope.devices], where);
    }
    for (const dev of scope.devices.values()) {
      for (const cap of Object.values(dev.caps)) {
        if (cap.item.domain) cap.domain = this.resolve(cap.item.domain, 'domain', scope.domains, [scope.devices], where);
      }
      const pinItem = dev.decl.items.find((i): i is A.IoapicPinItem => i.kind === 'ioapic-pin');
      if (dev.ioapicPin && pinItem) {
        if (pinItem.domain) dev.ioapicPin.domain = this.resolve(pinItem.domain, 'domain', scope.domains, [scope.devices], where);
        else {
          // Without `domain D` the pin needs exactly one IO-APIC to belong to.
          const ioapics = [...scope.domains.values()].filter((x) => x.domainKind === 'ioapic');
          dev.ioapicPin.domain = ioapics.length === 1 ? ioapics[0] : undefined;
          dev.ioapicPin.ambiguous = ioapics.length > 1;
        }
      }
      if (dev.decl.pf) dev.pf = this.resolve(dev.decl.pf, 'device', scope.devices, [scope.domains]);
    }
  }

  // ---- guests -----------------------------------------------------------

  private bindGuest(decl: A.GuestDecl, system: SystemSym): void {
    if (!decl.name) return;
    const seen = new Map<string, A.Span>();
    let cpus: number | undefined;
    let hypervisor: GuestSym['hypervisor'] = 'visible';
    let apic: GuestSym['apic'] | undefined;
    let destMode: GuestSym['destMode'] = system.destMode;
    for (const item of decl.items) {
      switch (item.kind) {
        case 'cpus':
          if (this.once(seen, 'cpus', item.span, "'cpus'")) cpus = item.count?.value;
          break;
        case 'hypervisor':
          if (this.once(seen, 'hypervisor', item.span, "'hypervisor'"))
            hypervisor = this.enumValue(item.value, 'hypervisor visibility', V.hypervisorModes) ?? hypervisor;
          break;
        case 'apic':
          if (this.once(seen, 'apic', item.span, "'apic'")) apic = this.enumValue(item.value, 'APIC mode', V.apicModes);
          break;
        case 'dest-mode':
          if (this.once(seen, 'dest-mode', item.span, "'dest-mode'"))
            destMode = this.enumValue(item.value, 'destination mode', V.destModes) ?? destMode;
          break;
        case 'arch':
        case 'kernel':
        case 'page-size':
        case 'node':
        case 'pasid':
        case 'backport':
          this.notAllowed(item, item.kind === 'pasid' ? 'pasid capacity' : item.kind, 'a guest', 'to the system: a guest runs on its host\'s architecture, kernel model and PASID space');
          break;
        case 'guest':
          this.notAllowed(item, 'guest', 'a guest', 'in a system');
          break;
        default:
          break;
      }
    }
    if (cpus === undefined && !decl.items.some((i) => i.kind === 'cpus')) {
      this.diagnostics.push(diagnostic('IRQD017', decl.name.span, `guest '${decl.name.text}' has no 'cpus'`));
    }
    const guest: GuestSym = {
      kind: 'guest',
      name: decl.name.text,
      nameSpan: decl.name.span,
      declSpan: decl.span,
      container: system,
      decl,
      system,
      cpus: cpus ?? 1,
      cpusKnown: cpus !== undefined,
      hypervisor,
      // The guest's own APIC: x2APIC when its vCPU IDs need more than 8 bits.
      apic: apic ?? ((cpus ?? 1) > 255 ? 'x2apic' : system.apic),
      destMode,
      scope: { domains: new Map(), devices: new Map() },
      assignments: [],
      visible: new Map(),
    };
    this.symbols.push(guest);
    if (!system.scope.domains.has(guest.name) && !system.scope.devices.has(guest.name) && !system.guests.has(guest.name)) {
      system.guests.set(guest.name, guest);
    }
    this.bindScopeItems(decl.items, guest, guest.scope);
    for (const d of guest.scope.devices.values()) guest.visible.set(d.name, d);
    this.deferred.push(() => this.bindAssignments(decl, guest));
  }

  private bindAssignments(decl: A.GuestDecl, guest: GuestSym): void {
    const system = guest.system;
    for (const item of decl.items) {
      if (item.kind !== 'assign' || !item.device) continue;
      const device = this.resolve(item.device, 'host device', system.scope.devices, [system.scope.domains], ` in system '${system.name}'`);
      let sub: SubDeviceSym | undefined;
      if (item.sub) {
        const mode = this.enumValue(item.mode, 'sub-device mode', V.subModes) ?? 'pasid';
        sub = {
          kind: 'sub-device',
          name: item.sub.text,
          nameSpan: item.sub.span,
          declSpan: item.span,
          container: guest,
          parentDevice: device,
          mode,
        };
        this.declare(guest.visible, sub, 'name');
      } else if (device) {
        if (guest.visible.has(device.name)) {
          const first = guest.visible.get(device.name) as AnySymbol;
          this.diagnostics.push(
            diagnostic('IRQD011', item.device.span, `device '${device.name}' is already in guest '${guest.name}'`, {
              related: [{ span: first.nameSpan, message: 'first here' }],
            }),
          );
        } else {
          guest.visible.set(device.name, device);
        }
      }
      const assignment: Assignment = { item, device, guestAddress: item.address, sub };
      if (item.domain) {
        assignment.domain = this.resolve(item.domain, 'domain', guest.scope.domains, [guest.scope.devices], ` in guest '${guest.name}'`);
      } else {
        assignment.domain = defaultAssignDomain(guest, sub !== undefined);
      }
      guest.assignments.push(assignment);
    }
  }

  // ---- scenarios --------------------------------------------------------

  private bindScenario(decl: A.ScenarioDecl): void {
    let system: SystemSym | undefined;
    if (decl.system) {
      system = this.resolve(decl.system, 'system', this.systems);
    } else if (this.systems.size === 1) {
      system = [...this.systems.values()][0];
    } else {
      const span = decl.name?.span ?? decl.keyword;
      this.diagnostics.push(
        diagnostic(
          'IRQD016',
          span,
          this.systems.size === 0
            ? 'this scenario has no system to run on: declare one with \'system NAME { ... }\''
            : `this file declares ${this.systems.size} systems: say which one the scenario runs on with 'on SYSTEM'`,
        ),
      );
    }
    const name = decl.name?.text ?? '';
    const sym: ScenarioSym = {
      kind: 'scenario',
      name,
      nameSpan: decl.name?.span ?? decl.keyword,
      declSpan: decl.span,
      decl,
      system,
    };
    const previous = this.scenarios.find((s) => s.name === name && name !== '');
    if (previous) {
      this.diagnostics.push(
        diagnostic('IRQD011', sym.nameSpan, `scenario '${name}' is already declared`, {
          related: [{ span: previous.nameSpan, message: 'first declared here' }],
        }),
      );
    }
    this.symbols.push(sym);
    this.scenarios.push(sym);
  }

  private bindSteps(sc: ScenarioSym): void {
    if (!sc.system) return;
    this.bindStepList(sc.decl.steps, sc.system, undefined);
  }

  private bindStepList(steps: readonly A.Step[], system: SystemSym, guest: GuestSym | undefined): void {
    for (const step of steps) this.bindStep(step, system, guest);
  }

  /** Devices a step may name: the host's, or inside `guest G { }` the guest's view. */
  private deviceTable(system: SystemSym, guest: GuestSym | undefined): ReadonlyMap<string, DeviceSym | SubDeviceSym> {
    return guest ? guest.visible : system.scope.devices;
  }

  private deviceRef(ident: A.Ident | undefined, system: SystemSym, guest: GuestSym | undefined): void {
    if (!ident) return;
    const table = this.deviceTable(system, guest);
    const others: ReadonlyMap<string, AnySymbol>[] = guest ? [guest.scope.domains, system.scope.devices] : [system.scope.domains, system.guests];
    const hit = table.get(ident.text);
    if (!hit && guest && system.scope.devices.has(ident.text)) {
      this.reference(ident, system.scope.devices.get(ident.text));
      this.diagnostics.push(
        diagnostic('IRQD010', ident.span, `device '${ident.text}' is not assigned to guest '${guest.name}'; add 'assign ${ident.text} as BB:DD.F' to the guest`),
      );
      return;
    }
    this.resolve(ident, 'device', table, others, guest ? ` in guest '${guest.name}'` : '');
  }

  private setRef(ident: A.Ident | undefined, system: SystemSym): void {
    if (!ident) return;
    if (!system.pasid) {
      this.reference(ident, undefined);
      this.diagnostics.push(
        diagnostic('IRQD010', ident.span, `unknown PASID set '${ident.text}': system '${system.name}' declares no 'pasid capacity N { set ... }'`),
      );
      return;
    }
    this.resolve(ident, 'PASID set', system.pasid.sets);
  }

  private bindStep(step: A.Step, system: SystemSym, guest: GuestSym | undefined): void {
    switch (step.kind) {
      case 'alloc':
        this.deviceRef(step.device, system, guest);
        this.enumValue(step.via, "'via' kind", V.allocKinds);
        for (const span of step.repeated) {
          this.diagnostics.push(diagnostic('IRQD015', span, `'${this.textOf(span)}' is given twice in one 'alloc'`));
        }
        break;
      case 'free':
        this.deviceRef(step.device, system, guest);
        break;
      case 'request':
      case 'release':
      case 'mask':
      case 'unmask':
      case 'fire':
      case 'affinity':
        if (step.selection) this.deviceRef(step.selection.device, system, guest);
        break;
      case 'vfio':
        this.deviceRef(step.device, system, guest);
        this.enumValue(step.state, 'VFIO state', V.vfioStates);
        break;
      case 'mmio':
        this.deviceRef(step.device, system, guest);
        break;
      case 'dma':
        this.deviceRef(step.device, system, guest);
        if (step.target && step.target.text !== 'memory') this.deviceRef(step.target, system, guest);
        break;
      case 'pasid':
        this.setRef(step.set, system);
        break;
      case 'guest': {
        if (!step.guest) break;
        if (guest) {
          this.diagnostics.push(diagnostic('IRQD014', step.keyword, "'guest' steps do not nest: the steps are already inside a guest"));
          break;
        }
        const g = this.resolve(step.guest, 'guest', system.guests, [system.scope.devices, system.scope.domains], ` in system '${system.name}'`);
        if (g) this.bindStepList(step.steps, system, g);
        break;
      }
      case 'offline':
      case 'online':
        break;
      case 'expect':
        this.bindAssertion(step.assertion, system, guest);
        break;
    }
  }

  private bindAssertion(a: A.Assertion | undefined, system: SystemSym, guest: GuestSym | undefined): void {
    if (!a) return;
    switch (a.kind) {
      case 'cpu':
      case 'vector':
      case 'message':
      case 'lost':
      case 'delivered':
      case 'irte':
        this.deviceRef(a.selection.device, system, guest);
        break;
      case 'vfio':
        this.deviceRef(a.device, system, guest);
        this.enumValue(a.state, 'VFIO state', V.vfioStates);
        break;
      case 'pasid-used':
        this.setRef(a.set, system);
        break;
      case 'fail':
        if (a.step) this.bindStep(a.step, system, guest);
        break;
      case 'cpu-available':
        break;
    }
  }
}

/**
 * The guest domain an assigned device allocates from when `domain D` is not
 * given: a VF uses the guest's only pci-msi domain; a SIOV sub-device the only
 * ims domain if there is one, else the only pci-msi domain (the guest driver
 * then sees the emulated MSI-X of the virtual device).
 */
export function defaultAssignDomain(guest: GuestSym, sub: boolean): DomainSym | undefined {
  const only = (kind: DomainKind): DomainSym | undefined => {
    const matches = [...guest.scope.domains.values()].filter((d) => d.domainKind === kind);
    return matches.length === 1 ? matches[0] : undefined;
  };
  return (sub ? only('ims') : undefined) ?? only('pci-msi');
}

/** The highest CPU number any list may name (NR_CPUS - 1 of a MAXSMP kernel). */
export const LAST_CPU = 8191;

/**
 * The CPUs of a cpulist, in order, without repeats. CPUs beyond LAST_CPU are
 * dropped (check/ reports them), which bounds the work any list can cause.
 */
export function expandCpuList(list: A.CpuList, below = LAST_CPU + 1): number[] {
  const out = new Set<number>();
  const limit = Math.min(below, LAST_CPU + 1);
  for (const r of list.ranges) {
    for (let c = r.from; c <= r.to && c < limit; c++) out.add(c);
  }
  return [...out].sort((a, b) => a - b);
}

export function bind(file: A.SourceFile, options: BindOptions = {}, text = ''): BindResult {
  const binder = new Binder(options, text);
  const model = binder.bind(file);
  return { model, diagnostics: binder.diagnostics };
}
