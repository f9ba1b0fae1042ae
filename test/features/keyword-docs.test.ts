// The keyword table cannot drift: every keyword that begins a statement
// (grammar/tokens.ts statementStarters) has an entry, every entry is a
// keyword, every kernel function it names is one docs/simulation.md names,
// and every signature's parameter offsets point at the parameter's label.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { keywordOf, statementStarters } from '../../grammar/tokens.js';
import { docsOf, keywordDocs } from '../../server/src/features/keyword-docs.js';

const root = join(__dirname, '..', '..', '..');

test('every statement keyword has an entry, and every entry is a keyword', () => {
  const starters = [...keywordOf].filter(([, t]) => statementStarters.has(t)).map(([w]) => w);
  assert.ok(starters.length > 40, `only ${starters.length} statement keywords`);
  const missing = starters.filter((w) => docsOf(w).length === 0);
  assert.deepEqual(missing, [], `no entry for ${missing.join(', ')}`);
  for (const d of keywordDocs) assert.ok(keywordOf.has(d.keyword), `'${d.keyword}' is not a keyword`);
});

test('every kernel function the table names is named in docs/simulation.md', () => {
  const doc = readFileSync(join(root, 'docs', 'simulation.md'), 'utf8');
  const absent: string[] = [];
  for (const d of keywordDocs) for (const k of d.kernel) if (!doc.includes(`\`${k}\``)) absent.push(`${d.keyword}: ${k}`);
  assert.deepEqual(absent, []);
  assert.ok(keywordDocs.filter((d) => d.kernel.length > 0).length >= 12);
});

test('each entry says what it does, and each signature offset spans its parameter label', () => {
  for (const d of keywordDocs) {
    assert.ok(d.summary.length > 20, `'${d.keyword}' has no summary`);
    for (const f of d.forms) {
      assert.ok(f.label.startsWith(d.keyword), f.label);
      f.parts.forEach((p, i) => {
        const [s, e] = f.offsets[i] ?? [0, 0];
        assert.equal(f.label.slice(s, e), p.label, `${f.label}: parameter ${i}`);
      });
    }
  }
});
