// `irqd check --format sarif` as code scanning reads it: the bundled
// dist/cli.js in a child process, its log validated with ajv against the
// OASIS SARIF 2.1.0 schema vendored in test/cli/schemas/.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import Ajv from 'ajv';
import type { Log } from 'sarif';
import { catalog } from '../../server/src/model/catalog.js';

const root = join(__dirname, '..', '..', '..');
const cli = join(root, 'dist', 'cli.js');
const here = join(root, 'test', 'cli');

function run(cwd: string, ...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', cwd });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

// RFC 3986: a URI has a scheme; a URI reference may be relative. Neither holds a space or a character outside
// the unreserved, reserved and percent-encoded ones. The schema names these formats; ajv checks only formats it is given.
const URI_CHARS = /^(?:[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*$/;
const ajv = new Ajv({ allErrors: true, strict: false, validateSchema: false });
ajv.addFormat('uri', (s: string) => /^[A-Za-z][A-Za-z0-9+.-]*:/.test(s) && URI_CHARS.test(s));
ajv.addFormat('uri-reference', (s: string) => URI_CHARS.test(s));
ajv.addFormat('date-time', (s: string) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)$/.test(s));
// The schema is draft-04, which Ajv 8 does not read; the one draft-04-only keyword it uses is the root's `id`
// (draft-06 calls it `$id`; it has no boolean exclusiveMinimum or exclusiveMaximum), so the schema is read as draft-07.
const { id, ...sarifSchema } = JSON.parse(readFileSync(join(here, 'schemas', 'sarif-schema-2.1.0.json'), 'utf8')) as { id: string } & Record<string, unknown>;
const validate = ajv.compile({ ...sarifSchema, $schema: 'http://json-schema.org/draft-07/schema#', $id: id });

function schemaProblems(log: unknown): string {
  return validate(log) ? '' : ajv.errorsText(validate.errors, { separator: '\n' });
}

test('the schema check can fail: a log without a version, a result with a bad level', () => {
  assert.notEqual(schemaProblems({ runs: [] }), '');
  assert.notEqual(schemaProblems({ version: '2.1.0', runs: [{ tool: { driver: { name: 'x' } }, results: [{ message: { text: 'm' }, level: 'fatal' }] }] }), '');
  assert.notEqual(schemaProblems({ version: '2.1.0', runs: [{ tool: { driver: { name: 'x', informationUri: 'not a uri' } } }] }), '');
});

test('errors and notes as SARIF results: rule, level, relative URI, 1-based UTF-16 region; valid against the schema', () => {
  const dir = mkdtempSync(join(tmpdir(), 'irqd-sarif-'));
  // The 😀 before 'nowhere' is two UTF-16 code units: SARIF's default column kind counts it as two, so 'nowhere' starts at column 18.
  writeFileSync(
    join(dir, 'my file.irqd'),
    'system host {\n  cpus 4\n  domain VECTOR vector\n  domain MSI pci-msi parent VECTR\n}\nscenario "😀" on nowhere {\n}\n',
  );
  mkdirSync(join(dir, 'sub'));
  writeFileSync(join(dir, 'sub', 'arm.irqd'), 'system arm {\n  arch arm64\n  cpus 2\n  state {\n  }\n}\nscenario later on arm {\n}\n');
  const r = run(dir, 'check', '--format', 'sarif', 'my file.irqd', 'missing.irqd', join(dir, 'sub', 'arm.irqd'));
  assert.equal(r.code, 2);
  assert.equal(r.err, "irqd: 'missing.irqd': no such file\n");
  const log = JSON.parse(r.out) as Log;
  assert.equal(schemaProblems(log), '');
  assert.equal(log.version, '2.1.0');
  assert.match(log.$schema ?? '', /sarif-2\.1\.0/);
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  const runs = log.runs;
  assert.equal(runs.length, 1);
  const sarifRun = runs[0] as Log['runs'][number];
  const driver = sarifRun.tool.driver;
  assert.equal(driver.name, 'irqd');
  assert.equal(driver.version, pkg.version);
  assert.deepEqual(driver.rules?.map((rule) => rule.id), catalog.map((e) => e.code));
  const irqd010 = driver.rules?.find((rule) => rule.id === 'IRQD010');
  assert.deepEqual(
    { name: irqd010?.name, short: irqd010?.shortDescription?.text, full: irqd010?.fullDescription?.text, level: irqd010?.defaultConfiguration?.level },
    { name: 'UnknownName', short: 'Unknown name', full: catalog.find((e) => e.code === 'IRQD010')?.doc, level: 'error' },
  );
  assert.deepEqual(sarifRun.originalUriBaseIds, { '%SRCROOT%': { uri: pathToFileURL(dir).href + '/' } });
  assert.deepEqual(sarifRun.artifacts?.map((a) => a.location), [
    { uri: 'my%20file.irqd', uriBaseId: '%SRCROOT%' },
    { uri: 'sub/arm.irqd', uriBaseId: '%SRCROOT%' },
  ]);
  assert.deepEqual(sarifRun.invocations?.map((i) => [i.executionSuccessful, i.toolExecutionNotifications?.map((n) => n.message.text)]), [[false, ["'missing.irqd': no such file"]]]);
  assert.deepEqual(
    sarifRun.results?.map((res) => {
      const loc = res.locations?.[0]?.physicalLocation;
      const g = loc?.region;
      return [res.ruleId, res.ruleIndex, res.level, res.message.text, loc?.artifactLocation?.uri, loc?.artifactLocation?.uriBaseId, g?.startLine, g?.startColumn, g?.endLine, g?.endColumn];
    }),
    [
      ['IRQD010', catalog.findIndex((e) => e.code === 'IRQD010'), 'error', "unknown domain 'VECTR'; did you mean 'VECTOR'?", 'my%20file.irqd', '%SRCROOT%', 4, 29, 4, 34],
      ['IRQD010', catalog.findIndex((e) => e.code === 'IRQD010'), 'error', "unknown system 'nowhere'", 'my%20file.irqd', '%SRCROOT%', 6, 18, 6, 25],
      [
        'IRQD040',
        catalog.findIndex((e) => e.code === 'IRQD040'),
        'note',
        "scenario not simulated: a declared 'state' is simulated on x86_64 only; system 'arm' is arm64",
        'sub/arm.irqd',
        '%SRCROOT%',
        7,
        10,
        7,
        15,
      ],
    ],
  );
});

test('every sample: a valid SARIF log, and irqd test passes', () => {
  const samples = readdirSync(join(root, 'samples')).filter((f) => f.endsWith('.irqd')).map((f) => join('samples', f));
  assert.ok(samples.length >= 10);
  const r = run(root, 'check', '--format', 'sarif', ...samples);
  assert.equal(r.code, 0, r.err);
  const log = JSON.parse(r.out) as Log;
  assert.equal(schemaProblems(log), '');
  assert.deepEqual(log.runs[0]?.artifacts?.map((a) => a.location?.uri), samples);
  assert.equal(log.runs[0]?.invocations?.[0]?.executionSuccessful, true);
  assert.equal(run(root, 'test', ...samples).code, 0);
});

test('a file outside the working directory is a file: URI without a base', () => {
  const dir = mkdtempSync(join(tmpdir(), 'irqd-sarif-'));
  const p = join(dir, 'x.irqd');
  writeFileSync(p, 'system s {\n  cpus 1\n  domain V vectr\n}\n');
  const r = run(here, 'check', '--format', 'sarif', p);
  assert.equal(r.code, 1);
  const log = JSON.parse(r.out) as Log;
  assert.equal(schemaProblems(log), '');
  assert.deepEqual(log.runs[0]?.artifacts?.map((a) => a.location), [{ uri: pathToFileURL(p).href }]);
  assert.equal(log.runs[0]?.results?.[0]?.locations?.[0]?.physicalLocation?.artifactLocation?.uri, pathToFileURL(p).href);
});

test('--format sarif is for check only', () => {
  const r = run(here, 'run', '--format', 'sarif', 'test-files/pass.irqd');
  assert.equal(r.code, 2);
  assert.equal(r.err.split('\n')[0], "irqd: --format sarif is for 'irqd check'; 'irqd run' prints text or json");
});

test('a hint (a step that did not run) is no result; its rule is level none', () => {
  const dir = mkdtempSync(join(tmpdir(), 'irqd-sarif-'));
  writeFileSync(
    join(dir, 'h.irqd'),
    'system host {\n  cpus 2\n  domain VECTOR vector\n  domain MSI pci-msi parent VECTOR\n  device d pci 01:00.0 { msix 8 domain MSI }\n}\nscenario k on host {\n  alloc d 400\n  request d[0]\n}\n',
  );
  const text = run(dir, 'check', 'h.irqd');
  assert.match(text.out, /h\.irqd:9:3: hint IRQD036 /);
  const log = JSON.parse(run(dir, 'check', '--format', 'sarif', 'h.irqd').out) as Log;
  assert.equal(schemaProblems(log), '');
  assert.deepEqual(log.runs[0]?.results?.map((res) => [res.ruleId, res.level]), [['IRQD030', 'error']]);
  assert.equal(log.runs[0]?.tool.driver.rules?.find((rule) => rule.id === 'IRQD036')?.defaultConfiguration?.level, 'none');
});
