// From text to the tokens the parser reads: Chevrotain's lexer (tokens.ts),
// then retypeKeywords(), then the lexical errors in the user's terms.
import type { IToken, TokenType } from 'chevrotain';
import type { Span, SyntaxError } from './ast.js';
import { tokenSpan } from './nodes.js';
import {
  BadNumber,
  Identifier,
  irqdLexer,
  keywordOf,
  keywords,
  keywordsAsNames,
  keywordSet,
  statementStarters,
  UnterminatedComment,
  UnterminatedString,
  type KeywordWord,
} from './tokens.js';

/** Whether a line break (`\n` or `\r`) lies in text[from, to). */
export function isLineBreakBetween(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || c === 13) return true;
  }
  return false;
}

/**
 * By token type index: the variant a keyword becomes where it may also be
 * read as a name, and whether the keyword can begin a statement. Looking a
 * token up by its type index costs less than looking its text up by name,
 * which was most of what retypeKeywords() took.
 */
const asName: (TokenType | undefined)[] = [];
const startsStatement: boolean[] = [];
for (const word of keywordSet as ReadonlySet<KeywordWord>) {
  const idx = keywords[word].tokenTypeIdx as number;
  asName[idx] = keywordsAsNames[word];
  startsStatement[idx] = statementStarters.has(keywords[word]);
}

const identifierIdx = Identifier.tokenTypeIdx as number;

/**
 * An Identifier that spells a keyword is that keyword (tokens.ts). Keywords
 * are names too, except a statement keyword that begins a line: that one
 * starts a statement even where the line before it left a name missing.
 */
function retypeKeywords(text: string, tokens: IToken[]): void {
  let prevEnd = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as IToken;
    if (t.tokenTypeIdx === identifierIdx) {
      const keyword = keywordOf.get(t.image);
      if (keyword !== undefined) {
        const idx = keyword.tokenTypeIdx as number;
        const type = startsStatement[idx] === true && (prevEnd === 0 || isLineBreakBetween(text, prevEnd, t.startOffset)) ? keyword : (asName[idx] as TokenType);
        t.tokenType = type;
        t.tokenTypeIdx = type.tokenTypeIdx as number;
      }
    }
    prevEnd = t.startOffset + t.image.length;
  }
}

function quote(image: string): string {
  const s = image.length > 40 ? image.slice(0, 37) + '...' : image;
  return `'${s}'`;
}

/** A text's tokens as the parser reads them, its comments, and its lexical errors in source order per kind. */
export interface Lexed {
  readonly tokens: IToken[];
  readonly comments: Span[];
  readonly errors: SyntaxError[];
  /** Whether a `/*` has no `*\/` and runs to the end of the text. */
  readonly openComment: boolean;
}

export function lexText(text: string): Lexed {
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
  let openComment = false;
  for (const c of lexed.groups['comments'] ?? []) {
    comments.push(tokenSpan(c));
    if (c.tokenType === UnterminatedComment) {
      openComment = true;
      errors.push({ message: "unterminated comment: '/*' has no '*/'", span: { start: c.startOffset, end: c.startOffset + 2 }, phase: 'lex' });
    }
  }
  const tokens = lexed.tokens;
  retypeKeywords(text, tokens);
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as IToken;
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
  return { tokens, comments, errors, openComment };
}

/** The tokens of a text (comments and whitespace dropped), keywords retyped as the parser sees them. */
export function lex(text: string): IToken[] {
  const tokens = irqdLexer.tokenize(text).tokens;
  retypeKeywords(text, tokens);
  return tokens;
}
