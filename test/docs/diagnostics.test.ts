// docs/diagnostics.md must be exactly what the catalog renders, and every
// code the analysis can produce must be in the catalog. Run with
// IRQD_UPDATE_DOCS=1 (npm run docs:diagnostics) to rewrite the page.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { catalog } from '../../server/src/model/catalog.js';
import { renderDiagnosticsDoc } from '../../server/src/model/catalog-doc.js';

const root = join(__dirname, '..', '..', '..');
const docPath = join(root, 'docs', 'diagnostics.md');

test('docs/diagnostics.md matches the catalog', () => {
  const rendered = renderDiagnosticsDoc();
  if (process.env['IRQD_UPDATE_DOCS'] === '1') writeFileSync(docPath, rendered);
  assert.equal(readFileSync(docPath, 'utf8'), rendered, 'docs/diagnostics.md is stale: run npm run docs:diagnostics');
});

test('catalog codes are unique, well formed and documented with an example', () => {
  const codes = catalog.map((e) => e.code);
  assert.equal(new Set(codes).size, codes.length);
  for (const e of catalog) {
    assert.match(e.code, /^IRQD\d{3}$/);
    assert.ok(e.title && e.doc.length > 20 && e.example.length > 0, e.code);
  }
});

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

test('every code used in the sources is in the catalog, and every catalog code is used', () => {
  const used = new Set<string>();
  for (const file of sources(join(root, 'server', 'src'))) {
    if (file.endsWith('catalog.ts')) continue;
    for (const m of readFileSync(file, 'utf8').matchAll(/'(IRQD\d{3})'/g)) used.add(m[1] as string);
  }
  const known = new Set(catalog.map((e) => e.code));
  assert.deepEqual([...used].filter((c) => !known.has(c)), []);
  assert.deepEqual([...known].filter((c) => !used.has(c) && c !== 'IRQD001' && c !== 'IRQD002'), []);
});

test('every catalog code is exercised by some fixture under test/', () => {
  const seen = new Set<string>();
  const walk = (dir: string): void => {
    for (const n of readdirSync(dir)) {
      const p = join(dir, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.irqd')) for (const m of readFileSync(p, 'utf8').matchAll(/\b(?:error|warning|info|hint) (IRQD\d{3})/g)) seen.add(m[1] as string);
    }
  };
  walk(join(root, 'test'));
  // IRQD003 is a bug in irqd and IRQD004 needs a 4 MiB file: unit tests cover them.
  const missing = catalog.map((e) => e.code).filter((c) => !seen.has(c) && c !== 'IRQD003' && c !== 'IRQD004');
  assert.deepEqual(missing, [], `codes without a fixture: ${missing.join(', ')}`);
});
