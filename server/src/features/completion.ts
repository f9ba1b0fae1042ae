// Completion: the keywords valid at the cursor and names of the right kind.
//
// It reads the tokens before the cursor rather than the AST, because the line
// being typed is usually not yet a complete statement: a stack of the blocks
// the cursor is in (system, guest, device, scenario, ...) and the words of the
// current statement decide what may come next.
import { CompletionItemKind, type CompletionItem, type Position } from 'vscode-languageserver';
import type * as A from '../../../grammar/index.js';
import { lex } from '../../../grammar/index.js';
import { MAX_TEXT_LENGTH, type Analysis } from '../analysis/analysis.js';
import type { DomainKind, GuestSym, ScenarioSym, Scope, SystemSym } from '../model/types.js';
import * as V from '../model/values.js';

type BlockKind = 'top' | 'system' | 'guest' | 'device' | 'domain' | 'pasid' | 'state' | 'steps' | 'guest-steps' | 'other';

interface Block {
  readonly kind: BlockKind;
  /** The system whose names are in scope (for a scenario: the one it runs on, possibly from a used file). */
  readonly system?: SystemSym;
  /** The guest whose names are in scope, in that system. */
  readonly guest?: string;
  /** For a domain's braces: its kind. */
  readonly domainKind?: string;
  /** For a device's braces: a platform device (no PCI function). */
  readonly platform?: boolean;
}

const itemKeywords: Record<BlockKind, readonly string[]> = {
  top: ['use', 'system', 'scenario'],
  system: ['arch', 'kernel', 'cpus', 'smt', 'apic', 'dest-mode', 'page-size', 'cmdline', 'node', 'domain', 'device', 'pasid', 'guest', 'backport', 'state'],
  guest: ['cpus', 'smt', 'hypervisor', 'apic', 'dest-mode', 'cmdline', 'domain', 'device', 'assign'],
  device: ['msi', 'msix', 'ims', 'ioapic', 'bar', 'msix-table', 'msix-pba', 'register', 'pasid', 'sriov', 'migration', 'node', 'driver'],
  domain: [],
  pasid: ['set'],
  state: ['online', 'irq'],
  steps: ['alloc', 'free', 'request', 'release', 'affinity', 'offline', 'online', 'mask', 'unmask', 'fire', 'vfio', 'mmio', 'dma', 'pasid', 'guest', 'expect'],
  'guest-steps': ['alloc', 'free', 'request', 'release', 'affinity', 'offline', 'online', 'mask', 'unmask', 'fire', 'vfio', 'mmio', 'dma', 'pasid', 'expect'],
  other: [],
};

/** The items of a platform device's braces: no PCI function, so an IO-APIC line or one DMAR/HPET MSI (check/topology.ts). */
const platformDeviceKeywords: readonly string[] = ['msi', 'ioapic', 'driver', 'node'];

/** Keywords after which a name follows, so a keyword there is a name, not a new statement. */
const nameTakers = new Set(['domain', 'device', 'guest', 'system', 'parent', 'of', 'assign', 'sub', 'set', 'alloc', 'free', 'request', 'release', 'mask', 'unmask', 'fire', 'affinity', 'vfio', 'mmio', 'dma', 'expect', 'on', 'after', 'register', 'driver']);

/** What a bare name looks like (grammar/tokens.ts Identifier); other scenario names are written as strings. */
const BARE_NAME = /^[A-Za-z_][A-Za-z0-9_]*(?:[.-]+[A-Za-z0-9_]+)*$/;

/**
 * Where a selection (`nvme0`, `nvme0[0-3]`, `irq 35`) that starts at `from`
 * ends: the index after it, or undefined while it is still being typed.
 */
function selectionEnd(stmt: readonly string[], from: number): number | undefined {
  const first = stmt[from];
  if (first === undefined) return undefined;
  if (first === 'irq' && stmt[from + 1] !== '[') return stmt[from + 1] === undefined ? undefined : from + 2;
  if (stmt[from + 1] !== '[') return from + 1;
  const close = stmt.indexOf(']', from + 2);
  return close < 0 ? undefined : close + 1;
}

