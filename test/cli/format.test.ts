// `irqd format [--check] FILE...` as a user runs it: the bundled dist/cli.js
// in a child process, on files in a temporary directory.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const root = join(__dirname, '..', '..', '..');
const cli = join(root, 'dist', 'cli.js');
const dir = mkdtempSync(join(tmpdir(), 'irqd-format-'));

function run(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [cli, 'format', ...args], { encoding: 'utf8', cwd: dir });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function file(name: string, content: string | Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

const MESSY = 'system box {\n      cpus 4\n   domain VECTOR vector   \n\n\n}\n';
const TIDY = 'system box {\n  cpus 4\n  domain VECTOR vector\n}\n';

test('--check lists the files that are not formatted, writes nothing and exits 1', () => {
  const messy = file('messy.irqd', MESSY);
  const tidy = file('tidy.irqd', TIDY);
  const r = run('--check', messy, tidy);
  assert.equal(r.code, 1, r.err);
  assert.equal(r.out, `${messy}\n`);
  assert.equal(readFileSync(messy, 'utf8'), MESSY);
  const clean = run('--check', tidy, join(root, 'samples', 'quickstart.irqd'));
  assert.equal(clean.code, 0, clean.err);
  assert.equal(clean.out, '');
});

test('without --check it rewrites the files in place, names them, keeps a byte order mark and exits 0', () => {
  const messy = file('rewrite.irqd', MESSY);
  const bom = file('bom.irqd', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(MESSY)]));
  const broken = file('broken.irqd', 'system {\n      cpus   foo #\n');
  const r = run(messy, bom, broken);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, `formatted ${messy}\nformatted ${bom}\nformatted ${broken}\n`);
  assert.equal(readFileSync(messy, 'utf8'), TIDY);
  assert.deepEqual(readFileSync(bom), Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(TIDY)]));
  assert.equal(readFileSync(broken, 'utf8'), 'system {\n  cpus foo #\n');
  // Formatted files are left alone and not named.
  assert.deepEqual(run(messy), { code: 0, out: '', err: '' });
});

test('usage and I/O problems exit 2 with one line each', () => {
  const none = run();
  assert.equal(none.code, 2);
  assert.match(none.err, /^irqd: 'irqd format' needs at least one file\n/);
  const opt = run('--write', 'x.irqd');
  assert.equal(opt.code, 2);
  assert.match(opt.err, /^irqd: unknown option '--write' for format\n/);
  const missing = run('--check', join(dir, 'missing.irqd'), file('ok.irqd', TIDY));
  assert.equal(missing.code, 2);
  assert.equal(missing.err, `irqd: '${join(dir, 'missing.irqd')}': no such file\n`);
  const binary = run(file('bin.irqd', Buffer.from([0xff, 0xfe, 0x00])));
  assert.equal(binary.code, 2);
  assert.equal(binary.err.split('\n').length, 2, binary.err);
  const help = run('--help');
  assert.equal(help.code, 0);
  assert.match(help.out, /^usage: irqd format \[--check\] FILE\.\.\./);
});
