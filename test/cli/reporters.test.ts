// The reporters of `irqd test` on results no .irqd file produces today: a
// scenario with several failures (the runner keeps going after a failing
// expect) and names holding every character XML, TAP and a terminal treat
// specially. The JUnit output must stay valid and say the same name back.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { junitReport, tapReport, textReport, xmlEscape } from '../../server/src/report/reporters.js';
import type { FileResult, Located } from '../../server/src/report/results.js';

const schema = join(__dirname, '..', '..', '..', 'test', 'cli', 'schemas', 'junit-10.xsd');
const tmp = mkdtempSync(join(tmpdir(), 'irqd-reporters-'));
const hasXmllint = spawnSync('xmllint', ['--version']).status === 0;
const xmllintSkip = hasXmllint || process.env.CI === 'true' ? false : 'xmllint (Debian libxml2-utils) is not installed';

const NASTY = 'a "b" <c> & \'d\' \t\n\r \u0001\u001f\u007f 😀 \ud800 end';

function failure(line: number, message: string): Located {
  return { file: 'dir/x.irqd', line, column: 3, endLine: line, endColumn: 9, severity: 'error', code: 'IRQD034', message };
}

const results: FileResult[] = [
  {
    file: 'dir/x.irqd',
    time: 0.5,
    timestamp: '2026-01-02T03:04:05',
    fileErrors: [],
    cases: [
      { name: NASTY, line: 4, column: 10, status: 'failed', time: 0.25, failures: [failure(5, `first <${NASTY}>`), failure(7, 'second')] },
      { name: 'ok # not a directive', line: 9, column: 10, status: 'passed', time: 0, failures: [] },
    ],
  },
];

test('text: the first of several failures, and how many more', () => {
  assert.deepEqual(textReport(results), [
    '✗ dir/x.irqd › a "b" <c> & \'d\' \\u0009\\u000a\\u000d \\u0001\\u001f\\u007f 😀 \ud800 end (250 ms): ' +
      `dir/x.irqd:5:3: error IRQD034 first <${NASTY}> (and 1 more failure)`,
    '✓ dir/x.irqd › ok # not a directive (0 ms)',
    'scenarios: 1 passed, 1 failed, 0 errors in 1 file',
  ]);
});

test('TAP: every failure in the YAML block; # escaped in descriptions', () => {
  const tap = tapReport(results);
  assert.deepEqual(tap.slice(0, 3), ['TAP version 14', '1..2', 'not ok 1 - dir/x.irqd › a "b" <c> & \'d\' \\u0009\\u000a\\u000d \\u0001\\u001f\\u007f 😀 \ud800 end']);
  assert.deepEqual(tap.slice(3, 12), [
    '  ---',
    '  severity: fail',
    '  failures:',
    '    - at: "dir/x.irqd:5:3"',
    '      code: IRQD034',
    `      message: ${JSON.stringify(`first <${NASTY}>`)}`,
    '    - at: "dir/x.irqd:7:3"',
    '      code: IRQD034',
    '      message: "second"',
  ]);
  assert.deepEqual(tap.slice(12), ['  ...', 'ok 2 - dir/x.irqd › ok \\# not a directive']);
});

test('XML escaping: markup characters as entities, whitespace as references, what XML 1.0 cannot hold as \\uXXXX text', () => {
  assert.equal(xmlEscape('<a href="x">&\'</a>'), '&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;');
  assert.equal(xmlEscape('\t\n\r'), '&#9;&#10;&#13;');
  assert.equal(xmlEscape('\u0000\u0008\u000b\u001f\ufffe'), '\\u0000\\u0008\\u000b\\u001f\\ufffe');
  assert.equal(xmlEscape('😀 \ud83d \ude00'), '😀 \\ud83d \\ude00');
  assert.equal(xmlEscape('\u007f é 中'), '\u007f é 中');
});

test('JUnit: every failure in the body, valid against junit-10.xsd, and xmllint reads the names back', { skip: xmllintSkip }, () => {
  const xml = junitReport(results, 'host "1" <&>').join('\n') + '\n';
  const p = join(tmp, 'nasty.xml');
  writeFileSync(p, xml);
  const valid = spawnSync('xmllint', ['--noout', '--schema', schema, p], { encoding: 'utf8' });
  assert.equal(valid.status, 0, valid.stderr);
  // xmllint ends the string it prints with a newline of its own.
  const read = (xpath: string): string => spawnSync('xmllint', ['--xpath', xpath, p], { encoding: 'utf8' }).stdout.replace(/\n$/, '');
  // XML cannot hold U+0001, U+001F or a lone surrogate: those come back as \uXXXX text, all else as it was.
  const expected = NASTY.replace('\u0001\u001f', '\\u0001\\u001f').replace('\ud800', '\\ud800');
  assert.equal(read('string(//testcase[1]/@name)'), expected);
  assert.equal(read('string(//testsuite/@hostname)'), 'host "1" <&>');
  assert.equal(read('string(//testcase[1]/failure)'), `dir/x.irqd:5:3: error IRQD034 first <${expected}>\ndir/x.irqd:7:3: error IRQD034 second`);
  assert.equal(read('count(//testcase[2]/*)'), '0');
  assert.match(xml, /<testsuite name="dir\/x.irqd" tests="2" failures="1" errors="0" skipped="0" time="0.500" timestamp="2026-01-02T03:04:05"/);
});
