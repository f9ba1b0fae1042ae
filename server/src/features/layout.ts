// The canonical layout of an .irqd file (language.md, "Layout"), as a list of
// whitespace edits. It works from the lexer's tokens and comments, never from
// the AST, so a file with syntax errors lays out as well as a clean one; and it
// only ever rewrites the whitespace between them, so the token and comment
// sequence stays the same (test/features/formatting.test.ts checks that).
//
// A text is read as pieces (tokens, comments, and any run of characters the
// lexer could not read) separated by gaps of whitespace. A gap either lies
// inside a line, where it becomes one space (or the padding of an aligned
// column) and stays empty when it was empty, or holds line breaks, where it
// becomes at most one blank line and the next line's indentation.
import { MAX_NESTING } from '../../../grammar/parser-base.js';
import { lexText, statementKeywords, type IToken } from '../../../grammar/index.js';
import { domainKindInfo } from '../model/values.js';

/**
 * The words an item of a braced body begins with: statement keywords and
 * domain properties (`pins`, `source-id`). Not `domain`: inside a body on one
 * line it is the argument of `msix 8 domain MSI`, not an item.
 */
const itemWords: ReadonlySet<string> = new Set(
  [...statementKeywords, ...Object.values(domainKindInfo).flatMap((k) => Object.keys(k.props))].filter((w) => w !== 'domain'),
);

/** One token, comment or unreadable run of characters, with the offsets it had. */
interface Piece {
  readonly start: number;
  /** For a line comment, the end without its trailing whitespace. */
  readonly end: number;
  readonly kind: 'open' | 'close' | 'comment' | 'other';
  /** A block comment over several lines: the lines it covers are kept as they are. */
  readonly multiline: boolean;
}

/** A line of pieces: the pieces between two gaps that hold a line break. */
interface Line {
  readonly first: number;
  /** One past the last piece. */
  readonly end: number;
  /** The old column of the first piece: the width of the old indentation. */
  readonly oldIndent: number;
  /** Offset of the physical line start, for old columns. */
  readonly lineStart: number;
  /** Braces open at the line's start, less the closing braces that begin it. */
  readonly depth: number;
  readonly kind: 'code' | 'comment' | 'annotation' | 'line-annotation';
  /** Whether its last piece that is not a comment is `{`. */
  readonly opens: boolean;
  /** Whether it holds a block comment over several lines. */
  readonly multi: boolean;
}

/** A whitespace edit: text[start, end) becomes newText. `owner` is the offset whose line the edit belongs to. */
export interface LayoutEdit {
  readonly start: number;
  readonly end: number;
  readonly newText: string;
  readonly owner: number;
}

export interface LayoutOptions {
  /** One level of indentation: two spaces by default, as the samples use. */
  readonly indent: string;
}

export const DEFAULT_LAYOUT: LayoutOptions = { indent: '  ' };

/** `//`, optional spaces, carets, then what is expected: a fixture's annotation (test/support/fixture.ts). */
const CARET_ANNOTATION = /^\/\/(\s*)\^+\s/;
/** `//<`: an annotation for column 0 of the line above. */
const LINE_ANNOTATION = /^\/\/<\s/;

function isSpace(c: number): boolean {
  // The lexer's WhiteSpace: space, \t, \n, \v, \f, \r.
  return c === 32 || (c >= 9 && c <= 13);
}

function isBreak(c: number): boolean {
  return c === 10 || c === 13;
}

/**
 * Tokens and comments in text order, with the unreadable characters between
 * them as pieces of their own; and whether the last comment is a `/*` that
 * runs to the end of the text (a line break added after it would be inside it).
 */
