// npm run bench: how long the analysis behind every keystroke takes.
// Each case runs until 1 s has passed (after a warm-up) and reports the
// median time per run. Figures are recorded in BENCHMARKS.md.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze } from '../../server/src/analysis/analysis.js';
import { completion } from '../../server/src/features/completion.js';
import { hover } from '../../server/src/features/hover.js';
import { semanticTokens } from '../../server/src/features/semantic-tokens.js';

const root = join(__dirname, '..', '..', '..');

function measure(name: string, run: () => void): void {
  for (let i = 0; i < 5; i++) run();
  const times: number[] = [];
  const until = performance.now() + 1000;
  while (performance.now() < until || times.length < 5) {
    const t = performance.now();
    run();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)] as number;
  console.log(`${name.padEnd(52)} ${median.toFixed(3).padStart(9)} ms  (${times.length} runs)`);
}

/** A large system: n devices with MSI-X, a guest per 16 devices, a long scenario. */
function generated(n: number): string {
  const lines = ['system big {', '  cpus 256', '  apic x2apic', '  domain VECTOR vector', '  domain IR0 intel-ir parent VECTOR { irtes 65536 }', '  domain MSI pci-msi parent IR0'];
  for (let i = 0; i < n; i++) {
    const bus = (i >> 5).toString(16).padStart(2, '0');
    const dev = (i & 31).toString(16).padStart(2, '0');
    lines.push(`  device d${i} pci ${bus}:${dev}.0 { msix 64 domain MSI  bar 0 size 16K  msix-table bar 0 offset 0x2000 }`);
  }
  lines.push('}', 'scenario load on big {');
  for (let i = 0; i < n; i++) lines.push(`  alloc d${i} 64`, `  request d${i}[0-7]`, `  affinity d${i}[1] ${i % 256}`);
  lines.push('}');
  return lines.join('\n');
}

const samples = readdirSync(join(root, 'samples')).filter((f) => f.endsWith('.irqd'));
console.log(`node ${process.version}, ${samples.length} samples\n`);
for (const f of samples) {
  const text = readFileSync(join(root, 'samples', f), 'utf8');
  measure(`analyze samples/${f} (${text.split('\n').length} lines)`, () => analyze(text, 1));
}
const big = generated(2000);
const lines = big.split('\n').length;
measure(`analyze generated (${lines} lines, 2000 devices)`, () => analyze(big, 1));
const a = analyze(big, 1);
measure('semantic tokens, generated file', () => semanticTokens(a));
measure('hover on a reference, generated file', () => hover(a, { line: lines - 3, character: 10 }));
measure('completion at the end, generated file', () => completion(a, { line: lines - 2, character: 2 }));
