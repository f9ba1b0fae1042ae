// Formatting (server/src/features/layout.ts, formatting.ts). Data-driven:
// each test/features/formatting/NAME.irqd formats to NAME.formatted.irqd (a
// first line `// range: lines A-B` formats only those lines, `// on-type:
// line N` types `}` at the end of line N). Then the invariants over every
// .irqd file of the repository and over mutated ones: only whitespace
// changes, the tokens and comments stay, a second format changes nothing,
// fixture annotations still point at the same text; and every sample and
// fixture is already in its canonical layout.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import type { TextEdit } from 'vscode-languageserver';
import { LineIndex, lexText } from '../../grammar/index.js';
import { formatDocument, formatOnType, formatRange, layoutOptionsOf } from '../../server/src/features/formatting.js';
import { DEFAULT_LAYOUT, formatText, layoutEdits } from '../../server/src/features/layout.js';
import { mutate, programs, rng } from '../grammar/generate.js';
import { applyTextEdits } from '../support/edits.js';
import { readExpectations } from '../support/fixture.js';

const root = join(__dirname, '..', '..', '..');
const cases = join(root, 'test', 'features', 'formatting');

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.irqd')) out.push(p);
  }
  return out;
}

const all = [...walk(join(root, 'samples')), ...walk(join(root, 'test'))];
/**
 * The files that must already be canonical: samples and annotated fixtures (not the fuzzer's inputs,
 * the TextMate tests, this test's inputs, or the quick fixes' expected results, which are the text an
 * action writes, formatted or not).
 */
const canonical = all.filter((f) => {
  const rel = relative(root, f);
  if (/^test\/(fuzz|syntaxes|vscode|editors|features\/code-actions)\//.test(rel)) return false;
  if (!rel.startsWith('test/features/formatting/')) return true;
  // The expected results of range and on-type formatting are formatted only in part.
  return rel.endsWith('.formatted.irqd') && !/^\/\/ (range|on-type):/.test(readFileSync(f, 'utf8'));
});

/** The text's tokens, and its comments with what formatting may change in them (trailing spaces, an annotation's spaces before its carets) taken out. */
function tokensAndComments(text: string): { tokens: string[]; comments: string[] } {
  const lexed = lexText(text);
  const tokens = lexed.tokens.map((t) => `${t.tokenType.name} ${t.image}`);
  const comments = lexed.comments.map((c) => {
    const s = text.slice(c.start, c.end);
    if (s.startsWith('/*')) return s;
    return s.replace(/[ \t\f\v]+$/, '').replace(/^\/\/\s*\^/, '//^');
  });
  return { tokens, comments };
}

const nonSpace = (text: string): string => text.replace(/[ \t\r\n\f\v]/g, '');

/** The text each annotation's carets point at, in order. */
function caretTargets(text: string): string[] {
  const lines = text.split(/\r?\n/);
  return readExpectations(text).expectations.map((e) => `${e.kind} ${(lines[e.line] ?? '').slice(e.column, e.column + Math.max(1, e.length))}`);
}

function checkInvariants(text: string, what: string): void {
  const edits = layoutEdits(text);
  for (const e of edits) {
    assert.match(text.slice(e.start, e.end), /^[ \t\r\n\f\v]*$/, `${what}: an edit replaces more than whitespace at ${e.start}`);
    assert.match(e.newText, /^[ \t\r\n]*$/, `${what}: an edit inserts more than whitespace`);
    assert.notEqual(text.slice(e.start, e.end), e.newText, `${what}: an edit changes nothing`);
  }
  const out = formatText(text);
  assert.equal(nonSpace(out), nonSpace(text), `${what}: more than whitespace changed`);
  assert.deepEqual(tokensAndComments(out), tokensAndComments(text), `${what}: the tokens or comments changed`);
  assert.equal(formatText(out), out, `${what}: a second format changes the text`);
}

function firstDifference(a: string, b: string): string {
  const x = a.split('\n');
  const y = b.split('\n');
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if (x[i] !== y[i]) return `line ${i + 1}:\n  is       ${JSON.stringify(x[i])}\n  formats  ${JSON.stringify(y[i])}`;
  }
  return '';
}

