// The parser never throws, always yields a tree, and reports each syntax
// error once; random and truncated inputs must not crash or hang it.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { lex, parse } from '../../grammar/index.js';
import { MAX_SYNTAX_ERRORS } from '../../grammar/parser-base.js';
import { parserInstance } from '../../grammar/parser.js';
import { analyze, MAX_TEXT_LENGTH } from '../../server/src/analysis/analysis.js';

const samplesDir = join(__dirname, '..', '..', '..', 'samples');
const samples = readdirSync(samplesDir).filter((f) => f.endsWith('.irqd')).map((f) => readFileSync(join(samplesDir, f), 'utf8'));

/** A small deterministic PRNG (mulberry32), so failures reproduce. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('numbers, sizes, versions, PCI addresses and selections lex as the language says', () => {
  const kinds = lex('kernel 6.10 page-size 64K offset 0x3800 01:00.0 0000:3b:00.0 nvme0[0-15,*] -ENOSPC -> IR-PCI-MSI msix-tables').map(
    (t) => `${t.tokenType.name}:${t.image}`,
  );
  assert.deepEqual(kinds, [
    'Kw_kernel:kernel',
    'Version:6.10',
    'Kw_page_size_name:page-size',
    'Size:64K',
    'Kw_offset_name:offset',
    'Hex:0x3800',
    'PciAddress:01:00.0',
    'PciAddress:0000:3b:00.0',
    'Identifier:nvme0',
    'LBracket:[',
    'Int:0',
    'Minus:-',
    'Int:15',
    'Comma:,',
    'Star:*',
    'RBracket:]',
    'Errno:-ENOSPC',
    'Arrow:->',
    'Identifier:IR-PCI-MSI',
    'Identifier:msix-tables',
  ]);
});

test('a statement keyword at the start of a line is a keyword, elsewhere it may be a name', () => {
  const r = parse('system h {\n  cpus 1\n  domain device vector\n  device vector pci 01:00.0 { msix 1 domain device }\n}');
  assert.deepEqual(r.errors, []);
  const sys = r.ast.items[0];
  assert.ok(sys?.kind === 'system');
  const names = sys.items.map((i) => ('name' in i && i.name ? i.name.text : i.kind));
  assert.deepEqual(names, ['cpus', 'device', 'vector']);
});

test('every AST node span lies inside the text and names carry their exact text', () => {
  for (const text of samples) {
    const r = parse(text);
    const visit = (v: unknown): void => {
      if (Array.isArray(v)) return v.forEach(visit);
      if (!v || typeof v !== 'object') return;
      const o = v as Record<string, unknown>;
      if ('span' in o) {
        const s = o['span'] as { start: number; end: number };
        assert.ok(s.start >= 0 && s.end <= text.length && s.start <= s.end, `bad span ${JSON.stringify(s)}`);
        if (typeof o['text'] === 'string' && !text.startsWith('"', s.start)) assert.equal(text.slice(s.start, s.end), o['text']);
      }
      for (const [k, child] of Object.entries(o)) if (k !== 'span') visit(child);
    };
    visit(r.ast);
  }
});

test('truncating a sample anywhere never throws and always yields a tree', () => {
  const text = samples.join('\n');
  for (let cut = 0; cut < text.length; cut += 97) {
    const r = parse(text.slice(0, cut));
    assert.ok(Array.isArray(r.ast.items));
  }
});

test('random edits of the samples never crash parsing, binding or checking', () => {
  const next = rng(2026);
  const alphabet = ' \n{}[]-,*:.0123456789xKMabcdefghijklmnopqrstuvwxyz_"/#->';
  for (let round = 0; round < 300; round++) {
    const base = samples[Math.floor(next() * samples.length)] as string;
    let text = base;
    const edits = 1 + Math.floor(next() * 8);
    for (let e = 0; e < edits; e++) {
      const at = Math.floor(next() * text.length);
      const op = next();
      if (op < 0.4) text = text.slice(0, at) + text.slice(at + 1 + Math.floor(next() * 20));
      else if (op < 0.8) text = text.slice(0, at) + (alphabet[Math.floor(next() * alphabet.length)] as string) + text.slice(at);
      else text = text.slice(0, at) + text.slice(Math.floor(next() * text.length));
    }
    const a = analyze(text, round);
    assert.ok(!a.diagnostics.some((d) => d.code === 'IRQD003'), `internal error on round ${round}: ${a.diagnostics.find((d) => d.code === 'IRQD003')?.message}`);
  }
});

test('pathological inputs stay cheap: deep braces, long lists, huge numbers', () => {
  const inputs = [
    '{'.repeat(5000) + '}'.repeat(5000),
    'system s { cpus 4 node 0 cpus ' + Array.from({ length: 5000 }, (_, i) => String(i)).join(',') + ' }',
    'system s { cpus 4 domain V vector domain M pci-msi parent V device d pci 01:00.0 { msix 8 domain M } }\nscenario x { affinity d[0-4294967295] 0-4294967295 offline cpu 0-99999999999 }',
    'system s { cpus 99999999999999999999 }',
    '"'.repeat(10000),
    '/*'.repeat(10000),
    'scenario s { ' + 'expect fail '.repeat(2000) + 'offline cpu 1 }',
    // Guests declared in guests count towards MAX_NESTING like guest steps (a fuzzer find: 1,000 of them overflowed the stack).
    'system s { ' + 'guest g { '.repeat(5000) + '}'.repeat(5000) + ' }',
    'system s { ' + 'guest g { '.repeat(100000),
  ];
  for (const text of inputs) {
    const started = process.hrtime.bigint();
    const a = analyze(text, 1);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    assert.ok(!a.diagnostics.some((d) => d.code === 'IRQD003'), a.diagnostics.map((d) => d.message).join('\n'));
    // Not a benchmark: a guard against runaway work (seconds, not milliseconds).
    assert.ok(ms < 5000, `took ${ms} ms on ${text.slice(0, 40)}`);
  }
});

test('after MAX_SYNTAX_ERRORS syntax errors the parser stops, and says where and why', () => {
  const text = 'scenario s {\n' + '  offline cpu foo\n'.repeat(MAX_SYNTAX_ERRORS + 500) + '}\nsystem late { cpus 1 }\n';
  const r = parse(text);
  const last = r.errors[r.errors.length - 1];
  assert.ok(last, 'errors');
  assert.match(last.message, new RegExp(`^irqd stops reading the file after ${MAX_SYNTAX_ERRORS} syntax errors \\(its limit, MAX_SYNTAX_ERRORS\\)`));
  assert.ok(r.errors.length <= MAX_SYNTAX_ERRORS + 2, `${r.errors.length} errors`);
  // Where it stopped: at the last error it recovered from, on the line of the 1000th broken step.
  const line = text.slice(0, last.span.start).split('\n').length;
  assert.equal(line, MAX_SYNTAX_ERRORS + 1);
  // A file under the limit is read to the end, every error reported.
  const small = parse('scenario s {\n' + '  offline cpu foo\n'.repeat(10) + '}\n');
  assert.equal(small.errors.length, 10);
  assert.ok(!small.errors.some((e) => e.message.includes('stops reading')));
  // The same parser instance reads the next file afresh: recovery is on again.
  assert.equal(parse('scenario s {\n  offline cpu foo\n}\n').errors.length, 1);
});

test('a file over the size limit is not analysed, with a warning that says why', () => {
  const a = analyze(' '.repeat(MAX_TEXT_LENGTH + 1), 1);
  assert.deepEqual(
    a.diagnostics.map((d) => [d.code, d.severity]),
    [['IRQD004', 'warning']],
  );
});

test('malformed numbers are one token each', () => {
  assert.deepEqual(
    lex('4KB 0x10zz 1.2.3.4 8cpus').map((t) => t.tokenType.name),
    ['BadNumber', 'BadNumber', 'BadNumber', 'BadNumber'],
  );
});

test('the Chevrotain internals the parser relies on are still there (parser-base.ts RecognizerInternals, parser-topology.ts LexerState)', () => {
  // Not in Chevrotain's type declarations: an upgrade that renames one must fail here, not misparse.
  const p = parserInstance() as unknown as Record<string, unknown>;
  for (const name of ['SAVE_ERROR', 'getCurrRuleFullName', 'raiseNoAltException', 'importLexerState', 'exportLexerState', 'moveToTerminatedState']) {
    assert.equal(typeof p[name], 'function', name);
  }
  assert.equal(typeof p.recoveryEnabled, 'boolean');
  assert.equal(typeof p.maxLookahead, 'number');
});
