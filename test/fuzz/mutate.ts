// Mutated inputs: a sample or fixture (or, now and then, a generated
// program) changed by one to four mutations. The mutations are the ways real
// text goes wrong and the ways an attacker would push: byte flips, tokens
// deleted, duplicated or swapped, truncation, splices of two files, numbers
// no machine has (2^53+1, 1e400, 0xffffffffffffffffff, -0, 007), names of 10k
// characters or of non-ASCII letters, deep nesting, and lines repeated
// thousands of times.
import type { CorpusFile } from './corpus.js';
import type { Rng } from './rng.js';

/** A lexeme-level split that needs no parser, so that it works on any text (a mutated one too). */
const TOKEN = /\s+|\/\/[^\n]*|\/\*[\s\S]*?\*\/|"(?:[^"\\\n]|\\.)*"?|-E[A-Z0-9]+|->|[A-Za-z_][A-Za-z0-9_]*(?:[.-]+[A-Za-z0-9_]+)*|[0-9][0-9A-Za-z_.:]*|[\s\S]/g;

export interface Piece {
  readonly text: string;
  readonly start: number;
  /** Whitespace or a comment: not a token to the parser. */
  readonly space: boolean;
}

export function pieces(text: string): Piece[] {
  const out: Piece[] = [];
  for (const m of text.matchAll(TOKEN)) {
    const t = m[0];
    out.push({ text: t, start: m.index ?? 0, space: /^\s/.test(t) || t.startsWith('//') || t.startsWith('/*') });
  }
  return out;
}

export const ODD_NUMBERS = [
  '9007199254740993', // 2^53 + 1: the first integer a double cannot hold
  '9007199254740992',
  '1e400',
  '0xffffffffffffffffff',
  '0x1fffffffffffff',
  '-0',
  '007',
  '00',
  '0',
  '4294967295',
  '4294967296',
  '18446744073709551616',
  '99999999999999999999999999999999999999',
  '8191',
  '8192',
  '8193',
  '65536',
  '1048577',
  '2048',
  '2049',
  '0x',
  '0X7FFFFFFF',
  '1G',
  '4G',
  '1024G',
  '3.14',
  '6.1.999999999999999999',
  '-1',
  'NaN',
  'Infinity',
  '1_000',
];

const KEYWORDS = ['system', 'scenario', 'on', 'arch', 'kernel', 'cpus', 'cpu', 'apic', 'domain', 'parent', 'device', 'pci', 'vf', 'of', 'index', 'msi', 'msix', 'ims', 'ioapic', 'pin', 'bar', 'size', 'offset', 'alloc', 'min', 'managed', 'via', 'free', 'request', 'release', 'affinity', 'offline', 'online', 'mask', 'unmask', 'fire', 'vfio', 'mmio', 'dma', 'expect', 'fail', 'guest', 'assign', 'state', 'irq', 'use', 'after', 'platform', 'pre', 'post', 'sets', 'pasid', 'set', 'quota', 'capacity', 'backport', 'cmdline', 'smt', 'constructor', 'prototype', '__proto__', 'toString', 'hasOwnProperty'];

const UNICODE_NAMES = ['nvmé0', 'ñic', 'данные', '设备', 'ＶＥＣＴＯＲ', '\u{1F600}dev', 'a\u0301b', '\u202Eevil', 'x\u200By', '\uD800lone', 'tab\there', 'nul\u0000l', 'ß', 'İı', '\uFEFFbom'];

const CHARS = ['{', '}', '[', ']', '"', '/', '*', '-', '>', ',', '.', ':', '#', '\\', '\n', '\r', '\t', '\u0000', '\u00A0', '\u2028', '\uFFFD', '\u{1F600}', '0', '9', 'x', 'E', '_', ' '];

/**
 * Every whole-word occurrence of `word` in t replaced by `by`. A scan, not a
 * RegExp: a mutated name can be longer than V8's largest regular expression.
 */
function replaceWord(t: string, word: string, by: string): string {
  const isWordChar = (c: string | undefined): boolean => c !== undefined && /[A-Za-z0-9_]/.test(c);
  let out = '';
  let from = 0;
  for (let at = t.indexOf(word); at >= 0; at = t.indexOf(word, at + word.length)) {
    if (isWordChar(t[at - 1]) || isWordChar(t[at + word.length])) continue;
    out += t.slice(from, at) + by;
    from = at + word.length;
  }
  return out + t.slice(from);
}

function splice(text: string, at: number, del: number, ins: string): string {
  return text.slice(0, at) + ins + text.slice(at + del);
}

function lineBounds(text: string, at: number): [number, number] {
  const s = text.lastIndexOf('\n', at - 1) + 1;
  const e = text.indexOf('\n', at);
  return [s, e < 0 ? text.length : e + 1];
}