function piecesOf(text: string): { pieces: Piece[]; openComment: boolean } {
  const lexed = lexText(text);
  const tokens: readonly IToken[] = lexed.tokens;
  const comments = lexed.comments;
  const pieces: Piece[] = [];
  let pos = 0;
  const push = (start: number, end: number, kind: Piece['kind'], multiline: boolean): void => {
    // Characters the lexer skipped (its errors) lie in the gap before this piece.
    for (let i = pos; i < start; ) {
      if (isSpace(text.charCodeAt(i))) {
        i++;
        continue;
      }
      let j = i;
      while (j < start && !isSpace(text.charCodeAt(j))) j++;
      pieces.push({ start: i, end: j, kind: 'other', multiline: false });
      i = j;
    }
    pieces.push({ start, end, kind, multiline });
    pos = end;
  };
  let t = 0;
  let c = 0;
  while (t < tokens.length || c < comments.length) {
    const token = tokens[t];
    const comment = comments[c];
    if (comment && (!token || comment.start < token.startOffset)) {
      let end = comment.end;
      const block = text.charCodeAt(comment.start + 1) === 42;
      if (!block) while (end > comment.start && isSpace(text.charCodeAt(end - 1))) end--;
      let multiline = false;
      if (block) for (let i = comment.start; i < end && !multiline; i++) multiline = isBreak(text.charCodeAt(i));
      push(comment.start, end, 'comment', multiline);
      c++;
    } else if (token) {
      const kind = token.image === '{' ? 'open' : token.image === '}' ? 'close' : 'other';
      push(token.startOffset, token.startOffset + token.image.length, kind, false);
      t++;
    }
  }
  push(text.length, text.length, 'other', false);
  pieces.pop();
  return { pieces, openComment: lexed.openComment };
}

/** The layout of one text: its pieces, lines and the columns they move to. */
class Layout {
  readonly pieces: Piece[];
  /** Whether the text ends inside a `/*` without its `*\/`. */
  private readonly openComment: boolean;
  readonly lines: Line[] = [];
  /** The line each piece is on. */
  private readonly lineOf: Int32Array;
  /** The new column of each piece on a line without a multi-line comment. */
  private readonly newCol: Int32Array;
  private readonly placed: Uint8Array;
  /** Per line: the pieces before this index are placed. */
  private placedTo: Int32Array = new Int32Array(0);
  /** Whether a piece begins an item, other than the first, of a body on one line: `{ msix 8 domain MSI  sriov 2 }`. */
  private readonly inOneLineBody: Uint8Array;

  constructor(
    readonly text: string,
    readonly options: LayoutOptions,
  ) {
    ({ pieces: this.pieces, openComment: this.openComment } = piecesOf(text));
    this.lineOf = new Int32Array(this.pieces.length);
    this.newCol = new Int32Array(this.pieces.length);
    this.placed = new Uint8Array(this.pieces.length);
    this.inOneLineBody = new Uint8Array(this.pieces.length);
    this.readLines();
  }

  gapStart(i: number): number {
    return i === 0 ? 0 : (this.pieces[i - 1] as Piece).end;
  }

  gapEnd(i: number): number {
    return i === this.pieces.length ? this.text.length : (this.pieces[i] as Piece).start;
  }

  private hasBreak(i: number): boolean {
    for (let k = this.gapStart(i); k < this.gapEnd(i); k++) if (isBreak(this.text.charCodeAt(k))) return true;
    return false;
  }

