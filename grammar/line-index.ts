// Offsets to line/character positions and back (0-based, UTF-16 code units,
// as LSP counts them by default).
import type { Span } from './ast.js';

export interface Position {
  readonly line: number;
  readonly character: number;
}

export class LineIndex {
  private readonly starts: number[];

  constructor(readonly text: string) {
    const starts = [0];
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) starts.push(i + 1);
      else if (c === 13) {
        if (text.charCodeAt(i + 1) === 10) i++;
        starts.push(i + 1);
      }
    }
    this.starts = starts;
  }

  get lineCount(): number {
    return this.starts.length;
  }

  position(offset: number): Position {
    const o = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.starts[mid] as number) <= o) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: o - (this.starts[lo] as number) };
  }

  offset(pos: Position): number {
    if (pos.line < 0) return 0;
    if (pos.line >= this.starts.length) return this.text.length;
    const start = this.starts[pos.line] as number;
    // A character past the end of the line means the end of its text, not the line break.
    return Math.min(start + Math.max(0, pos.character), this.lineEnd(pos.line));
  }

  /** Where a line starts. */
  lineStart(line: number): number {
    return this.starts[line] ?? this.text.length;
  }

  /** Where a line's text ends: before its line break (\n, \r\n or \r), without making the line's string. */
  lineEnd(line: number): number {
    const start = this.starts[line] ?? this.text.length;
    let end = line + 1 < this.starts.length ? (this.starts[line + 1] as number) : this.text.length;
    if (end > start && this.text.charCodeAt(end - 1) === 10) end--;
    if (end > start && this.text.charCodeAt(end - 1) === 13) end--;
    return end;
  }

  range(span: Span): { start: Position; end: Position } {
    return { start: this.position(span.start), end: this.position(span.end) };
  }

  lineOf(offset: number): number {
    return this.position(offset).line;
  }

  /** The text of a line without its line break. */
  lineText(line: number): string {
    return this.text.slice(this.lineStart(line), this.lineEnd(line));
  }
}
