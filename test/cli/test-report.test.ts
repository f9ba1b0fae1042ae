// `irqd test` as CI runs it: the bundled dist/cli.js in a child process, on
// the fixtures in test/cli/test-files/, every reporter's exact output, JUnit
// validated against the Jenkins xunit-plugin schema (test/cli/schemas/).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runIntoClosedPipe, runIntoFullDisk } from './closed-output.js';
import { MAX_TEST_FILES, MAX_WALK_DEPTH } from '../../server/src/report/results.js';
import { VERSION } from '../../server/src/version.js';

const root = join(__dirname, '..', '..', '..');
const cli = join(root, 'dist', 'cli.js');
const here = join(root, 'test', 'cli');
const schema = join(here, 'schemas', 'junit-10.xsd');
const tmp = mkdtempSync(join(tmpdir(), 'irqd-test-'));

function run(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', cwd: here });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Times vary from run to run; everything else is compared exactly. */
function untimed(s: string): string {
  return s
    .replace(/\(\d+ ms\)/g, '(T ms)')
    .replace(/time="\d+\.\d{3}"/g, 'time="T"')
    .replace(/timestamp="[^"]*"/g, 'timestamp="TS"')
    .replace(/hostname="[^"]*"/g, 'hostname="H"');
}

const hasXmllint = spawnSync('xmllint', ['--version']).status === 0;
/** xmllint's verdict on an XML text against the JUnit schema: '' when valid, else its complaints. */
function junitProblems(xml: string): string {
  const p = join(tmp, `report-${Math.random().toString(36).slice(2)}.xml`);
  writeFileSync(p, xml);
  const r = spawnSync('xmllint', ['--noout', '--schema', schema, p], { encoding: 'utf8' });
  return r.status === 0 ? '' : r.stderr || `xmllint exited ${r.status}`;
}
const xmllintSkip = hasXmllint ? false : process.env.CI === 'true' ? false : 'xmllint (Debian libxml2-utils) is not installed';

const FAIL_TEXT = [
  '✗ test-files/fail.irqd › wrong (T ms): test-files/fail.irqd:12:9: error IRQD034 nvme0[0] (IRQ 16) is on CPU 1, not on 2',
  '✓ test-files/fail.irqd › right (T ms)',
  "! test-files/fail.irqd › broken (T ms): not simulated: fix the 1 error in system 'host' or this scenario first; test-files/fail.irqd:19:17: error IRQD028 device 'nvme0' has vectors 0-7; index 9 is outside its capability",
  "! test-files/fail.irqd › lost (T ms): not simulated: it has no system; test-files/fail.irqd:22:18: error IRQD010 unknown system 'nowhere'",
];

test('the text reporter: a line per scenario, the first failure, a summary; a directory is walked, node_modules and dot-directories skipped', () => {
  const r = run('test', 'test-files');
  assert.equal(r.code, 1);
  assert.equal(r.err, '');
  assert.equal(
    untimed(r.out),
    [
      '✗ test-files/escape.irqd › say "hi" <&> 😀 \\u0001 # x (T ms): test-files/escape.irqd:7:9: error IRQD034 CPU 1 has 201 vectors available, not 7',
      ...FAIL_TEXT,
      "- test-files/nested/skip.irqd › later (T ms): not simulated: a declared 'state' is simulated on x86_64 only; system 'arm' is arm64",
      '✓ test-files/pass.irqd › one & <two> (T ms)',
      '✓ test-files/pass.irqd › quiet (T ms)',
      "! test-files/static.irqd › (file checks): test-files/static.irqd:4:29: error IRQD010 unknown domain 'VECTR'; did you mean 'VECTOR'?",
      'scenarios: 3 passed, 2 failed, 3 errors, 1 skipped in 5 files',
      '',
    ].join('\n'),
  );
});

test('exit 0 when every scenario passes or is skipped', () => {
  const r = run('test', 'test-files/pass.irqd', 'test-files/nested');
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /\nscenarios: 2 passed, 0 failed, 0 errors, 1 skipped in 2 files\n$/);
  const samples = spawnSync(process.execPath, [cli, 'test', 'samples'], { encoding: 'utf8', cwd: root });
  assert.equal(samples.status, 0, samples.stdout);
  assert.match(samples.stdout, /\nscenarios: \d+ passed, 0 failed, 0 errors in \d+ files\n$/);
});

