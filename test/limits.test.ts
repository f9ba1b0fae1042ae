// Every limit of docs/language.md ("Limits"): an input just past it gets a
// message that names the limit, quickly, and no internal error.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { MAX_SYNTAX_ERRORS, MAX_NESTING } from '../grammar/parser-base.js';
import { analyze, MAX_TEXT_LENGTH, MAX_USE_DEPTH, type Analysis } from '../server/src/analysis/analysis.js';
import { DiskUseResolver } from '../server/src/analysis/files.js';
import { MAX_CPUS } from '../server/src/model/values.js';
import { MAX_FIRE_COUNT } from '../server/src/model/binder-steps.js';
import { commandLineSize } from '../server/src/model/cmdline.js';
import { MAX_EVENTS_PER_STEP, MAX_HOTPLUG_OPERATIONS, MAX_IRQS, MAX_STEPS } from '../server/src/sim/trace.js';
import { traceLines } from '../server/src/features/trace-text.js';

const machine = (cpus: number, msix = 2048, devices = 1): string =>
  `system s {\n  cpus ${cpus}\n  apic x2apic\n  domain VECTOR vector\n  domain IR intel-ir parent VECTOR { irtes 65536 }\n  domain M pci-msi parent IR\n${Array.from({ length: devices }, (_, i) => `  device d${i} pci 0000:${(1 + Math.floor(i / 32)).toString(16).padStart(2, '0')}:${(i % 32).toString(16).padStart(2, '0')}.0 { msix ${msix} domain M }`).join('\n')}\n}\n`;

function messages(a: Analysis): string[] {
  assert.ok(!a.diagnostics.some((d) => d.code === 'IRQD003'), a.diagnostics.find((d) => d.code === 'IRQD003')?.message);
  return a.diagnostics.map((d) => `${d.code} ${d.message}`);
}

function has(a: Analysis, pattern: RegExp): void {
  const all = messages(a);
  assert.ok(all.some((m) => pattern.test(m)), `no ${pattern} in:\n${all.slice(0, 10).join('\n')}`);
}

test('interrupts per fire step: MAX_FIRE_COUNT', () => {
  has(analyze(`${machine(4, 4)}scenario t on s {\n  alloc d0 1\n  request d0[0]\n  fire d0[0] ${MAX_FIRE_COUNT + 1} unhandled\n}\n`, 1), new RegExp(`^IRQD025 fire ${MAX_FIRE_COUNT + 1}: a step raises 1 to 1,000,000,000 interrupts`));
});

test('command line: COMMAND_LINE_SIZE', () => {
  const line = 'quiet '.repeat(400);
  has(analyze(`system s {\n  cpus 4\n  cmdline "${line}"\n}\n`, 1), new RegExp(`^IRQD019 the command line has ${line.length} characters; the kernel keeps the first ${commandLineSize('x86_64') - 1}`));
});

test('file size: MAX_TEXT_LENGTH', () => {
  has(analyze(' '.repeat(MAX_TEXT_LENGTH + 1), 1), new RegExp(`^IRQD004 .*up to ${MAX_TEXT_LENGTH}`));
});

test('CPUs: NR_CPUS', () => {
  has(analyze(machine(MAX_CPUS + 1), 1), new RegExp(`^IRQD025 cpus ${MAX_CPUS + 1} is out of range 1\\.\\.${MAX_CPUS}: .*NR_CPUS`));
});

test('CPU numbers: the last CPU', () => {
  has(analyze(`${machine(MAX_CPUS)}scenario t on s {\n  offline cpu ${MAX_CPUS}\n}\n`, 1), new RegExp(`^IRQD026 .*CPUs 0-${MAX_CPUS - 1}; CPU ${MAX_CPUS} does not exist`));
});

test('IRQs: MAX_IRQS', () => {
  const devices = MAX_IRQS / 2048 + 1;
  const steps = Array.from({ length: devices }, (_, i) => `  alloc d${i} 2048`).join('\n');
  has(analyze(`${machine(64, 2048, devices)}scenario t on s {\n${steps}\n}\n`, 1), new RegExp(`^IRQD040 irqd simulates at most ${MAX_IRQS} IRQs`));
});

