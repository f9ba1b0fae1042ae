// Semantic tokens, folding ranges, the outline and completion details on the
// newer syntax (use, scenario … after, platform devices, state blocks, irq N
// selections), which the fixture annotations cannot express. The document is
// new-syntax.irqd, analysed as a file on disk so its `use` resolves.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { DocumentSymbol } from 'vscode-languageserver';
import { analyze, type Analysis } from '../../server/src/analysis/analysis.js';
import { DiskUseResolver } from '../../server/src/analysis/files.js';
import { completion } from '../../server/src/features/completion.js';
import { foldingRanges } from '../../server/src/features/folding.js';
import { semanticTokens, tokenTypes } from '../../server/src/features/semantic-tokens.js';
import { documentSymbols } from '../../server/src/features/symbols.js';

const file = join(__dirname, '..', '..', '..', 'test', 'features', 'new-syntax.irqd');
const text = readFileSync(file, 'utf8');
const lines = text.split(/\r?\n/);
const analysis = analyze(text, 1, { file, uses: new DiskUseResolver() });

interface DecodedToken {
  readonly line: number;
  readonly character: number;
  readonly text: string;
  readonly type: string;
  readonly declaration: boolean;
}

function decode(a: Analysis): DecodedToken[] {
  const data = semanticTokens(a).data;
  const src = a.text.split(/\r?\n/);
  const out: DecodedToken[] = [];
  let line = 0;
  let character = 0;
  for (let i = 0; i + 4 < data.length; i += 5) {
    const dl = data[i] as number;
    line += dl;
    character = dl === 0 ? character + (data[i + 1] as number) : (data[i + 1] as number);
    const length = data[i + 2] as number;
    out.push({
      line,
      character,
      text: (src[line] ?? '').slice(character, character + length),
      type: tokenTypes[data[i + 3] as number] ?? '?',
      declaration: ((data[i + 4] as number) & 1) === 1,
    });
  }
  return out;
}

const tokens = decode(analysis);

/** The 0-based line that is exactly `code` once trimmed (a code line, not an annotation). */
function lineOf(code: string): number {
  const i = lines.findIndex((l) => l.trim() === code);
  assert.ok(i >= 0, `no line '${code}' in new-syntax.irqd`);
  return i;
}

function tokensOn(code: string): DecodedToken[] {
  const line = lineOf(code);
  return tokens.filter((t) => t.line === line);
}

/** The type of the token `word` on the line `code` (the first one, or the nth). */
function typeOf(code: string, word: string, nth = 0): string | undefined {
  return tokensOn(code).filter((t) => t.text === word)[nth]?.type;
}

test('the fixture analyses clean, with its use resolved', () => {
  assert.deepEqual(
    analysis.diagnostics.map((d) => `${d.code} ${d.message}`),
    [],
  );
  assert.equal(analysis.used.length, 1);
});

test('semantic tokens: the name after `after` is a scenario reference, also one from a used file', () => {
  const next = tokensOn('scenario next after boot {');
  assert.deepEqual(
    next.map((t) => [t.text, t.type, t.declaration]),
    [
      ['scenario', 'keyword', false],
      ['next', 'function', true],
      ['after', 'keyword', false],
      ['boot', 'function', false],
    ],
  );
  assert.equal(typeOf('scenario again on base after warm {', 'base'), 'namespace');
  assert.equal(typeOf('scenario again on base after warm {', 'warm'), 'function');
});

test('semantic tokens: a quoted scenario name after `after` stays a string, like a quoted declaration', () => {
  const a = analyze('system s { cpus 1 }\nscenario "first one" on s { }\nscenario second after "first one" { }\n', 1);
  assert.deepEqual(a.diagnostics, []);
  const line2 = decode(a).filter((t) => t.line === 2);
  assert.deepEqual(
    line2.map((t) => [t.text, t.type]),
    [
      ['scenario', 'keyword'],
      ['second', 'function'],
      ['after', 'keyword'],
      ['"first one"', 'string'],
    ],
  );
});

test('semantic tokens: a state irq line has a device reference and enumerated words', () => {
  const first = 'irq 35 nvme0[0] managed requested cpu 1 vector 0x22 affinity 0-1';
  assert.equal(typeOf(first, 'irq'), 'keyword');
  assert.equal(typeOf(first, '35'), 'number');
  assert.equal(typeOf(first, 'nvme0'), 'class');
  assert.equal(tokensOn(first).find((t) => t.text === 'nvme0')?.declaration, false);
  assert.equal(typeOf(first, 'managed'), 'keyword');
  assert.equal(typeOf(first, 'requested'), 'enumMember');
  assert.equal(typeOf(first, 'cpu'), 'keyword');
  const second = 'irq 36 nvme0[1] via msix requested cpu 2 vector 0x23 previous cpu 1 vector 0x24 masked';
  assert.equal(typeOf(second, 'msix'), 'enumMember');
  assert.equal(typeOf(second, 'masked'), 'enumMember');
  assert.equal(typeOf(second, 'previous'), 'keyword');
  const third = 'irq 0 timer requested cpu 0 vector 0x30 no-balancing';
  assert.equal(typeOf(third, 'timer'), 'class');
  assert.equal(typeOf(third, 'no-balancing'), 'enumMember');
  assert.equal(typeOf('online cpu 0-3', 'online'), 'keyword');
});