  private readLines(): void {
    const { pieces, text } = this;
    let depth = 0;
    let first = 0;
    for (let i = 1; i <= pieces.length; i++) {
      if (i < pieces.length && !this.hasBreak(i)) continue;
      let lineStart = this.gapEnd(first);
      while (lineStart > 0 && !isBreak(text.charCodeAt(lineStart - 1))) lineStart--;
      let closers = 0;
      while (first + closers < i && (pieces[first + closers] as Piece).kind === 'close') closers++;
      let comments = 0;
      let opens = false;
      let multi = false;
      for (let k = first; k < i; k++) {
        const p = pieces[k] as Piece;
        this.lineOf[k] = this.lines.length;
        if (p.kind === 'comment') comments++;
        else opens = p.kind === 'open';
        multi ||= p.multiline;
      }
      this.markOneLineBodies(first, i);
      const head = pieces[first] as Piece;
      let kind: Line['kind'] = comments === i - first ? 'comment' : 'code';
      if (i - first === 1 && kind === 'comment') {
        const image = text.slice(head.start, head.end);
        if (CARET_ANNOTATION.test(image)) kind = 'annotation';
        else if (LINE_ANNOTATION.test(image)) kind = 'line-annotation';
      }
      this.lines.push({ first, end: i, oldIndent: head.start - lineStart, lineStart, // Past the deepest nesting the parser reads (MAX_NESTING) the file is broken anyway, and an indent that grew
      // with each of 35,000 unclosed braces made gigabytes of spaces: deeper lines indent as deep as the deepest legal one.
      depth: Math.min(MAX_NESTING, Math.max(0, depth - closers)), kind, opens, multi });
      for (let k = first; k < i; k++) {
        const p = pieces[k] as Piece;
        if (p.kind === 'open') depth++;
        else if (p.kind === 'close') depth = Math.max(0, depth - 1);
      }
      first = i;
    }
  }

  /**
   * Marks the items of bodies that open and close on one line, `{ msix 8
   * domain MSI  ims 64 domain IMS }`, but the first: the pieces that begin an
   * item there may keep two spaces before them. A difference array keeps
   * nested bodies linear.
   */
  private markOneLineBodies(first: number, end: number): void {
    const opens: number[] = [];
    const marks = new Int32Array(end - first + 1);
    for (let k = first; k < end; k++) {
      const p = this.pieces[k] as Piece;
      if (p.kind === 'open') opens.push(k);
      else if (p.kind === 'close' && opens.length > 0) {
        const o = opens.pop() as number;
        if (o + 2 < k) {
          marks[o + 2 - first] = (marks[o + 2 - first] as number) + 1;
          marks[k - first] = (marks[k - first] as number) - 1;
        }
      }
    }
    let inside = 0;
    for (let k = first; k < end; k++) {
      inside += marks[k - first] as number;
      const p = this.pieces[k] as Piece;
      if (inside > 0 && itemWords.has(this.text.slice(p.start, p.end))) this.inOneLineBody[k] = 1;
    }
  }

  private indentWidth(line: Line): number {
    return line.depth * this.options.indent.length;
  }

  private oldCol(k: number): number {
    return (this.pieces[k] as Piece).start - (this.lines[this.lineOf[k] as number] as Line).lineStart;
  }

  private gapWidth(k: number): number {
    return this.gapEnd(k) - this.gapStart(k);
  }

  /** Where piece k goes when nothing aligns it: after the piece before it, one space away unless it was glued to it. */
  private minCol(k: number): number {
    const line = this.lines[this.lineOf[k] as number] as Line;
    if (k === line.first) return this.indentWidth(line);
    const prev = this.pieces[k - 1] as Piece;
    return (this.newCol[k - 1] as number) + (prev.end - prev.start) + this.minGap(k);
  }

  /**
   * The fewest spaces before piece k: none where there were none, two where
   * the items of a body on one line were set apart by two or more (`{ msix 8
   * domain MSI  ims 64 domain IMS }`), one otherwise.
   */
  private minGap(k: number): number {
    const width = this.gapWidth(k);
    if (width === 0) return 0;
    return width > 1 && this.inOneLineBody[k] === 1 ? 2 : 1;
  }

  /**
   * Places the pieces of a line that are not placed yet, up to (not
   * including) `to`, each where nothing aligns it. Each line keeps how far it
   * is placed, so a long line with many aligned columns is walked once.
   */
  private placeUpTo(index: number, to: number): void {
    for (let k = Math.max(this.placedTo[index] as number, (this.lines[index] as Line).first); k < to; k++) {
      if (this.placed[k] === 1) continue;
      this.newCol[k] = this.minCol(k);
      this.placed[k] = 1;
    }
    this.placedTo[index] = Math.max(this.placedTo[index] as number, to);
  }

