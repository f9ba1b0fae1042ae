// The prediction of every lab boot (scripts/lab-predict.mjs): from dump 01
// and experiment.md's steps to each later dump, at least as good as the
// figure docs/fidelity.md records for it. A regression in the simulator
// shows here first, against what the kernel really did.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';

const ROOT = process.cwd();
const BOOTS = ['A4-noiommu-traced', 'B4-ir-traced', 'C4-q10-x2apic-ir-traced'];

/** The recorded figures: the rows `| BOOT | AGREE/TOTAL | … |` of docs/fidelity.md's prediction table. */
function recorded(): Map<string, { agree: number; total: number }> {
  const text = readFileSync(join(ROOT, 'docs', 'fidelity.md'), 'utf8');
  const out = new Map<string, { agree: number; total: number }>();
  for (const m of text.matchAll(/^\| (\S+) \| (\d+)\/(\d+) \| [\d.]+% \|/gm)) out.set(m[1] as string, { agree: Number(m[2]), total: Number(m[3]) });
  return out;
}

for (const boot of BOOTS) {
  test(`prediction of ${boot} is at least the figure in docs/fidelity.md`, () => {
    const want = recorded().get(boot);
    assert.ok(want, `docs/fidelity.md records no prediction figure for ${boot}`);
    const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'lab-predict.mjs'), join(ROOT, 'test', 'lab', boot), '--format', 'json'], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
    assert.equal(r.status, 0, r.stderr);
    const last = r.stdout.trim().split('\n').pop() ?? '';
    const m = /^prediction: (\d+)\/(\d+) facts agree$/.exec(last);
    assert.ok(m, `the last line is '${last}'`);
    const agree = Number(m[1]);
    const total = Number(m[2]);
    assert.ok(total >= want.total * 0.95, `only ${total} facts compared; docs/fidelity.md records ${want.total}`);
    assert.ok(agree / total >= want.agree / want.total, `prediction ${agree}/${total} is below the recorded ${want.agree}/${want.total}`);
  });
}