/**
 * A keyword that, on the same line, continues the statement before it rather
 * than starting one: `expect nvme0[0] affinity 0-3`, `pasid alloc S`,
 * `assign vf0 as 00:04.0 domain D`.
 */
function continuesStatement(kind: BlockKind, stmt: readonly string[], word: string): boolean {
  const head = stmt[0];
  if (kind === 'steps' || kind === 'guest-steps') {
    if (head === 'expect' && stmt[1] !== 'fail' && word === 'affinity') return selectionEnd(stmt, 1) === stmt.length;
    if (head === 'pasid' && stmt.length === 1) return word === 'alloc' || word === 'free';
  }
  if ((kind === 'system' || kind === 'guest') && head === 'assign') return word === 'domain';
  return false;
}

function keywordItems(words: readonly string[]): CompletionItem[] {
  return words.map((w) => ({ label: w, kind: CompletionItemKind.Keyword }));
}

function valueItems(words: readonly (string | number)[], detail?: string): CompletionItem[] {
  return words.map((w) => ({ label: String(w), kind: CompletionItemKind.EnumMember, ...(detail ? { detail } : {}) }));
}

interface Ctx {
  readonly analysis: Analysis;
  readonly block: Block;
  /** The words of the statement before the cursor (not the word being typed). */
  readonly stmt: readonly string[];
}

/** The systems a scenario may name: this file's, then the used files' a local one does not hide (as the binder sees them). */
function allSystems(analysis: Analysis): Map<string, SystemSym> {
  const out = new Map(analysis.model.systems);
  for (const [name, sys] of analysis.model.imported.systems) if (!out.has(name)) out.set(name, sys);
  return out;
}

/** The scenarios `after` may name: this file's, then the used files' (as the binder resolves them). */
function allScenarios(analysis: Analysis): Map<string, ScenarioSym> {
  const out = new Map<string, ScenarioSym>();
  for (const sc of analysis.model.scenarios) if (sc.name !== '' && !out.has(sc.name)) out.set(sc.name, sc);
  for (const [name, sc] of analysis.model.imported.scenarios) if (!out.has(name)) out.set(name, sc);
  return out;
}

/** The only system there is, for a scenario without `on`. */
function onlySystem(analysis: Analysis): SystemSym | undefined {
  const systems = allSystems(analysis);
  return systems.size === 1 ? [...systems.values()][0] : undefined;
}

function systemOf(ctx: Ctx): SystemSym | undefined {
  return ctx.block.system ?? onlySystem(ctx.analysis);
}

function guestOf(ctx: Ctx): GuestSym | undefined {
  return ctx.block.guest ? systemOf(ctx)?.guests.get(ctx.block.guest) : undefined;
}

function scopeOf(ctx: Ctx): Scope | undefined {
  return guestOf(ctx)?.scope ?? systemOf(ctx)?.scope;
}

function domainItems(ctx: Ctx, kinds?: readonly DomainKind[]): CompletionItem[] {
  const scope = scopeOf(ctx);
  if (!scope) return [];
  return [...scope.domains.values()]
    .filter((d) => !kinds || (d.domainKind !== undefined && kinds.includes(d.domainKind)))
    .map((d) => ({ label: d.name, kind: CompletionItemKind.Module, detail: `${d.domainKind ?? ''} domain` }));
}

function deviceDetail(d: { bus: 'pci' | 'vf' | 'platform'; pf?: { name: string }; address?: { text: string } }): string {
  if (d.bus === 'vf') return `VF of ${d.pf?.name ?? '?'}`;
  if (d.bus === 'platform') return 'platform device';
  return `pci ${d.address?.text ?? ''}`;
}

/** Devices a step may name: the host's, or in a guest block what the guest sees. */
function deviceItems(ctx: Ctx): CompletionItem[] {
  const guest = guestOf(ctx);
  if (guest) {
    return [...guest.visible.values()].map((d) => ({
      label: d.name,
      kind: CompletionItemKind.Class,
      detail: d.kind === 'sub-device' ? `sub-device (${d.mode})` : 'device',
    }));
  }
  const system = systemOf(ctx);
  if (!system) return [];
  return [...system.scope.devices.values()].map((d) => ({ label: d.name, kind: CompletionItemKind.Class, detail: deviceDetail(d) }));
}

