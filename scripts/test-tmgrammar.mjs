#!/usr/bin/env node
// TextMate grammar scope tests: runs vscode-tmgrammar-test on every fixture in
// test/syntaxes/*.irqd against syntaxes/irqd.tmLanguage.json, prints its
// output and exits with its status. Called from the project's test runner.
//
// Fixture format (vscode-tmgrammar-test): first line
//   // SYNTAX TEST "source.irqd" "description"
// then source lines, each followed by assertion lines such as
//   //   ^^^^^^ keyword.other.declaration.irqd - keyword.control.step.irqd
// (`<---` asserts from column 0; scopes after `-` must be absent).
//
// Note: the tool also loads the grammars contributed in package.json; the one
// registered there for source.irqd is the same file.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const grammar = 'syntaxes/irqd.tmLanguage.json';
const fixtureDir = 'test/syntaxes';

// The tool expands its arguments as glob patterns: pass plain file names only.
const fixtures = readdirSync(join(root, fixtureDir))
  .filter((name) => name.endsWith('.irqd'))
  .sort();
const unsafe = fixtures.filter((name) => /[*?[\]{}()!+@]/.test(name));
if (unsafe.length > 0) {
  console.error(`test-tmgrammar: fixture names must not contain glob characters: ${unsafe.join(', ')}`);
  process.exit(1);
}
if (fixtures.length === 0) {
  console.error(`test-tmgrammar: no fixtures in ${fixtureDir}`);
  process.exit(1);
}
const files = fixtures.map((name) => `${fixtureDir}/${name}`);

// One assertion per run of carets, or per `<-` line (as the tool counts them).
let assertions = 0;
for (const file of files) {
  for (const line of readFileSync(join(root, file), 'utf8').split(/\r?\n/).slice(1)) {
    if (!line.startsWith('//')) continue;
    const rest = line.slice(2);
    if (/^\s*\^/.test(rest)) assertions += rest.match(/\^+/g)?.length ?? 0;
    else if (/^\s*<~*-+/.test(rest)) assertions += 1;
  }
}

// node_modules/.bin/vscode-tmgrammar-test is a link to this script; running it
// with the current node works the same on every platform without a shell.
const pkg = JSON.parse(readFileSync(join(root, 'node_modules', 'vscode-tmgrammar-test', 'package.json'), 'utf8'));
const bin = join(root, 'node_modules', 'vscode-tmgrammar-test', pkg.bin['vscode-tmgrammar-test']);

const result = spawnSync(process.execPath, [bin, '-g', grammar, ...process.argv.slice(2), ...files], {
  cwd: root,
  shell: false,
  encoding: 'utf8',
  timeout: 120_000,
});
if (result.stdout) process.stdout.write(result.stdout);
if (result.stderr) process.stderr.write(result.stderr);
if (result.error) {
  console.error(`test-tmgrammar: could not run vscode-tmgrammar-test: ${result.error.message}`);
  process.exit(1);
}
const status = result.status ?? 1;
console.log(
  `test-tmgrammar: ${assertions} scope assertions in ${files.length} fixture files: ${status === 0 ? 'passed' : `FAILED (exit ${status}${result.signal ? `, ${result.signal}` : ''})`}`,
);
process.exit(status);
