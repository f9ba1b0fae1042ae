// The keyword table cannot drift: every keyword that begins a statement
// (grammar/tokens.ts statementStarters) has an entry, every entry is a
// keyword, every kernel function it names is one docs/simulation.md names,
// every signature's parameter offsets point at the parameter's label, and
// every form, written out, is one the parser accepts.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { keywordOf, statementStarters } from '../../grammar/tokens.js';
import { parse } from '../../grammar/index.js';
import { docsOf, keywordDocs, type DocContext, type Part, type Take } from '../../server/src/features/keyword-docs.js';

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

/** A word that fills one `Take` of a part, for the parse check below. */
function filler(part: Part, take: Take): string {
  if (take.startsWith('=')) return take.slice(1);
  switch (take) {
    case 'name': {
      // A choice (`read|write`, `maskable yes|no`) is filled with its first alternative.
      const last = part.label.split(' ').pop() ?? '';
      return last.includes('|') ? (last.split('|')[0] as string) : 'x1';
    }
    case 'number':
      return '1';
    case 'address':
      return '01:00.0';
    case 'cpulist':
      return '0-1,3';
    case 'numbers':
      return '1,1';
    case 'selection':
      return 'x1[0-1]';
    case 'entries':
      return '[0]';
    case 'string':
      return '"s"';
    case 'errno':
      return '-EBUSY';
    case 'block':
      return '{ }';
    default:
      // `words`: a step, or a list of words.
      return part.label === 'STEP' ? 'request x1' : part.label.startsWith('FIELDS') ? 'allocated' : part.label.startsWith('FLAGS') ? 'p2p' : 'x1';
  }
}

const contexts: Record<DocContext, (statement: string) => string> = {
  top: (s) => s,
  system: (s) => `system h {\n  ${s}\n}\n`,
  guest: (s) => `system h {\n  guest g {\n    ${s}\n  }\n}\n`,
  device: (s) => `system h {\n  device d pci 01:00.0 {\n    ${s}\n  }\n}\n`,
  pasid: (s) => `system h {\n  pasid capacity 8 {\n    ${s}\n  }\n}\n`,
  state: (s) => `system h {\n  state {\n    ${s}\n  }\n}\n`,
  steps: (s) => `scenario s {\n  ${s}\n}\n`,
};

test('every form, written out with every part, parses in each of its places', () => {
  const failures: string[] = [];
  let checked = 0;
  for (const d of keywordDocs) {
    for (const f of d.forms) {
      const statement = [d.keyword, ...f.parts.map((p) => p.take.map((t) => filler(p, t)).join(' '))].join(' ');
      for (const c of d.contexts) {
        const errors = parse(contexts[c](statement)).errors;
        checked++;
        if (errors.length > 0) failures.push(`${c}: ${statement}: ${errors[0]?.message ?? ''}`);
      }
    }
  }
  assert.deepEqual(failures, []);
  assert.ok(checked > 60, `only ${checked} forms checked`);
});