test('the TAP reporter: TAP version 14, a YAML block for every scenario that does not pass', () => {
  const r = run('test', '--reporter', 'tap', 'test-files/fail.irqd', 'test-files/escape.irqd', 'test-files/nested/skip.irqd');
  assert.equal(r.code, 1);
  assert.equal(
    r.out,
    [
      'TAP version 14',
      '1..6',
      'not ok 1 - test-files/fail.irqd › wrong',
      '  ---',
      '  severity: fail',
      '  failures:',
      '    - at: "test-files/fail.irqd:12:9"',
      '      code: IRQD034',
      '      message: "nvme0[0] (IRQ 16) is on CPU 1, not on 2"',
      '  ...',
      'ok 2 - test-files/fail.irqd › right',
      'not ok 3 - test-files/fail.irqd › broken',
      '  ---',
      '  severity: error',
      `  message: "not simulated: fix the 1 error in system 'host' or this scenario first"`,
      '  failures:',
      '    - at: "test-files/fail.irqd:19:17"',
      '      code: IRQD028',
      `      message: "device 'nvme0' has vectors 0-7; index 9 is outside its capability"`,
      '  ...',
      'not ok 4 - test-files/fail.irqd › lost',
      '  ---',
      '  severity: error',
      '  message: "not simulated: it has no system"',
      '  failures:',
      '    - at: "test-files/fail.irqd:22:18"',
      '      code: IRQD010',
      `      message: "unknown system 'nowhere'"`,
      '  ...',
      'not ok 5 - test-files/escape.irqd › say "hi" <&> 😀 \\u0001 \\# x',
      '  ---',
      '  severity: fail',
      '  failures:',
      '    - at: "test-files/escape.irqd:7:9"',
      '      code: IRQD034',
      '      message: "CPU 1 has 201 vectors available, not 7"',
      '  ...',
      "ok 6 - test-files/nested/skip.irqd › later # SKIP not simulated: a declared 'state' is simulated on x86_64 only; system 'arm' is arm64",
      '',
    ].join('\n'),
  );
});

test('the JSON reporter: files, scenarios with status, reason and failures, a summary', () => {
  const r = run('test', '--reporter', 'json', 'test-files/fail.irqd', 'test-files/static.irqd');
  assert.equal(r.code, 1);
  interface Diag { line: number; column: number; endLine: number; endColumn: number; severity: string; code: string; message: string }
  const json = JSON.parse(r.out) as {
    files: { file: string; time: number; fileErrors: Diag[]; scenarios: { name: string; line: number; column: number; status: string; time: number; reason: string | null; failures: Diag[] }[] }[];
    summary: Record<string, number>;
  };
  assert.deepEqual(json.summary, { files: 2, passed: 1, failed: 1, errors: 3, skipped: 0 });
  assert.deepEqual(
    json.files.map((f) => [f.file, f.scenarios.map((s) => [s.name, s.line, s.column, s.status, s.reason, s.failures.map((d) => `${d.line}:${d.column}-${d.endLine}:${d.endColumn} ${d.code}`)])]),
    [
      [
        'test-files/fail.irqd',
        [
          ['wrong', 8, 10, 'failed', null, ['12:9-12:24 IRQD034']],
          ['right', 15, 10, 'passed', null, []],
          ['broken', 18, 10, 'error', "not simulated: fix the 1 error in system 'host' or this scenario first", ['19:17-19:18 IRQD028']],
          ['lost', 22, 10, 'error', 'not simulated: it has no system', ['22:18-22:25 IRQD010']],
        ],
      ],
      ['test-files/static.irqd', []],
    ],
  );
  assert.deepEqual(json.files[1]?.fileErrors.map((d) => [d.line, d.column, d.code, d.message]), [[4, 29, 'IRQD010', "unknown domain 'VECTR'; did you mean 'VECTOR'?"]]);
  for (const f of json.files) for (const s of f.scenarios) assert.ok(s.time >= 0 && s.time <= f.time, `${s.name}: ${s.time} of ${f.time}`);
});