for (const name of readdirSync(cases).filter((n) => n.endsWith('.irqd') && !n.endsWith('.formatted.irqd'))) {
  test(`formatting case ${name}`, () => {
    const input = readFileSync(join(cases, name), 'utf8');
    const expected = readFileSync(join(cases, name.replace(/\.irqd$/, '.formatted.irqd')), 'utf8');
    const range = /^\/\/ range: lines (\d+)-(\d+)/.exec(input);
    const onType = /^\/\/ on-type: line (\d+)/.exec(input);
    let got: string;
    if (range) {
      const last = Number(range[2]) - 1;
      const r = { start: { line: Number(range[1]) - 1, character: 0 }, end: { line: last, character: new LineIndex(input).lineText(last).length } };
      got = applyTextEdits(input, formatRange(input, r, DEFAULT_LAYOUT));
    } else if (onType) {
      const line = Number(onType[1]) - 1;
      got = applyTextEdits(input, formatOnType(input, { line, character: new LineIndex(input).lineText(line).length }, '}', DEFAULT_LAYOUT));
    } else {
      got = applyTextEdits(input, formatDocument(input, DEFAULT_LAYOUT));
      assert.equal(formatText(input), got);
    }
    assert.equal(got, expected, firstDifference(expected, got));
    checkInvariants(input, name);
  });
}

test('a range ending at the start of a line leaves that line alone; a } in a comment or string formats nothing', () => {
  const text = 'system box {\n      cpus 4\n      arch x86_64\n}\n';
  const edits = formatRange(text, { start: { line: 1, character: 0 }, end: { line: 2, character: 0 } }, DEFAULT_LAYOUT);
  assert.equal(applyTextEdits(text, edits), 'system box {\n  cpus 4\n      arch x86_64\n}\n');
  const commented = 'system box {\n      cpus 4 // }\n}\n';
  assert.deepEqual(formatOnType(commented, { line: 1, character: 15 }, '}', DEFAULT_LAYOUT), []);
  assert.deepEqual(formatOnType(text, { line: 3, character: 1 }, ';', DEFAULT_LAYOUT), []);
  // Only the lines of the block the } closes.
  const nested = 'system box {\n      cpus 4\n  device d pci 01:00.0 {\n   msix 8 domain V\n        }\n}\n';
  const typed = applyTextEdits(nested, formatOnType(nested, { line: 4, character: 9 }, '}', DEFAULT_LAYOUT));
  assert.equal(typed, 'system box {\n      cpus 4\n  device d pci 01:00.0 {\n    msix 8 domain V\n  }\n}\n');
});

test('the indent unit follows the client: tabSize spaces, or a tab without insertSpaces', () => {
  const text = 'system box {\ncpus 4\ndevice d pci 01:00.0 {\nmsix 8 domain V\n}\n}\n';
  assert.equal(formatText(text, layoutOptionsOf({ tabSize: 4, insertSpaces: true })), 'system box {\n    cpus 4\n    device d pci 01:00.0 {\n        msix 8 domain V\n    }\n}\n');
  assert.equal(formatText(text, layoutOptionsOf({ tabSize: 4, insertSpaces: false })), 'system box {\n\tcpus 4\n\tdevice d pci 01:00.0 {\n\t\tmsix 8 domain V\n\t}\n}\n');
  for (const bad of [undefined, null, 3, {}, { tabSize: 0 }, { tabSize: 2.5 }, { tabSize: 'x' }, { tabSize: 1e9 }]) assert.deepEqual(layoutOptionsOf(bad), DEFAULT_LAYOUT);
  assert.equal(formatText(''), '');
  assert.equal(formatText(' \n\n\t\n'), '');
  assert.equal(formatText('/* open'), '/* open');
  assert.equal(formatText('x /*/'), 'x /*/');
  assert.equal(formatText('\n\nsystem x { }'), 'system x { }\n');
});

test('every sample and fixture is in its canonical layout', () => {
  assert.ok(canonical.length >= 60, `only ${canonical.length} files`);
  const bad: string[] = [];
  for (const f of canonical) {
    const text = readFileSync(f, 'utf8');
    const out = formatText(text);
    if (out !== text) bad.push(`${relative(root, f)} ${firstDifference(text, out)}`);
  }
  assert.deepEqual(bad, [], `not formatted (run: node dist/cli.js format FILE):\n${bad.join('\n')}`);
});