/** What a selection may start with: a device, or (outside a guest, whose IRQ numbers are not the host's) `irq N`. */
function selectionItems(ctx: Ctx): CompletionItem[] {
  return ctx.block.kind === 'guest-steps' ? deviceItems(ctx) : [...deviceItems(ctx), ...keywordItems(['irq'])];
}

function setItems(ctx: Ctx): CompletionItem[] {
  const sets = systemOf(ctx)?.pasid?.sets;
  return sets ? [...sets.values()].map((s) => ({ label: s.name, kind: CompletionItemKind.Variable, detail: `PASID set, quota ${s.quota}` })) : [];
}

function systemItems(ctx: Ctx): CompletionItem[] {
  const origin = ctx.analysis.model.imported.origin;
  return [...allSystems(ctx.analysis).values()].map((s) => {
    const from = origin.get(s);
    return { label: s.name, kind: CompletionItemKind.Module, detail: from ? `system, from ${from}` : 'system' };
  });
}

/** Scenarios `after` may continue from, but not the one being declared; a name that is no bare name is offered as a string. */
function scenarioItems(ctx: Ctx, self: string | undefined): CompletionItem[] {
  const origin = ctx.analysis.model.imported.origin;
  const own = self?.startsWith('"') ? self.slice(1, -1) : self;
  return [...allScenarios(ctx.analysis).values()]
    .filter((sc) => sc.name !== own)
    .map((sc) => {
      const from = origin.get(sc);
      const where = [sc.system ? `on ${sc.system.name}` : '', from ? `from ${from}` : ''].filter(Boolean).join(', ');
      return { label: BARE_NAME.test(sc.name) ? sc.name : JSON.stringify(sc.name), kind: CompletionItemKind.Function, detail: where ? `scenario ${where}` : 'scenario' };
    });
}

function guestItems(ctx: Ctx): CompletionItem[] {
  const system = systemOf(ctx);
  return system ? [...system.guests.values()].map((g) => ({ label: g.name, kind: CompletionItemKind.Module, detail: 'guest' })) : [];
}

/** `scenario NAME [on SYS] [after SCENARIO] {`. */
function scenarioHeaderCompletions(ctx: Ctx, stmt: readonly string[]): CompletionItem[] {
  const n = stmt.length;
  const last = stmt[n - 1];
  if (n === 2) return keywordItems(['on', 'after']);
  if (last === 'on' && n === 3) return systemItems(ctx);
  if (last === 'after' && (n === 3 || n === 5)) return scenarioItems(ctx, stmt[1]);
  if (stmt[2] === 'on' && n === 4) return keywordItems(['after']);
  return [];
}

/** Words after which `alloc` expects a number (or, after `via`, a kind). */
const allocValueWords = new Set(['min', 'pre', 'post', 'sets', ',', 'via']);

function allocCompletions(stmt: readonly string[]): CompletionItem[] {
  const last = stmt[stmt.length - 1] as string;
  if (last === 'via') return valueItems(V.allocKinds);
  if (allocValueWords.has(last)) return [];
  // struct irq_affinity (`pre`, `post`, `sets`) describes a managed spread.
  const options = stmt.includes('managed') ? ['min', 'managed', 'via', 'pre', 'post', 'sets'] : ['min', 'managed', 'via'];
  return keywordItems(options.filter((k) => !stmt.includes(k)));
}

