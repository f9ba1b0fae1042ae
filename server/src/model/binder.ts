// The binder: declares every name, resolves every reference, and turns the
// AST's items into the Model's records. It reports name errors (unknown,
// duplicate, wrong kind), words that are not values of their item, items in
// the wrong place or given twice. Range and hierarchy rules live in check/.
//
// The parts for devices (binder-devices.ts), scenarios (binder-steps.ts) and
// declared machine states (binder-state.ts) work through BinderCore.
import type * as A from '../../../grammar/index.js';
import { deviceOf, domainOf } from './binder-devices.js';
import { bindState } from './binder-state.js';
import { ScenarioBinder } from './binder-steps.js';
import { nrCpusOf, readCmdline, type KernelCmdline } from './cmdline.js';
import { diagnostic, type IrqdDiagnostic } from './diagnostic.js';
import type {
  AnySymbol,
  Assignment,
  DeviceSym,
  DomainKind,
  DomainSym,
  GuestSym,
  ImportedNames,
  KernelVersion,
  Model,
  NumaNode,
  PasidSpace,
  PasidSetSym,
  ScenarioSym,
  Scope,
  SubDeviceSym,
  SymbolKind,
  SystemSym,
} from './types.js';
import * as V from './values.js';
import { article } from './values.js';

const noCmdline: KernelCmdline = Object.freeze({ options: [] });

/** Whether a system's or guest's items declare an interrupt-remapping domain (x2APIC cluster mode needs one). */
function declaresRemapping(items: readonly A.BodyItem[]): boolean {
  return items.some((i) => i.kind === 'domain' && (i.domainKind?.text === 'intel-ir' || i.domainKind?.text === 'amd-ir'));
}

export interface BindOptions {
  /** The kernel a system without `kernel` simulates (the irqd.kernel setting). */
  readonly defaultKernel?: string;
  /** The systems and scenarios of the files this one `use`s (resolved by the analysis). */
  readonly imported?: ImportedNames;
}

/** What the binder's parts (devices, scenarios, states) use of it. */
export interface BinderCore {
  readonly diagnostics: IrqdDiagnostic[];
  readonly symbols: AnySymbol[];
  /** The systems a scenario may run on: this file's, then the used files'. */
  readonly systems: Map<string, SystemSym>;
  readonly scenarios: ScenarioSym[];
  textOf(span: A.Span): string;
  declare<T extends AnySymbol>(table: Map<string, T>, sym: T, what?: string): void;
  reference(ident: A.Ident, target: AnySymbol | undefined): void;
  resolve<T extends AnySymbol>(ident: A.Ident, wanted: string, candidates: ReadonlyMap<string, T>, others?: readonly ReadonlyMap<string, AnySymbol>[], where?: string): T | undefined;
  enumValue<T extends string>(ident: A.Ident | undefined, what: string, values: readonly T[]): T | undefined;
  once(seen: Map<string, A.Span>, key: string, span: A.Span, what: string): boolean;
  notAllowed(item: { keyword: A.Span }, word: string, where: string, belongs: string): void;
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
  const m = /^(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(text);
  if (!m) return undefined;
  return { text, major: Number(m[1]), minor: Number(m[2] ?? 0), ...(m[3] !== undefined ? { patch: Number(m[3]) } : {}) };
}

export function kernelAtLeast(k: KernelVersion, major: number, minor: number): boolean {
  return k.major > major || (k.major === major && k.minor >= minor);
}

class Binder implements BinderCore {
  readonly diagnostics: IrqdDiagnostic[] = [];
  readonly symbols: AnySymbol[] = [];
  readonly references: Model['references'] = [];
  readonly resolved = new WeakMap<A.Ident, AnySymbol>();
  /** This file's systems. */
  private readonly local = new Map<string, SystemSym>();
  readonly systems = new Map<string, SystemSym>();
  readonly scenarios: ScenarioSym[] = [];
  /** Work that needs every declaration first (forward references). */
  private readonly deferred: (() => void)[] = [];
  private readonly steps = new ScenarioBinder(this);
  private readonly imported: ImportedNames;

  constructor(
    private readonly options: BindOptions,
    private readonly text: string,
  ) {
    this.imported = options.imported ?? { systems: new Map(), scenarios: new Map(), origin: new Map() };
  }

  textOf(span: A.Span): string {
    return this.text.slice(span.start, span.end);
  }

