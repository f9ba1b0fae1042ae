// The kernel command line (`cmdline "…"`): the options irqd models, read the
// way the kernel reads them, and a diagnostic for every option it does not.
//
// The kernel splits the line into parameters at spaces (next_arg() in
// lib/cmdline.c, with double quotes grouping), stops at `--` (the rest is
// init's), and hands each `name=value` to its __setup() handler. Of those,
// two change where device interrupts go:
//
// - irqaffinity=LIST (irq_affinity_setup(), kernel/irq/irqdesc.c) sets
//   irq_default_affinity, the mask a non-managed IRQ starts with and that
//   irq_setup_affinity() narrows at request_irq(). The boot CPU is always
//   added.
// - isolcpus=[FLAGS,]LIST (housekeeping_isolcpus_setup(),
//   kernel/sched/isolation.c) with the managed_irq flag makes the other CPUs
//   the HK_TYPE_MANAGED_IRQ housekeeping mask, which irq_do_set_affinity()
//   prefers for managed IRQs.
//
// And two decide which CPUs there are: nr_cpus=N (nrcpus(), kernel/smp.c)
// lowers nr_cpu_ids, so only CPUs 0 to N-1 are possible; maxcpus=N
// (setup_max_cpus) brings up only the first N at boot, the others stay
// offline until brought up: a kdump kernel's single CPU.
import type * as A from '../../../grammar/index.js';
import { diagnostic, type IrqdDiagnostic } from './diagnostic.js';
import { cpuListText as listText } from './values.js';

/** One parameter of the line, where it is and what irqd does with it. */
export interface CmdlineOption {
  readonly name: string;
  readonly value?: string;
  readonly span: A.Span;
  /** What the option does in the simulation, for hover. */
  readonly effect: string;
}

export interface KernelCmdline {
  readonly options: readonly CmdlineOption[];
  /** irq_default_affinity when irqaffinity= set it; undefined means every CPU. */
  readonly defaultAffinity?: readonly number[];
  /** housekeeping_cpumask(HK_TYPE_MANAGED_IRQ) when isolcpus=managed_irq isolated CPUs. */
  readonly managedIrqHousekeeping?: readonly number[];
  /** maxcpus=: how many CPUs bringup_nonboot_cpus() brings up at boot (the rest are possible, and offline). */
  readonly bootCpus?: number;
  /** noirqdebug: note_interrupt() is off, no IRQ is disabled as "nobody cared". */
  readonly noIrqDebug?: boolean;
  /** intremap=off: no interrupt remapping (disable_irq_remap). */
  readonly intremapOff?: boolean;
  /** intremap=nosid: IRTEs without source-ID verification (disable_sourceid_checking: SVT_NO_VERIFY). */
  readonly noSourceId?: boolean;
  /** nox2apic: the kernel does not switch to x2APIC mode itself. */
  readonly noX2apic?: boolean;
  /** x2apic_phys: the x2APIC driver in physical mode (x2apic_phys_probe()). */
  readonly x2apicPhys?: boolean;
}

/** COMMAND_LINE_SIZE (asm/setup.h of each architecture): the kernel keeps one character less. */
export function commandLineSize(arch: string): number {
  return arch === 'riscv64' ? 1024 : 2048;
}

/**
 * Options that only touch consoles, logging, tracing, boot and security: they
 * have no bearing on interrupt delivery, so irqd accepts them silently.
 */
const unrelated = new Set([
  'BOOT_IMAGE', 'console', 'earlycon', 'earlyprintk', 'panic', 'panic_on_oops', 'oops', 'loglevel', 'quiet', 'debug',
  'ignore_loglevel', 'log_buf_len', 'printk.time', 'printk.devkmsg', 'root', 'rootfstype', 'rootflags', 'rootwait', 'ro', 'rw',
  'init', 'initrd', 'resume', 'splash', 'nomodeset', 'selinux', 'apparmor', 'security', 'lsm', 'audit', 'enforcing',
  'trace_event', 'trace_buf_size', 'trace_clock', 'trace_options', 'tp_printk', 'ftrace', 'ftrace_dump_on_oops',
  'crashkernel', 'mitigations', 'nokaslr', 'kaslr', 'net.ifnames', 'biosdevname', 'transparent_hugepage', 'hugepages',
  'hugepagesz', 'default_hugepagesz', 'elevator', 'random.trust_cpu', 'hung_task_panic', 'softlockup_panic', 'nowatchdog',
  'nmi_watchdog', 'LANG', 'fsck.mode', 'fsck.repair', 'module_blacklist', 'modprobe.blacklist', 'mem', 'memmap', 'efi',
  'noefi', 'reboot', 'tsc', 'clocksource', 'no_timer_check', 'rcupdate.rcu_expedited', 'rd.break', 'rd.shell',
]);

