// What each statement keyword means, in one table: the forms it takes
// (docs/language.md's grammar summary, grammar/parser-*.ts), what it does in
// the kernel and the kernel functions the simulator follows for it
// (docs/simulation.md, section 2), and for properties the values they accept
// and why (the ranges of check/topology.ts and model/). Completion
// documentation, keyword hovers and signature help all read this table, so
// they cannot disagree; test/features/keyword-docs.test.ts checks that every
// statement keyword of grammar/tokens.ts has an entry and that every kernel
// function named here is one docs/simulation.md names.
import * as V from '../model/values.js';

/** Where a statement stands: the blocks of completion-context.ts, a guest's steps counted as steps. */
export type DocContext = 'top' | 'system' | 'guest' | 'device' | 'pasid' | 'state' | 'steps';

/**
 * What one part of a form consumes, token by token: a fixed word (`=cpu`),
 * a name, a number, a PCI address, a CPU list (`0-3,5`), a selection (`nvme0`, `nvme0[0-3]`,
 * `irq 35`), a bracketed entry list (`[0-3]`), a string, a list of numbers
 * joined by commas, an errno, every remaining word, or a `{ … }` block: the
 * statement ends with it, and what is inside are statements of their own, so
 * signature help never matches words against it.
 */
export type Take = `=${string}` | 'name' | 'number' | 'address' | 'cpulist' | 'selection' | 'entries' | 'string' | 'numbers' | 'errno' | 'block' | 'words';

export interface Part {
  /** As the signature shows it: `DEV`, `min M`. */
  readonly label: string;
  readonly doc: string;
  readonly take: readonly Take[];
  /** Options come after the positional parts, in any order, each at most once. */
  readonly option?: boolean;
}

export interface Form {
  readonly parts: readonly Part[];
  /** The signature: the keyword and each part, options in brackets. */
  readonly label: string;
  /** Where each part's label lies in `label`, as LSP parameter offsets. */
  readonly offsets: readonly (readonly [number, number])[];
}

export interface KeywordDoc {
  readonly keyword: string;
  readonly contexts: readonly DocContext[];
  readonly forms: readonly Form[];
  /** What the statement does: for a step, what the kernel does. */
  readonly summary: string;
  /** The kernel functions the simulator follows for it, as docs/simulation.md names them. */
  readonly kernel: readonly string[];
  /** For a property: the values it accepts and why. */
  readonly values?: string;
}

function form(keyword: string, parts: readonly Part[]): Form {
  let label = keyword;
  const offsets: [number, number][] = [];
  for (const p of parts) {
    label += ' ';
    const shown = p.option ? `[${p.label}]` : p.label;
    const start = label.length + (p.option ? 1 : 0);
    offsets.push([start, start + p.label.length]);
    label += shown;
  }
  return { parts, label, offsets };
}

const part = (label: string, doc: string, ...take: Take[]): Part => ({ label, doc, take });
const opt = (label: string, doc: string, ...take: Take[]): Part => ({ label, doc, take, option: true });

const DEV = part('DEV', 'a device the step can see (in a `guest` block: what the guest sees)', 'name');
const SEL = part('SEL', 'a selection: `DEV` (every vector), `DEV[LIST]` or `DEV[*]`, or `irq N` as /proc/irq/N names it', 'selection');
const CPULIST = (doc: string): Part => part('CPULIST', doc, 'cpulist');
const list = (words: readonly (string | number)[]): string => words.map((w) => `\`${w}\``).join(', ');

interface Entry {
  readonly keyword: string;
  readonly contexts: readonly DocContext[];
  readonly forms: readonly (readonly Part[])[];
  readonly summary: string;
  readonly kernel?: readonly string[];
  readonly values?: string;
}

