// parse(text) → {ast, errors}: never throws, always returns a tree for what it
// could read. Syntax errors are phrased in the user's terms: "expected a CPU
// list after 'offline cpu', found 'foo'".
import type { IRecognitionException, IToken } from 'chevrotain';
import type { ParseResult, Span, SyntaxError } from './ast.js';
import { AstBuilder, tokenSpan } from './build.js';
import { parseTokens, statementStarters } from './parser.js';
import { BadNumber, irqdLexer, keywords, keywordsAsNames, UnterminatedComment, UnterminatedString } from './tokens.js';

export * from './ast.js';
export { LineIndex, type Position } from './line-index.js';
export { keywordSet } from './tokens.js';
export { numberValue } from './build.js';

/** How many tokens of the statement to quote in "after '…'". */
const AFTER_TOKENS = 6;

function quote(image: string): string {
  const s = image.length > 40 ? image.slice(0, 37) + '...' : image;
  return `'${s}'`;
}

/** The text of the current statement before the error, e.g. "offline cpu". */
function statementPrefix(text: string, tokens: readonly IToken[], before: number): string | undefined {
  let first = -1;
  for (let i = before - 1; i >= 0 && before - i <= 8; i--) {
    const t = tokens[i] as IToken;
    if (t.image === '{' || t.image === '}') break;
    first = i;
    if (statementStarters.has(t.tokenType)) break;
  }
  if (first < 0) return undefined;
  const from = Math.max(first, before - AFTER_TOKENS);
  const start = tokens[from] as IToken;
  const last = tokens[before - 1] as IToken;
  const words = text.slice(start.startOffset, last.startOffset + last.image.length).replace(/\s+/g, ' ');
  return (from > first ? '... ' : '') + words;
}

/**
 * Keywords are names too, except a statement keyword that begins a line: that
 * one starts a statement even where the line before it left a name missing.
 */
function retypeKeywords(text: string, tokens: IToken[]): void {
  let lineStart = true;
  let prevEnd = 0;
  for (const t of tokens) {
    lineStart = prevEnd === 0 || /[\r\n]/.test(text.slice(prevEnd, t.startOffset));
    prevEnd = t.startOffset + t.image.length;
    const word = t.image as keyof typeof keywords;
    if (keywords[word] !== t.tokenType) continue;
    if (lineStart && statementStarters.has(t.tokenType)) continue;
    t.tokenType = keywordsAsNames[word];
    t.tokenTypeIdx = keywordsAsNames[word].tokenTypeIdx as number;
  }
}

