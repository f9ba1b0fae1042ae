// The one catalog of diagnostics. Every diagnostic irqd reports carries one of
// these codes; docs/diagnostics.md is generated from this table (npm run
// docs:diagnostics) and a test fails when the two disagree.
//
// Numbering: 001–009 syntax and internal, 010–019 names and values,
// 020–029 topology rules, 030–049 the simulator (kernel failures and
// hazards), 050 and up machine states, several files and scenarios that
// continue others. Codes are never reused for another meaning.

/** 'hint' is not a problem: editors show it faded or dotted, not in their problem lists. */
export type Severity = 'error' | 'warning' | 'info' | 'hint';

export interface CatalogEntry {
  readonly code: string;
  readonly severity: Severity;
  /** A short title, for the documentation. */
  readonly title: string;
  /** Why the rule exists, in a sentence or two. */
  readonly doc: string;
  /** A minimal .irqd excerpt that produces the diagnostic. */
  readonly example: string;
  /** The quick fixes the editor offers for it (features/code-actions/), in a sentence. */
  readonly fixes?: string;
}

const entries = [
  {
    code: 'IRQD001',
    severity: 'error',
    title: 'Syntax error',
    doc: 'A token where the grammar expects something else. The parser recovers and keeps reading, so later errors are still reported.',
    example: 'scenario s {\n  offline cpu foo   // expected a CPU list after \'offline cpu\', found \'foo\'\n}',
  },
  {
    code: 'IRQD002',
    severity: 'error',
    title: 'Lexical error',
    doc: 'A character no token can start with (irqd comments are `//` and `/* */`, not `#`), an unterminated string or comment.',
    example: '# not a comment',
  },
  {
    code: 'IRQD003',
    severity: 'error',
    title: 'Internal error',
    doc: 'irqd itself failed on this input. The rest of the file is still analysed; please report the file.',
    example: '(no example: this is a bug in irqd)',
  },
  {
    code: 'IRQD004',
    severity: 'warning',
    title: 'File too large',
    doc: 'irqd analyses files of up to 4 MiB (4,194,304 characters) so that no input can make the editor wait; a larger file is not analysed.',
    example: '(a file of more than 4,194,304 characters)',
  },
  {
    code: 'IRQD010',
    severity: 'error',
    title: 'Unknown name',
    doc: 'A reference to a system, domain, device, guest or PASID set that is not declared where the reference can see it.',
    example: 'domain PCI-MSI pci-msi parent VECTR',
    fixes: "*Change 'VECTR' to 'VECTOR'* when a close name exists (preferred), and *Fix all unambiguous 'did you mean' names in the file*, also as the `source.fixAll.irqd` action.",
  },
  {
    code: 'IRQD011',
    severity: 'error',
    title: 'Duplicate name',
    doc: 'Two declarations with the same name in one scope: system names are global, domains, devices and guests share the scope of their system (or guest), PASID sets have their own.',
    example: 'device nvme0 pci 01:00.0\ndevice nvme0 pci 02:00.0',
    fixes: "*Remove the duplicate …*: the second declaration goes.",
  },
  {
    code: 'IRQD012',
    severity: 'error',
    title: 'Name of the wrong kind',
    doc: 'The name exists but is not the kind of thing this place needs, e.g. a device where a domain is expected.',
    example: 'msix 8 domain nvme0',
  },
  {
    code: 'IRQD013',
    severity: 'error',
    title: 'Unknown value',
    doc: 'A word that is not one of the values this item takes (an architecture, APIC mode, domain kind, VFIO state, migration flag, ...). The message lists the values.',
    example: 'arch x87',
    fixes: "*Change 'x87' to 'x86_64'* when a close value exists (preferred), and the file's fix-all of every such suggestion.",
  },
  {
    code: 'IRQD014',
    severity: 'error',
    title: 'Item not allowed here',
    doc: 'An item that belongs elsewhere: `assign` and `hypervisor` only in a guest, `arch`, `node` and `pasid capacity` only in a system.',
    example: 'system host {\n  hypervisor visible\n}',
  },
  {
    code: 'IRQD015',
    severity: 'error',
    title: 'Item given twice',
    doc: 'A setting or capability that may appear once (a system has one `cpus`, a device one `msix`).',
    example: 'cpus 4\ncpus 8',
    fixes: "*Remove the duplicate …*: the second one goes.",
  },
  {
    code: 'IRQD016',
    severity: 'error',
    title: 'Scenario without a system',
    doc: 'A scenario names the system it runs on with `on SYSTEM`; it may leave it out only when the file declares exactly one system.',
    example: 'scenario s { alloc nvme0 4 }   // with two systems in the file',
  },
  {
    code: 'IRQD017',
    severity: 'error',
    title: 'Missing item',
    doc: 'A declaration lacks an item it cannot do without, such as the `cpus` of a system or guest.',
    example: 'system host { arch x86_64 }',
  },
  {
    code: 'IRQD018',
    severity: 'warning',
    title: 'Kernel version not modelled',
    doc: 'irqd models Linux 6.1 to mainline; an older or unknown version is simulated as the nearest one it models.',
    example: 'kernel 4.19',
  },
  {
    code: 'IRQD019',
    severity: 'warning',
    title: 'Command-line option the kernel clips or ignores',
    doc: 'An `irqaffinity=` or `isolcpus=` option the kernel would not take as written: a CPU list that stops parsing at a bad or missing CPU, `irqaffinity=` without the boot CPU (always added), an `isolcpus=` flag the kernel skips or rejects, every CPU isolated, or a line longer than COMMAND_LINE_SIZE. The message says what the kernel keeps.',
    example: 'cpus 8\ncmdline "irqaffinity=4-11"   // CPU 8 does not exist: the kernel keeps only the boot CPU',
  },
  {
    code: 'IRQD020',
    severity: 'error',
    title: 'Parent of the wrong kind',
    doc: 'The irqdomain hierarchy only stacks some kinds on others (language.md): `pci-msi` on `vector`, `*-ir`, `hcall`, `its` or `imsic`; `ims` on `*-ir`, `hcall`, `its` or `imsic`; `*-ir` and `hcall` on `vector`; `ioapic` on `vector` or `*-ir`; `its` on `gic`; `aplic` on `imsic`.',
    example: 'domain IR0 intel-ir parent PCI-MSI',
    fixes: "For an `ims` domain on a host's `vector` domain: *Add the remapping domain 'IR0' (intel-ir) and put IMS on it*.",
  },
  {
    code: 'IRQD021',
    severity: 'error',
    title: 'Root or child misplaced',
    doc: 'Root kinds (`vector`, `gic`, `imsic`) take no parent; every other kind needs one.',
    example: 'domain PCI-MSI pci-msi',
  },
  {
    code: 'IRQD022',
    severity: 'error',
    title: 'Domain kind not on this platform',
    doc: 'Domain kinds belong to an architecture (x86_64: vector, intel-ir, amd-ir, ioapic, hcall; arm64: gic, its; riscv64: imsic, aplic; pci-msi and ims everywhere); `hcall` exists only in a guest.',
    example: 'arch arm64\ndomain IR0 intel-ir parent VECTOR',
  },
  {
    code: 'IRQD023',
    severity: 'error',
    title: 'Hierarchy cycle',
    doc: 'Following `parent` from a domain leads back to it; an irqdomain hierarchy is a tree.',
    example: 'domain A pci-msi parent B\ndomain B intel-ir parent A',
  },
  {
    code: 'IRQD024',
    severity: 'error',
    title: 'Capability on a domain of the wrong kind',
    doc: 'MSI and MSI-X allocate from a `pci-msi` domain, IMS from an `ims` domain, an IO-APIC pin from an `ioapic` domain.',
    example: 'msix 8 domain IR0',
  },
  {
    code: 'IRQD025',
    severity: 'error',
    title: 'Value out of range',
    doc: 'A number outside what the kernel or the hardware allows; the message gives the range and its reason (e.g. MSI-X has 1 to 2048 entries, multi-MSI a power of two up to 32).',
    example: 'msi 3 domain PCI-MSI',
  },
  {
    code: 'IRQD026',
    severity: 'error',
    title: 'CPU outside the system',
    doc: 'A CPU list names a CPU the system (or guest) does not have.',
    example: 'cpus 4\nnode 0 cpus 0-7',
  },
  {
    code: 'IRQD027',
    severity: 'error',
    title: 'BAR placement',
    doc: 'An MSI-X table, PBA or register placed in a BAR the device does not declare, or not inside it.',
    example: 'bar 0 size 16K\nmsix-table bar 0 offset 0x8000',
  },
  {
    code: 'IRQD028',
    severity: 'error',
    title: 'Selection outside the capability',
    doc: 'A vector selection names an index the device cannot have (its MSI, MSI-X or IMS capability is smaller), or selects a device with no interrupt capability.',
    example: 'msix 8 domain PCI-MSI\n...\nrequest nvme0[8]',
  },
  {
    code: 'IRQD029',
    severity: 'error',
    title: 'NUMA nodes',
    doc: 'NUMA nodes must not share CPUs, and a device may only name a declared node.',
    example: 'node 0 cpus 0-3\nnode 1 cpus 3-7',
  },
  {
    code: 'IRQD030',
    severity: 'error',
    title: 'Allocation failed',
    doc: 'pci_alloc_irq_vectors() (or the IMS allocation) fails the way the kernel would: -ENOSPC when the vector matrix or the IRTE table cannot hold the minimum, -EINVAL for an empty mask or a device already allocated.',
    example: 'alloc ahci 4 min 4   // multi-MSI without interrupt remapping',
  },
  {
    code: 'IRQD031',
    severity: 'error',
    title: 'CPU offline refused',
    doc: "lapic_can_unplug_cpu() refuses to take a CPU down when the vectors it holds do not fit in the other CPUs' available vectors; the write to cpuN/online fails with -ENOSPC and the CPU stays online.",
    example: 'offline cpu 1-7   // CPU 7 has 150 vectors, 120 available. Cannot disable CPU',
  },
  {
    code: 'IRQD032',
    severity: 'error',
    title: 'request_irq failed',
    doc: 'Activation at request_irq() fails: no vector left for a reservation-mode IRQ, no managed vector on the chosen CPU, the IRQ is already requested.',
    example: 'request nvme0[0]   // twice',
  },
  {
    code: 'IRQD033',
    severity: 'error',
    title: 'Affinity change failed',
    doc: 'irq_set_affinity() fails: -EIO for a managed IRQ (its affinity is the kernel\'s) and the errors of the vector allocator.',
    example: 'affinity nvme0[0] 3   // nvme0 allocated managed',
  },
  {
    code: 'IRQD034',
    severity: 'error',
    title: 'Expectation not met',
    doc: 'An `expect` step is false in the simulated state; the message says what was expected and what the kernel state is. The scenario fails but goes on: an expectation changes nothing.',
    example: 'expect nvme0[0] cpu 2   // it is on CPU 1',
    fixes: "*Update the expectation to the simulated value* (preferred; not offered when the selected IRQs disagree, or one has no vector), and *Update every failed expectation of scenario 'S' to the simulated values*, which simulates the edited scenario again until it passes.",
  },
  {
    code: 'IRQD035',
    severity: 'error',
    title: 'Expected failure did not happen',
    doc: '`expect fail STEP` wraps a step that succeeded (what it did stands), or failed with another errno than the one named (the kernel undid it). The scenario fails but goes on.',
    example: 'expect fail -ENOSPC offline cpu 1',
    fixes: "*Update the expectation to the simulated value* with the errno the step fails with, or *Remove 'expect fail': the step succeeds*.",
  },
  {
    code: 'IRQD036',
    severity: 'hint',
    title: 'Step not run',
    doc: 'A scenario stops at its first failing kernel step (an errno); the steps after it are not simulated and are shown faded (a hint tagged unnecessary, not a problem). A failed `expect` does not stop a scenario.',
    example: 'alloc ahci 4 min 4   // fails\nrequest ahci[0]       // not run',
  },
  {
    code: 'IRQD037',
    severity: 'warning',
    title: 'Interrupt lost',
    doc: 'The interrupt a `fire` step raises never reaches its handler: the 0xEF placeholder (spurious), an all-zero message, a cleared or missing IRTE, a source-ID mismatch, an offline destination CPU, a vector nobody handles.',
    example: 'fire ahci[0]   // non-maskable MSI, managed and shut down: vector 0xEF, spurious',
  },
  {
    code: 'IRQD038',
    severity: 'error',
    title: 'Step on an IRQ that does not exist',
    doc: 'A step names vectors the device has not allocated (no `alloc` yet, or past the number allocated), or releases an IRQ that has no handler.',
    example: 'request nvme0[0]   // before alloc nvme0 N',
  },
  {
    code: 'IRQD039',
    severity: 'warning',
    title: 'Kernel warning',
    doc: 'The kernel would log a warning here and carry on: "Affinity broken due to vector space exhaustion", "Interrupt reservation exceeds available resources", freeing vectors that still have handlers, masking an MSI without per-vector masking.',
    example: 'free nvme0   // with requested IRQs',
  },
  {
    code: 'IRQD041',
    severity: 'error',
    title: 'VFIO migration state change refused',
    doc: 'VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE fails the way vfio_mig_get_next_state() decides: -EINVAL for ERROR, for a state the device does not support (RUNNING_P2P without VFIO_MIGRATION_P2P, PRE_COPY before 6.2 or without VFIO_MIGRATION_PRE_COPY) and for arcs the table forbids (STOP_COPY → PRE_COPY); -ENOTTY for a device without migration support.',
    example: 'vfio vf0 pre-copy   // kernel 6.1',
  },
  {
    code: 'IRQD042',
    severity: 'warning',
    title: 'Migration hazard',
    doc: 'A step that may corrupt a VFIO migration: MMIO to a device that is not RUNNING (or RUNNING_P2P), DMA issued by a stopped device, P2P DMA initiated in RUNNING_P2P or into a stopped device, a device stopped while another device of the migration can still initiate P2P DMA, a device without P2P support in a multi-device migration.',
    example: 'vfio vf0 stop\nmmio vf0 write   // the device is not RUNNING',
  },
  {
    code: 'IRQD043',
    severity: 'error',
    title: 'PASID operation failed',
    doc: 'A PASID set operation fails as the IOASID set semantics say (seed 001): -ENOSPC for an allocation beyond the set\'s quota or the capacity, or a quota raised beyond what is left; -EINVAL for a quota of 0 or below what is allocated, or a set that was freed.',
    example: 'pasid alloc vm1 1   // vm1 has used its quota',
  },
  {
    code: 'IRQD044',
    severity: 'error',
    title: 'MSI-X placement',
    doc: 'The PCI rules for the MSI-X structures (semantics.md §11.1): the table and PBA offsets are QWORD aligned, the two must not overlap, and no other register may share a naturally aligned 4 KiB range with either, so the OS or hypervisor can map or trap them separately.',
    example: 'msix-table bar 0 offset 0x2000\nregister doorbell bar 0 offset 0x2800 size 4',
    fixes: "For an offset that is not QWORD aligned: *Align the MSI-X table offset to 0x2000 (a QWORD boundary)* (rounded down).",
  },
  {
    code: 'IRQD045',
    severity: 'warning',
    title: 'MSI-X table access through vfio-pci',
    doc: 'What vfio-pci does around the MSI-X table (seed 004, semantics.md §11.2): a register sharing a host page with the table or PBA is trapped and emulated (before 4.16 the whole page was hidden from mmap; since 4.16 the BAR is mmappable but the VMM still traps the table\'s page); reads of the table through the device fd return 0xFF, writes are dropped; writes to the PBA are undefined.',
    example: 'page-size 64K\n...\nregister irqctl bar 0 offset 0x5000 size 4   // same 64K page as the table at 0x2000',
  },
  {
    code: 'IRQD046',
    severity: 'warning',
    title: 'A guest that cannot tell it is virtualized',
    doc: 'With the CPUID hypervisor bit hidden the guest kernel treats an emulated IOMMU as real interrupt remapping and never uses a hypercall domain: for storage the VMM cannot trap (IMS) it writes messages it composed itself, which the host IOMMU reads as host handles, so the interrupts never arrive (seed 002).',
    example: 'guest vm4 {\n  hypervisor hidden\n  domain vIR intel-ir parent VECTOR\n  domain IMS ims parent vIR\n}',
  },
  {
    code: 'IRQD047',
    severity: 'error',
    title: 'IMS domain creation fails',
    doc: 'On x86 an IMS domain needs a real interrupt-remapping parent or the hypercall domain (seeds 000 and 002): in a guest, a vector parent has no MSI_FLAG_PCI_IMS and a virtual IOMMU (the vIR- MSI parents of 6.2–6.9) refuses it, so pci_create_ims_domain() fails.',
    example: 'guest vm3 {\n  hypervisor visible\n  domain vIR intel-ir parent VECTOR\n  domain IMS ims parent vIR\n}',
    fixes: "*Add the hypercall domain 'HCALL' and put IMS on it*: `domain HCALL hcall parent` the guest's vector domain, and the IMS domain's parent changed to it.",
  },
  {
    code: 'IRQD048',
    severity: 'error',
    title: 'IMS isolation lost',
    doc: 'IMS storage in guest memory can be written by the guest, so only PASID-tagged interrupt messages keep the device isolated (seed 002: "Only PASID on the interrupt messages can resolve this securely"); a sub-device in pasid mode needs a device that can tag with a PASID.',
    example: 'ims 64 domain IMS storage guest-memory   // assigned to a guest without PASID tagging',
  },
  {
    code: 'IRQD049',
    severity: 'warning',
    title: 'IMS outside 6.2–6.9',
    doc: 'The IMS core (per-device MSI domains with DOMAIN_BUS_PCI_DEVICE_IMS) was in the kernel from 6.2 to 6.9; irqd simulates that core on any declared version and says so.',
    example: 'kernel 6.1\ndomain IMS ims parent IR0',
  },
  {
    code: 'IRQD050',
    severity: 'error',
    title: 'Impossible machine state',
    doc: "A declared `state` says something no kernel can be in: a vector outside the device range or on a system vector, two IRQs on one CPU's vector, a CPU that is not online, a requested IRQ without a vector, a managed IRQ outside its mask, an IRTE without interrupt remapping. Scenarios start from this state, so it must be one the kernel could have produced.",
    example: 'state {\n  irq 35 nvme0[0] requested cpu 0 vector 0x80 affinity 0-3   // 0x80 is the system call vector\n}',
  },
  {
    code: 'IRQD051',
    severity: 'error',
    title: 'Used file cannot be read',
    doc: '`use "FILE"` names a file that is missing, unreadable, not UTF-8 text, too large, or that uses this file again (directly or through others): its systems and scenarios are not available.',
    example: 'use "no-such-box.irqd"',
  },
  {
    code: 'IRQD052',
    severity: 'error',
    title: 'Scenario continuation',
    doc: 'A scenario with `after S` starts from the end state of scenario S, on S\'s system: naming another system, or a chain of `after` that leads back to the scenario, cannot run.',
    example: 'scenario b after a { }\nscenario a after b { }',
  },
  {
    code: 'IRQD053',
    severity: 'warning',
    title: 'Not in this kernel version',
    doc: 'The system declares something its kernel version does not have: a VFIO device that offers PRE_COPY migration (VFIO_MIGRATION_PRE_COPY) on a kernel before 6.2. irqd simulates the declared version, where the feature is missing, and says so here rather than only at the step that needs it.',
    example: "kernel 6.1\ndevice vf0 vf of pf0 index 0 { msix 4 domain PCI-MSI  migration stop-copy pre-copy }",
  },
  {
    code: 'IRQD054',
    severity: 'warning',
    title: 'CPUs the kernel cannot bring up',
    doc: 'x2APIC without interrupt remapping: compat MSIs carry 8 destination bits, so try_to_enable_x2apic() limits APIC IDs to 255 (32767 with a hypervisor\'s extended destination ID) and the kernel ignores the CPUs above (apic_id_valid()). irqd simulates the CPUs the kernel uses; steps naming the others are outside the system.',
    example: 'cpus 512\napic x2apic   // no intel-ir or amd-ir domain: CPUs 256-511 never come up',
  },
  {
    code: 'IRQD055',
    severity: 'warning',
    title: 'Nobody cared: the IRQ is disabled',
    doc: 'note_interrupt() (kernel/irq/spurious.c) saw more than 99,900 of 100,000 interrupts that no handler claimed (IRQ_NONE): the kernel prints "irq N: nobody cared" and disables the IRQ until it is requested again. A stuck level line, a device raising interrupts for another driver, a handler that does not recognise its device. `noirqdebug` on the command line turns the check off.',
    example: 'fire nic[0] 100000 unhandled   // irq 24: nobody cared; Disabling IRQ #24',
  },
  {
    code: 'IRQD056',
    severity: 'warning',
    title: 'Command line and topology disagree',
    doc: 'A `cmdline` option says the kernel sets up something other than what the system declares: `intremap=off` with an intel-ir or amd-ir domain (the kernel creates no remapping domain), `nox2apic` with `apic x2apic` (the kernel enables x2APIC only when the firmware already did). irqd simulates the declared topology and says where the two part.',
    example: 'cmdline "intremap=off"\ndomain IR0 intel-ir parent VECTOR   // the kernel would create no IR0',
  },
  {
    code: 'IRQD040',
    severity: 'info',
    title: 'Not simulated',
    doc: 'A step, platform or kernel command-line option the simulator does not model; names and values are still checked. Command-line options with no bearing on interrupts (console=, root=, tracing) are accepted silently.',
    example: 'vfio vf0 stop-copy',
  },
] as const satisfies readonly CatalogEntry[];

export type DiagnosticCode = (typeof entries)[number]['code'];

export const catalog: readonly CatalogEntry[] = entries;

const byCode = new Map<string, CatalogEntry>(entries.map((e) => [e.code, e]));

export function catalogEntry(code: DiagnosticCode): CatalogEntry {
  return byCode.get(code) as CatalogEntry;
}
