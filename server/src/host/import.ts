// `irqd import SNAPSHOT [-o FILE.irqd]`: a machine snapshot written as a
// clean, readable .irqd — the system with its irqdomains, devices and
// kernel-owned interrupts, and a `state` block with every IRQ where the
// snapshot found it. Each line says in a comment where it came from; what
// the snapshot cannot tell is marked inferred (machine.ts decides both).
import { writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { leaveOutInconsistent } from './clean.js';
import { loadSnapshot } from './load.js';
import { cpuListText, interpretSnapshot, type Fact, type Machine, type MachineDevice, type MachineIrq } from './machine.js';

/** How many snapshot problems the file's header lists before it counts the rest. */
const MAX_LISTED_PROBLEMS = 20;

function hex(n: number): string {
  return '0x' + n.toString(16).toUpperCase();
}

function size(n: number): string {
  if (n >= 2 ** 30 && n % 2 ** 30 === 0) return `${n / 2 ** 30}G`;
  if (n >= 2 ** 20 && n % 2 ** 20 === 0) return `${n / 2 ** 20}M`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024}K`;
  return String(n);
}

function note<T>(f: Fact<T> | undefined): string {
  if (!f) return '';
  return f.inferred ? `inferred: ${f.from}` : f.from;
}

/** Lines of code with their comments aligned in one column per block. */
class Block {
  private readonly rows: { code: string; comment?: string }[] = [];

  constructor(private readonly indent: string) {}

  add(code: string, comment?: string): void {
    this.rows.push(comment ? { code, comment } : { code });
  }

  lines(): string[] {
    let width = 0;
    for (const r of this.rows) if (r.comment && r.code.length > width) width = r.code.length;
    width = Math.min(72, width);
    return this.rows.map((r) => (r.comment ? `${this.indent}${r.code.padEnd(width)}  // ${r.comment}` : `${this.indent}${r.code}`));
  }
}

