// Fixes to the shape of the file, recomputed from the AST and the model at
// the request: remove a duplicate item (IRQD011, IRQD015), align an MSI-X
// table or PBA offset to a QWORD (IRQD044), and give an IMS domain the
// parent it needs (IRQD047 in a guest: the hypercall domain; IRQD020 on a
// host: an interrupt-remapping domain), adding that domain.
import { CodeActionKind, type CodeAction } from 'vscode-languageserver';
import type * as A from '../../../../grammar/index.js';
import type { Analysis } from '../../analysis/analysis.js';
import type { IrqdDiagnostic } from '../../model/diagnostic.js';
import type { DomainSym } from '../../model/types.js';
import { toLspDiagnostic } from '../convert.js';
import { action, removalSpan, type ActionContext, type SpanEdit } from './edits.js';

/** An AST node: anything with a kind and a span. */
interface AnyNode {
  readonly kind: string;
  readonly span: A.Span;
  readonly [field: string]: unknown;
}

function isNode(x: unknown): x is AnyNode {
  if (x === null || typeof x !== 'object') return false;
  const o = x as { kind?: unknown; span?: unknown };
  return typeof o.kind === 'string' && typeof o.span === 'object' && o.span !== null;
}

/** Far deeper than any AST (declarations, items, steps and `expect fail` nest at most 32 deep). */
const MAX_AST_DEPTH = 256;

/**
 * The nodes of one level of the AST (a node's fields, or the file's items)
 * sorted by where they start, made once per list: a request for the whole
 * file asks for every diagnostic's nodes, and a scan of each level per
 * diagnostic was quadratic (9 s for a file of 17,000 duplicated lines).
 */
const sortedLevels = new WeakMap<object, readonly AnyNode[]>();

function levelOf(owner: object, values: () => unknown[]): readonly AnyNode[] {
  let level = sortedLevels.get(owner);
  if (!level) {
    level = values()
      .filter(isNode)
      .sort((x, y) => x.span.start - y.span.start);
    sortedLevels.set(owner, level);
  }
  return level;
}

/** The node of a sorted level that contains `span`: siblings do not overlap, so the last one starting at or before it. */
function childContaining(level: readonly AnyNode[], span: A.Span): AnyNode | undefined {
  let lo = 0;
  let hi = level.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((level[mid] as AnyNode).span.start <= span.start) lo = mid + 1;
    else hi = mid;
  }
  // Nodes that start at the same offset (a declaration and its first name) can nest; take the widest that contains it.
  for (let i = lo - 1; i >= 0; i--) {
    const n = level[i] as AnyNode;
    if (n.span.start <= span.start && span.end <= n.span.end) return n;
    if (n.span.start < span.start) break;
  }
  return undefined;
}

/** The nodes of the file that contain `span`, outermost first (only those: a walk down one path). */
function nodesAround(a: Analysis, span: A.Span): AnyNode[] {
  const out: AnyNode[] = [];
  let level = levelOf(a.parse.ast, () => [...a.parse.ast.items]);
  // Each round goes one node deeper; the AST is a tree nested at most MAX_NESTING deep, so this bound is never reached.
  for (let depth = 0; depth < MAX_AST_DEPTH; depth++) {
    const next = childContaining(level, span);
    if (!next) return out;
    out.push(next);
    level = levelOf(next, () => Object.values(next).flatMap((v) => (Array.isArray(v) ? v : [v])));
  }
  return out;
}

function spanOf(x: unknown): A.Span | undefined {
  const s = x !== null && typeof x === 'object' ? (x as { span?: unknown }).span : undefined;
  return s && typeof s === 'object' ? (s as A.Span) : undefined;
}

const same = (x: A.Span | undefined, y: A.Span): boolean => x !== undefined && x.start === y.start && x.end === y.end;

/** Declarations a duplicate name removes, by the field that holds the name IRQD011 points at. */
const DUPLICATE_NAME_FIELDS: Readonly<Record<string, string>> = { system: 'name', domain: 'name', device: 'name', guest: 'name', scenario: 'name', 'state-irq': 'irq', assign: 'device' };

/** The item a duplicate diagnostic names: IRQD015 points at the item itself, IRQD011 at the name of a declaration. */
function duplicateItem(a: Analysis, d: IrqdDiagnostic): A.Span | undefined {
  if (d.code === 'IRQD015') return d.span;
  const around = nodesAround(a, d.span).reverse();
  const decl = around.find((n) => {
    const field = DUPLICATE_NAME_FIELDS[n.kind];
    return field !== undefined && same(spanOf(n[field]), d.span);
  });
  return decl?.span;
}

