// Code actions on every text of the repository and on broken variants of
// generated programs, at random ranges: none throws, and every edit stays
// inside the document and overlaps no other edit of its action, so a client
// can apply whatever the server offers.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type { CodeAction, Range } from 'vscode-languageserver';
import { analyze } from '../../server/src/analysis/analysis.js';
import { codeActions } from '../../server/src/features/code-actions/index.js';
import { mutate, programs, repositoryTexts, rng } from '../grammar/generate.js';

const root = join(__dirname, '..', '..', '..');

function before(x: Range['start'], y: Range['start']): boolean {
  return x.line < y.line || (x.line === y.line && x.character <= y.character);
}

function checkEdits(action: CodeAction, lineCount: number, where: string): void {
  const edits = action.edit?.changes?.['file:///r.irqd'] ?? [];
  assert.ok(edits.length > 0, `${where}: '${action.title}' has no edit`);
  const sorted = [...edits].sort((x, y) => (before(x.range.start, y.range.start) ? -1 : 1));
  sorted.forEach((e, i) => {
    assert.ok(before(e.range.start, e.range.end), `${where}: '${action.title}' has a backwards range`);
    assert.ok(e.range.end.line < lineCount, `${where}: '${action.title}' edits past the end`);
    const next = sorted[i + 1];
    if (next) assert.ok(before(e.range.end, next.range.start), `${where}: '${action.title}' has overlapping edits`);
  });
}

test('code actions never throw and offer only edits a client can apply', () => {
  const next = rng(13);
  const generate = programs(next);
  const texts = repositoryTexts(root).slice(0, 30);
  for (let i = 0; i < 30; i++) texts.push(mutate(generate(), next));
  let offered = 0;
  for (const text of texts) {
    const a = analyze(text, 1);
    const lineCount = a.lines.lineCount;
    // Random ranges (past the end too), and the range of each of the first diagnostics, where the fixes are.
    const ranges: Range[] = a.diagnostics.slice(0, 20).map((d) => a.lines.range(d.span));
    for (let k = 0; k < 15; k++) {
      const line = Math.floor(next() * (lineCount + 2));
      ranges.push({ start: { line, character: Math.floor(next() * 40) }, end: { line: line + Math.floor(next() * 3), character: Math.floor(next() * 80) } });
    }
    for (const range of ranges) {
      const actions = codeActions(a, { uri: 'file:///r.irqd', versioned: false, range }, (t) => analyze(t, 1));
      for (const x of actions) checkEdits(x, lineCount, `${text.slice(0, 60)}… at ${JSON.stringify(range)}`);
      offered += actions.length;
    }
  }
  assert.ok(offered > 20, `only ${offered} actions offered over all texts`);
});