const entries: readonly Entry[] = [
  // The top level.
  { keyword: 'use', contexts: ['top'], forms: [[part('"FILE"', 'a path relative to this file', 'string')]], summary: "Reads another .irqd file's systems and scenarios into this one; a `use` chain never loops (IRQD051) and is at most 16 files deep." },
  {
    keyword: 'system',
    contexts: ['top'],
    forms: [[part('NAME', 'the name scenarios run `on`', 'name'), opt('"DESCRIPTION"', 'shown in hovers', 'string'), part('{ … }', 'arch, kernel, cpus, domains, devices, guests', 'block')]],
    summary: 'A machine: its architecture, kernel, CPUs, irqdomain hierarchy and devices. Every scenario on it boots from it (or from its `state`).',
  },
  {
    keyword: 'scenario',
    contexts: ['top'],
    forms: [[part('NAME', 'a name or a string', 'name'), opt('on SYSTEM', 'may be left out when the file has one system', '=on', 'name'), opt('after SCENARIO', "start where that scenario ends, on its system", '=after', 'name'), part('{ STEPS }', 'kernel steps, one per line', 'block')]],
    summary: 'Kernel steps run in order against a system, each one kernel-level operation; a failing step stops the scenario unless `expect fail` wraps it.',
  },
  // A system's (and a guest's) items.
  { keyword: 'arch', contexts: ['system'], forms: [[part('ARCH', list(V.archs), 'name')]], summary: 'The architecture, which decides the root domains and the interrupt controller.', values: `${list(V.archs)}; only x86_64 is simulated step by step (IRQD040), arm64 (GICv3 ITS) and riscv64 (AIA IMSIC) are checked and delivered.` },
  {
    keyword: 'kernel',
    contexts: ['system'],
    forms: [[part('VERSION', list(V.kernelNames), 'name')]],
    summary: 'The Linux version whose behaviour is simulated: every version switch (202 vectors per CPU from 6.6, IMS from 6.2 to 6.9, the IMSIC from 6.10) is decided from it.',
    values: `${list(V.kernelNames)}, or any version such as 6.8; without it the irqd.kernel setting (6.1 by default).`,
  },
  { keyword: 'cpus', contexts: ['system', 'guest'], forms: [[part('N', 'the number of CPUs', 'number')]], summary: 'How many CPUs there are, numbered 0 to N-1; every CPU list is checked against them.', values: `1 to ${V.MAX_CPUS} (NR_CPUS); with \`apic xapic\` at most 255, because an xAPIC ID has 8 bits and 0xFF is broadcast.` },
  { keyword: 'smt', contexts: ['system', 'guest'], forms: [[part('N', 'threads per core', 'number')]], summary: "Threads per core: CPU c's siblings are c ± cpus/N, which group_cpus_evenly() spreads managed IRQs over.", values: '1, 2, 4 or 8, and a divisor of the CPU count.' },
  { keyword: 'apic', contexts: ['system', 'guest'], forms: [[part('MODE', list(V.apicModes), 'name')]], summary: 'The local APIC mode, which sets the destination ID format of every message.', values: `${list(V.apicModes)}: xAPIC has 8-bit APIC IDs (at most 255 CPUs), x2APIC 32-bit ones; x86 only.` },
  { keyword: 'dest-mode', contexts: ['system', 'guest'], forms: [[part('MODE', list(V.destModes), 'name')]], summary: "The APIC driver's destination mode; left out, the kernel's choice for the APIC mode.", values: `${list(V.destModes)}; x86 only.` },
  { keyword: 'page-size', contexts: ['system'], forms: [[part('SIZE', '4K, 16K or 64K', 'number')]], summary: 'The page size, which decides how vfio-pci maps the pages around an MSI-X table.', values: '4K, 16K or 64K; x86_64 and riscv64 kernels have 4K pages only (PAGE_SHIFT 12), 16K and 64K are arm64 builds.' },
  { keyword: 'cmdline', contexts: ['system', 'guest'], forms: [[part('"PARAMETERS"', 'irqaffinity=, isolcpus=managed_irq,…, nr_cpus=, maxcpus=, noirqdebug', 'string')]], summary: "The kernel command line, parsed the way the kernel parses it: irqaffinity= sets the default affinity, isolcpus=managed_irq keeps managed IRQs off CPUs.", kernel: ['irq_affinity_setup()'], values: 'the parameters irqd simulates: irqaffinity=, isolcpus=managed_irq,…, nr_cpus=, maxcpus=, noirqdebug; others are kept and ignored.' },
  { keyword: 'node', contexts: ['system'], forms: [[part('N', 'a NUMA node number', 'number'), part('cpus CPULIST', "the node's CPUs", '=cpus', 'cpulist')]], summary: 'A NUMA node and its CPUs; nodes do not share CPUs.', values: 'each node declared once, each CPU in at most one node.' },
  {
    keyword: 'domain',
    contexts: ['system', 'guest'],
    forms: [[part('NAME', 'the domain name devices and children refer to', 'name'), part('KIND', 'vector, intel-ir, amd-ir, pci-msi, ims, ioapic, …', 'name'), opt('parent PARENT', 'the domain nearer the CPU', '=parent', 'name')]],
    summary: 'An irqdomain: the one nearest the device is the child, the one nearest the CPU the root (on x86: PCI-MSI → interrupt remapping → VECTOR). Allocation goes child to parent, activation parent first.',
    kernel: ['irq_domain_alloc_irqs()', 'irq_domain_activate_irq()'],
    values: `the kinds ${list(V.domainKinds)}, each with the parents it may have and the architectures it exists on.`,
  },
  {
    keyword: 'device',
    contexts: ['system', 'guest'],
    forms: [
      [part('NAME', 'the name steps select', 'name'), part('pci ADDRESS', 'a PCI function, 0000:01:00.0 or 01:00.0', '=pci', 'address'), opt('{ … }', 'msi, msix, ims, bars, driver', 'block')],
      [part('NAME', 'the name steps select', 'name'), part('vf of PF index I', 'an SR-IOV virtual function of a device with `sriov N`', '=vf', '=of', 'name', '=index', 'number'), opt('{ … }', 'msix, migration', 'block')],
      [part('NAME', 'the name steps select', 'name'), part('platform', 'a kernel-owned source: an IO-APIC line, the DMAR or an HPET', '=platform'), opt('{ … }', 'msi, ioapic', 'block')],
    ],
    summary: 'A device and its interrupt capabilities: MSI, MSI-X, IMS or an IO-APIC pin, each allocating from a domain.',
  },
  { keyword: 'backport', contexts: ['system'], forms: [[part('NAME…', V.backportNames.join(', '), 'words')]], summary: "Fixes the distribution's kernel carries although its version predates them; each flips one version switch.", values: V.backportNames.map((b) => `\`${b}\`: ${V.backports[b]}`).join('; ') },
  { keyword: 'state', contexts: ['system'], forms: [[part('{ … }', '`online cpu LIST` and `irq N SOURCE …` lines', 'block')]], summary: 'The machine as it was found (a snapshot import): every scenario on the system starts from this state instead of a fresh boot; it must be one the kernel can be in (IRQD050).' },
  { keyword: 'hypervisor', contexts: ['guest'], forms: [[part('MODE', list(V.hypervisorModes), 'name')]], summary: 'Whether the guest sees the CPUID hypervisor bit: a guest that cannot tell it is virtual uses IMS without the hypercall domain.', values: `${list(V.hypervisorModes)}.` },
  {
    keyword: 'assign',
    contexts: ['guest'],
    forms: [
      [part('DEV', 'a host device', 'name'), part('as ADDRESS', "its PCI address in the guest", '=as', 'address'), opt('domain D', "the guest's pci-msi domain", '=domain', 'name')],
      [part('DEV', 'a host device', 'name'), part('sub NAME mode MODE', 'a sub-device (pasid or emulated)', '=sub', 'name', '=mode', 'name'), opt('domain D', "the guest's ims or pci-msi domain", '=domain', 'name')],
    ],
    summary: 'Gives a host device (or a sub-device of it) to the guest, the way VFIO passes it through.',
    values: `sub-device modes ${list(V.subModes)}.`,
  },
  // A device's items.
  { keyword: 'msi', contexts: ['device'], forms: [[part('N', 'vectors: 1, 2, 4, 8, 16 or 32', 'number'), part('domain D', 'a pci-msi domain (a platform device: dmar-msi or hpet-msi)', '=domain', 'name'), opt('maskable yes|no', 'per-vector mask bits', '=maskable', 'name')]], summary: 'An MSI capability: up to 32 vectors sharing one message address, the data varied in its low bits.', values: 'a power of two from 1 to 32 (Multiple Message Capable); a DMAR or HPET interrupt is one MSI.' },
  { keyword: 'msix', contexts: ['device'], forms: [[part('N', 'table entries, 1 to 2048', 'number'), part('domain D', 'a pci-msi domain', '=domain', 'name'), opt('maskable yes|no', 'per-vector mask bits', '=maskable', 'name')]], summary: 'An MSI-X capability: a table of N entries, each one message.', values: '1 to 2048 entries (the Table Size field is 11 bits).' },
  { keyword: 'ims', contexts: ['device'], forms: [[part('N', 'messages, 1 to 65536', 'number'), part('domain D', 'an ims domain', '=domain', 'name'), opt('storage device|guest-memory', 'where the messages live', '=storage', 'name')]], summary: 'Interrupt Message Store: device-specific message storage, allocated through an IMS domain (Linux 6.2 to 6.9).', values: `1 to 65536 messages; storage ${list(V.imsStorages)}.` },
  { keyword: 'ioapic', contexts: ['device'], forms: [[part('pin P', 'the IO-APIC input', '=pin', 'number'), opt('domain D', 'which IO-APIC, when there are several', '=domain', 'name'), opt('irq N', 'the legacy IRQ an ISA override gives', '=irq', 'number'), opt('edge|level', 'the trigger', 'name')]], summary: "An INTx line through an IO-APIC pin: `alloc DEV 1` maps its GSI to an IRQ.", kernel: ['mp_map_gsi_to_irq()'], values: `triggers ${list(V.triggers)}.` },
  { keyword: 'bar', contexts: ['device'], forms: [[part('B', 'the BAR index', 'number'), part('size S', 'a power of two of at least 16 bytes', '=size', 'number')]], summary: 'A memory BAR, in which the MSI-X table, the PBA and registers are placed.', values: 'sizes are powers of two of at least 16 bytes (PCI BAR sizing).' },
  { keyword: 'msix-table', contexts: ['device'], forms: [[part('bar B', 'a declared BAR', '=bar', 'number'), part('offset X', 'QWORD aligned', '=offset', 'number')]], summary: 'Where the MSI-X table lies: 16 bytes per entry, inside the BAR.', values: 'the offset is QWORD aligned (its low 3 bits are the BIR) and the table fits in the BAR.' },
  { keyword: 'msix-pba', contexts: ['device'], forms: [[part('bar B', 'a declared BAR', '=bar', 'number'), part('offset X', 'QWORD aligned', '=offset', 'number')]], summary: 'Where the MSI-X Pending Bit Array lies; it may not overlap the table.', values: 'the offset is QWORD aligned and the PBA fits in the BAR, clear of the table.' },
  { keyword: 'register', contexts: ['device'], forms: [[part('NAME', 'what `mmio` steps may touch', 'name'), part('bar B', 'a declared BAR', '=bar', 'number'), part('offset X', 'inside the BAR', '=offset', 'number'), opt('size S', 'bytes', '=size', 'number')]], summary: 'A device register; one in the 4 KiB around the MSI-X table breaks vfio-pci mmap.', values: "inside its BAR, and not in the naturally aligned 4 KiB of the MSI-X table or PBA (the PCI spec forbids it)." },
  { keyword: 'node', contexts: ['device'], forms: [[part('N', 'the NUMA node', 'number')]], summary: 'The NUMA node the device is attached to, which group_cpus_evenly() spreads its managed IRQs from.', values: 'a node the system declares (node 0 when it declares none).' },
  { keyword: 'sriov', contexts: ['device'], forms: [[part('N', 'how many VFs', 'number')]], summary: 'The device is an SR-IOV physical function with N virtual functions.', values: '1 to 65535 VFs.' },
  { keyword: 'migration', contexts: ['device'], forms: [[part('FLAGS…', list(V.migrationFlags), 'words')]], summary: 'VFIO migration v2 support: the states `vfio` steps may move the device through.', values: `${list(V.migrationFlags)}; pre-copy is from Linux 6.2.` },
  { keyword: 'driver', contexts: ['device'], forms: [[part('NAME', Object.keys(V.modelledDrivers).join(', '), 'name')]], summary: "The device's driver: for the drivers irqd models, their hotplug callbacks run when CPUs go offline or online.", values: Object.entries(V.modelledDrivers).map(([k, v]) => `\`${k}\`: ${v}`).join('; ') },
  // A PASID space and a machine state.
  { keyword: 'set', contexts: ['pasid'], forms: [[part('NAME', 'the set steps allocate from', 'name'), part('quota N', 'PASIDs reserved from the capacity', '=quota', 'number')]], summary: 'A PASID set with its quota.', kernel: ['ioasid_alloc_set()'], values: 'the quotas of the sets together may not exceed the capacity (ioasid_alloc_set() fails with -ENOSPC).' },
  { keyword: 'irq', contexts: ['state'], forms: [[part('N', 'the Linux IRQ number', 'number'), part('SOURCE', 'DEV[I] the IRQ belongs to', 'selection'), part('FIELDS…', 'via, managed, status, cpu, vector, affinity, pending, previous, irte, message', 'words')]], summary: 'One IRQ as the machine was found: its chip data, matrix bits, IRTE and message are put back at boot.', values: `statuses ${list(V.irqStatuses)}; flags ${list(V.irqStateFlags)}.` },
  // Steps.
  {
    keyword: 'alloc',
    contexts: ['steps'],
    forms: [
      [
        DEV,
        part('N', 'the count of vectors wanted', 'number'),
        opt('min M', 'accept as few as M (pci_alloc_irq_vectors() retries down to it); without it exactly N or failure', '=min', 'number'),
        opt('managed', 'managed affinity: spread over the CPUs, shut down rather than moved', '=managed'),
        opt('pre P', 'P unmanaged vectors first (struct irq_affinity), with `managed`', '=pre', 'number'),
        opt('post Q', 'Q unmanaged vectors last, with `managed`', '=post', 'number'),
        opt('sets A,B,…', 'affinity sets spread one by one, at most 4', '=sets', 'numbers'),
        opt('via msi|msix|ims|ioapic', 'which capability, when the device has several', '=via', 'name'),
      ],
      [DEV, part('[LIST]', 'MSI-X entries to allocate one by one (6.2+)', 'entries')],
    ],
    summary: "Allocates the device's vectors: a descriptor per vector, allocated child to parent through the domains (a reserved vector in reservation mode, an IRTE), then activated, which writes the message.",
    kernel: ['pci_alloc_irq_vectors_affinity()', '__msi_domain_alloc_irqs()', 'irq_domain_alloc_irqs()', 'x86_vector_alloc_irqs()', 'reserve_irq_vector_locked()', 'intel_irq_remapping_alloc()', 'irq_domain_activate_irq()', 'pci_msix_alloc_irq_at()'],
  },
  {
    keyword: 'free',
    contexts: ['steps'],
    forms: [[DEV], [DEV, part('[LIST]', 'MSI-X entries to free (6.2+); the table keeps a hole', 'entries')]],
    summary: "Frees the device's vectors: handlers still installed are freed first (with a warning), then each IRQ is deactivated, its IRTE and vector freed.",
    kernel: ['pci_free_irq_vectors()', 'free_irq()', 'msi_domain_free_irqs()', 'x86_vector_free_irqs()', 'pci_msix_free_irq()'],
  },
  { keyword: 'request', contexts: ['steps'], forms: [[SEL]], summary: 'Installs a handler: the IRQ starts up and is activated for real, which gives it a CPU vector from the matrix and writes the IRTE and the message.', kernel: ['request_irq()', 'irq_startup()', 'irq_domain_activate_irq()', 'assign_vector_locked()', 'irq_matrix_alloc()'] },
  { keyword: 'release', contexts: ['steps'], forms: [[SEL]], summary: 'Frees the handler: the IRQ is shut down and deactivated (zero message, IRTE cleared) and its vector goes back to a reservation.', kernel: ['free_irq()', 'irq_shutdown_and_deactivate()', 'x86_vector_deactivate()'] },
  { keyword: 'affinity', contexts: ['steps'], forms: [[SEL, CPULIST('the CPUs the IRQ may run on, as written to /proc/irq/N/smp_affinity_list')]], summary: 'Changes the affinity, as a write to /proc/irq/N/smp_affinity_list: with remapping the move is immediate, otherwise it is pending until the next interrupt. A managed IRQ refuses (-EIO).', kernel: ['write_irq_affinity()', 'irq_set_affinity()', 'irq_do_set_affinity()', 'apic_set_affinity()'] },
  { keyword: 'offline', contexts: ['steps'], forms: [[part('cpu CPULIST', 'the CPUs to take down; CPU 0 refuses (-EBUSY)', '=cpu', 'cpulist')]], summary: 'CPU hot-unplug: the kernel checks the other CPUs can take its vectors, then migrates every IRQ off it; managed IRQs with no CPU left are shut down.', kernel: ['_cpu_down()', 'lapic_can_unplug_cpu()', 'irq_migrate_all_off_this_cpu()', 'migrate_one_irq()', 'irq_matrix_offline()'] },
  { keyword: 'mask', contexts: ['steps'], forms: [[SEL]], summary: 'Masks the vectors (MSI-X vector control, MSI mask bits): an interrupt raised while masked sets its pending bit and is sent on unmask.' },
  { keyword: 'unmask', contexts: ['steps'], forms: [[SEL]], summary: 'Unmasks the vectors; an interrupt held pending while masked is delivered now.' },
  {
    keyword: 'fire',
    contexts: ['steps'],
    forms: [[SEL, opt('N', 'how many interrupts back to back, 1 to 10^9', 'number'), opt('unhandled', 'no handler claims them (IRQ_NONE)', '=unhandled')]],
    summary: "The device writes its message: the IOMMU looks up the IRTE, the local APIC takes the vector, the flow handler runs and a pending move completes.",
    kernel: ['common_interrupt()', 'handle_edge_irq()', '__irq_complete_move()', 'irq_move_masked_irq()', 'note_interrupt()'],
  },
  { keyword: 'vfio', contexts: ['steps'], forms: [[DEV, part('STATE', V.vfioStates.join(', '), 'name')]], summary: 'Moves the device to a VFIO migration state (VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE), through the kernel\'s intermediate states.', kernel: ['vfio_mig_get_next_state()'], values: `${list(V.vfioStates)}.` },
  { keyword: 'mmio', contexts: ['steps'], forms: [[DEV, part('read|write', 'the access', 'name'), opt('bar B offset X', 'where', '=bar', 'number', '=offset', 'number')]], summary: 'A userspace or guest MMIO access to the device.' },
  { keyword: 'dma', contexts: ['steps'], forms: [[DEV, part('-> DEV2|memory', 'a peer-to-peer DMA or one to system memory', '=->', 'name')]], summary: 'A DMA issued by the device, which a VFIO migration state may forbid.' },
  {
    keyword: 'expect',
    contexts: ['steps'],
    forms: [
      [part('cpu N', 'a CPU', '=cpu', 'number'), part('available M', "that CPU's free device vectors in the matrix", '=available', 'number')],
      [part('vfio DEV', 'a device', '=vfio', 'name'), part('STATE', 'its VFIO migration state', 'name')],
      [part('pasid SET', 'a PASID set', '=pasid', 'name'), part('used N', 'PASIDs allocated', '=used', 'number')],
      [part('fail', 'the step must fail', '=fail'), opt('-ERRNO', 'with this errno', 'errno'), part('STEP', 'any step', 'words')],
      [SEL, part('cpu CPULIST', "every selected vector's effective CPU is in the list", '=cpu', 'cpulist')],
      [SEL, part('affinity CPULIST', 'the affinity is exactly the list, as smp_affinity_list shows it', '=affinity', 'cpulist')],
      [SEL, part('vector N', 'the CPU vector', '=vector', 'number')],
      [SEL, part('message ADDR DATA', 'the message last written to the device', '=message', 'number', 'number')],
      [SEL, part('irte N', 'the remapping table entry', '=irte', 'number')],
      [SEL, part('lost', 'the last fired interrupt was not delivered', '=lost')],
      [SEL, part('delivered', 'the last fired interrupt was delivered', '=delivered')],
    ],
    summary: 'An assertion on the simulated state; a false one is an error (IRQD034). It changes nothing.',
  },
];

