// parseItems(): the top-level items of one stretch of a file, for reparsing
// only what an edit touched. index.ts exports it; its doc comment there is
// the contract.
import type { IToken } from 'chevrotain';
import type { Span, SyntaxError, TopItem } from './ast.js';
import { syntaxErrors } from './errors.js';
import { lexText } from './lexer.js';
import { MAX_SYNTAX_ERRORS } from './parser-base.js';
import { NOTHING_PARSED, parseTokens } from './parser.js';
import { quickParsePrefix } from './quick.js';
import { keywords } from './tokens.js';

/** The items, syntax errors and comments of text[from, to), at their offsets in the whole text. */
export interface ItemsResult {
  readonly items: readonly TopItem[];
  readonly errors: readonly SyntaxError[];
  readonly comments: readonly Span[];
}

/** Whether `at` is 0, the end, or just after a `\n`: where a line starts. */
function isLineStart(text: string, at: number): boolean {
  return at === 0 || at === text.length || text.charCodeAt(at - 1) === 10;
}

const itemKeywords: ReadonlySet<unknown> = new Set([keywords.use, keywords.system, keywords.scenario]);

function shifted(span: Span, by: number): Span {
  return { start: span.start + by, end: span.end + by };
}

export function parseItems(text: string, from: number, to: number): ItemsResult | undefined {
  if (!(0 <= from && from <= to && to <= text.length) || !isLineStart(text, from) || !isLineStart(text, to)) return undefined;
  const lexed = lexText(text.slice(from, to));
  // A `/*` whose `*/` is missing runs past `to` in the whole text.
  if (lexed.openComment) return undefined;
  // As many lexer errors as MAX_SYNTAX_ERRORS stop a whole parse (index.ts withinErrorLimit()): parse() decides.
  if (lexed.errors.length >= MAX_SYNTAX_ERRORS) return undefined;
  const tokens: IToken[] = lexed.tokens;
  // The first token starts a line, so it is a plain keyword in both texts;
  // anything but an item's keyword there could read differently after what
  // comes before `from`.
  const first = tokens[0];
  if (first && !itemKeywords.has(first.tokenType)) return undefined;
  for (const t of tokens) t.startOffset += from;
  const quick = quickParsePrefix(tokens);
  const parsed = quick.next === tokens.length ? { ...NOTHING_PARSED, items: quick.items } : parseTokens(tokens, { prefix: quick });
  // Where this parse met the end of its input, a full parse meets the next
  // item. That only reads the same if the stretch's items all ended before:
  // no error at the end, no recovery that skipped to it, and no recursive
  // construct that recovery left counted towards MAX_NESTING (parser-base.ts).
  if (parsed.skippedToEnd || parsed.nesting !== 0) return undefined;
  if (parsed.errors.some((e) => !e.token || !Number.isFinite(e.token.startOffset) || e.token.tokenType?.name === 'EOF')) return undefined;
  const lexErrors = lexed.errors.map((e) => ({ ...e, span: shifted(e.span, from) }));
  const errors = syntaxErrors(text, tokens, lexErrors, parsed);
  return { items: parsed.items, errors, comments: lexed.comments.map((c) => shifted(c, from)) };
}