test('the JUnit reporter: exact XML, escaped, valid against junit-10.xsd', { skip: xmllintSkip }, () => {
  const r = run('test', '--reporter', 'junit', 'test-files/escape.irqd', 'test-files/nested/skip.irqd', 'test-files/static.irqd');
  assert.equal(r.code, 1);
  assert.equal(
    untimed(r.out),
    [
      '<?xml version="1.0" encoding="UTF-8"?>',
      '<testsuites name="irqd" tests="3" failures="1" errors="1" time="T">',
      '  <testsuite name="test-files/escape.irqd" tests="1" failures="1" errors="0" skipped="0" time="T" timestamp="TS" hostname="H" file="test-files/escape.irqd">',
      '    <testcase classname="test-files/escape.irqd" name="say &quot;hi&quot; &lt;&amp;&gt; 😀 \\u0001 # x" time="T">',
      '      <failure message="test-files/escape.irqd:7:9: error IRQD034 CPU 1 has 201 vectors available, not 7" type="IRQD034">test-files/escape.irqd:7:9: error IRQD034 CPU 1 has 201 vectors available, not 7</failure>',
      '    </testcase>',
      '  </testsuite>',
      '  <testsuite name="test-files/nested/skip.irqd" tests="1" failures="0" errors="0" skipped="1" time="T" timestamp="TS" hostname="H" file="test-files/nested/skip.irqd">',
      '    <testcase classname="test-files/nested/skip.irqd" name="later" time="T">',
      '      <skipped message="not simulated: a declared &apos;state&apos; is simulated on x86_64 only; system &apos;arm&apos; is arm64"/>',
      '    </testcase>',
      '  </testsuite>',
      '  <testsuite name="test-files/static.irqd" tests="1" failures="0" errors="1" skipped="0" time="T" timestamp="TS" hostname="H" file="test-files/static.irqd">',
      '    <testcase classname="test-files/static.irqd" name="(file checks)" time="T">',
      '      <error message="1 error outside every scenario" type="IRQD010">test-files/static.irqd:4:29: error IRQD010 unknown domain &apos;VECTR&apos;; did you mean &apos;VECTOR&apos;?</error>',
      '    </testcase>',
      '  </testsuite>',
      '</testsuites>',
      '',
    ].join('\n'),
  );
  assert.match(r.out, /timestamp="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d"/);
  assert.equal(junitProblems(r.out), '');
  // The whole fixture directory and every sample, too.
  assert.equal(junitProblems(run('test', '--reporter', 'junit', 'test-files').out), '');
  assert.equal(junitProblems(spawnSync(process.execPath, [cli, 'test', '--reporter', 'junit', 'samples'], { encoding: 'utf8', cwd: root }).stdout), '');
});

test('the schema check can fail: xmllint rejects a report the schema does not allow', { skip: xmllintSkip }, () => {
  assert.notEqual(junitProblems('<testsuites><testsuite name="x"><testcase name="y"/></testsuite></testsuites>'), '');
});

