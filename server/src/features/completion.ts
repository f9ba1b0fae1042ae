// Completion: the keywords valid at the cursor and names of the right kind.
//
// It reads the tokens before the cursor rather than the AST, because the line
// being typed is usually not yet a complete statement: a stack of the blocks
// the cursor is in (system, guest, device, scenario, ...) and the words of the
// current statement decide what may come next.
import { CompletionItemKind, type CompletionItem, type Position } from 'vscode-languageserver';
import { lex } from '../../../grammar/index.js';
import type { Analysis } from '../analysis/analysis.js';
import type { DomainKind, GuestSym, Scope, SystemSym } from '../model/types.js';
import * as V from '../model/values.js';

type BlockKind = 'top' | 'system' | 'guest' | 'device' | 'domain' | 'pasid' | 'steps' | 'guest-steps' | 'other';

interface Block {
  readonly kind: BlockKind;
  /** The system or guest whose names are in scope. */
  readonly system?: string;
  readonly guest?: string;
  /** For a domain's braces: its kind. For a device: whose scope it is in. */
  readonly domainKind?: string;
}

const itemKeywords: Record<BlockKind, readonly string[]> = {
  top: ['system', 'scenario'],
  system: ['arch', 'kernel', 'cpus', 'apic', 'dest-mode', 'page-size', 'node', 'domain', 'device', 'pasid', 'guest', 'backport'],
  guest: ['cpus', 'hypervisor', 'apic', 'dest-mode', 'domain', 'device', 'assign'],
  device: ['msi', 'msix', 'ims', 'ioapic', 'bar', 'msix-table', 'msix-pba', 'register', 'pasid', 'sriov', 'migration', 'node'],
  domain: [],
  pasid: ['set'],
  steps: ['alloc', 'free', 'request', 'release', 'affinity', 'offline', 'online', 'mask', 'unmask', 'fire', 'vfio', 'mmio', 'dma', 'pasid', 'guest', 'expect'],
  'guest-steps': ['alloc', 'free', 'request', 'release', 'affinity', 'offline', 'online', 'mask', 'unmask', 'fire', 'vfio', 'mmio', 'dma', 'pasid', 'expect'],
  other: [],
};

/** Keywords after which a name follows, so a keyword there is a name, not a new statement. */
const nameTakers = new Set(['domain', 'device', 'guest', 'system', 'parent', 'of', 'assign', 'sub', 'set', 'alloc', 'free', 'request', 'release', 'mask', 'unmask', 'fire', 'affinity', 'vfio', 'mmio', 'dma', 'expect', 'on', 'register']);

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
  const systems = ctx.analysis.model.systems;
  if (ctx.block.system) return systems.get(ctx.block.system);
  return systems.size === 1 ? [...systems.values()][0] : undefined;
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
  return [...system.scope.devices.values()].map((d) => ({
    label: d.name,
    kind: CompletionItemKind.Class,
    detail: d.bus === 'vf' ? `VF of ${d.pf?.name ?? '?'}` : `pci ${d.address?.text ?? ''}`,
  }));
}

function setItems(ctx: Ctx): CompletionItem[] {
  const sets = systemOf(ctx)?.pasid?.sets;
  return sets ? [...sets.values()].map((s) => ({ label: s.name, kind: CompletionItemKind.Variable, detail: `PASID set, quota ${s.quota}` })) : [];
}

function systemItems(ctx: Ctx): CompletionItem[] {
  return [...ctx.analysis.model.systems.values()].map((s) => ({ label: s.name, kind: CompletionItemKind.Module, detail: 'system' }));
}

function guestItems(ctx: Ctx): CompletionItem[] {
  const system = systemOf(ctx);
  return system ? [...system.guests.values()].map((g) => ({ label: g.name, kind: CompletionItemKind.Module, detail: 'guest' })) : [];
}