test('steps: MAX_STEPS', () => {
  has(analyze(`${machine(4)}scenario t on s {\n${'  online cpu 1\n'.repeat(MAX_STEPS + 1)}}\n`, 1), new RegExp(`^IRQD036 not run: the scenario exceeds ${MAX_STEPS} steps`));
});

test('CPU hotplug: MAX_HOTPLUG_OPERATIONS', () => {
  const cycles = Math.ceil(MAX_HOTPLUG_OPERATIONS / (2 * 63)) + 1;
  const a = analyze(`${machine(64)}scenario t on s {\n${'  offline cpu 1-63\n  online cpu 1-63\n'.repeat(cycles)}}\n`, 1);
  has(a, new RegExp(`^IRQD036 not run: the scenario exceeds ${MAX_HOTPLUG_OPERATIONS} CPU hotplug operations \\(MAX_HOTPLUG_OPERATIONS`));
  // Exactly the steps within the bound ran.
  const sc = a.model.scenarios[0];
  assert.ok(sc);
  const ran = a.traces.get(sc)?.records.filter((r) => r.outcome !== 'not-run').length ?? 0;
  assert.equal(ran, Math.floor(MAX_HOTPLUG_OPERATIONS / 63));
});

test('CPU hotplug: MAX_HOTPLUG_OPERATIONS counts the cpumask words and queue IRQs virtio-net\'s hotplug callback rewrites', () => {
  // 1,024 CPUs and 9 vectors (4 queue pairs, 8 queue IRQs): each CPU taken down or brought up counts 1 + 1024 / 64 + 8 = 25.
  const system = `system s {\n  cpus 1024\n  apic x2apic ext-dest-id\n  domain VECTOR vector\n  domain M pci-msi parent VECTOR\n  device nic pci 01:00.0 { msix 9 domain M  driver virtio-net }\n}\n`;
  const cycles = Math.ceil(MAX_HOTPLUG_OPERATIONS / (2 * 1023 * 25)) + 1;
  const a = analyze(`${system}scenario t on s {\n  alloc nic 9\n  request nic[*]\n${'  offline cpu 1-1023\n  online cpu 1-1023\n'.repeat(cycles)}}\n`, 1);
  has(a, new RegExp(`^IRQD036 not run: the scenario exceeds ${MAX_HOTPLUG_OPERATIONS} CPU hotplug operations \\(MAX_HOTPLUG_OPERATIONS: each CPU taken down or brought up counts, 25 times on this system`));
  const sc = a.model.scenarios[0];
  assert.ok(sc);
  const hotplugSteps = a.traces.get(sc)?.records.filter((r) => r.outcome !== 'not-run' && (r.step.kind === 'offline' || r.step.kind === 'online')).length ?? 0;
  assert.equal(hotplugSteps, Math.floor(MAX_HOTPLUG_OPERATIONS / (1023 * 25)));
});

test('nesting: MAX_NESTING', () => {
  has(analyze(`${machine(4)}scenario t on s {\n  ${'expect fail '.repeat(MAX_NESTING + 1)}offline cpu 1\n}\n`, 1), new RegExp(`^IRQD001 .*nest at most ${MAX_NESTING} deep \\(MAX_NESTING\\)`));
  // Guest declarations nest too: 5,000 of them overflowed the parser's stack before they counted.
  has(analyze(`system s {\n  cpus 1\n${'  guest g {\n'.repeat(5000)}${'  }\n'.repeat(5000)}}\n`, 1), new RegExp(`^IRQD001 .*nest at most ${MAX_NESTING} deep \\(MAX_NESTING\\)`));
});

test('syntax errors: MAX_SYNTAX_ERRORS', () => {
  has(analyze(`scenario t {\n${'  offline cpu foo\n'.repeat(MAX_SYNTAX_ERRORS + 1)}}\n`, 1), new RegExp(`^IRQD001 irqd stops reading the file after ${MAX_SYNTAX_ERRORS} syntax errors \\(its limit, MAX_SYNTAX_ERRORS\\)`));
});