  bind(file: A.SourceFile): Model {
    for (const item of file.items) {
      if (item.kind === 'system') this.bindSystem(item);
    }
    // The used files' systems come after this file's: a local name wins, and says so.
    for (const [name, sys] of this.imported.systems) {
      const mine = this.local.get(name);
      if (mine) {
        this.diagnostics.push(diagnostic('IRQD011', mine.nameSpan, `system '${name}' is also declared in ${this.imported.origin.get(sys) ?? 'a used file'}; this file's declaration is used here`));
      } else {
        this.systems.set(name, sys);
      }
    }
    for (const item of file.items) {
      if (item.kind === 'scenario') this.steps.bindScenario(item);
    }
    for (const sc of this.scenarios) this.steps.resolveAfter(sc, this.imported.scenarios);
    for (const sc of this.scenarios) this.steps.checkAfterCycle(sc);
    for (const sc of this.scenarios) {
      if (!sc.system && sc.decl.after && !sc.after) continue;
      if (!sc.system && sc.after) {
        this.diagnostics.push(diagnostic('IRQD016', sc.nameSpan, `scenario '${sc.after.name}' has no system, so this one has none either: say which one it runs on with 'on SYSTEM'`));
      }
    }
    for (const run of this.deferred) run();
    for (const sc of this.scenarios) this.steps.bindSteps(sc);
    this.symbols.sort((a, b) => a.nameSpan.start - b.nameSpan.start);
    this.references.sort((a, b) => a.span.start - b.span.start);
    return {
      systems: this.local,
      scenarios: this.scenarios,
      symbols: this.symbols,
      references: this.references,
      resolved: this.resolved,
      imported: this.imported,
    };
  }

  // ---- names ------------------------------------------------------------

