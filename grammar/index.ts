// parse(text) → {ast, errors, comments}: never throws, always returns a tree
// for what it could read. Syntax errors are phrased in the user's terms:
// "expected a CPU list after 'offline cpu', found 'foo'".
import type { IToken } from 'chevrotain';
import type { ParseResult, SyntaxError } from './ast.js';
import { syntaxErrors } from './errors.js';
import { lexText } from './lexer.js';
import { MAX_SYNTAX_ERRORS } from './parser-base.js';
import { NOTHING_PARSED, parseTokens } from './parser.js';
import { quickParsePrefix } from './quick.js';
import { keywordOf, keywords, keywordSet, statementStarters } from './tokens.js';

const itemStarts: ReadonlySet<unknown> = new Set([keywords.use, keywords.system, keywords.scenario]);

export * from './ast.js';
export { LineIndex, type Position } from './line-index.js';
export { keywordSet } from './tokens.js';
export { numberValue } from './nodes.js';
export { lex, lexText, type Lexed } from './lexer.js';
export type { IToken } from 'chevrotain';

/** The keywords that begin a statement (language.md, "Keywords"), by spelling: what formatting sets apart inside a body on one line. */
export const statementKeywords: ReadonlySet<string> = new Set(
  [...keywordSet].filter((w) => {
    const token = keywordOf.get(w);
    return token !== undefined && statementStarters.has(token);
  }),
);

export function parse(text: string): ParseResult {
  const lexed = lexText(text);
  const comments = lexed.comments;
  const { tokens, lexErrors, stopAt } = withinErrorLimit(lexed.tokens, lexed.errors);
  // A file without syntax errors is read by the quick reader; one with errors
  // (or one it is not sure of) by the recovering parser, which builds the
  // same tree for what both can read.
  const quick = quickParsePrefix(tokens);
  let parsed = quick.next === tokens.length ? { ...NOTHING_PARSED, items: quick.items } : parseTokens(tokens, { prefix: quick });
  if (stopAt !== undefined && parsed.stoppedAt === undefined) parsed = { ...parsed, stoppedAt: stopAt, skippedToEnd: true };
  const errors = syntaxErrors(text, tokens, lexErrors, parsed);
  return { ast: { items: parsed.items, span: { start: 0, end: text.length } }, errors, comments };
}

/**
 * MAX_SYNTAX_ERRORS counts the lexer's errors too (a file of 50,000 no-break
 * spaces, or one in the wrong encoding): with that many, the parse reads the
 * tokens before the top-level item the last one falls in, and the file says
 * it stops there. Cutting at an item's first token, not at the error, keeps
 * the cut from adding "found end of file" errors of its own.
 */
function withinErrorLimit(tokens: IToken[], lexErrors: SyntaxError[]): { tokens: IToken[]; lexErrors: SyntaxError[]; stopAt?: number } {
  const last = lexErrors[MAX_SYNTAX_ERRORS - 1];
  if (!last) return { tokens, lexErrors };
  const at = last.span.start;
  // The first token at or after the error, then back to the first token of the item it falls in.
  let cut = 0;
  while (cut < tokens.length && (tokens[cut] as IToken).startOffset < at) cut++;
  let item = cut - 1;
  while (item >= 0 && !itemStarts.has((tokens[item] as IToken).tokenType)) item--;
  if (item >= 0) cut = item;
  const stopAt = item >= 0 ? (tokens[item] as IToken).startOffset : at;
  return { tokens: tokens.slice(0, cut), lexErrors: lexErrors.filter((e) => e.span.start < stopAt), stopAt };
}

export type { ItemsResult } from './incremental.js';

/**
 * Parses only the top-level items in text[from, to), for reparsing the part
 * of a file an edit changed. Items, errors and comments come back at their
 * offsets in `text`, or undefined: then the caller must parse the whole text.
 *
 * The contract. Let `previous` be parse(old) of a text that equals `text`
 * outside the changed stretch: old[0, from) === text[0, from) and old[oldTo,
 * …) === text[to, …). If
 *
 *  1. `from` and `oldTo` are top-level item boundaries of `previous` at line
 *     starts: each is 0, the end of the text, or an offset just after a `\n`
 *     that no item or comment of `previous` spans (it lies between the end of
 *     one top-level item and the start of the next);
 *  2. every error of `previous` lies in [from, oldTo): nothing outside the
 *     changed stretch has a syntax error; and
 *  3. parseItems(text, from, to) returns a result R,
 *
 * then parse(text) equals, field for field, `previous` with the items, errors
 * and comments that lie in [from, oldTo) replaced by R's, and those after
 * shifted by to - oldTo.
 *
 * It returns undefined, and the caller must parse the whole text, when
 * `from` or `to` is not a line start; when the stretch begins with a token
 * other than `use`, `system` or `scenario`; when a `/*` in it has no `*\/`
 * (the comment runs past `to`); or when its items do not end inside it: a
 * block left open, a value missing at the very end, recovery that skipped to
 * the end, or an `expect fail`, `guest` or brace construct that recovery left
 * counted towards MAX_NESTING. So an edit that changes the brace balance of
 * an item, or starts a comment that runs on, falls back to a full parse; an
 * edit inside one item that keeps it closed does not, errors and all.
 */
export { parseItems } from './incremental.js';
