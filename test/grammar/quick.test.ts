// parse() reads a file without syntax errors with the quick reader
// (grammar/quick.ts) and any other with Chevrotain's recovering parser. The
// two must agree: the quick reader gives a tree exactly when the recovering
// parser finds nothing wrong, and then the very same tree.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import { parse, type ParseResult } from '../../grammar/index.js';
import { syntaxErrors } from '../../grammar/errors.js';
import { lexText } from '../../grammar/lexer.js';
import { NOTHING_PARSED, parseTokens } from '../../grammar/parser.js';
import { quickParse, quickParsePrefix } from '../../grammar/quick.js';
import { mutate, programs, repositoryTexts, rng } from './generate.js';

const root = join(__dirname, '..', '..', '..');

/** Why the two readers disagree on a text, or undefined when they agree. */
function disagreement(text: string): string | undefined {
  const tokens = lexText(text).tokens;
  const quick = quickParse(tokens);
  const full = parseTokens(tokens, { quick: false });
  const clean = full.errors.length === 0 && full.strays.length === 0 && full.strayCloses.length === 0;
  if (quick && !clean) return `the quick reader read a file with errors: ${full.errors.map((e) => e.message).join('; ')}`;
  if (!quick && clean) return 'the quick reader gave up on a file without errors';
  if (quick && !isDeepStrictEqual(quick, full.items)) return 'the two trees differ';
  return undefined;
}

test('the quick reader and the recovering parser agree on every .irqd file of the repository', () => {
  const texts = repositoryTexts(root);
  assert.ok(texts.length >= 50, `only ${texts.length} files`);
  let quick = 0;
  for (const text of texts) {
    const why = disagreement(text);
    assert.equal(why, undefined, `${why}:\n${text}`);
    if (quickParse(lexText(text).tokens)) quick++;
  }
  // Most fixtures are valid; the ones that test syntax errors are not.
  assert.ok(quick > texts.length / 2, `the quick reader read only ${quick} of ${texts.length} files`);
});

test('the quick reader and the recovering parser agree on generated programs and on small edits of them', () => {
  const next = rng(9);
  const generate = programs(next);
  let clean = 0;
  for (let i = 0; i < 400; i++) {
    const text = generate();
    for (const t of [text, mutate(text, next)]) {
      const why = disagreement(t);
      assert.equal(why, undefined, `${why} (program ${i}):\n${t}`);
    }
    if (parseTokens(lexText(text).tokens, { quick: false }).errors.length === 0) clean++;
  }
  assert.ok(clean > 100, `only ${clean} of 400 generated programs were valid: the generator no longer tests the quick reader`);
});

test('after `expect`, a word that begins an assertion and may also be a device name is read by the same lookahead', () => {
  const cases = [
    'expect cpu 1 available 2', 'expect cpu cpu 0', 'expect cpu[0] lost', 'expect cpu 4K', 'expect vfio d0 running', 'expect vfio lost',
    'expect vfio lost running', 'expect vfio[0] delivered', 'expect pasid s used 1', 'expect pasid lost', 'expect pasid used used 2',
    'expect fail -ENOSPC offline cpu 1', 'expect fail affinity d0[0] 1', 'expect fail affinity 0-3', 'expect fail affinity irq 43 1',
    'expect fail[0] lost', 'expect fail lost', 'expect irq 43 cpu 1', 'expect irq 4K cpu 1', 'expect irq[0] cpu 1', 'fire irq 16K', 'fire irq x',
  ];
  for (const c of cases) {
    const text = `scenario s {\n  ${c}\n}\n`;
    const why = disagreement(text);
    assert.equal(why, undefined, `${why}: ${c}`);
  }
});

test('parse() gives the recovering parser\'s result whichever reader it used', () => {
  const next = rng(3);
  const generate = programs(next);
  for (let i = 0; i < 100; i++) {
    const text = i % 2 === 0 ? generate() : mutate(generate(), next);
    const tokens = lexText(text).tokens;
    const r = parse(text);
    assert.deepEqual(r.ast.items, parseTokens(tokens, { quick: false }).items);
  }
});

test('a parse leaves nothing behind that changes the next one', () => {
  // Errors force the recovering parser; the broken text leaves its depth
  // count at MAX_NESTING, and a stray block open.
  const text = 'scenario b {\n  guest g { fire d0 }\n  expect fail offline cpu 1\n  x\n}\n';
  const before = parse(text);
  parse('scenario a {\n' + 'expect fail '.repeat(40) + '\n{ { {');
  assert.deepEqual(parse(text), before);
  assert.deepEqual(
    before.errors.map((e) => e.message),
    ["expected a step (alloc, free, request, release, affinity, offline, online, mask, unmask, fire, vfio, mmio, dma, pasid, guest or expect), found 'x'"],
  );
});

/** parse() as it was before the quick reader read items between errors: the quick reader for a whole file, else the recovering parser alone from the first token. */
function parseWhole(text: string): ParseResult {
  const { tokens, comments, errors: lexErrors } = lexText(text);
  const items = quickParse(tokens);
  const parsed = items ? { ...NOTHING_PARSED, items } : parseTokens(tokens, { quick: false });
  return { ast: { items: parsed.items, span: { start: 0, end: text.length } }, errors: syntaxErrors(text, tokens, lexErrors, parsed), comments };
}

test('the recovering parser, started after the items the quick reader read and handing items between errors back to it, gives what it gives alone', () => {
  const next = rng(17);
  const generate = programs(next);
  const texts = repositoryTexts(root);
  for (let i = 0; i < 300; i++) {
    // Files whose error comes late: a valid program, then a broken one or a cut, so the quick reader reads a prefix first.
    const a = generate();
    const b = mutate(generate(), next);
    // And errors between valid items, which the quick reader reads again after the recovering parser's item.
    texts.push(`${a}\n${b}`, `${a}\n${a.slice(0, Math.floor(next() * a.length))}`, `${a}\n}\n${a}`, mutate(`${a}\n${a}`, next), `${b}\n${a}\n${b}\n${a}`, `${a}\n${a.slice(0, Math.floor(next() * a.length))}\n${a}`);
  }
  let prefixes = 0;
  for (const text of texts) {
    const tokens = lexText(text).tokens;
    const quick = quickParsePrefix(tokens);
    if (quick.next < tokens.length && quick.items.length > 0) prefixes++;
    assert.ok(isDeepStrictEqual(parse(text), parseWhole(text)), `parse() differs from a parse of the whole file:\n${text}`);
  }
  assert.ok(prefixes > 300, `only ${prefixes} texts had a prefix the quick reader read before an error`);
});