/** Options that do change interrupt delivery, and why irqd leaves them out. */
const notModelled: Readonly<Record<string, string>> = {
  noapic: 'irqd does not simulate the 8259 PIC that noapic falls back to',
  nolapic: 'irqd does not simulate a machine without a local APIC',
  apic: "irqd does not model apic= (the APIC driver's debug level)",
  pci: 'irqd does not model pci= (pci=nomsi, pci=noacpi, ...): declare the capabilities the kernel would use',
  nosmp: "irqd does not model nosmp (it also turns off the IO-APIC): 'maxcpus=1' brings up the boot CPU alone",
  possible_cpus: "irqd takes the CPUs from 'cpus', not from possible_cpus=",
  numa: "irqd takes NUMA nodes from the 'node' items, not from numa=",
  threadirqs: 'irqd does not model threaded handlers (threadirqs)',
  irqpoll: 'irqd does not model irqpoll',
  irqfixup: 'irqd does not model irqfixup',
  nohz_full: 'nohz_full= moves no device interrupt in the kernels irqd models; only isolcpus=managed_irq does',
  rcu_nocbs: 'rcu_nocbs= does not affect device interrupts',
  irqchip: 'irqd does not model irqchip= options',
  acpi: 'irqd does not model acpi= options',
  reset_devices: 'reset_devices makes drivers reset their devices (a kdump kernel); irqd starts every device fresh anyway',
};

/** One parameter as next_arg() cuts it: name, value and where it is in the line. */
interface RawParam {
  readonly name: string;
  readonly value?: string;
  readonly start: number;
  readonly end: number;
}

