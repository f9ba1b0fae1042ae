// Incremental analysis (server/src/analysis/reuse.ts): an analysis that takes
// the traces of untouched scenarios from the previous version must equal a
// fresh analysis of the same text, always. Thousands of seeded random edits
// of every sample and simulator fixture check that, and a few exact cases
// check that only what an edit touches is simulated again.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { analyze, type Analysis, type AnalysisOptions } from '../../server/src/analysis/analysis.js';
import { DiskUseResolver } from '../../server/src/analysis/files.js';
import { mulberry32 } from '../support/random.js';
import { shown } from '../support/shown.js';

const root = join(__dirname, '..', '..', '..');

const INSERTS = ['1', '0', '3', ' ', '\n', 'x', '-', ',', '[', ']', '{', '}', '// note\n', '/* c */', '"', '  expect cpu 0 available 1\n', '  offline cpu 1\n', '0x', 'managed ', 'irq '];

/** One random edit: most keep the file mostly valid (a digit, a comment, a line), some break it. */
function edit(text: string, rnd: () => number): string {
  const at = Math.floor(rnd() * (text.length + 1));
  const r = rnd();
  if (r < 0.3) {
    // Change a digit: the commonest real edit in a scenario.
    const digits = [...text.matchAll(/\d/g)];
    const m = digits[Math.floor(rnd() * digits.length)];
    if (m?.index !== undefined) return text.slice(0, m.index) + String(Math.floor(rnd() * 10)) + text.slice(m.index + 1);
  }
  if (r < 0.45) {
    // A comment line or a comment word in a line that has one.
    const nl = text.indexOf('\n', at);
    const p = nl < 0 ? text.length : nl;
    return text.slice(0, p) + ' // edited' + text.slice(p);
  }
  if (r < 0.6) {
    const n = 1 + Math.floor(rnd() * 3);
    return text.slice(0, at) + text.slice(at + n);
  }
  if (r < 0.7) {
    // Duplicate a line.
    const s = text.lastIndexOf('\n', at - 1) + 1;
    const e = text.indexOf('\n', at);
    const line = text.slice(s, e < 0 ? text.length : e + 1);
    return text.slice(0, s) + line + text.slice(s);
  }
  const ins = INSERTS[Math.floor(rnd() * INSERTS.length)] as string;
  return text.slice(0, at) + ins + text.slice(at);
}

function files(): string[] {
  const out = readdirSync(join(root, 'samples'))
    .filter((f) => f.endsWith('.irqd'))
    .map((f) => join(root, 'samples', f));
  for (const dir of ['test/sim', 'test/model', 'test/check']) {
    for (const f of readdirSync(join(root, dir))) if (f.endsWith('.irqd')) out.push(join(root, dir, f));
  }
  return out;
}

describe('incremental analysis equals a fresh analysis', () => {
  test('over seeded random edit sequences of every sample and fixture', () => {
    let compared = 0;
    let reused = 0;
    for (const [n, file] of files().entries()) {
      const uses = new DiskUseResolver();
      const options: AnalysisOptions = { file, uses };
      const rnd = mulberry32(1000 + n);
      const original = readFileSync(file, 'utf8');
      for (let seq = 0; seq < 4; seq++) {
        let text = original;
        let previous = analyze(text, 0, options);
        for (let i = 0; i < 25; i++) {
          // Now and then go back to the original: traces reused across an error state.
          text = rnd() < 0.1 ? original : edit(text, rnd);
          const incremental = analyze(text, i + 1, { ...options, previous });
          const fresh = analyze(text, i + 1, options);
          assert.deepEqual(shown(incremental), shown(fresh), `${file}, sequence ${seq}, edit ${i}`);
          compared++;
          reused += incremental.simulated.reused;
          previous = incremental;
        }
      }
    }
    // The edits mostly leave most scenarios alone, so most traces are taken, not simulated.
    assert.ok(compared >= 3000, `${compared} comparisons`);
    assert.ok(reused > compared, `only ${reused} traces reused in ${compared} analyses`);
  });
});

describe('only what an edit touches is simulated again', () => {
  const text = readFileSync(join(root, 'samples', 'hotunplug-exhaustion.irqd'), 'utf8');
  const first = analyze(text, 1);
  const scenarios = first.model.scenarios.filter((sc) => !first.traces.get(sc)?.skipped);

  test('the file has several simulated scenarios', () => {
    assert.ok(scenarios.length >= 2, `${scenarios.length} scenarios`);
  });

  test('a comment edit simulates nothing', () => {
    const sc = scenarios[0];
    assert.ok(sc);
    const at = sc.declSpan.start + text.slice(sc.declSpan.start).indexOf('\n') + 1;
    const edited = text.slice(0, at) + '  // a new comment\n' + text.slice(at);
    const a = analyze(edited, 2, { previous: first });
    assert.deepEqual(a.simulated, { run: 0, reused: scenarios.length });
  });

  test('an edit inside one scenario simulates that scenario alone', () => {
    const sc = scenarios[scenarios.length - 1];
    assert.ok(sc);
    const at = sc.declSpan.end - 1;
    const edited = text.slice(0, at) + '  expect cpu 0 available 1\n' + text.slice(at);
    const a = analyze(edited, 2, { previous: first });
    assert.deepEqual(a.simulated, { run: 1, reused: scenarios.length - 1 });
  });

  test('an edit in the system simulates the scenarios on it again', () => {
    const system = [...first.model.systems.values()][0];
    assert.ok(system);
    const at = system.declSpan.end - 1;
    const edited = text.slice(0, at) + '  // new line in the system\n  node 0 cpus 0\n' + text.slice(at);
    const a = analyze(edited, 2, { previous: first });
    const onIt = scenarios.filter((sc) => sc.system === system).length;
    assert.equal(a.simulated.run, onIt);
  });
});

