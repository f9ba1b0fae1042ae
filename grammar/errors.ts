// Syntax errors in the user's terms: Chevrotain's exceptions become "expected
// a CPU list after 'offline cpu', found 'foo'" at the span they concern, and
// each line of stray tokens becomes one "expected a step (…), found 'x'".
import type { IRecognitionException, IToken } from 'chevrotain';
import type { Span, SyntaxError } from './ast.js';
import { isLineBreakBetween } from './lexer.js';
import { tokenSpan } from './nodes.js';
import type { ParsedTokens } from './parser.js';
import { MAX_SYNTAX_ERRORS } from './parser-base.js';
import { TOP_ITEM } from './parser-topology.js';
import { statementStarters } from './tokens.js';

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

/**
 * Which line an offset is on, counting `\n` only: the lines in which a
 * lexical error explains the parse errors. Built only when there are errors.
 */
class NewlineIndex {
  private readonly breaks: number[] = [];

  constructor(text: string) {
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) this.breaks.push(i);
  }

  /** The number of `\n` before `offset`. */
  lineOf(offset: number): number {
    let lo = 0;
    let hi = this.breaks.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.breaks[mid] as number) < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

function splitByLine(text: string, run: readonly IToken[]): IToken[][] {
  const out: IToken[][] = [];
  let current: IToken[] = [];
  for (const t of run) {
    const prev = current[current.length - 1];
    if (prev && isLineBreakBetween(text, prev.startOffset + prev.image.length, t.startOffset)) {
      out.push(current);
      current = [];
    }
    current.push(t);
  }
  if (current.length > 0) out.push(current);
  return out;
}

/**
 * Every syntax error of a text, sorted by where it starts: its lexical errors
 * (in lexText()'s order), then what the parser reported and the stray tokens
 * it skipped. A lexical error explains the parse errors on its own line, and
 * recovery can stop twice at the same token with the same complaint, so
 * those are dropped.
 */
export function syntaxErrors(text: string, tokens: readonly IToken[], lexErrors: readonly SyntaxError[], parsed: ParsedTokens): SyntaxError[] {
  const errors = lexErrors.slice();
  if (errors.length === 0 && parsed.errors.length === 0 && parsed.strays.length === 0 && parsed.strayCloses.length === 0) return errors;
  const parseErrorStarts = new Set<number>();
  const lines = errors.length > 0 ? new NewlineIndex(text) : undefined;
  const lexErrorLines = new Set(lines ? errors.map((e) => lines.lineOf(e.span.start)) : []);
  const onLexErrorLine = (offset: number): boolean => lines !== undefined && lexErrorLines.has(lines.lineOf(offset));
  for (const e of parsed.errors) {
    const err = parseErrorOf(text, tokens, e);
    if (e.token && Number.isFinite(e.token.startOffset)) parseErrorStarts.add(e.token.startOffset);
    if (onLexErrorLine(err.span.start)) continue;
    errors.push(err);
  }
  const reportStray = (run: readonly IToken[], expected: string): void => {
    // One report per line of stray tokens, so a bad line never hides the next.
    for (const line of splitByLine(text, run)) {
      const first = line[0] as IToken;
      // Recovery already reported the token it stopped at, and an unexpected
      // character explains what follows it on its line.
      if (parseErrorStarts.has(first.startOffset)) continue;
      if (onLexErrorLine(first.startOffset)) continue;
      const last = line[line.length - 1] as IToken;
      errors.push({
        message: `expected ${expected}, found ${quote(first.image)}`,
        span: { start: first.startOffset, end: last.startOffset + last.image.length },
        phase: 'parse',
      });
    }
  };
  // The order of these reports does not matter: no two of them start at the
  // same token, and the sort below is stable for the parse errors before them.
  for (const run of parsed.strays) reportStray(run.tokens, run.expected);
  for (const c of parsed.strayCloses) reportStray([c], TOP_ITEM);
  if (parsed.stoppedAt !== undefined) {
    const at = Math.min(parsed.stoppedAt, text.length);
    errors.push({ message: `irqd stops reading the file after ${MAX_SYNTAX_ERRORS} syntax errors (its limit, MAX_SYNTAX_ERRORS): nothing after this point is checked`, span: { start: at, end: at }, phase: 'parse' });
  }
  errors.sort((a, b) => a.span.start - b.span.start);
  return errors.filter((e, i) => {
    const prev = errors[i - 1];
    return !prev || prev.span.start !== e.span.start || prev.span.end !== e.span.end || prev.message !== e.message;
  });
}