test('formatting keeps the tokens and comments of every .irqd file, and a second format changes nothing', () => {
  for (const f of all) checkInvariants(readFileSync(f, 'utf8'), relative(root, f));
});

test('fixture annotations keep pointing at the same text when their lines move', () => {
  for (const f of all) {
    const text = readFileSync(f, 'utf8');
    if (!text.includes('^')) continue;
    const comments = lexText(text).comments.filter((c) => text.startsWith('/*', c.start));
    // Every line moved 3 columns right (its annotations too, so they still hold), then formatted: the fixture comes back.
    const inComment = (offset: number): boolean => comments.some((c) => c.start < offset && offset < c.end);
    let shifted = '';
    let offset = 0;
    for (const line of text.split(/(?<=\n|\r(?!\n))/)) {
      shifted += (inComment(offset) ? '' : '   ') + line;
      offset += line.length;
    }
    const rel = relative(root, f);
    assert.deepEqual(caretTargets(formatText(shifted)), caretTargets(text), `${rel}: annotations moved off their targets`);
    if (canonical.includes(f)) assert.equal(formatText(shifted), text, `${rel}: ${firstDifference(text, formatText(shifted))}`);
  }
});

test('formatting keeps the tokens of broken and oddly laid out texts', () => {
  const next = rng(2013);
  const generate = programs(next);
  const base = all.slice(0, 30).map((f) => readFileSync(f, 'utf8'));
  for (let i = 0; i < 300; i++) {
    const a = i < base.length ? (base[i] as string) : generate();
    const text = mutate(a, next);
    checkInvariants(text, `mutation ${i}: ${JSON.stringify(text.slice(0, 300))}`);
    // Odd whitespace: tabs, CRLF, lone CR, form feeds, runs of spaces.
    const odd = text.replace(/ /g, () => ['  ', '\t', ' ', ' \f', '   '][Math.floor(next() * 5)] as string).replace(/\n/g, () => ['\r\n', '\n', '\r', '\n \n\n'][Math.floor(next() * 4)] as string);
    checkInvariants(odd, `odd mutation ${i}: ${JSON.stringify(odd.slice(0, 300))}`);
  }
  for (const weird of ['}}}}', '{{{{', '\u00a0\u00a0 x', '"a  b"   "c', '/*\n  x */   y\n    z', 'a\r\r\rb', '// c   \n', '//   ^^^ hover: x\n']) checkInvariants(weird, JSON.stringify(weird));
});

test('a 4 MiB file formats in well under a second', (t) => {
  const sample = readFileSync(join(root, 'samples', 'quickstart.irqd'), 'utf8').replace(/^ {2}/gm, '      ');
  const text = sample.repeat(Math.floor((4 * 1024 * 1024 - 1) / sample.length));
  // The fastest of three runs: the machine may be shared.
  let ms = Infinity;
  let edits: TextEdit[] = [];
  for (let run = 0; run < 3; run++) {
    const started = performance.now();
    edits = formatDocument(text, DEFAULT_LAYOUT);
    ms = Math.min(ms, performance.now() - started);
  }
  t.diagnostic(`${(text.length / 1048576).toFixed(1)} MiB, ${edits.length} edits in ${ms.toFixed(0)} ms`);
  assert.ok(edits.length > 1000);
  assert.ok(ms < 1500, `took ${ms.toFixed(0)} ms`);
  // Two long lines whose every word is aligned: one walk per line, not one per column.
  const wide = `system x {\n${('    ' + 'ab  '.repeat(100000) + '\n').repeat(2)}}\n`;
  const t0 = performance.now();
  const out = formatText(wide);
  const wideMs = performance.now() - t0;
  t.diagnostic(`two aligned lines of 100,000 words in ${wideMs.toFixed(0)} ms`);
  assert.equal(out, `system x {\n${('  ' + 'ab  '.repeat(99999) + 'ab\n').repeat(2)}}\n`);
  assert.ok(wideMs < 1500, `took ${wideMs.toFixed(0)} ms`);
});