/** The entries whose keyword starts a statement in more than one place, with a use per place. */
const multiUse: readonly Entry[] = [
  { keyword: 'pasid', contexts: ['system'], forms: [[part('capacity N', 'PASIDs the IOMMU has', '=capacity', 'number'), opt('{ set … }', 'PASID sets with quotas', 'block')]], summary: "The system's PASID space and its sets.", values: 'a capacity of 1 to 2^20 (PASIDs are 20 bits).' },
  { keyword: 'pasid', contexts: ['device'], forms: [[]], summary: 'The device can tag its DMA and interrupt messages with a PASID (needed for a `sub` device in pasid mode).' },
  {
    keyword: 'pasid',
    contexts: ['steps'],
    forms: [
      [part('alloc SET', 'a PASID set', '=alloc', 'name'), opt('N', 'how many, 1 by default', 'number')],
      [part('free SET', 'a PASID set', '=free', 'name')],
      [part('quota SET', 'a PASID set', '=quota', 'name'), part('N', 'the new quota', 'number')],
    ],
    summary: 'Allocates, frees or changes the quota of PASIDs of a set; freeing a set notifies its users.',
    kernel: ['ioasid_alloc()', 'ioasid_free_set()', 'ioasid_adjust_set()'],
  },
  { keyword: 'guest', contexts: ['system'], forms: [[part('NAME', 'the guest', 'name'), part('{ … }', 'cpus, domains, assign', 'block')]], summary: 'A guest with its own kernel: its CPUs, its domains (a hypercall domain for IMS), and the devices assigned to it.' },
  { keyword: 'guest', contexts: ['steps'], forms: [[part('GUEST', 'a guest of the system', 'name'), part('{ STEPS }', "steps in the guest: its CPUs, domains and view of devices", 'block')]], summary: "Runs steps inside the guest's kernel." },
  { keyword: 'online', contexts: ['state'], forms: [[part('cpu CPULIST', 'the CPUs online when the machine was found', '=cpu', 'cpulist')]], summary: 'Which CPUs were online when the machine was found.' },
  { keyword: 'online', contexts: ['steps'], forms: [[part('cpu CPULIST', 'the CPUs to bring up', '=cpu', 'cpulist')]], summary: 'CPU hot-plug: the CPU joins the matrix again and managed IRQs shut down for lack of a CPU start up on it.', kernel: ['lapic_online()', 'irq_matrix_online()', 'irq_affinity_online_cpu()'] },
];

