// The CLI as a user runs it: the bundled dist/cli.js in a child process.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runIntoClosedPipe, runIntoFullDisk } from './closed-output.js';

const root = join(__dirname, '..', '..', '..');
const cli = join(root, 'dist', 'cli.js');
const dir = mkdtempSync(join(tmpdir(), 'irqd-cli-'));

function run(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', cwd: dir });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function file(name: string, content: string | Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

const BAD = `system host {
  cpus 4
  domain VECTOR vector
  domain MSI pci-msi parent VECTOR
  device nvme0 pci 01:00.0 { msix 8 domain MSI }
}
scenario s on host {
  offline cpu foo
  request nvme0[9]
}
`;

test('a clean file exits 0 with a summary', () => {
  const r = run('check', join(root, 'samples', 'quickstart.irqd'));
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^1 file checked: 0 errors, 0 warnings\n$/);
});

test('errors are printed as file:line:col: severity code message, and exit 1', () => {
  const p = file('bad.irqd', BAD);
  const r = run('check', p);
  assert.equal(r.code, 1);
  assert.equal(
    r.out,
    `${p}:8:15: error IRQD001 expected a CPU list after 'offline cpu', found 'foo'\n` +
      `${p}:9:17: error IRQD028 device 'nvme0' has vectors 0-7; index 9 is outside its capability\n` +
      '1 file checked: 2 errors, 0 warnings\n',
  );
  assert.equal(r.err, '');
});

test('--format json gives the same diagnostics as data', () => {
  const p = file('bad2.irqd', BAD);
  const r = run('check', '--format', 'json', p);
  assert.equal(r.code, 1);
  const json = JSON.parse(r.out) as { files: { file: string; diagnostics: { line: number; column: number; code: string }[] }[]; summary: { errors: number } };
  assert.equal(json.summary.errors, 2);
  assert.deepEqual(
    json.files[0]?.diagnostics.map((d) => [d.line, d.column, d.code]),
    [
      [8, 15, 'IRQD001'],
      [9, 17, 'IRQD028'],
    ],
  );
});

test('I/O problems are one line each on stderr and exit 2, after checking the readable files', () => {
  const notUtf8 = file('latin1.irqd', Buffer.from([0x73, 0x79, 0x73, 0xe9, 0xff, 0x0a]));
  const big = file('big.irqd', Buffer.alloc(5 * 1024 * 1024, 0x20));
  const unreadable = file('secret.irqd', 'system s { cpus 1 }');
  chmodSync(unreadable, 0o000);
  const r = run('check', join(dir, 'missing.irqd'), dir, notUtf8, big, join(root, 'samples', 'quickstart.irqd'));
  assert.equal(r.code, 2);
  const lines = r.err.trimEnd().split('\n');
  assert.deepEqual(lines, [
    `irqd: '${join(dir, 'missing.irqd')}': no such file`,
    `irqd: '${dir}' is a directory, not an .irqd file`,
    `irqd: '${notUtf8}' is not UTF-8 text`,
    `irqd: '${big}' is 5242880 bytes; irqd reads files of up to 4194304 bytes`,
  ]);
  assert.match(r.out, /1 file checked/);
  // Root reads anything; only check the permission message when it applies.
  if (process.getuid?.() !== 0) {
    const u = run('check', unreadable);
    assert.equal(u.code, 2);
    assert.match(u.err, /permission denied/);
  }
});

test('usage problems exit 2 with the reason and the usage', () => {
  for (const args of [[], ['check'], ['frobnicate', 'x.irqd'], ['check', '--format', 'yaml', 'x.irqd'], ['check', '--bogus', 'x.irqd']]) {
    const r = run(...args);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.err, /^irqd: .+\nusage: irqd check/, args.join(' '));
    assert.doesNotMatch(r.err, /at .+\.js:\d+/);
  }
});

test('--help and --version exit 0', () => {
  assert.match(run('--help').out, /^usage: irqd check/);
  assert.equal(run('--help').code, 0);
  assert.match(run('--version').out, /^irqd \d+\.\d+\.\d+\n$/);
});

test('--kernel sets the kernel of systems that do not say', () => {
  const p = file('k.irqd', 'system s { cpus 1 }\n');
  assert.equal(run('check', '--kernel', '6.6', p).code, 0);
  const r = run('check', '--kernel', 'banana', p);
  assert.equal(r.code, 2);
  assert.match(r.err, /^irqd: --kernel takes a version such as 6.1, 6.6, 6.10 or mainline, not 'banana'\n/);
});

test('a closed pipe or a full disk ends a command with one line and exit 2, not a stack trace', async () => {
  const samples = join(root, 'samples');
  const files = ['quickstart.irqd', 'hotunplug-exhaustion.irqd', 'siov-guests.irqd', 'vfio-migration.irqd'].map((f) => join(samples, f));
  // `irqd run … | head -1`: the reader goes away after the first chunk.
  // About 400 KB of output: after the first chunk is read, what is left cannot fit in the pipe's 64 KiB buffer, so a write must fail.
  const many = Array.from({ length: 12 }, () => files).flat();
  const { code, err } = await runIntoClosedPipe(['run', ...many]);
  assert.equal(code, 2);
  assert.equal(err, 'irqd: cannot write to standard output: the reader closed the pipe\n');
  // `irqd run … > /dev/full`.
  const r = runIntoFullDisk(['run', ...files]);
  assert.equal(r.status, 2);
  assert.equal(r.stderr, 'irqd: cannot write to standard output: no space left on the device\n');
});

test('irqd run: false expectations do not stop a scenario, which still fails and exits 1', () => {
  const fixture = join(root, 'test', 'sim', 'expectations.irqd');
  const name = 'two false expectations, every step runs';
  const text = run('run', '--scenario', name, fixture);
  assert.equal(text.code, 1, text.err);
  assert.match(text.out, /✗ {3}3\. line \d+: expect nvme0\[0\] cpu 0 {3}✗ on CPU 1\n/);
  assert.match(text.out, /✓ {3}6\. line \d+: fire nvme0\[1\]/);
  assert.match(text.out, /FAILED: 3 expectations not met\n {4}step 3, line \d+: nvme0\[0\] \(IRQ 16\) is on CPU 1, not on 0\n/);
  // The trace, before the diagnostics of the whole file (which has a scenario that stops).
  assert.doesNotMatch(text.out.split('\n\n')[0] ?? '', /not run|FAILED at step/);
  const json = run('run', '--format', 'json', '--scenario', name, fixture);
  assert.equal(json.code, 1, json.err);
  const report = JSON.parse(json.out) as { scenarios: { passed: boolean; steps: { outcome: string }[] }[] };
  const [scenario] = report.scenarios;
  assert.equal(scenario?.passed, false);
  assert.deepEqual(
    scenario?.steps.map((s) => s.outcome),
    ['ok', 'ok', 'expectation-failed', 'ok', 'expectation-failed', 'ok', 'ok', 'expectation-failed'],
  );
  const stops = run('run', '--scenario', 'a failing kernel step still stops', fixture);
  assert.equal(stops.code, 1, stops.err);
  assert.match(stops.out, /FAILED at step 4: request_irq\(16\) for nvme0\[0\] fails with -EBUSY: it is already requested\n {2}FAILED: 1 expectation not met\n/);
  assert.match(stops.out, /· {3}5\. line \d+: expect nvme0\[0\] cpu 0 {3}not run/);
});