test('syntax errors: runs of stray tokens count toward MAX_SYNTAX_ERRORS, and the parse stops where the last one begins', () => {
  // One stray word between two steps is one run, one message.
  const item = (i: number): string => `scenario s${i} {\n  offline cpu 1\n  bogus\n  online cpu 1\n}\n`;
  const text = Array.from({ length: MAX_SYNTAX_ERRORS + 50 }, (_, i) => item(i)).join('');
  const a = analyze(text, 1);
  const stop = a.diagnostics.find((d) => /irqd stops reading the file/.test(d.message));
  assert.ok(stop, 'the stop is reported');
  // It is the MAX_SYNTAX_ERRORS-th scenario's stray word.
  assert.equal(stop.span.start, text.indexOf('bogus', text.indexOf(`scenario s${MAX_SYNTAX_ERRORS - 1} {`)));
  assert.equal(a.diagnostics.filter((d) => d.code === 'IRQD001' && /bogus/.test(d.message)).length, MAX_SYNTAX_ERRORS - 1);
  // Top-level `}` count too.
  has(analyze('}\n'.repeat(MAX_SYNTAX_ERRORS + 10), 1), /^IRQD001 irqd stops reading the file after/);
});

test('syntax errors: the lexer\'s errors count toward MAX_SYNTAX_ERRORS, and the parse stops at the item the last one is in', () => {
  // A no-break space (U+00A0) in every system: one unexpected character each.
  const item = (i: number): string => `system s${i} {\n  cpus\u00a0 2\n}\n`;
  const text = Array.from({ length: MAX_SYNTAX_ERRORS + 50 }, (_, i) => item(i)).join('');
  const a = analyze(text, 1);
  const stop = a.diagnostics.find((d) => /irqd stops reading the file/.test(d.message));
  assert.ok(stop, 'the stop is reported');
  // At the start of the system the MAX_SYNTAX_ERRORS-th character is in: that system and what follows are not read.
  assert.equal(stop.span.start, text.indexOf(`system s${MAX_SYNTAX_ERRORS - 1} {`));
  assert.equal(a.model.systems.size, MAX_SYNTAX_ERRORS - 1);
  assert.equal(a.diagnostics.filter((d) => d.code === 'IRQD002').length, MAX_SYNTAX_ERRORS - 1);
});

test('use depth: MAX_USE_DEPTH', () => {
  const dir = mkdtempSync(join(tmpdir(), 'irqd-limits-'));
  try {
    for (let i = 0; i <= MAX_USE_DEPTH + 1; i++) writeFileSync(join(dir, `f${i}.irqd`), i <= MAX_USE_DEPTH ? `use "f${i + 1}.irqd"\n` : 'system s { cpus 1 }\n');
    const file = join(dir, 'f0.irqd');
    const a = analyze(`use "f1.irqd"\n`, 1, { file, uses: new DiskUseResolver() });
    has(a, new RegExp(`^IRQD051 'f1.irqd' starts a chain of 'use' deeper than ${MAX_USE_DEPTH} files \\(MAX_USE_DEPTH\\)`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('events per step: MAX_EVENTS_PER_STEP, with the rest counted', () => {
  const total = (n: number): { kept: number; all: number; lines: string[] } => {
    const a = analyze(`${machine(64)}scenario t on s {\n  alloc d0 ${n}\n}\n`, 1);
    messages(a);
    const sc = a.model.scenarios[0];
    assert.ok(sc);
    const trace = a.traces.get(sc);
    const r = trace?.records[0];
    assert.ok(trace && r);
    return { kept: r.events.length, all: r.events.length + r.moreEvents, lines: traceLines(a, trace) };
  };
  const big = total(2048);
  const half = total(1024);
  assert.equal(big.kept, MAX_EVENTS_PER_STEP);
  // Every IRQ has the same events, so the counted rest grows with the IRQs exactly.
  const perIrq = (big.all - half.all) / 1024;
  assert.ok(Number.isInteger(perIrq) && perIrq >= 2, `${perIrq} events per IRQ`);
  assert.equal(big.all, half.all + 1024 * perIrq);
  // The text trace shows 12 and says how many more the step had, kept or not.
  assert.ok(big.lines.includes(`        … ${big.all - 12} more`), big.lines.join('\n'));
});