function build(e: Entry): KeywordDoc {
  return { keyword: e.keyword, contexts: e.contexts, forms: e.forms.map((f) => form(e.keyword, f)), summary: e.summary, kernel: e.kernel ?? [], ...(e.values ? { values: e.values } : {}) };
}

/** Every use of every statement keyword, built once. */
export const keywordDocs: readonly KeywordDoc[] = [...entries, ...multiUse].map(build);

const byKeyword = new Map<string, KeywordDoc[]>();
for (const d of keywordDocs) {
  const list = byKeyword.get(d.keyword) ?? [];
  list.push(d);
  byKeyword.set(d.keyword, list);
}

/** The uses of a keyword; empty for a word that starts no statement. */
export function docsOf(keyword: string): readonly KeywordDoc[] {
  return byKeyword.get(keyword) ?? [];
}

/** The use of a keyword in a context, or its only use when it has one. */
export function docOf(keyword: string, context: DocContext | undefined): KeywordDoc | undefined {
  const uses = byKeyword.get(keyword);
  if (!uses) return undefined;
  return uses.find((d) => context !== undefined && d.contexts.includes(context)) ?? (uses.length === 1 ? uses[0] : undefined);
}

/** The markdown completion and hover show: the forms, what it does, the kernel path, the values. */
export function keywordMarkdown(d: KeywordDoc): string {
  const lines = ['```irqd', ...d.forms.map((f) => f.label), '```', '', d.summary];
  if (d.kernel.length) lines.push('', `Kernel: ${d.kernel.map((k) => `\`${k}\``).join(', ')}`);
  if (d.values) lines.push('', `Values: ${d.values}`);
  return lines.join('\n');
}

const markdownCache = new Map<KeywordDoc, string>();

/** keywordMarkdown(), computed once per entry: completion asks for it on every request. */
export function keywordMarkdownOf(d: KeywordDoc): string {
  let m = markdownCache.get(d);
  if (m === undefined) {
    m = keywordMarkdown(d);
    markdownCache.set(d, m);
  }
  return m;
}
