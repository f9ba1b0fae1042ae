// dmesg.txt: kernel log lines (not a kernel file; `irqd snapshot` keeps the
// APIC/IOMMU/smpboot lines of `dmesg`). Only the messages that fix the
// interrupt setup are read, each as its kernel function prints it:
//   'DMAR-IR: Enabled IRQ remapping in %s mode'    intel_enable_irq_remapping(), drivers/iommu/intel/irq_remapping.c
//   'AMD-Vi: Interrupt remapping enabled'          amd_iommu_enable_interrupts() / iommu_go_to_state(), drivers/iommu/amd/init.c
//   'AMD-Vi: X2APIC enabled'                       the same, in x2APIC mode
//   'x2apic enabled'                               __x2apic_enable()/x2apic_setup(), arch/x86/kernel/apic/apic.c
//   'Switched APIC routing to %s.'                 default_setup_apic_routing(), arch/x86/kernel/apic/probe_64.c
//                                                  ('APIC: Switched APIC routing to: %s' since 6.6)
//   'IOAPIC[%d]: apic_id %d, version %d, address 0x%x, GSI %d-%d'   mp_register_ioapic(), arch/x86/kernel/apic/io_apic.c
//   'ACPI: INT_SRC_OVR (bus %d bus_irq %d global_irq %d %s %s)'     acpi_table_print_madt_entry(), drivers/acpi/tables.c
//   'smpboot: Allowing %d CPUs, %d hotplug CPUs'   prefill_possible_map(), arch/x86/kernel/smpboot.c
// Every other line is ignored without comment: a kernel log is mostly other things.
import type { DmesgFacts, Origin, SnapshotProblem } from '../types.js';
import { Reporter, looksBinary, parseDecimal, parseHexBig, quote, splitLines } from './report.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export function readDmesg(text: string, file: string, problems: SnapshotProblem[]): DmesgFacts | undefined {
  const rep = new Reporter(file, problems);
  if (looksBinary(text)) {
    rep.error(undefined, 'binary data, not kernel log text');
    return undefined;
  }
  const facts: Mutable<Omit<DmesgFacts, 'ioapics' | 'overrides'>> = {};
  const ioapics: Mutable<DmesgFacts['ioapics']> = [];
  const overrides: Mutable<DmesgFacts['overrides']> = [];
  let amdX2apic: Origin | undefined;

  // A log read mid-write may end without a newline; its lines are still messages.
  const lines = text.endsWith('\n') || text === '' ? splitLines(text, rep) : splitLines(`${text}\n`, rep);
  for (const { text: raw, line } of lines) {
    // '[    0.507423] ' (or dmesg -T's '[Sat Nov 21 ...] ') and a syslog '<6>' level.
    const msg = raw.replace(/^<\d+>/, '').replace(/^\[[^\]]*\]\s?/, '').trim();
    const origin = { file, line };
    let m: RegExpExecArray | null;
    if ((m = /^DMAR-IR: Enabled IRQ remapping in (xapic|x2apic) mode$/.exec(msg))) {
      facts.remapping ??= { iommu: 'intel', mode: m[1] as 'xapic' | 'x2apic', origin };
    } else if (/^AMD-Vi: Interrupt remapping enabled$/.test(msg)) {
      facts.remapping ??= { iommu: 'amd', origin };
    } else if (/^AMD-Vi: X2APIC enabled$/.test(msg)) {
      amdX2apic ??= origin;
    } else if (/^x2apic enabled$/.test(msg) || /^x2apic: enabled by BIOS, switching to x2apic ops$/.test(msg)) {
      facts.x2apic ??= origin;
    } else if ((m = /(?:^|APIC: )(?:Switched|Setting) APIC routing to:? (.+?)\.?$/.exec(msg))) {
      // The last switch is the driver in use (flat first, then cluster x2apic).
      facts.apicRouting = { name: m[1], origin };
    } else if ((m = /^IOAPIC\[(\d+)\]: apic_id (\d+), version (\d+), address (0x[0-9a-fA-F]+), GSI (\d+)-(\d+)$/.exec(msg))) {
      const [index, apicId, gsiBase, gsiEnd] = [m[1], m[2], m[5], m[6]].map((s) => parseDecimal(s));
      const address = parseHexBig(m[4]);
      if (index === undefined || apicId === undefined || gsiBase === undefined || gsiEnd === undefined || address === undefined) {
        rep.warn(line, `${quote(msg)}: a number beyond 2^53; skipped`);
      } else if (!ioapics.some((a) => a.index === index)) {
        ioapics.push({ index, apicId, address, gsiBase, gsiEnd, origin });
      }
    } else if (/^IOAPIC\[/.test(msg)) {
      rep.warn(line, `${quote(msg)} is not in mp_register_ioapic()'s format; skipped`);
    } else if ((m = /INT_SRC_OVR \(bus (\d+) bus_irq (\d+) global_irq (\d+) (\S+) (\S+)\)$/.exec(msg))) {
      const isaIrq = parseDecimal(m[2]);
      const gsi = parseDecimal(m[3]);
      if (isaIrq === undefined || gsi === undefined) {
        rep.warn(line, `${quote(msg)}: a number beyond 2^53; skipped`);
        continue;
      }
      if (overrides.some((o) => o.isaIrq === isaIrq)) continue;
      // mps_inti_flags_polarity[] then mps_inti_flags_trigger[]: 'dfl' is the bus default.
      const polarity = m[4] === 'high' || m[4] === 'low' ? m[4] : undefined;
      const trigger = m[5] === 'edge' || m[5] === 'level' ? m[5] : undefined;
      overrides.push({ isaIrq, gsi, ...(trigger ? { trigger } : {}), ...(polarity ? { polarity } : {}), origin });
    } else if ((m = /^smpboot: Allowing (\d+) CPUs, (\d+) hotplug CPUs$/.exec(msg))) {
      const cpus = parseDecimal(m[1]);
      const hotplug = parseDecimal(m[2]);
      if (cpus !== undefined && hotplug !== undefined) facts.allowedCpus ??= { cpus, hotplug, origin };
    }
  }
  if (facts.remapping?.iommu === 'amd' && amdX2apic !== undefined) facts.remapping = { ...facts.remapping, mode: 'x2apic' };
  return { ...facts, ioapics, overrides };
}
