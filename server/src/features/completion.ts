// Completion: the keywords valid at the cursor, names of the right kind, and
// where a statement can start, the snippets of snippets.ts after them.
//
// completion-context.ts says where the cursor stands (the blocks it is in and
// the words of the statement before it); this file says what may come next.
// Keywords and values carry the documentation of keyword-docs.ts.
import { CompletionItemKind, MarkupKind, type CompletionItem, type Position } from 'vscode-languageserver';
import { MAX_TEXT_LENGTH, type Analysis } from '../analysis/analysis.js';
import type { DomainKind, GuestSym, Scope, SystemSym } from '../model/types.js';
import * as V from '../model/values.js';
import {
  allScenarios,
  allSystems,
  contextAt,
  docContext,
  insideCmdline,
  insideCommentOrString,
  itemKeywords,
  onlySystem,
  platformDeviceKeywords,
  selectionEnd,
  type Block,
} from './completion-context.js';
import { docOf, keywordMarkdownOf, type DocContext } from './keyword-docs.js';
import { snippetItems } from './snippets.js';

export { setReplayFromStart } from './completion-context.js';

/** What a bare name looks like (grammar/tokens.ts Identifier); other scenario names are written as strings. */
const BARE_NAME = /^[A-Za-z_][A-Za-z0-9_]*(?:[.-]+[A-Za-z0-9_]+)*$/;

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

/** The kernel parameters irqd simulates, for completion inside a `cmdline` string. */
const cmdlineOptions: readonly { label: string; insert: string; detail: string }[] = [
  { label: 'irqaffinity=', insert: 'irqaffinity=', detail: 'irq_default_affinity: the CPUs non-managed IRQs start on (the boot CPU is always added)' },
  { label: 'isolcpus=managed_irq,', insert: 'isolcpus=managed_irq,', detail: 'managed IRQs kept off the listed CPUs when their mask has another online CPU' },
  { label: 'nr_cpus=', insert: 'nr_cpus=', detail: 'nr_cpu_ids: only CPUs 0 to N-1 exist' },
  { label: 'maxcpus=', insert: 'maxcpus=', detail: 'only the first N CPUs are brought up at boot (a kdump kernel: maxcpus=1)' },
  { label: 'noirqdebug', insert: 'noirqdebug', detail: "note_interrupt() off: no IRQ is disabled as 'nobody cared'" },
];

/** A keyword with its documentation (its form, what the kernel does, the values it takes), when the table has it. */
function documentedKeyword(word: string, context: DocContext | undefined): CompletionItem {
  const doc = docOf(word, context);
  return doc ? { label: word, kind: CompletionItemKind.Keyword, documentation: { kind: MarkupKind.Markdown, value: keywordMarkdownOf(doc) } } : { label: word, kind: CompletionItemKind.Keyword };
}

/** What may start a statement in a block, per block kind (a platform device apart): documented keywords, then snippets. Built once. */
const statementStarts = new Map<string, readonly CompletionItem[]>();

function statementItems(block: Block, snippets: boolean): readonly CompletionItem[] {
  const key = `${block.kind === 'device' && block.platform ? 'platform-device' : block.kind}${snippets ? '+snippets' : ''}`;
  let items = statementStarts.get(key);
  if (!items) {
    const words = block.kind === 'device' && block.platform ? platformDeviceKeywords : itemKeywords[block.kind];
    const context = docContext(block.kind);
    items = [...words.map((w) => documentedKeyword(w, context)), ...(snippets ? snippetItems(block.kind) : [])];
    statementStarts.set(key, items);
  }
  return items;
}

/** `snippets`: whether the client inserts snippet syntax (its snippetSupport); a client that does not would insert `${1:host}` as text. */
export function completion(analysis: Analysis, position: Position, snippets = true): CompletionItem[] {
  // A file over the limit is not analysed (IRQD004): nothing to complete from, and no text is lexed.
  if (analysis.text.length > MAX_TEXT_LENGTH) return [];
  const offset = analysis.lines.offset(position);
  if (insideCmdline(analysis, offset)) return cmdlineOptions.map((o) => ({ label: o.label, kind: CompletionItemKind.Property, detail: o.detail, insertText: o.insert }));
  if (insideCommentOrString(analysis, offset)) return [];
  const { block, stmt } = contextAt(analysis, offset);
  const ctx: Ctx = { analysis, block, stmt };
  if (stmt.length === 0) {
    if (block.kind === 'domain') {
      const kind = block.domainKind as DomainKind | undefined;
      const props = kind && Object.hasOwn(V.domainKindInfo, kind) ? Object.keys(V.domainKindInfo[kind].props) : [];
      return keywordItems(props);
    }
    return [...statementItems(block, snippets)];
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
  return withValueDocs(items, stmt[0] as string, docContext(block.kind));
}

/**
 * Inside a statement, an item without a documentation of its own gets the
 * statement's: a value (`x86_64` after `arch`) which values the keyword
 * accepts and why, a keyword that begins a part of the form (`min` after
 * `alloc nvme0 8`) what that part means.
 */
function withValueDocs(items: CompletionItem[], head: string, context: DocContext | undefined): CompletionItem[] {
  const doc = docOf(head, context);
  if (!doc) return items;
  const values = doc.values ? { kind: MarkupKind.Markdown, value: keywordMarkdownOf(doc) } : undefined;
  return items.map((i) => {
    if (i.documentation !== undefined) return i;
    if (values && (i.kind === CompletionItemKind.Value || i.kind === CompletionItemKind.EnumMember)) return { ...i, documentation: values };
    if (i.kind !== CompletionItemKind.Keyword) return i;
    const part = doc.forms.flatMap((f) => f.parts).find((p) => p.take[0] === `=${i.label}`);
    return part ? { ...i, documentation: { kind: MarkupKind.Markdown, value: `\`${part.label}\`: ${part.doc}` } } : i;
  });
}