describe('an edit in a device declaration simulates only the scenarios that reach the device', () => {
  const text = [
    'system s {',
    '  kernel 6.1',
    '  cpus 4',
    '  domain VECTOR vector',
    '  domain PCI-MSI pci-msi parent VECTOR',
    '  device pf pci 0000:01:00.0 { msix 8 domain PCI-MSI  sriov 2 }',
    '  device vf0 vf of pf index 0 { msix 4 domain PCI-MSI }',
    '  device nic pci 0000:02:00.0 { msix 8 domain PCI-MSI driver mlx5_core }',
    '  device disk pci 0000:03:00.0 { msix 4 domain PCI-MSI driver nvme }',
    '}',
    'scenario a on s {',
    '  alloc nic 4',
    '  request nic[*]',
    '  offline cpu 3',
    '}',
    'scenario b on s {',
    '  alloc disk 2',
    '  request disk[*]',
    '}',
    'scenario c after a {',
    '  alloc disk 4',
    '  request disk[*]',
    '  expect cpu 1 available 197',
    '}',
    'scenario d on s {',
    '  alloc vf0 2',
    '  request vf0[*]',
    '}',
    '',
  ].join('\n');
  const first = analyze(text, 1);

  test('the file is clean and every scenario is simulated', () => {
    assert.deepEqual(first.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message), []);
    assert.equal(first.simulated.run, 4);
  });

  function edited(from: string, to: string): { a: Analysis; text: string } {
    assert.ok(text.includes(from), from);
    const t = text.replace(from, to);
    return { a: analyze(t, 2, { previous: first }), text: t };
  }

  test("a driver change in disk's declaration simulates b and c, not a or d", () => {
    const { a, text: t } = edited('msix 4 domain PCI-MSI driver nvme', 'msix 4 domain PCI-MSI driver nvmex');
    assert.deepEqual(a.simulated, { run: 2, reused: 2 });
    assert.deepEqual(shown(a), shown(analyze(t, 2)));
  });

  test('an edit in a PF simulates the scenario of its VF (they name each other)', () => {
    const { a, text: t } = edited('msix 8 domain PCI-MSI  sriov 2', 'msix 16 domain PCI-MSI  sriov 2');
    assert.deepEqual(a.simulated, { run: 1, reused: 3 });
    assert.deepEqual(shown(a), shown(analyze(t, 2)));
  });

  test('a new device no step names simulates nothing', () => {
    const { a, text: t } = edited('}\nscenario a', '  device spare pci 0000:04:00.0 { msix 2 domain PCI-MSI }\n}\nscenario a');
    assert.deepEqual(a.simulated, { run: 0, reused: 4 });
    assert.deepEqual(shown(a), shown(analyze(t, 2)));
  });

  test('a line outside the device declarations simulates every scenario', () => {
    const { a } = edited('cpus 4', 'cpus 8');
    assert.equal(a.simulated.run, 4);
  });

  test('random edits inside device declarations equal a fresh analysis', () => {
    const rnd = mulberry32(77);
    const lines = text.split('\n');
    const deviceLines = lines.flatMap((l, i) => (l.startsWith('  device ') ? [i] : []));
    const variants = (line: string): string[] => [
      line.replace(/msix (\d+)/, (_, n: string) => `msix ${Number(n) + 1 + Math.floor(rnd() * 4)}`),
      line.replace(/ \}$/, ' driver virtio_net }'),
      line.replace(/ \}$/, ' node 0 }'),
      line.replace(/driver \w+/, 'driver x'),
      line.replace(/\{ /, '{ x '),
      `${line} // edited`,
    ];
    let previous = first;
    let reused = 0;
    for (let i = 0; i < 200; i++) {
      // One or two device lines changed from the original: versions move between edits, errors and back.
      const t = lines.slice();
      for (let k = rnd() < 0.3 ? 2 : 1; k > 0; k--) {
        const at = deviceLines[Math.floor(rnd() * deviceLines.length)] as number;
        const vs = variants(t[at] as string);
        t[at] = vs[Math.floor(rnd() * vs.length)] as string;
      }
      const edited = rnd() < 0.1 ? text : t.join('\n');
      const incremental = analyze(edited, i + 2, { previous });
      assert.deepEqual(shown(incremental), shown(analyze(edited, i + 2)), `edit ${i}: ${edited}`);
      reused += incremental.simulated.reused;
      previous = incremental;
    }
    assert.ok(reused > 150, `${reused} traces reused`);
  });
});