test('-o FILE writes the report there and the text report to standard output', () => {
  const out = join(tmp, 'junit.xml');
  const r = run('test', '--reporter', 'junit', '-o', out, 'test-files/pass.irqd');
  assert.equal(r.code, 0);
  assert.equal(untimed(r.out), '✓ test-files/pass.irqd › one & <two> (T ms)\n✓ test-files/pass.irqd › quiet (T ms)\nscenarios: 2 passed, 0 failed, 0 errors in 1 file\n');
  assert.match(readFileSync(out, 'utf8'), /^<\?xml .*\n<testsuites name="irqd" tests="2" failures="0" errors="0"/);
  const bad = run('test', '-o', join(tmp, 'no', 'such', 'dir.xml'), 'test-files/pass.irqd');
  assert.equal(bad.code, 2);
  assert.equal(bad.err, `irqd: cannot write '${join(tmp, 'no', 'such', 'dir.xml')}': ENOENT\n`);
});

test('a missing file, an empty directory and usage problems exit 2 with one line', () => {
  const missing = run('test', 'test-files/pass.irqd', 'no-such.irqd');
  assert.equal(missing.code, 2);
  assert.equal(missing.err, "irqd: 'no-such.irqd': no such file\n");
  assert.match(missing.out, /scenarios: 2 passed, 0 failed, 0 errors in 1 file\n$/);
  const empty = mkdtempSync(join(tmp, 'empty-'));
  const e = run('test', empty);
  assert.equal(e.code, 2);
  assert.equal(e.err, `irqd: '${empty}' holds no .irqd files\n`);
  for (const [args, why] of [
    [['test'], "'irqd test' needs at least one file or directory"],
    [['test', '--reporter', 'xml', 'x.irqd'], "--reporter takes text, junit, tap, json, not 'xml'"],
    [['test', '--kernel', 'banana', 'x.irqd'], "--kernel takes a version such as 6.1, 6.6, 6.10 or mainline, not 'banana'"],
    [['test', '--bogus', 'x.irqd'], "unknown option '--bogus'"],
    [['test', '-o'], '-o takes a file name'],
  ] as const) {
    const r = run(...args);
    assert.equal(r.code, 2, args.join(' '));
    assert.equal(r.err.split('\n')[0], `irqd: ${why}`, args.join(' '));
    assert.match(r.err, /\nusage: irqd test/);
  }
  assert.equal(run('test', '--help').code, 0);
  assert.match(run('test', '--help').out, /^usage: irqd test/);
});

test('--kernel applies to systems that do not say: 6.6 has one more vector per CPU', () => {
  const p = join(tmp, 'k.irqd');
  writeFileSync(p, 'system s {\n  cpus 2\n  domain VECTOR vector\n}\nscenario k on s {\n  expect cpu 1 available 202\n}\n');
  assert.equal(run('test', p).code, 1);
  assert.equal(run('test', '--kernel', '6.6', p).code, 0);
});

test('a closed pipe or a full disk ends irqd test with one line and exit 2', async () => {
  // About 300 KB of JUnit XML: more than the pipe's 64 KiB buffer holds once the reader is gone.
  const many = Array.from({ length: 200 }, () => 'test-files');
  const { code, err } = await runIntoClosedPipe(['test', '--reporter', 'junit', ...many], here);
  assert.equal(code, 2);
  assert.equal(err, 'irqd: cannot write to standard output: the reader closed the pipe\n');
  const r = runIntoFullDisk(['test', 'test-files'], here);
  assert.equal(r.status, 2);
  assert.equal(r.stderr, 'irqd: cannot write to standard output: no space left on the device\n');
});

test('the version irqd reports is package.json\'s', () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  assert.equal(VERSION, pkg.version);
  assert.equal(run('--version').out, `irqd ${pkg.version}\n`);
});

