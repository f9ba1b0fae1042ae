// Predicts a traced boot from its first full dump: imports dump 01 with
// `irqd import`, writes the steps experiment.md lists between the dumps as
// one scenario that starts from it, and compares each later dump with the
// simulated state at that point (`irqd compare --scenario --step`).
//
//   node scripts/lab-predict.mjs BOOT_DIR [--format json] [--keep DIR]
//
// Any folder of that layout works (NN-name dump directories and an
// experiment.md whose steps are `echo … > /proc/irq/N/smp_affinity_list`
// and `echo 0|1 > /sys/devices/system/cpu/cpuK/online` with the kernel's
// answer after '→'). Between two dumps, the IRQs whose /proc/interrupts
// counts grew are fired after the steps: a deferred move without remapping
// completes on the next interrupt, and a move in progress is cleaned up by
// the first interrupt on the new CPU. The last line is
// `prediction: N/M facts agree`. Needs `npm run build` first (dist/cli.js).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';

const USAGE = 'usage: node scripts/lab-predict.mjs BOOT_DIR [--format json] [--keep DIR]';
const cli = resolve(new URL('..', import.meta.url).pathname, 'dist', 'cli.js');

function fail(message) {
  process.stderr.write(`lab-predict: ${message}\n`);
  process.exit(2);
}

const args = process.argv.slice(2);
let boot;
let format = 'text';
let keep;
while (args.length > 0) {
  const a = args.shift();
  if (a === '--format') format = args.shift();
  else if (a === '--keep') keep = args.shift();
  else if (a === '--help' || a === '-h') {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  } else if (a.startsWith('-')) fail(`unknown option '${a}'\n${USAGE}`);
  else if (boot === undefined) boot = a;
  else fail(`one boot folder at a time\n${USAGE}`);
}
if (!boot) fail(`no boot folder given\n${USAGE}`);
if (format !== 'text' && format !== 'json') fail(`--format takes text or json, not '${format}'`);
if (!existsSync(cli)) fail(`${cli} is missing: run npm run build first`);
if (!existsSync(boot) || !statSync(boot).isDirectory()) fail(`'${boot}' is not a directory`);
const experiment = join(boot, 'experiment.md');
if (!existsSync(experiment)) fail(`'${boot}' has no experiment.md`);

const dumps = readdirSync(boot)
  .filter((n) => /^\d\d-/.test(n) && statSync(join(boot, n)).isDirectory())
  .sort();
const baseIndex = dumps.findIndex((n) => n.startsWith('01-'));
if (baseIndex < 0) fail(`'${boot}' has no 01-… dump to start from`);
const base = dumps[baseIndex];

