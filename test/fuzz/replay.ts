// Running a kept failure again: `npm run fuzz -- --replay FILE` and the
// regression test. The random choices of the fuzz run become every choice:
// each feature at every token of the text, every stepping state and new
// name the fuzzer draws from, and the edit the header gives for an
// incremental failure; a snapshot directory is imported without its note.
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DiskUseResolver } from '../../server/src/analysis/files.js';
import { checkText, type CheckPlan, type Failure } from './check.js';
import { NOT_KEPT, readHeader } from './found.js';
import { checkSnapshot, FAILURE_NOTE, readSnapshotDir, writeSnapshot } from './snapshot.js';

export function replay(path: string): Failure | undefined {
  if (statSync(path).isDirectory()) {
    const note = join(path, FAILURE_NOTE);
    const header = existsSync(note) ? readHeader(readFileSync(note, 'utf8')) : {};
    // Named as the fuzz run's copy was: the import names the system after its directory.
    const dir = join(tmpdir(), `irqd-fuzz-replay-${process.pid}`, 'snapshot');
    try {
      const target = writeSnapshot({ files: readSnapshotDir(path), form: 'directory' }, dir);
      return checkSnapshot(target, { cli: header.where === 'irqd import' }, undefined, { positions: 'exhaustive', incremental: false, sliced: true });
    } finally {
      rmSync(join(dir, '..'), { recursive: true, force: true });
    }
  }
  const text = readFileSync(path, 'utf8');
  const header = readHeader(text);
  const notKept = text.match(new RegExp(`^// ${NOT_KEPT}: .*$`, 'm'));
  if (notKept) return { kind: 'throw', where: 'replay', message: `${notKept[0].slice(3)}: run its "again" command`, klass: 'replay|not kept' };
  const plan: CheckPlan = { positions: 'exhaustive', incremental: header.edit ?? false, sliced: true };
  // Analysed where the fuzzer had it (test/fuzz/found/input.irqd), so that its `use` paths resolve the same.
  return checkText({ text, file: join(resolve(path, '..'), 'input.irqd'), uses: new DiskUseResolver() }, undefined, plan);
}
