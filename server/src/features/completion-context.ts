// Where the cursor stands: the blocks it is in and the words of the statement
// before it, read from the tokens rather than the AST, because the line being
// typed is usually not yet a complete statement. Completion and signature
// help both start here.
import type * as A from '../../../grammar/index.js';
import { lex } from '../../../grammar/index.js';
import type { Analysis } from '../analysis/analysis.js';
import type { ScenarioSym, SystemSym } from '../model/types.js';
import type { DocContext } from './keyword-docs.js';

export type BlockKind = 'top' | 'system' | 'guest' | 'device' | 'domain' | 'pasid' | 'state' | 'steps' | 'guest-steps' | 'other';

export interface Block {
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

export const itemKeywords: Record<BlockKind, readonly string[]> = {
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
export const platformDeviceKeywords: readonly string[] = ['msi', 'ioapic', 'driver', 'node'];

/** Keywords after which a name follows, so a keyword there is a name, not a new statement. */
const nameTakers = new Set(['domain', 'device', 'guest', 'system', 'parent', 'of', 'assign', 'sub', 'set', 'alloc', 'free', 'request', 'release', 'mask', 'unmask', 'fire', 'affinity', 'vfio', 'mmio', 'dma', 'expect', 'on', 'after', 'register', 'driver']);


/**
 * Where a selection (`nvme0`, `nvme0[0-3]`, `irq 35`) that starts at `from`
 * ends: the index after it, or undefined while it is still being typed.
 */
export function selectionEnd(stmt: readonly string[], from: number): number | undefined {
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

/** The systems a scenario may name: this file's, then the used files' a local one does not hide (as the binder sees them). */
export function allSystems(analysis: Analysis): Map<string, SystemSym> {
  const out = new Map(analysis.model.systems);
  for (const [name, sys] of analysis.model.imported.systems) if (!out.has(name)) out.set(name, sys);
  return out;
}

/** The scenarios `after` may name: this file's, then the used files' (as the binder resolves them). */
export function allScenarios(analysis: Analysis): Map<string, ScenarioSym> {
  const out = new Map<string, ScenarioSym>();
  for (const sc of analysis.model.scenarios) if (sc.name !== '' && !out.has(sc.name)) out.set(sc.name, sc);
  for (const [name, sc] of analysis.model.imported.scenarios) if (!out.has(name)) out.set(name, sc);
  return out;
}

/** The only system there is, for a scenario without `on`. */
export function onlySystem(analysis: Analysis): SystemSym | undefined {
  const systems = allSystems(analysis);
  return systems.size === 1 ? [...systems.values()][0] : undefined;
}

/**
 * Test switch: replay every request from the start of the file, the
 * reference the replay starts are compared against
 * (test/features/completion.test.ts).
 */
let replayFromStart = false;

export function setReplayFromStart(on: boolean): void {
  replayFromStart = on;
}

/**
 * Where the replay of tokens may start: just after the last top-level block
 * that ends with its '}' before the cursor, when nothing before it is broken
 * (an unbalanced brace before it would leave the replay inside a block).
 */
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
export interface CursorContext {
  readonly block: Block;
  /** The words of the statement before the cursor, without the word being typed. */
  readonly stmt: string[];
  /** The word the cursor is at the end of, being typed, when there is one. */
  readonly word: string | undefined;
}

export function contextAt(analysis: Analysis, offset: number): CursorContext {
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
  let lastLineStart = false;
  for (const t of tokens) {
    const lineStart = /[\r\n]/.test(before.slice(prevEnd - from, t.startOffset - from));
    lastLineStart = lineStart;
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
  const word = partial ? stmt.pop() : undefined;
  // The start of a statement keyword typed at the start of a line (`req`
  // under a finished `alloc`) begins the next statement, as the whole
  // keyword would.
  if (word !== undefined && lastLineStart && itemKeywords[block.kind].some((k) => k.startsWith(word))) stmt = [];
  // On a fresh line after a statement, the user starts the next one.
  if (!partial && last && /[\r\n]/.test(before.slice(last.startOffset + last.image.length - from))) stmt = [];
  return { block, stmt, word };
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

export function insideCommentOrString(analysis: Analysis, offset: number): boolean {
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
export function insideCmdline(analysis: Analysis, offset: number): boolean {
  for (const item of analysis.parse.ast.items) {
    if (item.kind !== 'system' || offset < item.span.start || offset > item.span.end) continue;
    const within = (items: readonly A.BodyItem[]): boolean =>
      items.some((i) => (i.kind === 'cmdline' && i.value !== undefined && offset > i.value.span.start && offset <= i.value.span.end) || (i.kind === 'guest' && within(i.items)));
    return within(item.items);
  }
  return false;
}

/** The keyword table's context for a block (keyword-docs.ts); none inside a domain's braces or an unknown block. */
export function docContext(kind: BlockKind): DocContext | undefined {
  switch (kind) {
    case 'guest-steps':
      return 'steps';
    case 'domain':
    case 'other':
      return undefined;
    default:
      return kind;
  }
}