function stepCompletions(ctx: Ctx, stmt: readonly string[]): CompletionItem[] {
  const head = stmt[0] as string;
  const last = stmt[stmt.length - 1] as string;
  const n = stmt.length;
  switch (head) {
    case 'alloc':
      if (n === 1) return deviceItems(ctx);
      return n >= 3 ? allocCompletions(stmt) : [];
    case 'free':
      return n === 1 ? deviceItems(ctx) : [];
    case 'request':
    case 'release':
    case 'mask':
    case 'unmask':
    case 'fire':
    case 'affinity':
      return n === 1 ? selectionItems(ctx) : [];
    case 'vfio':
      if (n === 1) return deviceItems(ctx);
      return n === 2 ? valueItems(V.vfioStates, 'VFIO migration state') : [];
    case 'mmio':
      if (n === 1) return deviceItems(ctx);
      if (n === 2) return keywordItems(['read', 'write']);
      if (n === 3) return keywordItems(['bar']);
      if (last !== 'offset' && n === 5) return keywordItems(['offset']);
      return [];
    case 'dma':
      if (n === 1) return deviceItems(ctx);
      if (last === '->') return [...deviceItems(ctx), { label: 'memory', kind: CompletionItemKind.EnumMember }];
      return [];
    case 'pasid':
      if (n === 1) return keywordItems(['alloc', 'free', 'quota']);
      return n === 2 ? setItems(ctx) : [];
    case 'guest':
      return n === 1 ? guestItems(ctx) : [];
    case 'offline':
    case 'online':
      return n === 1 ? keywordItems(['cpu']) : [];
    case 'expect':
      return expectCompletions(ctx, stmt);
    default:
      return [];
  }
}

/** What `expect SELECTION` may assert. */
const selectionAssertions: readonly string[] = ['cpu', 'affinity', 'vector', 'message', 'lost', 'delivered', 'irte'];

function expectCompletions(ctx: Ctx, stmt: readonly string[]): CompletionItem[] {
  const n = stmt.length;
  const second = stmt[1];
  if (n === 1) return [...keywordItems(['cpu', 'vfio', 'pasid', 'fail']), ...selectionItems(ctx)];
  if (second === 'fail') {
    const rest = stmt.slice(2).filter((w) => !w.startsWith('-E'));
    if (rest.length === 0) return keywordItems(itemKeywords[ctx.block.kind === 'guest-steps' ? 'guest-steps' : 'steps'].filter((k) => k !== 'expect'));
    return stepCompletions(ctx, rest);
  }
  if (second === 'vfio') return n === 2 ? deviceItems(ctx) : n === 3 ? valueItems(V.vfioStates) : [];
  if (second === 'pasid') return n === 2 ? setItems(ctx) : n === 3 ? keywordItems(['used']) : [];
  if (second === 'cpu' && n === 3) return keywordItems(['available']);
  // After a selection (`nvme0`, `nvme0[3]` or `irq 35`): what to assert about it.
  return selectionEnd(stmt, 1) === n ? keywordItems(selectionAssertions) : [];
}

/** The words of a state's `irq` line after its source (grammar/parser-topology.ts stateIrq). */
const stateIrqFields: readonly string[] = ['via', 'managed', 'cpu', 'vector', 'affinity', 'pending', 'previous', 'irte', 'message'];

/**
 * `irq N SOURCE [via K] [managed] STATUS [cpu C vector V] …`: reads the words
 * after the source and says what may come next: more fields, or the value a
 * field is waiting for.
 */
function stateIrqCompletions(ctx: Ctx, stmt: readonly string[]): CompletionItem[] {
  const n = stmt.length;
  if (n === 1) return [];
  if (n === 2) return deviceItems(ctx);
  const from = selectionEnd(stmt, 2);
  if (from === undefined || stmt[2] === 'irq') return [];
  const used = new Set<string>();
  const isNumber = (w: string | undefined): boolean => w !== undefined && /^[0-9]/.test(w);
  let i = from;
  while (i < n) {
    const w = stmt[i] as string;
    used.add(w);
    switch (w) {
      case 'via':
        if (i + 1 >= n) return valueItems(V.allocKinds);
        i += 2;
        break;
      case 'cpu':
      case 'vector':
      case 'irte':
        if (i + 1 >= n) return [];
        i += 2;
        break;
      case 'message':
        if (i + 2 >= n) return [];
        i += 3;
        break;
      case 'affinity':
      case 'pending':
        // A CPU list: numbers joined by ',' and '-'.
        i++;
        if (i >= n) return [];
        while (i < n && (isNumber(stmt[i]) || stmt[i] === ',' || stmt[i] === '-')) i++;
        if (stmt[i - 1] === ',' || stmt[i - 1] === '-') return [];
        break;
      case 'previous':
        // `previous cpu C vector V`.
        if (i + 1 >= n) return keywordItems(['cpu']);
        if (i + 3 === n) return keywordItems(['vector']);
        if (i + 5 > n) return [];
        i += 5;
        break;
      default:
        i++;
    }
  }
  const hasStatus = V.irqStatuses.some((s) => used.has(s));
  return [
    ...keywordItems(stateIrqFields.filter((f) => !used.has(f))),
    ...(hasStatus ? [] : valueItems(V.irqStatuses, 'IRQ status')),
    ...valueItems(V.irqStateFlags.filter((f) => !used.has(f)), 'IRQ flag'),
  ];
}