test('semantic tokens: edge and level are values of the pin; platform is a keyword', () => {
  const timer = 'device timer platform { ioapic pin 2 domain IOAPIC0 irq 0 edge }';
  assert.equal(typeOf(timer, 'timer'), 'class');
  assert.equal(typeOf(timer, 'platform'), 'keyword');
  assert.equal(typeOf(timer, 'IOAPIC0'), 'type');
  assert.equal(typeOf(timer, 'irq'), 'keyword');
  assert.equal(typeOf(timer, 'edge'), 'enumMember');
  assert.equal(typeOf('device hpet platform { ioapic pin 8 level }', 'level'), 'enumMember');
  assert.equal(typeOf('domain DMAR0 dmar-msi parent VECTOR', 'dmar-msi'), 'enumMember');
  assert.equal(typeOf('domain IOAPIC0 ioapic parent IR0 { pins 24  source-id f0:1f.0 }', 'f0:1f.0'), 'number');
});

test('semantic tokens: an `irq N` selection is no device', () => {
  for (const code of ['fire irq 35', 'expect irq 35 affinity 0-1']) {
    const line = tokensOn(code);
    assert.equal(line.find((t) => t.text === 'irq')?.type, 'keyword', code);
    assert.equal(line.find((t) => t.text === '35')?.type, 'number', code);
    assert.ok(!line.some((t) => t.type === 'class'), `${code}: ${JSON.stringify(line)}`);
  }
  assert.equal(typeOf('expect nvme0[0] affinity 0-1', 'nvme0'), 'class');
  assert.equal(typeOf('expect nvme0[0] affinity 0-1', 'affinity'), 'keyword');
});

test('folding: the state block folds like other bodies', () => {
  const folds = foldingRanges(analysis).map((f) => [f.startLine, f.endLine]);
  const start = lineOf('state {');
  const close = lines.findIndex((l, i) => i > start && l.trim() === '}');
  assert.deepEqual(
    folds.find(([s]) => s === start),
    [start, close - 1],
  );
  // The guest's body still folds, and so does the system around both.
  assert.ok(folds.some(([s]) => s === lineOf('guest vm {')));
  assert.ok(folds.some(([s]) => s === lineOf('system host {')));
});

test('folding: a run of use lines folds as imports', () => {
  const a = analyze('use "a.irqd"\nuse "b.irqd"\n\nsystem s { cpus 1 }\nuse "c.irqd"\n', 1);
  const imports = foldingRanges(a).filter((f) => f.kind === 'imports');
  assert.deepEqual(
    imports.map((f) => [f.startLine, f.endLine]),
    [[0, 1]],
  );
});

function find(symbols: readonly DocumentSymbol[] | undefined, name: string): DocumentSymbol {
  const s = symbols?.find((x) => x.name === name);
  assert.ok(s, `no symbol '${name}' among ${JSON.stringify(symbols?.map((x) => x.name))}`);
  return s;
}

test('outline: the state block under its system, one child per irq line', () => {
  const outline = documentSymbols(analysis);
  const host = find(outline, 'host');
  const state = find(host.children, 'state');
  assert.equal(state.detail, 'online cpu 0-3, 3 IRQs');
  assert.equal(state.selectionRange.start.line, lineOf('state {'));
  assert.deepEqual(
    state.children?.map((c) => [c.name, c.detail]),
    [
      ['IRQ 35 nvme0[0]', 'managed requested cpu 1 vector 0x22 affinity 0-1'],
      ['IRQ 36 nvme0[1]', 'via msix requested cpu 2 vector 0x23 previous cpu 1 vecto...'],
      ['IRQ 0 timer', 'requested cpu 0 vector 0x30 no-balancing'],
    ],
  );
  const irq35 = find(state.children, 'IRQ 35 nvme0[0]');
  assert.equal(irq35.range.start.line, lineOf('irq 35 nvme0[0] managed requested cpu 1 vector 0x22 affinity 0-1'));
});

test('outline: platform devices like devices, scenarios with what they continue', () => {
  const outline = documentSymbols(analysis);
  const host = find(outline, 'host');
  for (const name of ['timer', 'dmar0', 'hpet']) {
    const dev = find(host.children, name);
    assert.equal(dev.detail, 'platform', name);
    assert.equal(dev.kind, find(host.children, 'nvme0').kind, name);
  }
  assert.equal(find(host.children, 'nvme0').detail, 'pci 01:00.0');
  assert.equal(find(outline, 'boot').detail, 'on host');
  assert.equal(find(outline, 'next').detail, 'after boot');
  assert.equal(find(outline, 'again').detail, 'on base after warm');
  assert.deepEqual(
    find(outline, 'again').children?.map((c) => c.name),
    ['free nic0'],
  );
});

test('completion details: scenarios after `after` say where they run and come from; quoted names are offered quoted', () => {
  const line = lineOf('scenario next after boot {');
  const items = completion(analysis, { line, character: lines[line]?.indexOf('boot') ?? 0 });
  const byLabel = new Map(items.map((i) => [i.label, i.detail]));
  assert.equal(byLabel.get('boot'), 'scenario on host');
  assert.equal(byLabel.get('"base boot"'), 'scenario on base, from new-syntax-base.irqd');
  assert.equal(byLabel.get('warm'), 'scenario on base, from new-syntax-base.irqd');
  assert.ok(!byLabel.has('next'));
  const systems = completion(analysis, { line: lineOf('scenario boot on host {'), character: 'scenario boot on '.length });
  assert.deepEqual(
    systems.map((s) => [s.label, s.detail]),
    [
      ['host', 'system'],
      ['base', 'system, from new-syntax-base.irqd'],
    ],
  );
});

test('completion: the devices of a state irq line say which are platform devices', () => {
  const line = lineOf('irq 0 timer requested cpu 0 vector 0x30 no-balancing');
  const items = completion(analysis, { line, character: (lines[line]?.indexOf('timer') ?? 0) });
  const byLabel = new Map(items.map((i) => [i.label, i.detail]));
  assert.equal(byLabel.get('timer'), 'platform device');
  assert.equal(byLabel.get('nvme0'), 'pci 01:00.0');
});