// next_arg() (lib/cmdline.c): a parameter runs to the next space outside double quotes; one pair of quotes
// around the value (or the whole parameter) is dropped.
function nextArgs(line: string): RawParam[] {
  const out: RawParam[] = [];
  let i = 0;
  while (i < line.length) {
    while (i < line.length && isSpace(line.charCodeAt(i))) i++;
    if (i >= line.length) break;
    const start = i;
    let quoted = false;
    while (i < line.length && (quoted || !isSpace(line.charCodeAt(i)))) {
      if (line[i] === '"') quoted = !quoted;
      i++;
    }
    const text = line.slice(start, i).replace(/"/g, '');
    // parse_args(): "--" ends the kernel's parameters; the rest goes to init.
    if (text === '--') break;
    const eq = text.indexOf('=');
    out.push(eq < 0 ? { name: text, start, end: i } : { name: text.slice(0, eq), value: text.slice(eq + 1), start, end: i });
  }
  return out;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

/** What bitmap_parselist() made of a CPU list before it stopped, and why it stopped. */
export interface ParsedCpuList {
  readonly cpus: number[];
  readonly error?: string;
}

/**
 * bitmap_parselist() (lib/bitmap.c) as cpulist_parse() calls it with
 * nr_cpumask_bits bits, nr_cpu_ids on a kernel with CPUMASK_OFFSTACK (every
 * distribution's x86_64 kernel): comma-separated regions `A`, `A-B` or
 * `A-B:USED/GROUP`, `N` for the last CPU. Regions are set one by one; the
 * first bad one stops the parse and keeps what was set before it.
 */
export function bitmapParselist(text: string, nbits: number): ParsedCpuList {
  const set = new Uint8Array(nbits);
  let error: string | undefined;
  if (text.length > 0) {
    for (const region of text.split(',')) {
      error = setRegion(region, nbits, set);
      if (error) break;
    }
  }
  const cpus: number[] = [];
  for (let c = 0; c < nbits; c++) if (set[c]) cpus.push(c);
  return error ? { cpus, error } : { cpus };
}

function setRegion(region: string, nbits: number, set: Uint8Array): string | undefined {
  const m = /^(\d+|N)(?:-(\d+|N)(?::(\d+)\/(\d+))?)?$/.exec(region);
  if (!m) return `'${region}' is not a CPU region (-EINVAL)`;
  const first = bound(m[1] as string, nbits);
  const last = m[2] === undefined ? first : bound(m[2], nbits);
  const used = m[3] === undefined ? 1 : Number(m[3]);
  const group = m[4] === undefined ? 1 : Number(m[4]);
  if (first > last || used === 0 || group === 0 || used > group) return `'${region}' is not a valid region (-EINVAL)`;
  if (last >= nbits) return `'${region}' names CPU ${last}, but the system has ${nbits} (-ERANGE)`;
  for (let c = first; c <= last; c++) if ((c - first) % group < used) set[c] = 1;
  return undefined;
}

function bound(text: string, nbits: number): number {
  return text === 'N' ? nbits - 1 : Number(text);
}

/** A part of the string's text as a span of the document: exact unless the string has escapes. */
function spanIn(value: A.Ident, start: number, end: number): A.Span {
  // The value's span includes the quotes; when escapes made the text shorter, offsets no longer map one to one.
  if (value.span.end - value.span.start - 2 !== value.text.length) return value.span;
  return { start: value.span.start + 1 + start, end: value.span.start + 1 + end };
}

// nrcpus() (kernel/smp.c): get_option() reads a leading integer; a value that does not lower nr_cpu_ids is ignored.
function nrCpusValue(p: RawParam, cpus: number): number | undefined {
  const m = /^[-+]?\d+/.exec(p.value ?? '');
  const n = m ? Number(m[0]) : NaN;
  return n > 0 && n < cpus ? n : undefined;
}

/**
 * nr_cpu_ids after `nr_cpus=` (the last one wins, as each call of the early
 * parameter sets it): the binder makes this the system's CPU count before it
 * reads the rest of the line.
 */
export function nrCpusOf(value: A.Ident, cpus: number, arch: string): number {
  let n = cpus;
  for (const p of nextArgs(value.text.slice(0, commandLineSize(arch) - 1))) if (p.name === 'nr_cpus') n = nrCpusValue(p, n) ?? n;
  return n;
}

/**
 * The command line of a system or guest with `cpus` CPUs: the options irqd
 * models, and a diagnostic for each one it does not or that the kernel would
 * reject or clip.
 */
export function readCmdline(value: A.Ident, cpus: number, arch: string, out: IrqdDiagnostic[]): KernelCmdline {
  let line = value.text;
  const size = commandLineSize(arch);
  if (line.length > size - 1) {
    out.push(diagnostic('IRQD019', value.span, `the command line has ${line.length} characters; the kernel keeps the first ${size - 1} (COMMAND_LINE_SIZE ${size})`));
    line = line.slice(0, size - 1);
  }
  const options: CmdlineOption[] = [];
  let defaultAffinity: readonly number[] | undefined;
  let housekeeping: readonly number[] | undefined;
  let isolcpusSeen = false;
  let bootCpus: number | undefined;
  let noIrqDebug = false;
  let intremapOff = false;
  let noSourceId = false;
  let noX2apic = false;
  let x2apicPhys = false;
  for (const p of nextArgs(line)) {
    const span = spanIn(value, p.start, p.end);
    const warn = (msg: string): void => void out.push(diagnostic('IRQD019', span, msg));
    if (p.name === 'nr_cpus') {
      // Applied by the binder through nrCpusOf(): `cpus` is already nr_cpu_ids.
      const applied = /^\d+$/.test(p.value ?? '') && Number(p.value) === cpus;
      if (!applied) warn(`nr_cpus=${p.value ?? ''}: nrcpus() only lowers nr_cpu_ids with a count from 1 to the CPUs there are; ignored`);
      options.push({ ...p, span, effect: applied ? `nr_cpu_ids = ${cpus}: CPUs 0-${cpus - 1} are possible, the others never come up` : 'ignored' });
    } else if (p.name === 'maxcpus') {
      const m = /^[-+]?\d+/.exec(p.value ?? '');
      if (!m) {
        warn(`maxcpus=${p.value ?? ''}: not a number; get_option() leaves setup_max_cpus as it was`);
        options.push({ ...p, span, effect: 'ignored' });
        continue;
      }
      // setup_max_cpus is unsigned: a negative count is every CPU.
      const n = Number(m[0]) < 0 ? cpus : Number(m[0]);
      // maxcpus=0 is arch_disable_smp_support(): the boot CPU alone (and on x86 no IO-APIC, which irqd keeps).
      if (n === 0) warn('maxcpus=0 disables SMP: the boot CPU alone, and on x86 arch_disable_smp_support() also turns off the IO-APIC, which irqd keeps');
      bootCpus = Math.max(1, Math.min(cpus, n));
      options.push({ ...p, span, effect: bootCpus >= cpus ? 'every CPU is brought up' : `CPUs 0-${bootCpus - 1} are brought up at boot; ${bootCpus}-${cpus - 1} stay offline (possible, for 'online cpu')` });
    } else if (p.name === 'intremap') {
      // setup_irqremap() (drivers/iommu/irq_remapping.c): a comma list, each word by its prefix.
      for (const word of (p.value ?? '').split(',').filter((w) => w !== '')) {
        if (word.startsWith('on')) intremapOff = false;
        else if (word.startsWith('off')) intremapOff = true;
        else if (word.startsWith('nosid')) noSourceId = true;
        else if (word.startsWith('no_x2apic_optout') || word.startsWith('nopost') || word.startsWith('posted_msi')) {
          out.push(diagnostic('IRQD040', span, `intremap=${word} is not simulated: irqd models intremap=on, off and nosid`));
        }
      }
      options.push({ ...p, span, effect: intremapOff ? 'no interrupt remapping (disable_irq_remap)' : noSourceId ? 'IRTEs without source-ID verification (SVT_NO_VERIFY)' : 'interrupt remapping as the IOMMU offers it' });
    } else if (p.name === 'intel_iommu' || p.name === 'amd_iommu' || p.name === 'iommu') {
      // DMA remapping only: interrupt remapping is intremap=, and irq_remapping_prepare() does not read these.
      options.push({ ...p, span, effect: 'DMA remapping only: interrupt remapping stays as intremap= says' });
    } else if (p.name === 'nox2apic') {
      noX2apic = true;
      options.push({ ...p, span, effect: 'the kernel does not enable x2APIC mode itself (check_x2apic(), try_to_enable_x2apic())' });
    } else if (p.name === 'x2apic_phys') {
      x2apicPhys = true;
      options.push({ ...p, span, effect: 'x2APIC physical destination mode (x2apic_phys_probe())' });
    } else if (p.name === 'noirqdebug') {
      noIrqDebug = true;
      options.push({ ...p, span, effect: 'note_interrupt() is off: an IRQ nobody handles is never disabled' });
    } else if (p.name === 'irqaffinity') {
      defaultAffinity = irqAffinitySetup(p.value ?? '', cpus, warn);
      options.push({ ...p, span, effect: `irq_default_affinity = ${listText(defaultAffinity)}` });
    } else if (p.name === 'isolcpus') {
      if (isolcpusSeen) {
        warn('a second isolcpus=: the kernel accepts it only if its CPUs match the first (housekeeping_setup()); irqd keeps the first');
        options.push({ ...p, span, effect: 'ignored (a second isolcpus=)' });
        continue;
      }
      isolcpusSeen = true;
      const r = isolcpusSetup(p.value ?? '', cpus, warn);
      housekeeping = r.managedIrq;
      options.push({ ...p, span, effect: r.effect });
    } else if (Object.hasOwn(notModelled, p.name)) {
      out.push(diagnostic('IRQD040', span, `'${p.name}' is not simulated: ${notModelled[p.name] as string}`));
      options.push({ ...p, span, effect: 'not simulated' });
    } else if (unrelated.has(p.name) || p.name.startsWith('systemd.') || p.name.startsWith('rd.')) {
      options.push({ ...p, span, effect: 'no bearing on interrupt delivery' });
    } else {
      const what = p.name.includes('.') ? `module parameter '${p.name}'` : `'${p.name}'`;
      out.push(diagnostic('IRQD040', span, `${what} is not simulated: irqd models irqaffinity=, isolcpus=, nr_cpus=, maxcpus=, noirqdebug, intremap=, nox2apic and x2apic_phys and ignores the rest`));
      options.push({ ...p, span, effect: 'not simulated' });
    }
  }
  return {
    options,
    ...(defaultAffinity ? { defaultAffinity } : {}),
    ...(housekeeping ? { managedIrqHousekeeping: housekeeping } : {}),
    ...(bootCpus !== undefined && bootCpus < cpus ? { bootCpus } : {}),
    ...(noIrqDebug ? { noIrqDebug } : {}),
    ...(intremapOff ? { intremapOff } : {}),
    ...(noSourceId && !intremapOff ? { noSourceId } : {}),
    ...(noX2apic ? { noX2apic } : {}),
    ...(x2apicPhys ? { x2apicPhys } : {}),
  };
}

// irq_affinity_setup(): cpulist_parse() into irq_default_affinity, its return ignored, then the boot CPU set.
function irqAffinitySetup(text: string, cpus: number, warn: (msg: string) => void): readonly number[] {
  const r = bitmapParselist(text, cpus);
  const mask = r.cpus.includes(0) ? r.cpus : [0, ...r.cpus];
  if (r.error) warn(`irqaffinity=: ${r.error}; the kernel keeps what it parsed before it and the boot CPU: ${listText(mask)}`);
  else if (!r.cpus.includes(0)) warn(`irqaffinity=${text} leaves out CPU 0; irq_affinity_setup() always adds the boot CPU: ${listText(mask)}`);
  return mask;
}

// housekeeping_isolcpus_setup() and housekeeping_setup() (kernel/sched/isolation.c, 6.1).
function isolcpusSetup(text: string, cpus: number, warn: (msg: string) => void): { managedIrq?: readonly number[]; effect: string } {
  const flags = new Set<string>();
  let rest = text;
  // Flags are words followed by a comma; an unknown word is skipped, one with other characters voids the option.
  while (/^[A-Za-z]/.test(rest)) {
    const comma = rest.indexOf(',');
    const word = comma < 0 ? rest : rest.slice(0, comma);
    if (!/^[A-Za-z_]+$/.test(word)) {
      warn(`isolcpus: invalid flag '${word}'; the kernel ignores the whole option`);
      return { effect: 'ignored (invalid flag)' };
    }
    if (word === 'nohz' || word === 'domain' || word === 'managed_irq') flags.add(word);
    else warn(`isolcpus: the kernel skips the unknown flag '${word}'`);
    rest = comma < 0 ? '' : rest.slice(comma + 1);
  }
  if (flags.size === 0) flags.add('domain');
  const r = bitmapParselist(rest, cpus);
  if (r.error) {
    warn(`isolcpus=: ${r.error}; the kernel ignores the option ("incorrect CPU range")`);
    return { effect: 'ignored (incorrect CPU range)' };
  }
  const isolated = new Set(r.cpus);
  let housekeeping: number[] = [];
  for (let c = 0; c < cpus; c++) if (!isolated.has(c)) housekeeping.push(c);
  if (housekeeping.length === 0) {
    // "Housekeeping: must include one present CPU, using boot CPU:0".
    warn('isolcpus= isolates every CPU; the kernel keeps the boot CPU for housekeeping');
    isolated.delete(0);
    housekeeping = [0];
  }
  if (isolated.size === 0) return { effect: 'no CPU isolated' };
  const isolatedList = [...isolated].sort((a, b) => a - b);
  const kinds = [...flags].join(', ');
  if (!flags.has('managed_irq')) return { effect: `CPUs ${listText(isolatedList)} isolated (${kinds}); device interrupts are not affected` };
  return { managedIrq: housekeeping, effect: `CPUs ${listText(isolatedList)} isolated (${kinds}): managed IRQs prefer CPUs ${listText(housekeeping)}` };
}