function irqd(argv) {
  const r = spawnSync(process.execPath, [cli, ...argv], { encoding: 'utf8', maxBuffer: 256 * 2 ** 20 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

/** /proc/interrupts counts by IRQ and CPU. */
function counts(dump) {
  const out = new Map();
  const file = join(boot, dump, 'proc', 'interrupts');
  if (!existsSync(file)) return out;
  const lines = readFileSync(file, 'utf8').split('\n');
  const cpus = (lines[0] ?? '').trim().split(/\s+/).map((c) => Number(c.replace('CPU', '')));
  for (const line of lines.slice(1)) {
    const m = /^\s*(\d+):\s+(.*)$/.exec(line);
    if (!m) continue;
    const fields = m[2].trim().split(/\s+/);
    const per = new Map();
    cpus.forEach((cpu, i) => per.set(cpu, Number(fields[i] ?? 0)));
    out.set(Number(m[1]), per);
  }
  return out;
}

/** The steps of experiment.md between `from` and `to`, as irqd steps (with the kernel's answers). */
function stepsBetween(text, from, to) {
  const head = new RegExp(`^### ${from.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} → ${to.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`, 'm');
  const at = text.search(head);
  if (at < 0) return { steps: [], missing: true };
  const rest = text.slice(at).split('\n').slice(1);
  const end = rest.findIndex((l) => l.startsWith('### '));
  const body = end < 0 ? rest : rest.slice(0, end);
  const steps = [];
  for (const line of body) {
    const m = /`echo ([^>`]+?)\s*>\s*([^`]+)`\s*(?:\([^)]*\))?\s*→\s*(\S+)/.exec(line);
    if (!m) continue;
    const [, value, path, answer] = m;
    const kernel = answer.replace(/[;,]$/, '');
    const irq = /^\/proc\/irq\/(\d+)\/smp_affinity_list$/.exec(path.trim());
    const cpu = /^\/sys\/devices\/system\/cpu\/cpu(\d+)\/online$/.exec(path.trim());
    let step;
    if (irq) step = `affinity irq ${irq[1]} ${value.trim()}`;
    else if (cpu) step = `${value.trim() === '0' ? 'offline' : 'online'} cpu ${cpu[1]}`;
    else continue;
    // The kernel's answer: ok, an errno, or a refusal (cpu0 has no online file).
    const errno = /^E[A-Z]+$/.test(kernel) ? kernel : undefined;
    const refused = kernel === 'refused:' || kernel === 'refused';
    const line2 = errno ? `expect fail -${errno} ${step}` : refused ? `expect fail ${step}` : step;
    steps.push({ line: line2, kernel: errno ?? (refused ? 'refused' : 'ok'), source: line.trim() });
  }
  return { steps, missing: false };
}

const text = readFileSync(experiment, 'utf8');
const work = keep ? resolve(keep) : mkdtempSync(join(tmpdir(), 'irqd-lab-predict-'));
if (keep) mkdirSync(work, { recursive: true });
const file = join(work, `${basename(boot)}.irqd`);
const imp = irqd(['import', join(boot, base), '-o', file, '--name', 'lab']);
if (imp.code !== 0) fail(`irqd import ${join(boot, base)} failed: ${imp.err.trim()}`);

// One scenario from dump 01: each interval's steps, then its interrupts.
const scenario = [`scenario predict on lab {`];
const checkpoints = [];
let step = 0;
// The last count each CPU column showed, by IRQ, over the dumps so far.
const seen = new Map();
for (let j = 0; j <= baseIndex; j++) for (const [irq, per] of counts(dumps[j])) seen.set(irq, new Map([...(seen.get(irq) ?? []), ...per]));
for (let i = baseIndex; i + 1 < dumps.length; i++) {
  const from = dumps[i];
  const to = dumps[i + 1];
  const { steps, missing } = stepsBetween(text, from, to);
  scenario.push(`  // ${from} → ${to}${missing ? ' (no steps in experiment.md)' : ''}`);
  for (const s of steps) {
    scenario.push(`  ${s.line}`);
    step++;
  }
  const after = counts(to);
  for (const [irq, per] of after) {
    // An offline CPU has no column but keeps its count: compare with the last dump that showed it.
    const was = seen.get(irq) ?? new Map();
    const cpus = [...per].filter(([cpu, n]) => n > (was.get(cpu) ?? 0)).map(([cpu]) => cpu);
    seen.set(irq, new Map([...was, ...per]));
    if (cpus.length === 0) continue;
    // The first interrupt completes a deferred move; a second one, on another CPU, the move's cleanup.
    const fires = Math.min(2, cpus.length);
    scenario.push(`  fire irq ${irq}${' '.repeat(Math.max(1, 4 - String(irq).length))}// proc/interrupts: more on CPU ${cpus.join(',')}`);
    step++;
    if (fires > 1) {
      scenario.push(`  fire irq ${irq}`);
      step++;
    }
  }
  checkpoints.push({ dump: to, step, steps });
}
scenario.push('}', '');
writeFileSync(file, readFileSync(file, 'utf8') + '\n' + scenario.join('\n'));

const check = irqd(['check', file]);
if (check.code === 2) fail(`irqd check ${file}: ${check.err.trim()}`);

const kinds = {};
const results = [];
let agree = 0;
let total = 0;
for (const cp of checkpoints) {
  const r = irqd(['compare', join(boot, cp.dump), file, '--scenario', 'predict', '--step', String(cp.step), '--since', join(boot, dumps[dumps.indexOf(cp.dump) - 1]), '--format', 'json']);
  if (r.code === 2) fail(`irqd compare ${cp.dump}: ${r.err.trim()}`);
  const j = JSON.parse(r.out);
  for (const [k, v] of Object.entries(j.kinds)) {
    kinds[k] ??= { agree: 0, total: 0 };
    kinds[k].agree += v.agree;
    kinds[k].total += v.total;
  }
  agree += j.agree;
  total += j.total;
  results.push({ dump: cp.dump, step: cp.step, agree: j.agree, total: j.total, kinds: j.kinds, disagreements: j.facts.filter((f) => !f.agree), unchecked: j.unchecked, inconsistent: j.inconsistent });
}
const trace = irqd(['run', '--scenario', 'predict', '--format', 'json', file]);
const records = trace.code !== 2 ? (JSON.parse(trace.out).scenarios[0]?.steps ?? []) : [];
const failedSteps = records.filter((r) => r.outcome === 'failed').map((r) => `step ${r.ordinal} (line ${r.line}): ${r.text}: ${r.summary}`);

if (format === 'json') {
  process.stdout.write(JSON.stringify({ boot: basename(boot), base, file: keep ? file : undefined, kinds, dumps: results, failedSteps, agree, total }, null, 2) + '\n');
} else {
  process.stdout.write(`${basename(boot)}: predicted from ${base} (${file}${keep ? '' : ', removed afterwards'})\n`);
  for (const r of results) {
    process.stdout.write(`  ${r.dump.padEnd(28)} step ${String(r.step).padStart(3)}: ${r.agree}/${r.total} agree\n`);
    for (const f of r.disagreements.slice(0, 20)) process.stdout.write(`      ${f.subject} ${f.kind}: ${f.snapshot} · ${f.simulated}  [${f.from}]\n`);
    if (r.disagreements.length > 20) process.stdout.write(`      … and ${r.disagreements.length - 20} more\n`);
    for (const i of r.inconsistent) process.stdout.write(`      not comparable: ${i.subject}: ${i.why}\n`);
  }
  for (const f of failedSteps) process.stdout.write(`  a step the simulation refused: ${f}\n`);
  process.stdout.write('  per fact kind:\n');
  for (const [k, v] of Object.entries(kinds)) process.stdout.write(`    ${k.padEnd(14)} ${String(v.agree).padStart(5)}/${v.total}\n`);
}
if (!keep) rmSync(work, { recursive: true, force: true });
process.stdout.write(`prediction: ${agree}/${total} facts agree\n`);
