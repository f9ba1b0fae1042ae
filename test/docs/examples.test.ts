// The irqd examples in the documentation are real irqd: every ```irqd block
// of README.md and docs/*.md parses without a syntax error, so the docs
// cannot drift from the grammar.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from '../../grammar/index.js';

const root = join(__dirname, '..', '..', '..');
// diagnostics.md's examples are fragments that produce their diagnostic on purpose.
const pages = ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md') && f !== 'diagnostics.md').map((f) => join('docs', f))];

test('every irqd example in the documentation parses', () => {
  const problems: string[] = [];
  let blocks = 0;
  for (const page of pages) {
    const text = readFileSync(join(root, page), 'utf8');
    for (const m of text.matchAll(/^```irqd\n([\s\S]*?)^```$/gm)) {
      blocks++;
      const code = m[1] as string;
      const line = text.slice(0, m.index).split('\n').length + 1;
      for (const e of parse(code).errors) problems.push(`${page}:${line + code.slice(0, e.span.start).split('\n').length - 1}: ${e.message}`);
    }
  }
  assert.ok(blocks >= 10, `only ${blocks} irqd blocks found`);
  assert.deepEqual(problems, []);
});