function tokenIndexAt(tokens: readonly IToken[], offset: number): number {
  let lo = 0;
  let hi = tokens.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((tokens[mid] as IToken).startOffset < offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function isLineBreakBetween(text: string, from: number, to: number): boolean {
  return /[\r\n]/.test(text.slice(from, to));
}

function parseErrorOf(text: string, tokens: readonly IToken[], e: IRecognitionException): SyntaxError {
  const found = e.token;
  const atEnd = !found || !Number.isFinite(found.startOffset) || found.tokenType?.name === 'EOF';
  const index = atEnd ? tokens.length : tokenIndexAt(tokens, found.startOffset);
  const previous = index > 0 ? tokens[index - 1] : undefined;
  const after = statementPrefix(text, tokens, index);
  const foundText = atEnd ? 'the end of the file' : quote(found.image);
  const message = `${e.message}${after ? ` after ${quote(after)}` : ''}, found ${foundText}`;
  // A missing value at the end of a line belongs to that line, not to the
  // statement on the next one.
  let span: Span;
  if (previous && (atEnd || isLineBreakBetween(text, previous.startOffset + previous.image.length, found.startOffset))) {
    const end = previous.startOffset + previous.image.length;
    span = { start: previous.startOffset, end };
  } else if (!atEnd) {
    span = tokenSpan(found);
  } else {
    span = { start: text.length, end: text.length };
  }
  return { message, span, phase: 'parse' };
}

function lineOf(text: string, offset: number): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

function splitByLine(text: string, run: readonly IToken[]): IToken[][] {
  const out: IToken[][] = [];
  let current: IToken[] = [];
  for (const t of run) {
    const prev = current[current.length - 1];
    if (prev && /[\r\n]/.test(text.slice(prev.startOffset + prev.image.length, t.startOffset))) {
      out.push(current);
      current = [];
    }
    current.push(t);
  }
  if (current.length > 0) out.push(current);
  return out;
}

/** The tokens of a text (comments and whitespace dropped), keywords retyped as the parser sees them. */
export function lex(text: string): IToken[] {
  const tokens = irqdLexer.tokenize(text).tokens;
  retypeKeywords(text, tokens);
  return tokens;
}

export type { IToken } from 'chevrotain';

export function parse(text: string): ParseResult {
  const lexed = irqdLexer.tokenize(text);
  const errors: SyntaxError[] = [];
  for (const e of lexed.errors) {
    const ch = text.slice(e.offset, e.offset + e.length);
    errors.push({
      message: `unexpected character ${quote(ch.length > 1 ? ch[0] ?? ch : ch)}`,
      span: { start: e.offset, end: e.offset + Math.max(1, e.length) },
      phase: 'lex',
    });
  }
  const comments: Span[] = [];
  for (const c of lexed.groups['comments'] ?? []) {
    comments.push(tokenSpan(c));
    if (c.tokenType === UnterminatedComment) {
      errors.push({ message: "unterminated comment: '/*' has no '*/'", span: { start: c.startOffset, end: c.startOffset + 2 }, phase: 'lex' });
    }
  }
  const tokens = lexed.tokens;
  retypeKeywords(text, tokens);
  for (const t of tokens) {
    if (t.tokenType === UnterminatedString) {
      errors.push({ message: 'unterminated string: missing the closing \'"\'', span: tokenSpan(t), phase: 'lex' });
    } else if (t.tokenType === BadNumber) {
      errors.push({
        message: `${quote(t.image)} is not a number: write decimal (64), hex (0x3800) or a size (4K, 64K, 1M)`,
        span: tokenSpan(t),
        phase: 'lex',
      });
    }
  }

  const { cst, parser } = parseTokens(tokens);
  const parseErrorStarts = new Set<number>();
  // A lexical error explains the parse errors it causes on its own line.
  const lexErrorLines = new Set(errors.map((e) => lineOf(text, e.span.start)));
  for (const e of parser.errors) {
    const err = parseErrorOf(text, tokens, e);
    if (e.token && Number.isFinite(e.token.startOffset)) parseErrorStarts.add(e.token.startOffset);
    if (lexErrorLines.has(lineOf(text, err.span.start))) continue;
    errors.push(err);
  }

  const builder = new AstBuilder((run, expected) => {
    // One report per line of stray tokens, so a bad line never hides the next.
    for (const line of splitByLine(text, run)) {
      const first = line[0] as IToken;
      // Recovery already reported the token it stopped at, and an unexpected
      // character explains what follows it on its line.
      if (parseErrorStarts.has(first.startOffset)) continue;
      if (lexErrorLines.has(lineOf(text, first.startOffset))) continue;
      const last = line[line.length - 1] as IToken;
      errors.push({
        message: `expected ${expected}, found ${quote(first.image)}`,
        span: { start: first.startOffset, end: last.startOffset + last.image.length },
        phase: 'parse',
      });
    }
  });
  const ast = builder.sourceFile(cst, text.length);
  errors.sort((a, b) => a.span.start - b.span.start);
  // Recovery can stop twice at the same token with the same complaint.
  const unique = errors.filter((e, i) => {
    const prev = errors[i - 1];
    return !prev || prev.span.start !== e.span.start || prev.span.end !== e.span.end || prev.message !== e.message;
  });
  return { ast, errors: unique, comments };
}
