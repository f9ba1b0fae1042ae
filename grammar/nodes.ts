// The AST's leaves (names, numbers, PCI addresses, spans) made from tokens,
// and the frames the parser's rules fill while they run.
//
// The parser builds the AST as it goes (parser-base.ts explains how). A rule
// that recovery cuts short still delivers what it read, so every field that
// comes from a token may be missing (ast.ts), and a node with no real token
// at all is left out.
import type { IToken } from 'chevrotain';
import type * as A from './ast.js';
import { BadNumber, Hex, Int, Size } from './tokens.js';

export function tokenSpan(t: IToken): A.Span {
  return { start: t.startOffset, end: t.startOffset + t.image.length };
}

export function ident(t: IToken | undefined): A.Ident | undefined {
  if (!t) return undefined;
  return { text: t.image, span: tokenSpan(t) };
}

/** A string literal as an Ident whose text has no quotes. */
export function stringIdent(t: IToken | undefined): A.Ident | undefined {
  if (!t) return undefined;
  const raw = t.image.endsWith('"') && t.image.length > 1 ? t.image.slice(1, -1) : t.image.slice(1);
  return { text: raw.indexOf('\\') < 0 ? raw : raw.replace(/\\(.)/g, '$1'), span: tokenSpan(t) };
}

/** A scenario's name or `after`: a string without its quotes, or a bare name. */
export function nameOrString(t: IToken | undefined): A.Ident | undefined {
  return t?.image.startsWith('"') ? stringIdent(t) : ident(t);
}

const sizeShift: Record<string, number> = { K: 10, M: 20, G: 30 };

/** The value of a decimal, hex or size token (`64`, `0x3800`, `64K`). */
export function numberValue(image: string): number {
  if (/^0[xX]/.test(image)) return parseInt(image.slice(2), 16);
  const suffix = image[image.length - 1] ?? '';
  if (suffix in sizeShift) return parseInt(image.slice(0, -1), 10) * 2 ** (sizeShift[suffix] as number);
  return parseInt(image, 10);
}

/**
 * The value of digits in `image` from `from` to `to` in a radix of 10 or 16,
 * as numberValue() computes it. Short runs are summed exactly; long ones go
 * to parseInt(), whose rounding a running sum would not reproduce.
 */
function digitsValue(image: string, from: number, to: number, radix: 10 | 16): number {
  if (to - from > 13) return parseInt(image.slice(from, to), radix);
  let v = 0;
  for (let i = from; i < to; i++) {
    const c = image.charCodeAt(i);
    v = v * radix + (c <= 57 ? c - 48 : (c | 32) - 87);
  }
  return v;
}

/** numberValue() for a token the lexer matched as Int, Hex or Size, without slicing its text. */
function tokenValue(t: IToken): number {
  const image = t.image;
  if (t.tokenType === Hex) return digitsValue(image, 2, image.length, 16);
  if (t.tokenType === Size) return digitsValue(image, 0, image.length - 1, 10) * 2 ** (sizeShift[image[image.length - 1] as string] as number);
  if (t.tokenType === Int) return digitsValue(image, 0, image.length, 10);
  return numberValue(image);
}

export function number(t: IToken | undefined): A.NumberLit | undefined {
  // A malformed number is reported by parse(); it has no value to check.
  if (!t || t.tokenType === BadNumber) return undefined;
  return { value: tokenValue(t), text: t.image, span: tokenSpan(t) };
}

/** A CPU range node; the digits are kept only when a bound is past 2^53 (parser and quick reader build it alike). */
export function cpuRangeNode(from: IToken, to: IToken | undefined, span: A.Span): A.CpuRange {
  const f = intValue(from);
  const t = to ? intValue(to) : f;
  if (Number.isSafeInteger(f) && Number.isSafeInteger(t)) return { from: f, to: t, span };
  return { from: f, to: t, span, written: { from: from.image, to: (to ?? from).image } };
}

/** A decimal CPU number of a CPU list (an Int token). */
export function intValue(t: IToken): number {
  return digitsValue(t.image, 0, t.image.length, 10);
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

/** The spans of every token but the first: options written twice, which the binder reports. */
export function repeats(out: A.Span[], tokens: readonly IToken[]): void {
  for (let i = 1; i < tokens.length; i++) out.push(tokenSpan(tokens[i] as IToken));
}

/**
 * Options that may be written in any order, each once: notes the keywords,
 * so the first of each kind counts and the others become `repeated`, which
 * lists them option by option (the binder reports them).
 */
export class Repeats {
  private seen = 0;
  private again: IToken[][] | undefined = undefined;

  /** Notes an option's keyword (option: its number); whether it is the first of its kind. */
  first(option: number, t: IToken | undefined): boolean {
    if (!t) return false;
    const bit = 1 << option;
    if ((this.seen & bit) === 0) {
      this.seen |= bit;
      return true;
    }
    ((this.again ??= [])[option] ??= []).push(t);
    return false;
  }

  /** The keywords written again, options 0 to count - 1 in turn. */
  spans(count: number): A.Span[] {
    const out: A.Span[] = [];
    if (!this.again) return out;
    for (let o = 0; o < count; o++) for (const t of this.again[o] ?? []) out.push(tokenSpan(t));
    return out;
  }
}

/** The options of a state's `irq` line, in the order `repeated` lists them. */
export const IrqOpt = { Via: 0, Managed: 1, Cpu: 2, Vector: 3, Affinity: 4, Pending: 5, Previous: 6, Irte: 7, Message: 8, Count: 9 } as const;

/** The options of `alloc`, in the order `repeated` lists them. */
export const AllocOpt = { Min: 0, Managed: 1, Via: 2, Pre: 3, Post: 4, Sets: 5, Count: 6 } as const;

/** What a rule that delivers one value (a CPU list, a selection, …) leaves for its caller. */
export class Slot<T> {
  node: T | undefined = undefined;
}

/** `bar B offset X`: the two values, as far as they were read. */
export class BarOffset {
  bar: IToken | undefined = undefined;
  offset: IToken | undefined = undefined;
}

/**
 * A `{ … }` block (the file's top level, the body of a system, guest,
 * device, PASID space, state or scenario): the items it built and the
 * tokens that started none, in runs. An item between two stray tokens ends a
 * run, so each stretch of stray text is reported on its own.
 */
export class Block<T> {
  readonly items: T[] = [];

  /** @param expected the phrase for what a stray token stands instead of, in "expected …, found 'x'". */
  constructor(readonly expected = '') {}

  open: IToken | undefined = undefined;
  close: IToken | undefined = undefined;
  /** The block's span as bodySpan() gives it, set when the block ends. */
  span: A.Span | undefined = undefined;
  runs: IToken[][] | undefined = undefined;
  run: IToken[] | undefined = undefined;
  /** How many real tokens the parser had recorded after the last stray token. */
  lastStray = -1;
}

/** A run of stray tokens and the phrase for what the block expected instead. */
export interface StrayRun {
  readonly tokens: readonly IToken[];
  readonly expected: string;
}