function stateCompletions(ctx: Ctx, stmt: readonly string[]): CompletionItem[] {
  switch (stmt[0]) {
    case 'online':
      return stmt.length === 1 ? keywordItems(['cpu']) : [];
    case 'irq':
      return stateIrqCompletions(ctx, stmt);
    default:
      return [];
  }
}

function bodyCompletions(ctx: Ctx, stmt: readonly string[]): CompletionItem[] {
  const head = stmt[0] as string;
  const last = stmt[stmt.length - 1] as string;
  const n = stmt.length;
  switch (head) {
    case 'arch':
      return n === 1 ? valueItems(V.archs) : [];
    case 'apic':
      return n === 1 ? valueItems(V.apicModes) : [];
    case 'dest-mode':
      return n === 1 ? valueItems(V.destModes) : [];
    case 'kernel':
      return n === 1 ? valueItems(V.kernelNames) : [];
    case 'backport':
      return V.backportNames.filter((b) => !stmt.includes(b)).map((b) => ({ label: b, kind: CompletionItemKind.EnumMember, detail: V.backports[b] }));
    case 'hypervisor':
      return n === 1 ? valueItems(V.hypervisorModes) : [];
    case 'page-size':
      return n === 1 ? valueItems(['4K', '16K', '64K']) : [];
    case 'node':
      return n === 2 && ctx.block.kind !== 'device' ? keywordItems(['cpus']) : [];
    case 'pasid':
      return n === 1 && ctx.block.kind === 'system' ? keywordItems(['capacity']) : [];
    case 'domain': {
      if (n === 2) {
        return V.domainKinds.map((k) => ({ label: k, kind: CompletionItemKind.EnumMember, detail: V.domainKindInfo[k].summary }));
      }
      if (last === 'parent') {
        const kind = stmt[2] as DomainKind | undefined;
        const parents = kind && Object.hasOwn(V.domainKindInfo, kind) ? V.domainKindInfo[kind].parents : undefined;
        return domainItems(ctx, parents);
      }
      return n === 3 ? keywordItems(['parent']) : [];
    }
    case 'device':
      if (n === 2) return keywordItems(['pci', 'vf', 'platform']);
      if (last === 'vf') return keywordItems(['of']);
      if (last === 'of') {
        return (deviceItems(ctx) ?? []).filter((d) => systemOf(ctx)?.scope.devices.get(d.label)?.sriov !== undefined);
      }
      if (stmt[2] === 'vf' && n === 5) return keywordItems(['index']);
      return [];
    case 'assign': {
      const system = systemOf(ctx);
      if (n === 1) {
        return system ? [...system.scope.devices.values()].map((d) => ({ label: d.name, kind: CompletionItemKind.Class, detail: 'host device' })) : [];
      }
      if (n === 2) return keywordItems(['as', 'sub']);
      if (last === 'mode') return valueItems(V.subModes);
      if (stmt[2] === 'sub' && n === 4) return keywordItems(['mode']);
      if (last === 'domain') return domainItems(ctx, stmt[2] === 'sub' ? ['ims', 'pci-msi'] : ['pci-msi']);
      if ((stmt[2] === 'as' && n === 4) || (stmt[2] === 'sub' && n === 6)) return keywordItems(['domain']);
      return [];
    }
    default:
      return [];
  }
}

