// The binder's part for scenarios: each scenario's system and the scenario
// it continues (`after`), and every name its steps use, resolved in the
// scope the step runs in (the system's devices, or a guest's view).
import type * as A from '../../../grammar/index.js';
import type { BinderCore } from './binder.js';
import { diagnostic } from './diagnostic.js';
import type { AnySymbol, DeviceSym, GuestSym, ScenarioSym, SubDeviceSym, SystemSym } from './types.js';
import * as V from './values.js';

/** The most interrupts one `fire` step raises. */
export const MAX_FIRE_COUNT = 1_000_000_000;

export class ScenarioBinder {
  /** The scenarios of this file by name, in order (duplicates are IRQD011): built as they are declared. */
  private readonly byName = new Map<string, ScenarioSym[]>();
  /** Scenarios whose `after` chain is known to end without a cycle. */
  private readonly acyclic = new Set<ScenarioSym>();
  /** For unknown `after` names: every scenario name once (this file's first, then the used files'), made once. */
  private afterTable: Map<string, ScenarioSym> | undefined;
  /** The same table for a scenario that is the first of its name, without it: one per such name. */
  private readonly afterTablesWithout = new Map<string, ReadonlyMap<string, ScenarioSym>>();

  constructor(private readonly b: BinderCore) {}

