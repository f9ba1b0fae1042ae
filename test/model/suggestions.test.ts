// "Did you mean" (server/src/model/values.ts closest()): a banded edit
// distance with a work budget must pick what the full Levenshtein table
// picks, and stay cheap on names of thousands of characters.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyze } from '../../server/src/analysis/analysis.js';
import { closest } from '../../server/src/model/values.js';
import { mulberry32 } from '../support/random.js';

function levenshtein(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur.push(Math.min((prev[j] as number) + 1, (cur[j - 1] as number) + 1, (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1)));
    prev = cur;
  }
  return prev[b.length] as number;
}

function naiveClosest(word: string, values: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const v of values) {
    const d = levenshtein(word.toLowerCase(), v.toLowerCase());
    if (d < bestDistance) {
      best = v;
      bestDistance = d;
    }
  }
  return best;
}

test('closest() picks what the full edit-distance table picks', () => {
  const rnd = mulberry32(31);
  const letters = 'abcdeXY-_0';
  const word = (n: number): string => Array.from({ length: n }, () => letters[Math.floor(rnd() * letters.length)]).join('');
  const mutate = (w: string): string => {
    const chars = [...w];
    for (let k = Math.floor(rnd() * 4); k > 0; k--) {
      const at = Math.floor(rnd() * (chars.length + 1));
      const r = rnd();
      if (r < 0.33) chars.splice(at, 1);
      else if (r < 0.66) chars.splice(at, 0, letters[Math.floor(rnd() * letters.length)] as string);
      else chars[at] = letters[Math.floor(rnd() * letters.length)] as string;
    }
    return chars.join('');
  };
  for (let i = 0; i < 3000; i++) {
    const values = Array.from({ length: 1 + Math.floor(rnd() * 8) }, () => word(1 + Math.floor(rnd() * 9)));
    const w = rnd() < 0.7 ? mutate(values[Math.floor(rnd() * values.length)] as string) : word(1 + Math.floor(rnd() * 9));
    assert.equal(closest(w, values), naiveClosest(w, values), `${w} among ${values.join(' ')}`);
  }
});

test('unknown references to names of 10,000 characters stay cheap', () => {
  const long = 'n'.repeat(10_000);
  const devices = Array.from({ length: 40 }, (_, i) => `  device ${long}${i} pci 0000:01:${(i % 32).toString(16).padStart(2, '0')}.${Math.floor(i / 32)} { msix 4 domain M }`);
  const refs = Array.from({ length: 200 }, (_, i) => `  alloc ${long}x${i} 1`);
  const text = `system s {\n  cpus 4\n  domain V vector\n  domain M pci-msi parent V\n${devices.join('\n')}\n}\nscenario t on s {\n${refs.join('\n')}\n}\n`;
  const started = process.hrtime.bigint();
  const a = analyze(text, 1);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  assert.ok(a.diagnostics.some((d) => d.code === 'IRQD010'));
  // Not a benchmark: the full tables took minutes here.
  assert.ok(ms < 10_000, `${ms} ms`);
});