  /**
   * Whether piece k may share an aligned column: a piece after whitespace in
   * its line, or the comment of a comment-only line (a trailing comment
   * continued on the next line).
   */
  private isCell(k: number, line: Line): boolean {
    if (line.multi || line.kind === 'annotation' || line.kind === 'line-annotation') return false;
    if (k === line.first) return line.kind === 'comment' && line.end - line.first === 1;
    return this.gapWidth(k) > 0;
  }

  /**
   * A comment after code on its line. It keeps the column the user gave it
   * (comment columns line up across a file, not only on adjacent lines), like
   * an aligned group of its own.
   */
  private isTrailingComment(k: number): boolean {
    const line = this.lines[this.lineOf[k] as number] as Line;
    return (this.pieces[k] as Piece).kind === 'comment' && k === line.end - 1 && line.kind === 'code' && this.isCell(k, line);
  }

  private linked(a: number, la: Line, b: number, lb: Line): boolean {
    if (!this.isCell(a, la) || !this.isCell(b, lb)) return false;
    // Comments line up with comments, words with words: a trailing comment that happens to start under a word is not aligned with it.
    const comments = Number((this.pieces[a] as Piece).kind === 'comment') + Number((this.pieces[b] as Piece).kind === 'comment');
    if (comments === 1) return false;
    if (a === la.first || b === lb.first) return comments === 2;
    // Extra spaces before one of them say that the user lined them up.
    return this.gapWidth(a) > this.minGap(a) || this.gapWidth(b) > this.minGap(b);
  }

  /**
   * The columns the user aligned: pieces that start at the same column on
   * adjacent lines (no blank line between them; annotation lines do not
   * count), at least one of each pair after extra spaces. Each such group
   * stays aligned: at its old column moved with its lines' indentation, or
   * further right if a line needs more room.
   */
  place(): void {
    const { lines, pieces } = this;
    // A group is a chain down adjacent lines, one piece per line: `down` links
    // each piece to the one below it, `linkedAbove` marks the pieces that are
    // not the head of their chain.
    const down = new Int32Array(pieces.length).fill(-1);
    const linkedAbove = new Uint8Array(pieces.length);
    let prev: Line | undefined;
    // A blank line before an annotation line separates the lines around it too.
    let blank = false;
    for (const line of lines) {
      blank ||= this.blankBefore(line);
      if (line.kind === 'annotation' || line.kind === 'line-annotation') continue;
      if (prev && !line.multi && !blank) {
        let a = prev.first;
        let b = line.first;
        while (a < prev.end && b < line.end) {
          const ca = this.oldCol(a);
          const cb = this.oldCol(b);
          if (ca < cb) a++;
          else if (cb < ca) b++;
          else {
            if (this.linked(a, prev, b, line)) {
              down[a] = b;
              linkedAbove[b] = 1;
            }
            a++;
            b++;
          }
        }
      }
      prev = line.multi ? undefined : line;
      blank = false;
    }
    // The heads of the groups, by old column (then text order): a group's
    // cells all sit in its head's column, and each piece of a line sits in a
    // smaller column than the next, so in this order every piece before a
    // cell is placed when the cell's group is.
    let count = 0;
    const heads = new Float64Array(pieces.length);
    for (let k = 0; k < pieces.length; k++) {
      if (linkedAbove[k] === 1 || (down[k] === -1 && !this.isTrailingComment(k))) continue;
      heads[count++] = this.oldCol(k) * 4294967296 + k;
    }
    const order = heads.subarray(0, count).sort();
    this.placedTo = new Int32Array(lines.length);
    for (const key of order) {
      const head = key % 4294967296;
      let col = 0;
      for (let k = head; k !== -1; k = down[k] as number) {
        const line = lines[this.lineOf[k] as number] as Line;
        this.placeUpTo(this.lineOf[k] as number, k);
        col = Math.max(col, this.minCol(k));
        if (line.kind === 'code') col = Math.max(col, this.oldCol(k) + this.indentWidth(line) - line.oldIndent);
      }
      for (let k = head; k !== -1; k = down[k] as number) {
        this.newCol[k] = col;
        this.placed[k] = 1;
      }
    }
    lines.forEach((line, index) => {
      if (!line.multi) this.placeUpTo(index, line.end);
    });
  }