function stepCompletions(ctx: Ctx, stmt: readonly string[]): CompletionItem[] {
  const head = stmt[0] as string;
  const last = stmt[stmt.length - 1] as string;
  const n = stmt.length;
  switch (head) {
    case 'alloc':
      if (n === 1) return deviceItems(ctx);
      if (last === 'via') return valueItems(V.allocKinds);
      if (n >= 3) return keywordItems(['min', 'managed', 'via'].filter((k) => !stmt.includes(k)));
      return [];
    case 'free':
    case 'request':
    case 'release':
    case 'mask':
    case 'unmask':
    case 'fire':
    case 'affinity':
      return n === 1 ? deviceItems(ctx) : [];
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

function expectCompletions(ctx: Ctx, stmt: readonly string[]): CompletionItem[] {
  const n = stmt.length;
  const second = stmt[1];
  if (n === 1) return [...keywordItems(['cpu', 'vfio', 'pasid', 'fail']), ...deviceItems(ctx)];
  if (second === 'fail') {
    const rest = stmt.slice(2).filter((w) => !w.startsWith('-E'));
    if (rest.length === 0) return keywordItems(itemKeywords[ctx.block.kind === 'guest-steps' ? 'guest-steps' : 'steps'].filter((k) => k !== 'expect'));
    return stepCompletions(ctx, rest);
  }
  if (second === 'vfio') return n === 2 ? deviceItems(ctx) : n === 3 ? valueItems(V.vfioStates) : [];
  if (second === 'pasid') return n === 2 ? setItems(ctx) : n === 3 ? keywordItems(['used']) : [];
  if (second === 'cpu' && n === 3) return keywordItems(['available']);
  const last = stmt[n - 1] as string;
  // After a selection (`nvme0` or `nvme0[3]`): what to assert about it.
  if (n === 2 || last === ']') return keywordItems(['cpu', 'vector', 'message', 'lost', 'delivered', 'irte']);
  return [];
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
        const parents = kind && kind in V.domainKindInfo ? V.domainKindInfo[kind].parents : undefined;
        return domainItems(ctx, parents);
      }
      return n === 3 ? keywordItems(['parent']) : [];
    }
    case 'device':
      if (n === 2) return keywordItems(['pci', 'vf']);
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
      if (last === 'domain') return domainItems(ctx, head === 'ims' ? ['ims'] : ['pci-msi']);
      if (last === 'maskable') return valueItems(V.yesNo);
      if (last === 'storage') return valueItems(V.imsStorages);
      if (n >= 4) return keywordItems(head === 'ims' ? ['storage'] : ['maskable']);
      return [];
    case 'ioapic':
      if (n === 1) return keywordItems(['pin']);
      if (n === 3) return keywordItems(['domain']);
      if (last === 'domain') return domainItems(ctx, ['ioapic']);
      return [];
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

/** Block stack and current statement from the tokens before the cursor. */
function contextAt(analysis: Analysis, offset: number): { block: Block; stmt: string[]; partial: boolean } | undefined {
  const before = analysis.text.slice(0, offset);
  const tokens = lex(before);
  const stack: Block[] = [{ kind: 'top' }];
  let stmt: string[] = [];
  let stmtFirstOnLine = true;
  let prevEnd = 0;
  for (const t of tokens) {
    const lineStart = /[\r\n]/.test(before.slice(prevEnd, t.startOffset));
    prevEnd = t.startOffset + t.image.length;
    const top = stack[stack.length - 1] as Block;
    if (t.image === '{') {
      stack.push(openBlock(top, stmt, analysis));
      stmt = [];
      continue;
    }
    if (t.image === '}') {
      if (stack.length > 1) stack.pop();
      stmt = [];
      continue;
    }
    const prev = stmt[stmt.length - 1];
    const startsItem =
      itemKeywords[top.kind].includes(t.image) &&
      (stmt.length === 0 || lineStart || (prev !== undefined && !nameTakers.has(prev) && !(top.kind === 'steps' && stmt[0] === 'expect' && stmt[1] === 'fail' && stmt.length === 2)));
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
  if (!partial && last && /[\r\n]/.test(before.slice(last.startOffset + last.image.length))) stmt = [];
  return { block, stmt, partial };
}

function openBlock(parent: Block, stmt: readonly string[], analysis: Analysis): Block {
  const head = stmt[0];
  switch (parent.kind) {
    case 'top':
      if (head === 'system') return { kind: 'system', system: stmt[1] };
      if (head === 'scenario') {
        const on = stmt.indexOf('on');
        const system = on >= 0 ? stmt[on + 1] : analysis.model.systems.size === 1 ? [...analysis.model.systems.keys()][0] : undefined;
        return { kind: 'steps', system };
      }
      return { kind: 'other' };
    case 'system':
    case 'guest':
      if (head === 'guest' && parent.kind === 'system') return { kind: 'guest', system: parent.system, guest: stmt[1] };
      if (head === 'device') return { kind: 'device', system: parent.system, guest: parent.guest };
      if (head === 'domain') return { kind: 'domain', system: parent.system, guest: parent.guest, domainKind: stmt[2] };
      if (head === 'pasid') return { kind: 'pasid', system: parent.system };
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

export function completion(analysis: Analysis, position: Position): CompletionItem[] {
  const offset = analysis.lines.offset(position);
  if (insideCommentOrString(analysis, offset)) return [];
  const at = contextAt(analysis, offset);
  if (!at) return [];
  const { block, stmt } = at;
  const ctx: Ctx = { analysis, block, stmt };
  if (stmt.length === 0) {
    if (block.kind === 'domain') {
      const kind = block.domainKind as DomainKind | undefined;
      const props = kind && kind in V.domainKindInfo ? Object.keys(V.domainKindInfo[kind].props) : [];
      return keywordItems(props);
    }
    return keywordItems(itemKeywords[block.kind]);
  }
  let items: CompletionItem[];
  switch (block.kind) {
    case 'top':
      items = stmt[0] === 'scenario' ? (stmt.length === 2 ? keywordItems(['on']) : stmt[2] === 'on' && stmt.length === 3 ? systemItems(ctx) : []) : [];
      break;
    case 'system':
    case 'guest':
      items = bodyCompletions(ctx, stmt);
      break;
    case 'device':
      items = deviceCompletions(ctx, stmt);
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