  declare<T extends AnySymbol>(table: Map<string, T>, sym: T, what = kindWord[sym.kind]): void {
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

  /** Per table of names: its names and the suggestions made so far (a file may repeat one unknown name thousands of times). */
  private readonly suggestions = new WeakMap<ReadonlyMap<string, unknown>, { size: number; names: string[]; made: Map<string, string | undefined> }>();

  private suggestionFor(word: string, candidates: ReadonlyMap<string, unknown>): string | undefined {
    let s = this.suggestions.get(candidates);
    // Tables only grow while binding: a new size means new names.
    if (!s || s.size !== candidates.size) {
      s = { size: candidates.size, names: [...candidates.keys()], made: new Map() };
      this.suggestions.set(candidates, s);
    }
    if (s.made.has(word)) return s.made.get(word);
    const made = V.closest(word, s.names);
    s.made.set(word, made);
    return made;
  }

  reference(ident: A.Ident, target: AnySymbol | undefined): void {
    this.references.push({ span: ident.span, name: ident.text, target });
    if (target) this.resolved.set(ident, target);
  }

  /**
   * Resolves a name among candidates of the wanted kinds; reports an unknown
   * name, or a name of another kind found in `others`.
   */
  resolve<T extends AnySymbol>(
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
    const suggestion = this.suggestionFor(ident.text, candidates);
    this.diagnostics.push(
      diagnostic(
        'IRQD010',
        ident.span,
        `unknown ${wanted} '${ident.text}'${where}${suggestion ? `; did you mean '${suggestion}'?` : ''}`,
        suggestion ? { replacements: [{ span: ident.span, text: suggestion }] } : undefined,
      ),
    );
    return undefined;
  }

  /** A word that must be one of `values`; reports IRQD013 and returns undefined otherwise. */
  enumValue<T extends string>(ident: A.Ident | undefined, what: string, values: readonly T[]): T | undefined {
    if (!ident) return undefined;
    if ((values as readonly string[]).includes(ident.text)) return ident.text as T;
    const suggestion = V.closest(ident.text, values);
    this.diagnostics.push(
      diagnostic(
        'IRQD013',
        ident.span,
        `unknown ${what} '${ident.text}': expected ${V.listOf(values)}${suggestion ? ` (did you mean '${suggestion}'?)` : ''}`,
        suggestion ? { replacements: [{ span: ident.span, text: suggestion }] } : undefined,
      ),
    );
    return undefined;
  }

  once(seen: Map<string, A.Span>, key: string, span: A.Span, what: string): boolean {
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

  notAllowed(item: { keyword: A.Span }, word: string, where: string, belongs: string): void {
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
    let destMode: (typeof V.destModes)[number] | undefined;
    let pageSize = 4096;
    const nodes: NumaNode[] = [];
    const backports = new Set<string>();
    let pasid: PasidSpace | undefined;
    let stateDecl: A.StateDecl | undefined;
    let cmdlineItem: A.CmdlineItem | undefined;
    let smtItem: A.SmtItem | undefined;

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
        case 'cmdline':
          if (this.once(seen, 'cmdline', item.span, "'cmdline'")) cmdlineItem = item;
          break;
        case 'smt':
          if (this.once(seen, 'smt', item.span, "'smt'")) smtItem = item;
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
        case 'state':
          if (this.once(seen, 'state', item.span, "'state'")) stateDecl = item;
          break;
        default:
          break;
      }
    }
    if (cpus === undefined && !decl.items.some((i) => i.kind === 'cpus')) {
      this.diagnostics.push(diagnostic('IRQD017', decl.name.span, `system '${decl.name.text}' has no 'cpus'`));
    }

    const apicMode = apic ?? ((cpus ?? 1) > 255 ? 'x2apic' : 'xapic');
    const usable = this.usableCpus(arch, V.usableCpuCount(cpus) ? cpus : 1, apicMode, declaresRemapping(decl.items), extDestId, decl.items);
    // nr_cpus= on the command line lowers nr_cpu_ids: the kernel's CPUs are then only those.
    const cpuCount = cmdlineItem?.value ? nrCpusOf(cmdlineItem.value, usable, arch) : usable;
    const kernelVersion = kernel ?? this.defaultKernel();
    const cmdline = this.cmdlineOf(cmdlineItem, cpuCount, arch);
    this.checkCmdlineTopology(cmdline, cmdlineItem, decl.items, apic);
    const system: SystemSym = {
      kind: 'system',
      name: decl.name.text,
      nameSpan: decl.name.span,
      declSpan: decl.span,
      decl,
      description: decl.description?.text,
      arch,
      kernel: kernelVersion,
      // An unusable count (missing, 0, past NR_CPUS) is reported; what sizes per-CPU tables is then 1.
      cpus: cpuCount,
      cpusKnown: V.usableCpuCount(cpus),
      // Firmware and the kernel switch to x2APIC when APIC IDs exceed 8 bits.
      apic: apicMode,
      extDestId,
      destMode: destMode ?? (apicMode === 'x2apic' && cmdline.x2apicPhys ? 'physical' : V.defaultDestMode(apicMode, cpuCount, kernelVersion, declaresRemapping(decl.items) && !cmdline.intremapOff)),
      destModeChosen: destMode === undefined,
      pageSize,
      cmdline,
      smt: this.threadsPerCore(smtItem, cpuCount),
      nodes,
      backports,
      scope: { domains: new Map(), devices: new Map() },
      guests: new Map(),
      pasid,
    };
    this.declare(this.local, system);
    if (this.local.get(system.name) === system) this.systems.set(system.name, system);
    if (pasid) {
      for (const set of pasid.sets.values()) (set as { container?: SystemSym }).container = system;
    }
    this.bindScopeItems(decl.items, system, system.scope);
    for (const item of decl.items) {
      if (item.kind === 'guest') this.bindGuest(item, system);
    }
    // A state names devices and their capabilities' domains: bound once the scope is resolved.
    if (stateDecl) {
      const decl = stateDecl;
      this.deferred.push(() => (system.state = bindState(this, decl, system)));
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
        const d = domainOf(this, item, owner);
        if (d) {
          this.declare(names, d);
          if (names.get(d.name) === d) scope.domains.set(d.name, d);
        }
      } else if (item.kind === 'device') {
        const d = deviceOf(this, item, owner);
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

  /** The CPUs the kernel brings up: all of them, unless x2APIC without remapping limits the APIC IDs (IRQD054). */
  private usableCpus(arch: string, cpus: number, apic: 'xapic' | 'x2apic', remapped: boolean, extDestId: boolean, items: readonly A.BodyItem[]): number {
    const limit = arch === 'x86_64' ? V.apicIdLimit(apic, remapped, extDestId) : undefined;
    if (limit === undefined || cpus <= limit + 1) return cpus;
    const at = items.find((i): i is A.CpusItem => i.kind === 'cpus');
    this.diagnostics.push(
      diagnostic(
        'IRQD054',
        at?.span ?? items[0]?.span ?? { start: 0, end: 0 },
        `x2APIC without interrupt remapping: try_to_enable_x2apic() limits APIC IDs to ${limit}${extDestId ? ' (the extended destination ID)' : ''}, so the kernel ignores CPUs ${limit + 1}-${cpus - 1} and irqd simulates CPUs 0-${limit}; add an intel-ir or amd-ir domain to use them all`,
      ),
    );
    return limit + 1;
  }

  /**
   * Threads per core (`smt N`): 1, 2, 4 or 8, and a divisor of the CPU count,
   * since CPU c's siblings are c ± k · cpus / N (values.ts siblingsOf()).
   */
  private threadsPerCore(item: A.SmtItem | undefined, cpus: number): number {
    const n = item?.threads;
    if (!item || !n) return 1;
    if (![1, 2, 4, 8].includes(n.value)) {
      this.diagnostics.push(diagnostic('IRQD025', n.span, `smt ${n.text} is not a thread count irqd models: expected 1, 2, 4 or 8 threads per core`));
      return 1;
    }
    if (cpus % n.value !== 0) {
      this.diagnostics.push(diagnostic('IRQD025', n.span, `${cpus} CPUs do not split into cores of ${n.value} threads`));
      return 1;
    }
    return n.value;
  }

  /**
   * What the command line says that the declared topology contradicts: a
   * remapping domain under intremap=off (irq_remapping_prepare() creates
   * none), `apic x2apic` under nox2apic (the kernel enables x2APIC only when
   * firmware already did).
   */
  private checkCmdlineTopology(c: KernelCmdline, item: A.CmdlineItem | undefined, items: readonly A.BodyItem[], apic: string | undefined): void {
    const at = (name: string): A.Span => c.options.find((o) => o.name === name)?.span ?? item?.span ?? { start: 0, end: 0 };
    if (c.intremapOff && declaresRemapping(items)) {
      this.diagnostics.push(diagnostic('IRQD056', at('intremap'), 'intremap=off: the kernel sets up no interrupt remapping (disable_irq_remap), yet the system declares an intel-ir or amd-ir domain: without it the MSI domains sit on VECTOR directly'));
    }
    if (c.noX2apic && apic === 'x2apic') {
      this.diagnostics.push(diagnostic('IRQD056', at('nox2apic'), "nox2apic: the kernel does not switch to x2APIC mode, yet the system says 'apic x2apic': that holds only when the firmware enabled x2APIC before boot"));
    }
  }

  /** The kernel command line of a system or guest (model/cmdline.ts); none is an empty one. */
  private cmdlineOf(item: A.CmdlineItem | undefined, cpus: number, arch: string): KernelCmdline {
    if (!item?.value) return noCmdline;
    return readCmdline(item.value, cpus, arch, this.diagnostics);
  }

  // ---- guests -----------------------------------------------------------

  private bindGuest(decl: A.GuestDecl, system: SystemSym): void {
    if (!decl.name) return;
    const seen = new Map<string, A.Span>();
    let cpus: number | undefined;
    let hypervisor: GuestSym['hypervisor'] = 'visible';
    let apic: GuestSym['apic'] | undefined;
    let destMode: GuestSym['destMode'] | undefined;
    let cmdlineItem: A.CmdlineItem | undefined;
    let smtItem: A.SmtItem | undefined;
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
        case 'cmdline':
          if (this.once(seen, 'cmdline', item.span, "'cmdline'")) cmdlineItem = item;
          break;
        case 'smt':
          if (this.once(seen, 'smt', item.span, "'smt'")) smtItem = item;
          break;
        case 'arch':
        case 'kernel':
        case 'page-size':
        case 'node':
        case 'pasid':
        case 'backport':
          this.notAllowed(item, item.kind === 'pasid' ? 'pasid capacity' : item.kind, 'a guest', 'to the system: a guest runs on its host\'s architecture, kernel model and PASID space');
          break;
        case 'state':
          this.notAllowed(item, 'state', 'a guest', "to the system: a guest's kernel boots fresh at its first 'guest' step");
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
    const declaredCpus = V.usableCpuCount(cpus) ? cpus : 1;
    const guestCpus = cmdlineItem?.value ? nrCpusOf(cmdlineItem.value, declaredCpus, system.arch) : declaredCpus;
    const guestApic = apic ?? ((cpus ?? 1) > 255 ? 'x2apic' : system.apic);
    const guest: GuestSym = {
      kind: 'guest',
      name: decl.name.text,
      nameSpan: decl.name.span,
      declSpan: decl.span,
      container: system,
      decl,
      system,
      // An unusable count (missing, 0, past NR_CPUS) is reported; what sizes per-CPU tables is then 1.
      cpus: guestCpus,
      cpusKnown: V.usableCpuCount(cpus),
      hypervisor,
      // The guest's own APIC: x2APIC when its vCPU IDs need more than 8 bits.
      apic: guestApic,
      destMode: destMode ?? V.defaultDestMode(guestApic, guestCpus, system.kernel, declaresRemapping(decl.items)),
      destModeChosen: destMode === undefined,
      cmdline: this.cmdlineOf(cmdlineItem, guestCpus, system.arch),
      smt: this.threadsPerCore(smtItem, guestCpus),
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