  /** Whether a blank line lies between this line and the one before it. */
  private blankBefore(line: Line): boolean {
    let breaks = 0;
    for (let k = this.gapStart(line.first); k < this.gapEnd(line.first); k++) {
      const c = this.text.charCodeAt(k);
      if (c === 10 || (c === 13 && this.text.charCodeAt(k + 1) !== 10)) breaks++;
    }
    return breaks > 1;
  }

  /** How far the carets of an annotation line move: as far as the piece of its target line they point at. */
  private caretShift(annotation: Line, target: Line): number {
    if (target.multi) return 0;
    const comment = this.text.slice((this.pieces[annotation.first] as Piece).start, (this.pieces[annotation.first] as Piece).end);
    const caret = annotation.oldIndent + comment.indexOf('^');
    let at = -1;
    for (let k = target.first; k < target.end && this.oldCol(k) <= caret; k++) at = k;
    if (at < 0) return this.indentWidth(target) - target.oldIndent;
    return (this.newCol[at] as number) - this.oldCol(at);
  }

  edits(): LayoutEdit[] {
    this.place();
    const { lines, pieces, text } = this;
    const out: LayoutEdit[] = [];
    const eol = /\r\n|\n|\r/.exec(text)?.[0] ?? '\n';
    const replace = (start: number, end: number, newText: string, owner: number): void => {
      const old = text.slice(start, end);
      if (old === newText) return;
      // Only what differs: a re-indented line keeps its line break, a blank line removed keeps the next indentation.
      let p = 0;
      while (p < old.length && p < newText.length && old.charCodeAt(p) === newText.charCodeAt(p)) p++;
      let s = 0;
      while (s < old.length - p && s < newText.length - p && old.charCodeAt(old.length - 1 - s) === newText.charCodeAt(newText.length - 1 - s)) s++;
      out.push({ start: start + p, end: end - s, newText: newText.slice(p, newText.length - s), owner });
    };
    let target: Line | undefined;
    let before: Line | undefined;
    for (const line of lines) {
      const gs = this.gapStart(line.first);
      const ge = this.gapEnd(line.first);
      // The line break gap: trailing whitespace of the line before, the breaks kept, this line's indentation.
      let breakAt = gs;
      while (breakAt < ge && !isBreak(text.charCodeAt(breakAt))) breakAt++;
      if (breakAt > gs && before !== undefined) replace(gs, breakAt, '', gs);
      const breaks: string[] = [];
      for (let k = breakAt; k < ge; k++) {
        const c = text.charCodeAt(k);
        if (c === 13 && text.charCodeAt(k + 1) === 10) {
          breaks.push('\r\n');
          k++;
        } else if (isBreak(c)) breaks.push(c === 10 ? '\n' : '\r');
      }
      const head = pieces[line.first] as Piece;
      const tight = before === undefined || before.opens || head.kind === 'close';
      const kept = before === undefined ? 0 : tight ? 1 : 2;
      const indent = this.indentOf(line, target);
      if (before === undefined) replace(gs, ge, indent.lead, ge);
      else replace(breakAt, ge, breaks.slice(0, kept).join('') + indent.lead, ge);
      if (indent.inner !== undefined) replace(head.start + 2, head.start + 2 + indent.inner.old, ' '.repeat(indent.inner.width), head.start);
      this.lineGaps(line, replace);
      if (line.kind !== 'annotation' && line.kind !== 'line-annotation') target = line;
      before = line;
    }
    const last = pieces[pieces.length - 1];
    if (!this.openComment) {
      const gs = this.gapStart(pieces.length);
      let firstBreak = '';
      const m = /\r\n|\n|\r/.exec(text.slice(gs));
      if (m) firstBreak = m[0];
      replace(gs, text.length, last === undefined ? '' : firstBreak || eol, gs);
    }
    return out;
  }