  /** Declares a scenario and resolves its system; `after` is resolved once every scenario is known. */
  bindScenario(decl: A.ScenarioDecl): void {
    let system: SystemSym | undefined;
    if (decl.system) {
      system = this.b.resolve(decl.system, 'system', this.b.systems);
    } else if (decl.after) {
      // The system of the scenario it continues, found in resolveAfter().
    } else if (this.b.systems.size === 1) {
      system = [...this.b.systems.values()][0];
    } else {
      const span = decl.name?.span ?? decl.keyword;
      this.b.diagnostics.push(
        diagnostic(
          'IRQD016',
          span,
          this.b.systems.size === 0
            ? 'this scenario has no system to run on: declare one with \'system NAME { ... }\''
            : `this file declares ${this.b.systems.size} systems: say which one the scenario runs on with 'on SYSTEM'`,
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
    const same = name === '' ? undefined : this.byName.get(name);
    const previous = same?.[0];
    if (previous) {
      this.b.diagnostics.push(
        diagnostic('IRQD011', sym.nameSpan, `scenario '${name}' is already declared`, {
          related: [{ span: previous.nameSpan, message: 'first declared here' }],
        }),
      );
    }
    this.b.symbols.push(sym);
    this.b.scenarios.push(sym);
    if (same) same.push(sym);
    else this.byName.set(name, [sym]);
  }

  /** Every scenario but sc by name: this file's first of each name, then the used files'. */
  private afterCandidates(sc: ScenarioSym, imported: ReadonlyMap<string, ScenarioSym>): ReadonlyMap<string, ScenarioSym> {
    let table = this.afterTable;
    if (!table) {
      table = new Map<string, ScenarioSym>();
      for (const s of this.b.scenarios) if (!table.has(s.name)) table.set(s.name, s);
      for (const [n, s] of imported) if (!table.has(n)) table.set(n, s);
      this.afterTable = table;
    }
    if (table.get(sc.name) !== sc) return table;
    let without = this.afterTablesWithout.get(sc.name);
    if (!without) {
      const copy = new Map(table);
      // The next scenario of that name stands for it, else a used file's, else none.
      const next = this.byName.get(sc.name)?.find((s) => s !== sc) ?? imported.get(sc.name);
      if (next) copy.set(sc.name, next);
      else copy.delete(sc.name);
      without = copy;
      this.afterTablesWithout.set(sc.name, without);
    }
    return without;
  }

  /**
   * `after S`: S is a scenario of this file or of a used one. The scenario
   * runs on S's system unless it names its own, which must then be the same;
   * a chain of `after` that comes back to where it started is refused.
   */
  resolveAfter(sc: ScenarioSym, imported: ReadonlyMap<string, ScenarioSym>): void {
    const ident = sc.decl.after;
    if (!ident) return;
    // The first other scenario of that name in this file, else a used file's: a lookup,
    // not a table of every scenario per scenario (files of thousands of scenarios).
    const hit = this.byName.get(ident.text)?.find((s) => s !== sc) ?? imported.get(ident.text);
    let target: ScenarioSym | undefined;
    if (hit) {
      this.b.reference(ident, hit);
      target = hit;
    } else {
      // Unknown: the whole table, for the message and its "did you mean" (made once: 9,000 unknown names in a 4 MiB file were a table each).
      target = this.b.resolve(ident, 'scenario', this.afterCandidates(sc, imported));
    }
    if (!target) return;
    sc.after = target;
    if (!sc.system) sc.system = target.system;
    else if (target.system && target.system !== sc.system) {
      this.b.diagnostics.push(
        diagnostic('IRQD052', ident.span, `scenario '${target.name}' runs on system '${target.system.name}', not on '${sc.system.name}': a scenario continues on the system it starts from`),
      );
    }
  }

  /** Reports a chain of `after` that leads back to a scenario of it. */
  checkAfterCycle(sc: ScenarioSym): void {
    const seen = new Set<ScenarioSym>([sc]);
    for (let s = sc.after; s; s = s.after) {
      if (s === sc) {
        this.b.diagnostics.push(diagnostic('IRQD052', sc.decl.after?.span ?? sc.nameSpan, `scenario '${sc.name}' continues from itself through 'after'`));
        sc.after = undefined;
        return;
      }
      if (seen.has(s)) return;
      // The rest of the chain is known to end: so does this one (a long chain is walked once, not once per scenario).
      if (this.acyclic.has(s)) break;
      seen.add(s);
    }
    for (const s of seen) this.acyclic.add(s);
  }

  bindSteps(sc: ScenarioSym): void {
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
      this.b.reference(ident, system.scope.devices.get(ident.text));
      this.b.diagnostics.push(
        diagnostic('IRQD010', ident.span, `device '${ident.text}' is not assigned to guest '${guest.name}'; add 'assign ${ident.text} as BB:DD.F' to the guest`),
      );
      return;
    }
    this.b.resolve(ident, 'device', table, others, guest ? ` in guest '${guest.name}'` : '');
  }

  /** `irq N` names a host IRQ; inside `guest G { }` a guest's IRQ numbers are not the host's. */
  private irqInGuest(n: A.NumberLit): void {
    this.b.diagnostics.push(diagnostic('IRQD014', n.span, "'irq N' selects a host IRQ by number; inside a guest, select the guest's vectors by device"));
  }

  private setRef(ident: A.Ident | undefined, system: SystemSym): void {
    if (!ident) return;
    if (!system.pasid) {
      this.b.reference(ident, undefined);
      this.b.diagnostics.push(
        diagnostic('IRQD010', ident.span, `unknown PASID set '${ident.text}': system '${system.name}' declares no 'pasid capacity N { set ... }'`),
      );
      return;
    }
    this.b.resolve(ident, 'PASID set', system.pasid.sets);
  }

  private bindStep(step: A.Step, system: SystemSym, guest: GuestSym | undefined): void {
    switch (step.kind) {
      case 'alloc':
        this.deviceRef(step.device, system, guest);
        this.b.enumValue(step.via, "'via' kind", V.allocKinds);
        for (const span of step.repeated) {
          this.b.diagnostics.push(diagnostic('IRQD015', span, `'${this.b.textOf(span)}' is given twice in one 'alloc'`));
        }
        // struct irq_affinity only applies to a managed spread (pci_alloc_irq_vectors_affinity() with PCI_IRQ_AFFINITY).
        if (!step.managed) {
          for (const opt of [step.pre && { word: 'pre', span: step.pre.span }, step.post && { word: 'post', span: step.post.span }, step.sets && { word: 'sets', span: step.sets.span }]) {
            if (opt) this.b.diagnostics.push(diagnostic('IRQD014', opt.span, `'${opt.word}' describes a managed spread (struct irq_affinity): add 'managed'`));
          }
        }
        break;
      case 'free':
        this.deviceRef(step.device, system, guest);
        break;
      case 'fire':
        // N interrupts are counted, not walked (sim/spurious.ts): the bound only keeps the number exact.
        if (step.count && !(step.count.value >= 1 && step.count.value <= MAX_FIRE_COUNT)) {
          this.b.diagnostics.push(diagnostic('IRQD025', step.count.span, `fire ${step.count.text}: a step raises 1 to ${MAX_FIRE_COUNT.toLocaleString('en-US')} interrupts`));
        }
        this.b.enumValue(step.handling, 'handler result', ['handled', 'unhandled']);
        if (step.selection) this.deviceRef(step.selection.device, system, guest);
        if (step.selection?.irq && guest) this.irqInGuest(step.selection.irq);
        break;
      case 'request':
      case 'release':
      case 'mask':
      case 'unmask':
      case 'affinity':
        if (step.selection) this.deviceRef(step.selection.device, system, guest);
        if (step.selection?.irq && guest) this.irqInGuest(step.selection.irq);
        break;
      case 'vfio':
        this.deviceRef(step.device, system, guest);
        this.b.enumValue(step.state, 'VFIO state', V.vfioStates);
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
          this.b.diagnostics.push(diagnostic('IRQD014', step.keyword, "'guest' steps do not nest: the steps are already inside a guest"));
          break;
        }
        const g = this.b.resolve(step.guest, 'guest', system.guests, [system.scope.devices, system.scope.domains], ` in system '${system.name}'`);
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
      case 'affinity':
      case 'vector':
      case 'message':
      case 'lost':
      case 'delivered':
      case 'irte':
        this.deviceRef(a.selection.device, system, guest);
        if (a.selection.irq && guest) this.irqInGuest(a.selection.irq);
        break;
      case 'vfio':
        this.deviceRef(a.device, system, guest);
        this.b.enumValue(a.state, 'VFIO state', V.vfioStates);
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