/**
 * The largest text a repetition makes: twice the analysis's 4 MiB limit.
 * Past the limit irqd reads nothing (IRQD004), so a 55 MB input tests only
 * the fuzzer's own memory; files at the limit ± 1 are a mutation of their own.
 */
const MAX_MUTATED_LENGTH = 8 * 1024 * 1024;

/** How many copies of a piece of `length` characters fit in the text's room (at least one). */
function roomFor(t: string, length: number): number {
  return Math.max(1, Math.floor((MAX_MUTATED_LENGTH - t.length) / Math.max(1, length)));
}

/** `light`: sizes capped (repeats, nesting, name lengths; no 4 MiB file), for the short seeded run in npm test. */
type Mutation = (text: string, rng: Rng, others: readonly CorpusFile[], light: boolean) => string;

const tokenPick = (text: string, rng: Rng, pred: (p: Piece) => boolean = (p) => !p.space): Piece | undefined => {
  const ps = pieces(text).filter(pred);
  return ps.length ? rng.pick(ps) : undefined;
};

const MUTATIONS: readonly (readonly [number, string, Mutation])[] = [
  [
    8,
    'byte flip',
    (t, rng) => {
      let out = t;
      const n = rng.int(1, 4);
      for (let i = 0; i < n && out.length; i++) {
        const at = rng.int(0, out.length - 1);
        const c = rng.chance(0.6) ? rng.pick(CHARS) : String.fromCharCode(rng.int(0, 0x7f) ^ (rng.chance(0.1) ? 0x80 : 0));
        out = splice(out, at, 1, c);
      }
      return out;
    },
  ],
  [
    8,
    'token deletion',
    (t, rng) => {
      const p = tokenPick(t, rng);
      return p ? splice(t, p.start, p.text.length, '') : t;
    },
  ],
  [
    6,
    'token duplication',
    (t, rng) => {
      const p = tokenPick(t, rng);
      return p ? splice(t, p.start, 0, p.text + ' ') : t;
    },
  ],
  [
    6,
    'token swap',
    (t, rng) => {
      const ps = pieces(t).filter((p) => !p.space);
      if (ps.length < 2) return t;
      const i = rng.int(0, ps.length - 2);
      const j = rng.chance(0.7) ? i + 1 : rng.int(i + 1, ps.length - 1);
      const a = ps[i] as Piece;
      const b = ps[j] as Piece;
      return t.slice(0, a.start) + b.text + t.slice(a.start + a.text.length, b.start) + a.text + t.slice(b.start + b.text.length);
    },
  ],
  [
    5,
    'truncation',
    (t, rng) => t.slice(0, rng.int(0, t.length)),
  ],
  [
    5,
    'splice of two files',
    (t, rng, others) => {
      const o = rng.pick(others).text;
      const a = rng.chance(0.6) ? lineBounds(t, rng.int(0, t.length))[0] : rng.int(0, t.length);
      const b = rng.chance(0.6) ? lineBounds(o, rng.int(0, o.length))[0] : rng.int(0, o.length);
      return t.slice(0, a) + o.slice(b);
    },
  ],
  [
    3,
    'insert a line of another file',
    (t, rng, others) => {
      const o = rng.pick(others).text;
      const [s, e] = lineBounds(o, rng.int(0, o.length));
      const [ts] = lineBounds(t, rng.int(0, t.length));
      return splice(t, ts, 0, o.slice(s, e) + (o.slice(s, e).endsWith('\n') ? '' : '\n'));
    },
  ],
  [
    9,
    'odd number',
    (t, rng) => {
      const p = tokenPick(t, rng, (x) => /^[0-9]/.test(x.text));
      const n = rng.pick(ODD_NUMBERS);
      if (p) return splice(t, p.start, p.text.length, n);
      return t + `\n${n}\n`;
    },
  ],
  [
    4,
    'long name',
    (t, rng, _, light) => {
      const p = tokenPick(t, rng, (x) => /^[A-Za-z_]/.test(x.text));
      const long = rng.pick(['a', 'nvme', 'X-', 'd_']).repeat(light ? 64 : rng.pick([256, 2500, 10000])).replace(/-$/, 'x');
      if (!p) return t + long;
      // Rename every use of the name or only this one: both are interesting.
      if (!rng.chance(0.5)) return splice(t, p.start, p.text.length, long);
      const parts = t.split(p.text);
      // Every use, unless that passes the bound (a word used 100,000 times made strings past V8's length limit).
      return t.length + (parts.length - 1) * long.length <= MAX_MUTATED_LENGTH ? parts.join(long) : splice(t, p.start, p.text.length, long);
    },
  ],
  [
    4,
    'unicode name',
    (t, rng) => {
      const p = tokenPick(t, rng, (x) => /^[A-Za-z_]/.test(x.text));
      const u = rng.pick(UNICODE_NAMES);
      if (!p) return u + t;
      return rng.chance(0.3) ? t.split(p.text).join(u) : splice(t, p.start, p.text.length, u);
    },
  ],
  [
    4,
    'keyword for a name',
    (t, rng) => {
      const p = tokenPick(t, rng, (x) => /^[A-Za-z_]/.test(x.text));
      const k = rng.pick(KEYWORDS);
      if (!p) return t;
      return rng.chance(0.5) ? replaceWord(t, p.text, k) : splice(t, p.start, p.text.length, k);
    },
  ],
  [
    3,
    'deep nesting',
    (t, rng, _, light) => {
      const depth = rng.pick(light ? [8, 31, 32, 33, 40] : [8, 31, 32, 33, 40, 100, 8, 32, 100, 1000, 5000]);
      const at = lineBounds(t, rng.int(0, t.length))[0];
      const kind = rng.int(0, 3);
      if (kind === 0) return splice(t, at, 0, '  ' + 'expect fail '.repeat(depth) + 'offline cpu 1\n');
      if (kind === 1) return splice(t, at, 0, '{'.repeat(depth) + '\n' + '}'.repeat(rng.chance(0.5) ? depth : rng.int(0, depth)) + '\n');
      if (kind === 2) return splice(t, at, 0, 'guest vm1 { '.repeat(depth) + 'alloc vf0 1 ' + '} '.repeat(depth) + '\n');
      return splice(t, at, 0, '['.repeat(depth) + ']'.repeat(depth) + '\n');
    },
  ],
  [
    4,
    'repeated lines',
    (t, rng, _, light) => {
      const [s, e] = lineBounds(t, rng.int(0, t.length));
      const line = t.slice(s, e) + (t.slice(s, e).endsWith('\n') ? '' : '\n');
      const n = light
        ? rng.int(2, 40)
        : rng.weighted<number>([
            [80, rng.int(2, 50)],
            [19, rng.int(51, 2000)],
            [1, rng.int(2001, 30000)],
          ]);
      return splice(t, s, 0, line.repeat(Math.min(n, roomFor(t, line.length))));
    },
  ],
  [
    2,
    'repeated block',
    (t, rng, _, light) => {
      // A whole declaration (a system or scenario) many times: duplicate names, many scenarios.
      const starts = [...t.matchAll(/^(system|scenario)\b/gm)].map((m) => m.index ?? 0);
      if (!starts.length) return t;
      const s = rng.pick(starts);
      const next = starts.find((x) => x > s) ?? t.length;
      const n = rng.int(2, light ? 4 : rng.chance(0.8) ? 20 : 400);
      return splice(t, s, 0, t.slice(s, next).repeat(Math.min(n, roomFor(t, next - s))));
    },
  ],
  [
    2,
    'line endings and invisible characters',
    (t, rng) => {
      const r = rng.int(0, 3);
      if (r === 0) return t.replace(/\n/g, '\r\n');
      if (r === 1) return t.replace(/\n/g, '\r');
      if (r === 2) return '\uFEFF' + t;
      return t.replace(/ /g, () => (rng.chance(0.05) ? '\u00A0' : ' '));
    },
  ],
  [
    0.1,
    'huge file',
    (t, rng, _, light) => {
      // Around MAX_TEXT_LENGTH (4 Mi characters), where the analysis stops reading.
      if (light) return t;
      const target = rng.pick([4 * 1024 * 1024, 4 * 1024 * 1024 + 1, 4 * 1024 * 1024 - 1]);
      if (t.length === 0) return ' '.repeat(target);
      const body = t.repeat(Math.ceil(target / t.length)).slice(0, target);
      return body;
    },
  ],
];

/** One mutated text, and the names of the mutations applied (for the failure report). */
export function mutate(base: string, rng: Rng, others: readonly CorpusFile[], light = false): { text: string; how: string[] } {
  let text = base;
  const how: string[] = [];
  const n = rng.weighted<number>([
    [50, 1],
    [30, 2],
    [15, 3],
    [5, 4],
  ]);
  const weighted = MUTATIONS.map(([w, name, f]) => [w, [name, f]] as const);
  for (let i = 0; i < n; i++) {
    const [name, f] = rng.weighted(weighted);
    text = f(text, rng, others, light);
    how.push(name);
    // Stacked mutations on a text past the size limit say nothing more.
    if (text.length > 4 * 1024 * 1024) break;
  }
  return { text, how };
}