test('a directory walk: *.irqd files in sorted order, not node_modules, dot-directories or links to directories', () => {
  const top = mkdtempSync(join(tmp, 'walk-'));
  const clean = 'system s {\n  cpus 1\n}\nscenario ok on s {\n}\n';
  for (const d of ['b', 'a/deep', 'node_modules/x', '.git']) mkdirSync(join(top, d), { recursive: true });
  for (const f of ['b/2.irqd', 'a/deep/1.irqd', 'z.irqd', 'node_modules/x/n.irqd', '.git/g.irqd']) writeFileSync(join(top, f), clean);
  writeFileSync(join(top, 'notes.txt'), 'not irqd');
  // A link back up would loop forever if it were followed.
  symlinkSync(top, join(top, 'b', 'loop'));
  const r = spawnSync(process.execPath, [cli, 'test', '.'], { encoding: 'utf8', cwd: top });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(untimed(r.stdout), '✓ a/deep/1.irqd › ok (T ms)\n✓ b/2.irqd › ok (T ms)\n✓ z.irqd › ok (T ms)\nscenarios: 3 passed, 0 failed, 0 errors in 3 files\n');
});

test('the walk is bounded: MAX_WALK_DEPTH levels, MAX_TEST_FILES files, each past it one line and exit 2', () => {
  const deep = mkdtempSync(join(tmp, 'deep-'));
  let d = deep;
  for (let i = 0; i <= MAX_WALK_DEPTH; i++) d = join(d, 'd');
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, 'x.irqd'), 'system s {\n  cpus 1\n}\n');
  const r = run('test', deep);
  assert.equal(r.code, 2);
  assert.equal(r.err, `irqd: '${deep}' nests directories deeper than ${MAX_WALK_DEPTH}\n`);
  const wide = mkdtempSync(join(tmp, 'wide-'));
  for (let i = 0; i <= MAX_TEST_FILES; i++) writeFileSync(join(wide, `${i}.irqd`), '');
  const w = run('test', wide);
  assert.equal(w.code, 2);
  assert.equal(w.err, `irqd: '${wide}' holds more than ${MAX_TEST_FILES} .irqd files\n`);
});

test('every failure of a scenario is reported: each failing expect, then the failing kernel step; a hint is not a failure', () => {
  const p = join(tmp, 'several.irqd');
  writeFileSync(
    p,
    'system host {\n  cpus 4\n  domain VECTOR vector\n  domain MSI pci-msi parent VECTOR\n  device nvme0 pci 01:00.0 { msix 8 domain MSI }\n}\nscenario m on host {\n  alloc nvme0 2\n  expect cpu 1 available 7\n  request nvme0[0]\n  expect cpu 2 available 8\n  offline cpu 0\n  expect cpu 3 available 9\n}\nscenario k on host {\n  alloc nvme0 20\n  expect cpu 3 available 9\n}\n',
  );
  const text = run('test', p);
  assert.equal(text.code, 1);
  assert.equal(
    untimed(text.out),
    `✗ ${p} › m (T ms): ${p}:9:9: error IRQD034 CPU 1 has 201 vectors available, not 7 (and 2 more failures)\n` +
      `✗ ${p} › k (T ms): ${p}:16:3: error IRQD030 pci_alloc_irq_vectors(nvme0, 20, 20, PCI_IRQ_MSIX) fails with -ENOSPC\n` +
      'scenarios: 0 passed, 2 failed, 0 errors in 1 file\n',
  );
  const junit = run('test', '--reporter', 'junit', p).out;
  assert.ok(
    junit.includes(
      `<failure message="${p}:9:9: error IRQD034 CPU 1 has 201 vectors available, not 7" type="IRQD034">${p}:9:9: error IRQD034 CPU 1 has 201 vectors available, not 7\n` +
        `${p}:11:9: error IRQD034 CPU 2 has 201 vectors available, not 8\n` +
        `${p}:12:15: error IRQD031 CPU 0: CPU 0 is the boot CPU and cannot be taken offline; the write to cpu0/online fails with -EBUSY and CPU 0 stays online</failure>`,
    ),
    junit,
  );
  if (!xmllintSkip) assert.equal(junitProblems(junit), '');
  // IRQD036, the hint on the step after the failing allocation, is in no report.
  assert.doesNotMatch(run('test', '--reporter', 'tap', p).out, /IRQD036/);
});
