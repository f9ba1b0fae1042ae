// The cursor of the quick reader (quick.ts) and what its two halves share:
// token tests, spans, selections and CPU lists.
//
// The quick reader reads a file that has no syntax error, the common case,
// in a fraction of the time Chevrotain's recovering parser takes, and builds
// the very AST that parser would. It takes each decision exactly as the
// parser's lookahead does (the same alternative first, the same tokens), and
// the moment a token is not what the one derivation it follows needs, it
// gives up (throws BAIL): the recovering parser then reads the file and
// says what is wrong. So its tree, when it has one, is the parser's tree.
import { tokenMatcher, type IToken, type TokenType } from 'chevrotain';
import type * as A from './ast.js';
import { cpuRangeNode, ident, number } from './nodes.js';
import * as T from './tokens.js';

/** Thrown where the quick reader gives up. */
export const BAIL: unique symbol = Symbol('bail');

/** Which token types a token type matches in the parser's sense (categories included), by type index. */
export type Matcher = Uint8Array;

/** Token type indices are numbered across every token type the process created; these are ours. */
const typeCount = Math.max(...T.allTokens.map((t) => t.tokenTypeIdx as number)) + 1;

function matcherOf(type: TokenType): Matcher {
  const m = new Uint8Array(typeCount);
  for (const t of T.allTokens) {
    const idx = t.tokenTypeIdx as number;
    if (tokenMatcher({ tokenTypeIdx: idx, tokenType: t, image: '', startOffset: 0 }, type)) m[idx] = 1;
  }
  return m;
}

/** A keyword in the parser's sense: the keyword itself or its variant that may also be a name. */
export const KW = Object.fromEntries([...T.keywordSet].map((w) => [w, matcherOf(T.keywords[w as T.KeywordWord])])) as Record<T.KeywordWord, Matcher>;
export const NAME = matcherOf(T.Name);
export const VALUE = matcherOf(T.Value);
export const STRING = matcherOf(T.StringLit);
export const IDENTIFIER = matcherOf(T.Identifier);
export const INT = matcherOf(T.Int);
export const VERSION = matcherOf(T.Version);
export const PCI = matcherOf(T.PciAddress);
export const ERRNO = matcherOf(T.Errno);
export const LCURLY = matcherOf(T.LCurly);
export const RCURLY = matcherOf(T.RCurly);
export const LBRACKET = matcherOf(T.LBracket);
export const RBRACKET = matcherOf(T.RBracket);
export const COMMA = matcherOf(T.Comma);
export const MINUS = matcherOf(T.Minus);
export const STAR = matcherOf(T.Star);
export const ARROW = matcherOf(T.Arrow);

/** The keyword a token spells, if it is a keyword token (plain or name variant), by type index. */
const wordByIdx: (string | undefined)[] = [];
for (const w of T.keywordSet) {
  wordByIdx[T.keywords[w as T.KeywordWord].tokenTypeIdx as number] = w;
  wordByIdx[T.keywordsAsNames[w as T.KeywordWord].tokenTypeIdx as number] = w;
}

export class QuickBase {
  /** The index of the next token. */
  protected i = 0;
  /** Depth of `guest` step blocks and `expect fail`, against MAX_NESTING as the parser counts it. */
  protected nesting = 0;

  constructor(protected readonly tokens: readonly IToken[]) {}

  /** Whether the token `k` ahead (0: the next one) matches. */
  protected at(m: Matcher, k = 0): boolean {
    const t = this.tokens[this.i + k];
    return t !== undefined && m[t.tokenTypeIdx] === 1;
  }

  /** The keyword the token `k` ahead spells, if it is a keyword token. */
  protected word(k = 0): string | undefined {
    const t = this.tokens[this.i + k];
    return t === undefined ? undefined : wordByIdx[t.tokenTypeIdx];
  }

  /** The next token, which must match. */
  protected take(m: Matcher): IToken {
    const t = this.tokens[this.i];
    if (t === undefined || m[t.tokenTypeIdx] !== 1) throw BAIL;
    this.i++;
    return t;
  }

  /** The next token if it matches, else nothing. */
  protected maybe(m: Matcher): IToken | undefined {
    const t = this.tokens[this.i];
    if (t === undefined || m[t.tokenTypeIdx] !== 1) return undefined;
    this.i++;
    return t;
  }

  /** From the token at `first` to the last one taken. */
  protected spanFrom(first: number): A.Span {
    const a = this.tokens[first] as IToken;
    const b = this.tokens[this.i - 1] as IToken;
    return { start: a.startOffset, end: b.startOffset + b.image.length };
  }

  protected block(open: IToken, close: IToken): A.Span {
    return { start: open.startOffset, end: close.startOffset + 1 };
  }

  /** The type of the token `k` ahead, for the gates that name exact types. */
  protected typeAt(k: number): TokenType | undefined {
    return this.tokens[this.i + k]?.tokenType;
  }

  /** `nvme0[0-3]`, `nvme0`, `nvme0[*]` or `irq 43`. */
  protected selection(): A.Selection {
    const first = this.i;
    // `irq 43` when a decimal or hex number follows; otherwise `irq` is a device name.
    if (this.at(KW.irq) && (this.typeAt(1) === T.Int || this.typeAt(1) === T.Hex)) {
      this.i++;
      const irq = number(this.take(VALUE)) as A.NumberLit;
      return { irq, span: this.spanFrom(first), star: false };
    }
    const device = this.take(NAME);
    let star: IToken | undefined;
    let indices: A.CpuList | undefined;
    if (this.maybe(LBRACKET)) {
      star = this.maybe(STAR);
      if (!star) indices = this.cpuList();
      this.take(RBRACKET);
    }
    return { device: ident(device), span: this.spanFrom(first), star: star !== undefined, indices };
  }

  protected cpuList(): A.CpuList {
    const first = this.i;
    const ranges: A.CpuRange[] = [this.cpuRange()];
    while (this.maybe(COMMA)) ranges.push(this.cpuRange());
    return { ranges, span: this.spanFrom(first) };
  }

  private cpuRange(): A.CpuRange {
    const first = this.i;
    const from = this.take(INT);
    const to = this.maybe(MINUS) ? this.take(INT) : undefined;
    return cpuRangeNode(from, to, this.spanFrom(first));
  }
}
