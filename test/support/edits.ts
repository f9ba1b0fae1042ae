// LSP text edits applied to a text, for the tests of features that return
// them (formatting): the edits must come in text order without overlapping,
// as the server promises, and the test fails when they do not.
import assert from 'node:assert/strict';
import type { TextEdit } from 'vscode-languageserver-protocol';
import { LineIndex } from '../../grammar/index.js';

export function applyTextEdits(text: string, edits: readonly TextEdit[]): string {
  const lines = new LineIndex(text);
  const parts: string[] = [];
  let pos = 0;
  for (const e of edits) {
    const start = lines.offset(e.range.start);
    assert.ok(start >= pos, 'edits overlap or are out of order');
    parts.push(text.slice(pos, start), e.newText);
    pos = lines.offset(e.range.end);
  }
  parts.push(text.slice(pos));
  return parts.join('');
}