/** The first line of an item's text, shortened: how a title names it. */
function shown(a: Analysis, span: A.Span): string {
  const first = a.text.slice(span.start, span.end).split(/\r?\n/)[0]?.trim() ?? '';
  return first.length > 40 ? `${first.slice(0, 39)}…` : first.replace(/\s*\{$/, '');
}

function removeDuplicate(a: Analysis, ctx: ActionContext, d: IrqdDiagnostic): CodeAction | undefined {
  const item = duplicateItem(a, d);
  if (!item) return undefined;
  return action(a, ctx, `Remove the duplicate '${shown(a, item)}'`, CodeActionKind.QuickFix, [{ span: removalSpan(a, item), text: '' }], { diagnostics: [toLspDiagnostic(a, ctx.uri, d)], isPreferred: true });
}

/** IRQD044 "not QWORD aligned": the offset rounded down to 8 (the low 3 bits of the register are the BIR). */
function alignOffset(a: Analysis, ctx: ActionContext, d: IrqdDiagnostic): CodeAction | undefined {
  if (!d.message.includes('not QWORD aligned')) return undefined;
  const item = nodesAround(a, d.span).find((n) => (n.kind === 'msix-table' || n.kind === 'msix-pba') && same(n.span, d.span));
  const offset = item?.offset as A.NumberLit | undefined;
  if (!item || !offset) return undefined;
  const aligned = `0x${(offset.value - (offset.value % 8)).toString(16)}`;
  const what = item.kind === 'msix-table' ? 'MSI-X table' : 'MSI-X PBA';
  return action(a, ctx, `Align the ${what} offset to ${aligned} (a QWORD boundary)`, CodeActionKind.QuickFix, [{ span: offset.span, text: aligned }], { diagnostics: [toLspDiagnostic(a, ctx.uri, d)], isPreferred: true });
}

/** The domain declared with this name span. */
function domainAt(a: Analysis, span: A.Span | undefined): DomainSym | undefined {
  if (!span) return undefined;
  let byStart = domainsByName.get(a);
  if (!byStart) {
    // Made once per analysis: a file with thousands of IMS diagnostics asks for each one's domain.
    byStart = new Map();
    for (const s of a.model.symbols) if (s.kind === 'domain') byStart.set(s.nameSpan.start, s);
    domainsByName.set(a, byStart);
  }
  const d = byStart.get(span.start);
  return d && same(d.nameSpan, span) ? d : undefined;
}

const domainsByName = new WeakMap<Analysis, Map<number, DomainSym>>();

/** A name not yet declared in the domain's scope: `base`, else `base2`, `base3`, … */
function freshName(d: DomainSym, base: string): string {
  const taken = (n: string): boolean => d.owner.scope.domains.has(n) || d.owner.scope.devices.has(n);
  if (!taken(base)) return base;
  let i = 2;
  while (taken(`${base}${i}`)) i++;
  return `${base}${i}`;
}

/**
 * IMS needs a parent that can carry MSI_FLAG_PCI_IMS: in a guest the
 * hypercall domain (IRQD047), on a host an interrupt-remapping domain
 * (IRQD020 for `ims` on `vector`). The fix declares that domain on the
 * vector domain, on the line before the IMS domain, and makes it the parent.
 */
function imsParent(a: Analysis, ctx: ActionContext, d: IrqdDiagnostic): CodeAction | undefined {
  const decl = nodesAround(a, d.span).find((n): n is AnyNode & A.DomainDecl => n.kind === 'domain' && same(spanOf(n.parent), d.span));
  const ims = domainAt(a, decl?.name?.span);
  if (!decl || !ims || ims.domainKind !== 'ims' || !decl.parent) return undefined;
  // Up the hierarchy to its vector domain; a cycle (IRQD023) has none, and must not hold the server.
  const seen = new Set<DomainSym>();
  let vector = ims.parent;
  while (vector && vector.domainKind !== 'vector' && !seen.has(vector)) {
    seen.add(vector);
    vector = vector.parent;
  }
  if (!vector || vector.domainKind !== 'vector') return undefined;
  const inGuest = ims.owner.kind === 'guest';
  if (d.code === 'IRQD047' && !inGuest) return undefined;
  if (d.code === 'IRQD020' && (inGuest || ims.parent?.domainKind !== 'vector')) return undefined;
  const [kind, base] = inGuest ? ['hcall', 'HCALL'] : ['intel-ir', 'IR0'];
  const name = freshName(ims, base);
  const line = a.lines.lineOf(decl.span.start);
  const indent = /^\s*/.exec(a.lines.lineText(line))?.[0] ?? '';
  const lineStart = a.lines.lineStart(line);
  const edits: SpanEdit[] = [
    { span: { start: lineStart, end: lineStart }, text: `${indent}domain ${name} ${kind} parent ${vector.name}\n` },
    { span: decl.parent.span, text: name },
  ];
  const title = inGuest ? `Add the hypercall domain '${name}' and put IMS on it` : `Add the remapping domain '${name}' (intel-ir) and put IMS on it`;
  return action(a, ctx, title, CodeActionKind.QuickFix, edits, { diagnostics: [toLspDiagnostic(a, ctx.uri, d)], isPreferred: true });
}

export function structureFixes(a: Analysis, ctx: ActionContext, here: readonly IrqdDiagnostic[]): CodeAction[] {
  const out: CodeAction[] = [];
  for (const d of here) {
    let fix: CodeAction | undefined;
    if (d.code === 'IRQD011' || d.code === 'IRQD015') fix = removeDuplicate(a, ctx, d);
    else if (d.code === 'IRQD044') fix = alignOffset(a, ctx, d);
    else if (d.code === 'IRQD047' || d.code === 'IRQD020') fix = imsParent(a, ctx, d);
    if (fix) out.push(fix);
  }
  return out;
}