function deviceLines(d: MachineDevice, out: string[]): void {
  const head = d.bus === 'pci' ? `device ${d.name} pci ${d.address ?? ''}` : `device ${d.name} platform`;
  const items = new Block('    ');
  if (d.driver) items.add(`driver ${d.driver.value}`, note(d.driver));
  if (d.msix) items.add(`msix ${d.msix.value.count} domain PCI-MSI`, note(d.msix));
  if (d.msi) items.add(`msi ${d.msi.value.count} domain ${d.msi.value.domain ?? 'PCI-MSI'}${d.bus === 'pci' ? ` maskable ${d.msi.value.maskable ? 'yes' : 'no'}` : ''}`, note(d.msi));
  if (d.intx) {
    const i = d.intx.value;
    items.add(`ioapic pin ${i.pin} domain ${i.domain}${i.irq !== undefined ? ` irq ${i.irq}` : ''} ${i.trigger}`, note(d.intx));
  }
  const bars = new Set(d.bars.map((b) => b.bar));
  for (const b of d.bars) items.add(`bar ${b.bar} size ${size(b.size)}`, `lspci: Region ${b.bar}`);
  const t = d.msix?.value.table;
  const p = d.msix?.value.pba;
  // A placement is only written where its BAR is (check/: it must fit in a declared BAR).
  if (t && bars.has(t.bar)) items.add(`msix-table bar ${t.bar} offset ${hex(t.offset)}`, 'lspci: Vector table');
  if (p && bars.has(p.bar)) items.add(`msix-pba bar ${p.bar} offset ${hex(p.offset)}`, 'lspci: PBA');
  if (d.node !== undefined) items.add(`node ${d.node}`, `${d.address ? `sys/bus/pci/devices/${d.address}/` : ''}numa_node`);
  const lines = items.lines();
  const about = d.description ? `  // ${d.bus === 'pci' ? 'lspci: ' : ''}${d.description}` : '';
  if (lines.length === 0) {
    out.push(`  ${head} { }${about}`);
    return;
  }
  if (d.bus === 'platform' && lines.length === 1) {
    // A one-item platform device reads best on one line: `device timer platform { ioapic pin 2 irq 0 edge }`.
    const [code, comment] = (lines[0] as string).trim().split(/\s+\/\/ /);
    out.push(`  ${head} { ${code?.trim() ?? ''} }${comment ? `  // ${d.description ? `${d.description}; ` : ''}${comment}` : about}`);
    return;
  }
  out.push(`  ${head} {${about}`);
  for (const line of lines) out.push(line);
  out.push('  }');
}

function stateLine(irq: MachineIrq, dev: MachineDevice | undefined): { code: string; comment: string } {
  const words = [`irq ${irq.virq}`, irq.cap === 'ioapic' ? irq.device : `${irq.device}[${irq.index}]`];
  const needsVia = irq.cap === 'ioapic' ? Boolean(dev?.msix || dev?.msi) : irq.cap === 'msi' ? Boolean(dev?.msix) : false;
  if (needsVia) words.push(`via ${irq.cap}`);
  if (irq.managed.value) words.push('managed');
  words.push(irq.status.value);
  if (irq.cpu && (irq.vector || irq.status.value === 'shutdown')) words.push(`cpu ${irq.cpu.value}`);
  if (irq.vector) words.push(`vector ${hex(irq.vector.value)}`);
  if (irq.affinity) words.push(`affinity ${cpuListText(irq.affinity.value)}`);
  if (irq.pending) words.push(`pending ${cpuListText(irq.pending)}`);
  if (irq.previous) words.push(`previous cpu ${irq.previous.cpu} vector ${hex(irq.previous.vector)}`);
  if (irq.irte) words.push(`irte ${irq.irte.value}`);
  if (irq.message) words.push(`message ${hex(irq.message.value.addressLo + irq.message.value.addressHi * 2 ** 32)} ${hex(irq.message.value.data)}`);
  if (irq.masked) words.push('masked');
  if (irq.noBalancing) words.push('no-balancing');
  const why = [irq.from, ...(irq.actions.length ? [`"${irq.actions.join(', ')}"`] : ['no handler'])];
  const facts: (Fact<unknown> | undefined)[] = [irq.managed, irq.status, irq.cpu, irq.vector];
  const guessed = facts.filter((f): f is Fact<unknown> => f?.inferred === true).map((f) => f.from);
  if (guessed.length) why.push(`inferred: ${[...new Set(guessed)].join('; ')}`);
  if (irq.message) why.push(irq.message.from);
  return { code: words.join(' '), comment: why.join('; ') };
}

/** The .irqd text of a machine; `file` is where it will be saved, for the header's `use` hint. */
export function machineText(m: Machine, file = `${m.name}.irqd`): string {
  const out: string[] = [];
  const ir = m.domains.find((d) => d.kind === 'intel-ir' || d.kind === 'amd-ir');
  const summary = `Linux ${m.kernel.value}, ${m.possible.value} CPU${m.possible.value === 1 ? '' : 's'}`;
  out.push(`// Machine imported by 'irqd import' from ${m.source}.`);
  out.push(`// ${summary} (${cpuListText(m.online.value)} online), ${ir ? `${ir.kind === 'amd-ir' ? 'AMD-Vi' : 'Intel VT-d'} interrupt remapping` : 'no interrupt remapping'}, ${m.apic.value === 'x2apic' ? 'x2APIC' : 'xAPIC'} ${m.destMode.value} destinations.`);
  out.push('// Each line says in a comment which snapshot file it comes from; "inferred"');
  out.push('// marks what the snapshot cannot tell, chosen the way the kernel would.');
  out.push('// Scenarios on this system start from the state block at the end: write');
  out.push(`// them here or in another file that says use "${file}".`);
  for (const n of m.notes) out.push(`// Note: ${n}`);
  const problems = m.problems.filter((p) => p.severity === 'error' || p.severity === 'warning');
  for (const p of problems.slice(0, MAX_LISTED_PROBLEMS)) out.push(`// Snapshot ${p.severity}: ${p.file}${p.line ? `:${p.line}` : ''}: ${p.message}`);
  if (problems.length > MAX_LISTED_PROBLEMS) out.push(`// … and ${problems.length - MAX_LISTED_PROBLEMS} more snapshot problems.`);
  out.push('');
  out.push(`system ${m.name} "${summary}, imported from ${m.source.replace(/["\\]/g, '')}" {`);
  const top = new Block('  ');
  top.add(`kernel ${m.kernel.value}`, note(m.kernel));
  top.add(`cpus ${m.possible.value}`, note(m.possible));
  top.add(`apic ${m.apic.value}`, note(m.apic));
  top.add(`dest-mode ${m.destMode.value}`, note(m.destMode));
  if (m.cmdline) top.add(`cmdline "${m.cmdline.value.replace(/[\\"]/g, (ch) => `\\${ch}`)}"`, note(m.cmdline));
  for (const n of m.nodes) top.add(`node ${n.id} cpus ${cpuListText(n.cpus)}`, n.from);
  for (const line of top.lines()) out.push(line);
  out.push('');
  out.push('  // The irqdomain hierarchy');
  const doms = new Block('  ');
  for (const d of m.domains) {
    const props = d.props.length ? ` { ${d.props.map((p) => `${p.key} ${p.text}`).join(' ')} }` : '';
    doms.add(`domain ${d.name} ${d.kind}${d.parent ? ` parent ${d.parent}` : ''}${props}`, d.from);
  }
  for (const line of doms.lines()) out.push(line);
  const platform = m.devices.filter((d) => d.bus === 'platform');
  if (platform.length) {
    out.push('', "  // The kernel's own interrupts: ISA and ACPI lines, the IOMMU's fault interrupt");
    for (const d of platform) deviceLines(d, out);
  }
  const pci = m.devices.filter((d) => d.bus === 'pci');
  if (pci.length) {
    out.push('', '  // PCI functions');
    for (const d of pci) deviceLines(d, out);
  }
  out.push('', '  // The machine as the snapshot found it: every IRQ where it stood');
  out.push('  state {');
  const st = new Block('    ');
  st.add(`online cpu ${cpuListText(m.online.value)}`, note(m.online));
  const byName = new Map(m.devices.map((d) => [d.name, d]));
  for (const irq of m.irqs) {
    const l = stateLine(irq, byName.get(irq.device));
    st.add(l.code, l.comment);
  }
  for (const line of st.lines()) out.push(line);
  out.push('  }', '}', '');
  out.push('// A what-if to start from:');
  out.push(`// scenario "what if" on ${m.name} {`);
  out.push(`//   offline cpu ${m.online.value.find((c) => c !== 0) ?? 1}`);
  out.push('// }', '');
  return out.join('\n');
}

export const IMPORT_USAGE = `usage: irqd import SNAPSHOT [-o FILE.irqd] [--name NAME]

Writes the machine of a snapshot (a directory laid out like a host's root,
as 'irqd snapshot' writes it, or its .tar.gz) as an .irqd file: the system,
its irqdomains, devices and kernel-owned interrupts, and a state block with
every IRQ where the snapshot found it.
  -o FILE.irqd   write there (default: standard output)
  --name NAME    the system's name (default: the snapshot's directory name)`;

/** `irqd import …` (argv: the words after `import`). */
export function importMain(argv: readonly string[], out: (s: string) => void, err: (s: string) => void): number {
  let snapshot: string | undefined;
  let output: string | undefined;
  let name: string | undefined;
  const args = [...argv];
  while (args.length > 0) {
    const a = args.shift() as string;
    if (a === '--help' || a === '-h') {
      out(IMPORT_USAGE);
      return 0;
    }
    if (a === '-o' || a === '--output') output = args.shift();
    else if (a === '--name') name = args.shift();
    else if (a.startsWith('-') && a !== '-') {
      err(`irqd import: unknown option '${a}'`);
      err(IMPORT_USAGE);
      return 2;
    } else if (snapshot === undefined) snapshot = a;
    else {
      err(`irqd import: one snapshot at a time ('${a}' is a second one)`);
      return 2;
    }
    if ((a === '-o' || a === '--output') && !output) {
      err('irqd import: -o needs a file name');
      return 2;
    }
    if (a === '--name' && !name) {
      err('irqd import: --name needs a name');
      return 2;
    }
  }
  if (!snapshot) {
    err('irqd import: no snapshot given');
    err(IMPORT_USAGE);
    return 2;
  }
  const r = importSnapshot(snapshot, name, output ? basename(output) : undefined);
  if ('problem' in r) {
    err(`irqd import: ${r.problem}`);
    return 2;
  }
  if (output) {
    try {
      writeFileSync(output, r.text);
    } catch (e) {
      err(`irqd import: cannot write '${output}': ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
      return 2;
    }
    out(`import: ${r.machine.irqs.length} IRQs of ${r.machine.devices.length} devices written to ${output}`);
  } else {
    out(r.text.replace(/\n$/, ''));
  }
  return 0;
}

/** Loads, interprets and writes one snapshot: the text, or a one-line problem. */
export function importSnapshot(path: string, name?: string, file?: string): { text: string; machine: Machine } | { problem: string } {
  const snap = loadSnapshot(path);
  if ('problem' in snap) return snap;
  const fatal = snap.problems.find((p) => p.severity === 'error' && (p.file === 'proc/interrupts' || p.file.startsWith('sys/kernel/debug/irq/domains/VECTOR')));
  if (fatal) return { problem: `${fatal.file}${fatal.line ? `:${fatal.line}` : ''}: ${fatal.message}` };
  const machine = interpretSnapshot(snap, name ? { name } : {});
  if ('problem' in machine) return machine;
  const clean = leaveOutInconsistent(machineText(machine, file));
  if ('problem' in clean) return clean;
  return { text: clean.text, machine };
}
