// Reading Chevrotain's CST: the accessors and small builders shared by the
// topology (build.ts) and scenario (build-steps.ts) halves of the AST builder.
//
// After recovery a CST node may lack any child, and tokens inserted by
// single-token-insertion recovery have no text; every accessor here returns
// undefined for what is missing instead of throwing.
import type { CstElement, CstNode, IToken } from 'chevrotain';
import type * as A from './ast.js';

type Children = Record<string, CstElement[] | undefined>;

export function isToken(el: CstElement): el is IToken {
  return (el as IToken).image !== undefined;
}

export function realToken(t: IToken): boolean {
  return !t.isInsertedInRecovery && Number.isFinite(t.startOffset);
}

export function tokens(node: CstNode | undefined, label: string): IToken[] {
  const els = (node?.children as Children | undefined)?.[label] ?? [];
  return els.filter((e): e is IToken => isToken(e) && realToken(e));
}

export function token(node: CstNode | undefined, label: string): IToken | undefined {
  return tokens(node, label)[0];
}

export function subnodes(node: CstNode | undefined, label: string): CstNode[] {
  const els = (node?.children as Children | undefined)?.[label] ?? [];
  return els.filter((e): e is CstNode => !isToken(e));
}

export function subnode(node: CstNode | undefined, label: string): CstNode | undefined {
  return subnodes(node, label)[0];
}

export function tokenSpan(t: IToken): A.Span {
  return { start: t.startOffset, end: t.startOffset + t.image.length };
}

/** The span of everything a CST node holds, or undefined when recovery left it empty. */
export function nodeSpan(node: CstNode): A.Span | undefined {
  let start = Infinity;
  let end = -Infinity;
  const visit = (n: CstNode): void => {
    for (const els of Object.values(n.children as Children)) {
      for (const el of els ?? []) {
        if (isToken(el)) {
          if (!realToken(el)) continue;
          start = Math.min(start, el.startOffset);
          end = Math.max(end, el.startOffset + el.image.length);
        } else {
          visit(el);
        }
      }
    }
  };
  visit(node);
  return Number.isFinite(start) ? { start, end } : undefined;
}

export function spanOf(node: CstNode, fallback: A.Span): A.Span {
  return nodeSpan(node) ?? fallback;
}

export function ident(t: IToken | undefined): A.Ident | undefined {
  if (!t) return undefined;
  return { text: t.image, span: tokenSpan(t) };
}

/** A string literal as an Ident whose text has no quotes. */
export function stringIdent(t: IToken | undefined): A.Ident | undefined {
  if (!t) return undefined;
  const raw = t.image.endsWith('"') && t.image.length > 1 ? t.image.slice(1, -1) : t.image.slice(1);
  return { text: raw.replace(/\\(.)/g, '$1'), span: tokenSpan(t) };
}

const sizeShift: Record<string, number> = { K: 10, M: 20, G: 30 };

/** The value of a decimal, hex or size token (`64`, `0x3800`, `64K`). */
export function numberValue(image: string): number {
  if (/^0[xX]/.test(image)) return parseInt(image.slice(2), 16);
  const suffix = image[image.length - 1] ?? '';
  if (suffix in sizeShift) return parseInt(image.slice(0, -1), 10) * 2 ** (sizeShift[suffix] as number);
  return parseInt(image, 10);
}

export function number(t: IToken | undefined): A.NumberLit | undefined {
  // A malformed number is reported by parse(); it has no value to check.
  if (!t || t.tokenType.name === 'BadNumber') return undefined;
  return { value: numberValue(t.image), text: t.image, span: tokenSpan(t) };
}

export function pciAddr(t: IToken | undefined): A.PciAddr | undefined {
  if (!t) return undefined;
  const parts = t.image.split(/[:.]/);
  const [seg, bus, dev, fn] = parts.length === 4 ? parts : ['0', ...parts];
  return {
    text: t.image,
    span: tokenSpan(t),
    segment: parseInt(seg ?? '0', 16),
    bus: parseInt(bus ?? '0', 16),
    device: parseInt(dev ?? '0', 16),
    fn: parseInt(fn ?? '0', 16),
  };
}

export function keywordSpan(node: CstNode, fallback: A.Span): A.Span {
  const t = token(node, 'keyword');
  return t ? tokenSpan(t) : fallback;
}

export function bodySpan(node: CstNode): A.Span | undefined {
  const open = token(node, 'open');
  const close = token(node, 'close');
  if (!open) return undefined;
  return { start: open.startOffset, end: close ? close.startOffset + 1 : (nodeSpan(node)?.end ?? open.startOffset + 1) };
}

/** Where the builders report runs of stray tokens, so parse() can phrase the error. */
export type StraySink = (run: IToken[], expected: string) => void;

/** Reports each run of stray tokens in a block once. */
export function collectStray(node: CstNode, expected: string, sink: StraySink): void {
  const flat: IToken[] = [];
  const visit = (n: CstNode): void => {
    flat.push(...tokens(n, 'tokens'));
    for (const inner of subnodes(n, 'inner')) visit(inner);
  };
  for (const s of subnodes(node, 'stray')) visit(s);
  if (flat.length === 0) return;
  flat.sort((a, b) => a.startOffset - b.startOffset);
  // A run is broken by any real item between two stray tokens: items are
  // recognised in between, so a gap larger than whitespace splits it.
  const itemStarts = subnodes(node, 'items')
    .concat(subnodes(node, 'steps'), subnodes(node, 'sets'))
    .map((n) => nodeSpan(n))
    .filter((s): s is A.Span => s !== undefined);
  let run: IToken[] = [];
  const flush = (): void => {
    if (run.length > 0) sink(run, expected);
    run = [];
  };
  for (const t of flat) {
    const prev = run[run.length - 1];
    if (prev && itemStarts.some((s) => s.start > prev.startOffset && s.start < t.startOffset)) flush();
    run.push(t);
  }
  flush();
}

/** `nvme0[0-3]`, `nvme0`, `nvme0[*]` or `irq 43`. */
export function selection(node: CstNode | undefined): A.Selection | undefined {
  if (!node) return undefined;
  const span = nodeSpan(node);
  if (!span) return undefined;
  const irq = number(token(node, 'irq'));
  if (token(node, 'irqKeyword')) return irq ? { irq, span, star: false } : undefined;
  const device = ident(token(node, 'device'));
  if (!device) return undefined;
  return { device, span, star: token(node, 'star') !== undefined, indices: cpuList(subnode(node, 'indices')) };
}

export function cpuList(node: CstNode | undefined): A.CpuList | undefined {
  if (!node) return undefined;
  const ranges: A.CpuRange[] = [];
  for (const r of subnodes(node, 'ranges')) {
    const from = token(r, 'from');
    if (!from) continue;
    const to = token(r, 'to');
    const rspan = spanOf(r, tokenSpan(from));
    const f = numberValue(from.image);
    ranges.push({ from: f, to: to ? numberValue(to.image) : f, span: rspan });
  }
  const span = nodeSpan(node);
  if (ranges.length === 0 || !span) return undefined;
  return { ranges, span };
}
