// parseItems() keeps its contract (grammar/index.ts): edits inside top-level
// items, spliced into the previous parse, give exactly a full parse of the
// new text, or parseItems says to parse the whole text.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { lex, parse, parseItems, type ItemsResult, type ParseResult, type Span } from '../../grammar/index.js';
import { programs, repositoryTexts, rng, type Random } from './generate.js';

const root = join(__dirname, '..', '..', '..');

/** A copy with every span moved by `by`. */
function shift<T>(v: T, by: number): T {
  if (Array.isArray(v)) return v.map((x: unknown) => shift(x, by)) as T;
  if (!v || typeof v !== 'object') return v;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  if (keys.length === 2 && typeof o['start'] === 'number' && typeof o['end'] === 'number') return { start: o['start'] + by, end: o['end'] + by } as T;
  return Object.fromEntries(keys.map((k) => [k, shift(o[k], by)])) as T;
}

/** What a caller does with a result: the previous parse, the stretch [from, oldTo) replaced, the rest shifted. */
function splice(previous: ParseResult, r: ItemsResult, from: number, oldTo: number, length: number): ParseResult {
  const delta = length - previous.ast.span.end;
  const before = (s: Span): boolean => s.end <= from && s.start < from;
  const after = (s: Span): boolean => s.start >= oldTo && s.end > oldTo;
  return {
    ast: {
      items: [...previous.ast.items.filter((x) => before(x.span)), ...r.items, ...shift(previous.ast.items.filter((x) => after(x.span)), delta)],
      span: { start: 0, end: length },
    },
    errors: [...previous.errors.filter((x) => before(x.span)), ...r.errors, ...shift(previous.errors.filter((x) => after(x.span)), delta)],
    comments: [...previous.comments.filter(before), ...r.comments, ...shift(previous.comments.filter(after), delta)],
  };
}

/** The boundaries the contract allows: 0, the end, and line starts between top-level items that no comment spans. */
function boundaries(text: string, r: ParseResult): number[] {
  const out = new Set([0, text.length]);
  r.ast.items.forEach((item, i) => {
    const line = text.lastIndexOf('\n', item.span.start - 1) + 1;
    const prevEnd = i > 0 ? (r.ast.items[i - 1] as { span: Span }).span.end : 0;
    if (line > 0 && line >= prevEnd && !r.comments.some((c) => c.start < line && line < c.end)) out.add(line);
  });
  return [...out].sort((a, b) => a - b);
}

const PIECES = ['{', '}', ' x ', '\n', ' cpus 4 ', ' "s" ', ' 0x25 ', '/*', '*/', '//', ' expect fail ', ' guest g { ', ' irq 4 ', '[', ' - ', ' 4KB ', '#', ' system '];

/** Up to three edits strictly inside (lo, hi); returns the text and the new hi. */
function edit(text: string, lo: number, hi: number, next: Random): [string, number] {
  for (let e = 0, n = 1 + Math.floor(next() * 3); e < n && hi - lo >= 3; e++) {
    const at = lo + 1 + Math.floor(next() * (hi - lo - 2));
    const r = next();
    if (r < 0.35) {
      const len = Math.min(1 + Math.floor(next() * 8), hi - 1 - at);
      text = text.slice(0, at) + text.slice(at + len);
      hi -= len;
    } else if (r < 0.8) {
      const p = PIECES[Math.floor(next() * PIECES.length)] as string;
      text = text.slice(0, at) + p + text.slice(at);
      hi += p.length;
    } else {
      const tokens = lex(text.slice(lo, hi));
      const t = tokens[Math.floor(next() * tokens.length)];
      if (t && t.startOffset > 0) {
        text = text.slice(0, lo + t.startOffset) + ` ${t.image} ` + text.slice(lo + t.startOffset);
        hi += t.image.length + 2;
      }
    }
  }
  return [text, hi];
}

test('edits inside top-level items: the splice equals a full parse, or parseItems falls back', () => {
  const next = rng(17);
  const files = repositoryTexts(root);
  const generate = programs(next);
  let spliced = 0;
  let fellBack = 0;
  for (let c = 0; c < 400; c++) {
    const old = c % 3 === 0 ? (files[Math.floor(next() * files.length)] as string) : generate();
    const previous = parse(old);
    const bs = boundaries(old, previous);
    const i = Math.floor(next() * (bs.length - 1));
    const from = bs[i] as number;
    const oldTo = bs[Math.min(bs.length - 1, i + 1 + (next() < 0.2 ? 1 : 0))] as number;
    // The contract's second condition: nothing outside the stretch has an error.
    if (previous.errors.some((e) => e.span.end <= from || e.span.start >= oldTo)) continue;
    const [text, to] = edit(old, from, oldTo, next);
    const r = parseItems(text, from, to);
    if (!r) {
      fellBack++;
      continue;
    }
    assert.deepEqual(splice(previous, r, from, oldTo, text.length), parse(text), `case ${c}: [${from}, ${oldTo}) → [${from}, ${to})\n${old}\n----\n${text}`);
    spliced++;
  }
  assert.ok(spliced > 100 && fellBack > 10, `spliced ${spliced}, fell back ${fellBack}: the test no longer covers both outcomes`);
});

test('parseItems falls back where the stretch does not end at its boundaries', () => {
  const a = 'system a {\n  cpus 1\n}\n';
  const b = 'scenario s on a {\n  offline cpu 0\n}\n';
  const c = 'system c {\n  cpus 2\n}\n';
  const at = a.length;
  const to = a.length + b.length;
  const withB = (x: string): string => a + x + c;
  // Unchanged, and with an error that stays inside the item: a result.
  assert.ok(parseItems(withB(b), at, to));
  assert.ok(parseItems(withB(b.replace('cpu 0', 'cpu x')), at, to + 0));
  // A block left open swallows what follows in a full parse.
  assert.equal(parseItems(withB(b.replace('}', '')), at, to - 1), undefined);
  // A comment that never closes runs past the stretch.
  assert.equal(parseItems(withB(b.replace('offline', '/* offline')), at, to + 3), undefined);
  // Boundaries must be line starts, and the stretch must begin with an item.
  assert.equal(parseItems(withB(b), at + 1, to), undefined);
  assert.equal(parseItems(withB(b), at, to - 1), undefined);
  assert.equal(parseItems(withB('x\n' + b), at, to + 2), undefined);
  // An empty stretch, or one of comments only, has nothing.
  assert.deepEqual(parseItems(withB('// c\n'), at, at + 5), { items: [], errors: [], comments: [{ start: at, end: at + 4 }] });
});

test('errors before the stretch may change it: why the contract wants none outside', () => {
  // Recovery unwinding `expect fail` leaves the depth it counted
  // (parser-base.ts), so a later, clean scenario meets MAX_NESTING.
  const broken = 'scenario a {\n' + 'expect fail '.repeat(40) + '\n}\n';
  const clean = 'scenario b {\n  guest g { fire d0 }\n}\n';
  assert.equal(parse(clean).errors.length, 0);
  const r = parseItems(broken + clean, broken.length, broken.length + clean.length);
  assert.deepEqual(r?.errors, []);
  assert.ok(parse(broken + clean).errors.some((e) => e.span.start >= broken.length));
});