  /** The whitespace before a line's first piece, and for an annotation whose carets must move left of its `//`, the spaces after `//`. */
  private indentOf(line: Line, target: Line | undefined): { lead: string; inner?: { old: number; width: number } } {
    const unit = this.options.indent;
    if (line.kind === 'annotation') {
      const old = { lead: this.text.slice(this.gapEnd(line.first) - line.oldIndent, this.gapEnd(line.first)) };
      if (!target) return old;
      const lead = line.oldIndent + this.caretShift(line, target);
      if (lead >= 0) return { lead: ' '.repeat(lead) };
      const comment = this.text.slice((this.pieces[line.first] as Piece).start, (this.pieces[line.first] as Piece).end);
      const inner = (CARET_ANNOTATION.exec(comment)?.[1] ?? '').length;
      // Carets cannot sit left of column 2: such an annotation stays as it was.
      if (inner + lead < 0) return old;
      return { lead: '', inner: { old: inner, width: inner + lead } };
    }
    const base = unit.repeat(line.depth);
    if (line.multi) return { lead: base };
    return { lead: base + ' '.repeat(Math.max(0, (this.newCol[line.first] as number) - this.indentWidth(line))) };
  }

  /** The gaps inside a line: one space, an aligned column's padding, or nothing where there was nothing. */
  private lineGaps(line: Line, replace: (start: number, end: number, newText: string, owner: number) => void): void {
    for (let k = line.first + 1; k < line.end; k++) {
      // After a multi-line comment the columns are those of another line: keep its gaps as they are.
      if ((this.pieces[k - 1] as Piece).multiline) return;
      const gs = this.gapStart(k);
      const ge = this.gapEnd(k);
      if (ge === gs) continue;
      const prev = this.pieces[k - 1] as Piece;
      const width = line.multi ? this.minGap(k) : (this.newCol[k] as number) - (this.newCol[k - 1] as number) - (prev.end - prev.start);
      replace(gs, ge, ' '.repeat(Math.max(1, width)), gs);
    }
  }
}

/** The whitespace edits that give a text its canonical layout, in text order. */
export function layoutEdits(text: string, options: LayoutOptions = DEFAULT_LAYOUT): LayoutEdit[] {
  return new Layout(text, options).edits();
}

/** A text in its canonical layout. */
export function formatText(text: string, options: LayoutOptions = DEFAULT_LAYOUT): string {
  return applyEdits(text, layoutEdits(text, options));
}

/** Applies non-overlapping edits given in text order. */
export function applyEdits(text: string, edits: readonly LayoutEdit[]): string {
  const parts: string[] = [];
  let pos = 0;
  for (const e of edits) {
    parts.push(text.slice(pos, e.start), e.newText);
    pos = e.end;
  }
  parts.push(text.slice(pos));
  return parts.join('');
}

/**
 * The block a typed `}` closes: the last `}` token on the line before
 * `offset` (from `lineStart`), with the offset of the `{` it closes (its own
 * when it closes nothing); undefined when the line has no `}` token before
 * `offset`, as when it was typed inside a comment or a string.
 */
export function blockClosedAt(text: string, lineStart: number, offset: number): { open: number; close: number } | undefined {
  const { pieces } = piecesOf(text);
  let at = -1;
  for (let k = 0; k < pieces.length; k++) {
    const p = pieces[k] as Piece;
    if (p.end > offset) break;
    if (p.kind === 'close' && p.start >= lineStart) at = k;
  }
  if (at < 0) return undefined;
  const close = (pieces[at] as Piece).start;
  let depth = 0;
  for (let k = at - 1; k >= 0; k--) {
    const p = pieces[k] as Piece;
    if (p.kind === 'close') depth++;
    else if (p.kind === 'open') {
      if (depth === 0) return { open: p.start, close };
      depth--;
    }
  }
  return { open: close, close };
}