function deviceCompletions(ctx: Ctx, stmt: readonly string[]): CompletionItem[] {
  const head = stmt[0] as string;
  const last = stmt[stmt.length - 1] as string;
  const n = stmt.length;
  switch (head) {
    case 'msi':
    case 'msix':
    case 'ims':
      if (n === 2) return keywordItems(['domain']);
      // A platform device's MSI is the IOMMU's or the HPET's own (check/topology.ts).
      if (last === 'domain') return domainItems(ctx, ctx.block.platform ? ['dmar-msi', 'hpet-msi'] : head === 'ims' ? ['ims'] : ['pci-msi']);
      if (last === 'maskable') return valueItems(V.yesNo);
      if (last === 'storage') return valueItems(V.imsStorages);
      if (n >= 4) return keywordItems(head === 'ims' ? ['storage'] : ['maskable']);
      return [];
    case 'ioapic': {
      // `ioapic pin P [domain D] [irq N] [edge|level]`, the options in any order.
      if (n === 1) return keywordItems(['pin']);
      if (last === 'domain') return domainItems(ctx, ['ioapic']);
      if (n < 3 || last === 'pin' || last === 'irq') return [];
      const rest = stmt.slice(3);
      const options = ['domain', 'irq'].filter((k) => !rest.includes(k));
      const triggers = rest.some((w) => (V.triggers as readonly string[]).includes(w)) ? [] : valueItems(V.triggers, 'trigger');
      return [...keywordItems(options), ...triggers];
    }
    case 'driver':
      return n === 1 ? Object.entries(V.modelledDrivers).map(([name, why]) => ({ label: name, kind: CompletionItemKind.Value, detail: 'driver irqd models', documentation: why })) : [];
    case 'bar':
      return n === 2 ? keywordItems(['size']) : [];
    case 'msix-table':
    case 'msix-pba':
      if (n === 1) return keywordItems(['bar']);
      return n === 3 ? keywordItems(['offset']) : [];
    case 'register':
      if (n === 2) return keywordItems(['bar']);
      if (n === 4) return keywordItems(['offset']);
      return n === 6 ? keywordItems(['size']) : [];
    case 'migration':
      return valueItems(V.migrationFlags.filter((f) => !stmt.includes(f)), 'VFIO migration flag');
    default:
      return [];
  }
}

/**
 * Where the replay of tokens may start: just after the last top-level block
 * that ends with its '}' before the cursor, when nothing before it is broken
 * (an unbalanced brace before it would leave the replay inside a block).
 */
/**
 * Test switch: replay every request from the start of the file, the
 * reference the replay starts are compared against
 * (test/features/completion.test.ts).
 */
let replayFromStart = false;

export function setReplayFromStart(on: boolean): void {
  replayFromStart = on;
}

function replayStart(analysis: Analysis, offset: number): number {
  if (replayFromStart) return 0;
  const firstError = analysis.parse.errors[0]?.span.start ?? Infinity;
  // Past a syntax error the items do not say where the replay stands: the replay's own top-level closes do.
  if (firstError < offset) return lastTopClose(analysis, offset);
  let from = 0;
  for (const item of analysis.parse.ast.items) {
    const end = item.span.end;
    if (end > offset) break;
    if (analysis.text.charCodeAt(end - 1) === 125 /* '}' */) from = end;
  }
  return from;
}

/** Per analysis: where the replay of the whole file is back at the top level, after each '}' that gets it there. */
const topCloses = new WeakMap<Analysis, readonly number[]>();

/**
 * The last point before offset where a replay of the whole file stands at
 * the top level with no statement begun: just after a '}' that leaves no
 * block open (the replay pops a block at every '}' and opens one at every
 * '{', so that state is all it carries). Replaying from there is replaying
 * from the start, in a broken 1 MB file without lexing 1 MB per request.
 */
function lastTopClose(analysis: Analysis, offset: number): number {
  let closes = topCloses.get(analysis);
  if (!closes) {
    const found: number[] = [];
    let depth = 1;
    for (const t of lex(analysis.text)) {
      if (t.image === '{') depth++;
      else if (t.image === '}') {
        if (depth > 1) depth--;
        if (depth === 1) found.push(t.startOffset + 1);
      }
    }
    closes = found;
    topCloses.set(analysis, closes);
  }
  let lo = 0;
  let hi = closes.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((closes[mid] as number) <= offset) lo = mid + 1;
    else hi = mid;
  }
  return lo > 0 ? (closes[lo - 1] as number) : 0;
}

