// Completion replays the tokens before the cursor, from a point where the
// replay of the whole file stands at the top level: after the last top-level
// block of an unbroken stretch, or, past a syntax error, after the last '}'
// that leaves no block open. Starting there must give what a replay from the
// start of the file gives, at every position of broken and unbroken files.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { analyze } from '../../server/src/analysis/analysis.js';
import { completion, setReplayFromStart } from '../../server/src/features/completion.js';
import { mutate, programs, repositoryTexts, rng } from '../grammar/generate.js';

const root = join(__dirname, '..', '..', '..');

function labels(text: string, offsets: readonly number[], fromStart: boolean): string[] {
  const a = analyze(text, 1);
  setReplayFromStart(fromStart);
  try {
    return offsets.map((o) => completion(a, a.lines.position(o)).map((i) => i.label).join(' '));
  } finally {
    setReplayFromStart(false);
  }
}

test('completion from a replay start equals completion from a replay of the whole file, in files with and without syntax errors', () => {
  const next = rng(41);
  const generate = programs(next);
  const texts = repositoryTexts(root).slice(0, 40);
  for (let i = 0; i < 80; i++) {
    const a = generate();
    // A broken item between whole ones, an unbalanced brace, a cut.
    texts.push(mutate(a, next), `${a}\n${mutate(generate(), next)}\n${a}`, `${a}\nsystem x {\n  device d {\n${a}`, `${a}\n}\n}\n${a}`);
  }
  let broken = 0;
  for (const text of texts) {
    const offsets = Array.from({ length: 12 }, () => Math.floor(next() * (text.length + 1)));
    const fast = labels(text, offsets, false);
    const full = labels(text, offsets, true);
    assert.deepEqual(fast, full, `completion differs in:\n${text.slice(0, 2000)}`);
    if (analyze(text, 1).parse.errors.length > 0) broken++;
  }
  assert.ok(broken > 100, `only ${broken} broken texts`);
});