/** Block stack and current statement from the tokens before the cursor. */
function contextAt(analysis: Analysis, offset: number): { block: Block; stmt: string[]; partial: boolean } | undefined {
  // Replaying from the last closed top-level block before the cursor gives the
  // same context as replaying the whole file, in time proportional to the block.
  const from = replayStart(analysis, offset);
  const before = analysis.text.slice(from, offset);
  const tokens = lex(before);
  for (const t of tokens) t.startOffset += from;
  const stack: Block[] = [{ kind: 'top' }];
  let stmt: string[] = [];
  let stmtFirstOnLine = true;
  let prevEnd = from;
  for (const t of tokens) {
    const lineStart = /[\r\n]/.test(before.slice(prevEnd - from, t.startOffset - from));
    prevEnd = t.startOffset + t.image.length;
    const top = stack[stack.length - 1] as Block;
    if (t.image === '{') {
      stack.push(openBlock(top, stmt, analysis, t.startOffset));
      stmt = [];
      continue;
    }
    if (t.image === '}') {
      if (stack.length > 1) stack.pop();
      stmt = [];
      continue;
    }
    const prev = stmt[stmt.length - 1];
    const inSteps = top.kind === 'steps' || top.kind === 'guest-steps';
    const startsItem =
      itemKeywords[top.kind].includes(t.image) &&
      (stmt.length === 0 ||
        lineStart ||
        (prev !== undefined &&
          !nameTakers.has(prev) &&
          !(inSteps && stmt[0] === 'expect' && stmt[1] === 'fail' && stmt.length === 2) &&
          !continuesStatement(top.kind, stmt, t.image)));
    if (startsItem || (lineStart && stmt.length > 0 && !stmtFirstOnLine)) {
      stmt = [];
    }
    if (stmt.length === 0) stmtFirstOnLine = lineStart;
    stmt.push(t.image);
  }
  const block = stack[stack.length - 1] as Block;
  // The word being typed is not part of the context.
  const last = tokens[tokens.length - 1];
  const partial = last !== undefined && last.startOffset + last.image.length === offset && /[A-Za-z0-9_.-]$/.test(last.image);
  if (partial) stmt.pop();
  // On a fresh line after a statement, the user starts the next one.
  if (!partial && last && /[\r\n]/.test(before.slice(last.startOffset + last.image.length - from))) stmt = [];
  return { block, stmt, partial };
}

/** The system a scenario runs on: as the binder resolved it, else from `on` or `after` as typed so far. */
function scenarioSystem(stmt: readonly string[], analysis: Analysis, open: number): SystemSym | undefined {
  const sym = analysis.model.scenarios.find((sc) => sc.decl.body?.start === open);
  if (sym?.system) return sym.system;
  const on = stmt.indexOf('on');
  const system = on >= 0 ? stmt[on + 1] : undefined;
  if (system !== undefined) return allSystems(analysis).get(system);
  const after = stmt.indexOf('after');
  const from = after >= 0 ? stmt[after + 1] : undefined;
  if (from !== undefined) return allScenarios(analysis).get(from.startsWith('"') ? from.slice(1, -1) : from)?.system;
  return onlySystem(analysis);
}

function openBlock(parent: Block, stmt: readonly string[], analysis: Analysis, open: number): Block {
  const head = stmt[0];
  switch (parent.kind) {
    case 'top':
      if (head === 'system') return { kind: 'system', system: stmt[1] === undefined ? undefined : analysis.model.systems.get(stmt[1]) };
      if (head === 'scenario') return { kind: 'steps', system: scenarioSystem(stmt, analysis, open) };
      return { kind: 'other' };
    case 'system':
    case 'guest':
      if (head === 'guest' && parent.kind === 'system') return { kind: 'guest', system: parent.system, guest: stmt[1] };
      if (head === 'device') return { kind: 'device', system: parent.system, guest: parent.guest, platform: stmt[2] === 'platform' };
      if (head === 'domain') return { kind: 'domain', system: parent.system, guest: parent.guest, domainKind: stmt[2] };
      if (head === 'pasid') return { kind: 'pasid', system: parent.system };
      // A declared machine state belongs to a system (a guest's kernel boots fresh).
      if (head === 'state' && parent.kind === 'system') return { kind: 'state', system: parent.system };
      return { kind: 'other' };
    case 'steps':
      if (head === 'guest') return { kind: 'guest-steps', system: parent.system, guest: stmt[1] };
      return { kind: 'other' };
    default:
      return { kind: 'other' };
  }
}

function insideCommentOrString(analysis: Analysis, offset: number): boolean {
  for (const c of analysis.parse.comments) {
    if (c.start < offset && offset <= c.end) {
      // A line comment ends at the line break; the cursor after it is outside.
      return analysis.text.startsWith('/*', c.start) ? offset < c.end || !analysis.text.startsWith('*/', c.end - 2) : true;
    }
  }
  const line = analysis.lines.position(offset);
  const lineText = analysis.lines.lineText(line.line).slice(0, line.character);
  return (lineText.match(/"/g)?.length ?? 0) % 2 === 1;
}

/** Whether the offset is inside the quotes of a `cmdline "…"` of a system or guest. */
function insideCmdline(analysis: Analysis, offset: number): boolean {
  for (const item of analysis.parse.ast.items) {
    if (item.kind !== 'system' || offset < item.span.start || offset > item.span.end) continue;
    const within = (items: readonly A.BodyItem[]): boolean =>
      items.some((i) => (i.kind === 'cmdline' && i.value !== undefined && offset > i.value.span.start && offset <= i.value.span.end) || (i.kind === 'guest' && within(i.items)));
    return within(item.items);
  }
  return false;
}

/** The kernel parameters irqd simulates, for completion inside a `cmdline` string. */
const cmdlineOptions: readonly { label: string; insert: string; detail: string }[] = [
  { label: 'irqaffinity=', insert: 'irqaffinity=', detail: 'irq_default_affinity: the CPUs non-managed IRQs start on (the boot CPU is always added)' },
  { label: 'isolcpus=managed_irq,', insert: 'isolcpus=managed_irq,', detail: 'managed IRQs kept off the listed CPUs when their mask has another online CPU' },
  { label: 'nr_cpus=', insert: 'nr_cpus=', detail: 'nr_cpu_ids: only CPUs 0 to N-1 exist' },
  { label: 'maxcpus=', insert: 'maxcpus=', detail: 'only the first N CPUs are brought up at boot (a kdump kernel: maxcpus=1)' },
  { label: 'noirqdebug', insert: 'noirqdebug', detail: "note_interrupt() off: no IRQ is disabled as 'nobody cared'" },
];

export function completion(analysis: Analysis, position: Position): CompletionItem[] {
  // A file over the limit is not analysed (IRQD004): nothing to complete from, and no text is lexed.
  if (analysis.text.length > MAX_TEXT_LENGTH) return [];
  const offset = analysis.lines.offset(position);
  if (insideCmdline(analysis, offset)) return cmdlineOptions.map((o) => ({ label: o.label, kind: CompletionItemKind.Property, detail: o.detail, insertText: o.insert }));
  if (insideCommentOrString(analysis, offset)) return [];
  const at = contextAt(analysis, offset);
  if (!at) return [];
  const { block, stmt } = at;
  const ctx: Ctx = { analysis, block, stmt };
  if (stmt.length === 0) {
    if (block.kind === 'domain') {
      const kind = block.domainKind as DomainKind | undefined;
      const props = kind && Object.hasOwn(V.domainKindInfo, kind) ? Object.keys(V.domainKindInfo[kind].props) : [];
      return keywordItems(props);
    }
    return keywordItems(block.kind === 'device' && block.platform ? platformDeviceKeywords : itemKeywords[block.kind]);
  }
  let items: CompletionItem[];
  switch (block.kind) {
    case 'top':
      items = stmt[0] === 'scenario' ? scenarioHeaderCompletions(ctx, stmt) : [];
      break;
    case 'system':
    case 'guest':
      items = bodyCompletions(ctx, stmt);
      break;
    case 'device':
      items = deviceCompletions(ctx, stmt);
      break;
    case 'state':
      items = stateCompletions(ctx, stmt);
      break;
    case 'steps':
    case 'guest-steps':
      items = stepCompletions(ctx, stmt);
      break;
    default:
      items = [];
  }
  return items;
}
