// The benchmark's inputs: .irqd files generated from a seed, so that every
// run measures the same text. Each generator returns the text and what the
// harness needs to check and edit it: the scenarios it must see simulated,
// the steps each one has, and the places where a one-character edit keeps
// the file free of errors.
//
// Usage: node out/bench/generate.js NAME > FILE.irqd   (--list prints the names)

/** A place where the keystroke case inserts `insert` and deletes it again. */
export interface EditSite {
  kind: 'scenario' | 'comment' | 'system';
  /** 0-based line and UTF-16 column, as LSP counts them. */
  line: number;
  character: number;
  insert: string;
}

export interface Generated {
  name: string;
  text: string;
  /** Top-level steps of each scenario, in file order (what its code lens counts). */
  steps: number[];
  /** Scenario names, in file order. */
  scenarios: string[];
  sites: EditSite[];
  /** How many IRQs the largest scenario allocates (for the report). */
  irqs: number;
  cpus: number;
}

/** mulberry32: a small seeded generator, the one the parser's robustness tests use. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Rng {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  float(): number {
    return this.next();
  }
  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[Math.floor(this.next() * items.length)] as T;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** CPU numbers as a kernel cpulist: 0-4,6-47. */
export function cpuList(cpus: Iterable<number>): string {
  const sorted = [...new Set(cpus)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && (sorted[j + 1] as number) === (sorted[j] as number) + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

function range(from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = from; i <= to; i++) out.push(i);
  return out;
}

/** Collects lines and remembers where the edit sites are. */
class Writer {
  readonly lines: string[] = [];
  readonly sites: EditSite[] = [];

  line(text = ''): number {
    this.lines.push(text);
    return this.lines.length - 1;
  }

  /** A line with an edit site just after the first occurrence of `after`. */
  site(text: string, kind: EditSite['kind'], after: string, insert: string): void {
    const at = text.indexOf(after);
    if (at < 0) throw new Error(`no '${after}' in '${text}'`);
    const line = this.line(text);
    this.sites.push({ kind, line, character: at + after.length, insert });
  }

  /** A comment line whose middle is an edit site (a letter typed into a word). */
  comment(indent: string, text: string, editable: boolean): void {
    if (!editable) {
      this.line(`${indent}// ${text}`);
      return;
    }
    const full = `${indent}// ${text}`;
    // Inside the word nearest the middle, never at its edge.
    let at = Math.floor(full.length / 2);
    while (at < full.length - 1 && !(/[a-z]/.test(full[at - 1] ?? '') && /[a-z]/.test(full[at] ?? ''))) at++;
    const line = this.line(full);
    this.sites.push({ kind: 'comment', line, character: at, insert: 'x' });
  }

  text(): string {
    return this.lines.join('\n') + '\n';
  }
}

// ---------------------------------------------------------------------------
// realistic2k and scenarios-N: a two-socket server written as a person would.

type Kind = 'nvme' | 'hba' | 'mlx' | 'ice' | 'ixgbe' | 'igb' | 'vnet' | 'vblk' | 'gpu' | 'qat' | 'port' | 'ahci' | 'xhci';

interface Dev {
  name: string;
  kind: Kind;
  /** MSI-X table size or MSI vectors. */
  vectors: number;
}

const CPUS = 48;
const NODE0 = range(0, 23);
const NODE1 = range(24, 47);

interface Server {
  w: Writer;
  devs: Dev[];
  byKind: Map<Kind, Dev[]>;
  /** The VFs assigned to guests: [guest, VF, guest CPUs]. */
  guests: [string, string, number][];
}

function pciAddr(bus: number, dev: number, fn = 0): string {
  return `0000:${bus.toString(16).padStart(2, '0')}:${dev.toString(16).padStart(2, '0')}.${fn}`;
}

function serverSystem(w: Writer, seed: number): Server {
  const rng = new Rng(seed);
  const devs: Dev[] = [];
  const add = (name: string, kind: Kind, vectors: number): void => {
    devs.push({ name, kind, vectors });
  };
  w.line('// srv-r750: a two-socket storage and network server as irqd sees it.');
  w.line(`// ${CPUS} CPUs (two sockets of 24 cores, SMT off), Linux 6.1 as Debian 12 ships it,`);
  w.line('// VT-d interrupt remapping with one DMAR unit per socket. The devices on socket 0');
  w.line('// go through DMAR0 and PCI-MSI-0, those on socket 1 through DMAR1 and PCI-MSI-1.');
  w.line(`// Generated by test/bench/generate.ts (seed ${seed}) as the benchmark's model of a`);
  w.line('// hand-written machine file; the scenarios below are the what-ifs its admins ask.');
  w.line();
  w.line('system srv "2 sockets, 48 CPUs, Linux 6.1, VT-d" {');
  w.line('  arch x86_64');
  w.line('  kernel 6.1                 // 201 device vectors per CPU, 0x20 is the cleanup IPI');
  w.line(`  cpus ${CPUS}`);
  w.line('  apic x2apic');
  w.line('  dest-mode physical         // x2apic_phys: IRTEs hold plain APIC IDs');
  w.line(`  node 0 cpus ${cpuList(NODE0)}`);
  w.line(`  node 1 cpus ${cpuList(NODE1)}`);
  w.line();
  w.line('  // The irqdomain hierarchy, as /sys/kernel/debug/irq/domains lists it.');
  w.line('  domain VECTOR    vector');
  w.line('  domain DMAR0     intel-ir parent VECTOR { irtes 65536 }');
  w.line('  domain DMAR1     intel-ir parent VECTOR { irtes 65536 }');
  w.line('  domain IO-APIC-0 ioapic   parent DMAR0 { pins 24 source-id f0:1f.0 }');
  w.line('  domain PCI-MSI-0 pci-msi  parent DMAR0    // IR-PCI-MSI-0000:00');
  w.line('  domain PCI-MSI-1 pci-msi  parent DMAR1    // IR-PCI-MSI-0000:80');
  w.line('  domain DMAR-MSI  dmar-msi parent VECTOR   // the DMAR units\' fault interrupts');
  w.line('  domain HPET-MSI  hpet-msi parent DMAR0');
  w.line();
  w.line("  // The kernel's own interrupts: ISA lines, the ACPI SCI, the IOMMUs' faults.");
  w.line('  device timer platform { ioapic pin 2 irq 0 edge }   // IRQ 0 through the ISA override');
  w.line('  device i8042 platform { ioapic pin 1 edge }');
  w.line('  device ttyS1 platform { ioapic pin 3 edge }');
  w.line('  device ttyS0 platform { ioapic pin 4 edge }        // the serial console');
  w.line('  device rtc0  platform { ioapic pin 8 edge }');
  w.line('  device acpi  platform { ioapic pin 9 level }       // the SCI is level-triggered');
  w.line('  device mouse platform { ioapic pin 12 edge }');
  w.line('  device dmar0 platform { msi 1 domain DMAR-MSI }');
  w.line('  device dmar1 platform { msi 1 domain DMAR-MSI }');
  w.line('  device hpet2 platform { msi 1 domain HPET-MSI }    // HPET channel 2 as a per-CPU timer');
  // The platform devices are in no pool of the scenario generator: they have a block of their own.
  w.line();

  w.line('  // The PCH: SATA, USB, SMBus and the BMC.');
  w.line('  device ahci pci 0000:00:17.0 {');
  w.line('    driver ahci');
  w.line('    msi 8 domain PCI-MSI-0 maskable no   // one vector per port, multi-MSI');
  w.line('    ioapic pin 16 level');
  w.line('    bar 5 size 2K');
  w.line('  }');
  add('ahci', 'ahci', 8);
  w.line('  device xhci pci 0000:00:14.0 {');
  w.line('    driver xhci_hcd');
  w.line('    msix 8 domain PCI-MSI-0');
  w.line('    msi 8 domain PCI-MSI-0');
  w.line('    bar 0 size 64K');
  w.line('    msix-table bar 0 offset 0x3000');
  w.line('    msix-pba   bar 0 offset 0x3080');
  w.line('  }');
  add('xhci', 'xhci', 8);
  w.line('  device smbus pci 0000:00:1f.4 { driver i801_smbus  ioapic pin 18 level  bar 0 size 256 }');
  w.line('  device lpc   pci 0000:00:1f.0 { }');
  w.line('  device bmc   pci 0000:02:00.0 { driver ast  bar 0 size 16M  bar 1 size 128K }');
  w.line();

  w.line('  // Root ports: each one has a single MSI for PME, AER and hotplug.');
  let portIndex = 0;
  for (const [bus, domain] of [
    [0x00, 'PCI-MSI-0'],
    [0x80, 'PCI-MSI-1'],
  ] as const) {
    for (let i = 0; i < 16; i++) {
      const name = `port${portIndex++}`;
      w.line(`  device ${name} pci ${pciAddr(bus, 0x1c + (i >> 3), i & 7)} { driver pcieport  msi 1 domain ${domain} maskable yes }`);
      add(name, 'port', 1);
    }
  }
  w.line();

  w.line('  // NVMe drives, eight per socket. 65 MSI-X entries: the admin queue and one');
  w.line('  // I/O queue per CPU, which the driver allocates managed (pre 1 for the admin queue).');
  for (let i = 0; i < 16; i++) {
    const socket1 = i >= 8;
    const name = `nvme${i}`;
    w.line(`  device ${name} pci ${pciAddr((socket1 ? 0x90 : 0x10) + (i % 8), 0)} {`);
    if (i === 0 || i === 8) w.site(`    driver nvme`, 'system', '    driver nv', 'x');
    else w.line('    driver nvme');
    w.line(`    msix 65 domain PCI-MSI-${socket1 ? 1 : 0}`);
    w.line('    bar 0 size 16K');
    w.line('    msix-table bar 0 offset 0x2000');
    w.line('    msix-pba   bar 0 offset 0x3000');
    if (rng.chance(0.3)) w.line(`    node ${socket1 ? 1 : 0}`);
    w.line('  }');
    add(name, 'nvme', 65);
  }
  w.line();

  w.line('  // The RAID HBAs: megaraid_sas asks for one managed reply queue per CPU.');
  for (let i = 0; i < 2; i++) {
    const name = `hba${i}`;
    w.line(`  device ${name} pci ${pciAddr(0x18 + i, 0)} {`);
    w.line('    driver megaraid_sas');
    w.line('    msix 128 domain PCI-MSI-0');
    w.line('    bar 0 size 1M');
    w.line('    msix-table bar 0 offset 0x10000');
    w.line('    msix-pba   bar 0 offset 0x18000');
    w.line('  }');
    add(name, 'hba', 128);
  }
  w.line();

  w.line('  // 100G ConnectX-6 ports on socket 1, with SR-IOV: their VFs go to the guests.');
  for (let i = 0; i < 4; i++) {
    const name = `mlx${i}`;
    w.line(`  device ${name} pci ${pciAddr(0xa0 + (i >> 1), 0, i & 1)} {`);
    if (i === 1) w.site('    driver mlx5_core', 'system', '    driver mlx5_', 'x');
    else w.line('    driver mlx5_core');
    w.line('    msix 128 domain PCI-MSI-1');
    w.line('    bar 0 size 32M');
    w.line('    msix-table bar 0 offset 0x2000');
    w.line('    msix-pba   bar 0 offset 0x3000');
    w.line('    sriov 8');
    w.line('    node 1');
    w.line('  }');
    add(name, 'mlx', 128);
  }
  for (let i = 0; i < 4; i++) {
    for (let v = 0; v < 2; v++) {
      const name = `mlx${i}v${v}`;
      w.line(`  device ${name} vf of mlx${i} index ${v} { driver mlx5_core  msix 8 domain PCI-MSI-1 }`);
    }
  }
  w.line();

  w.line('  // E810 and 82599 ports on socket 0, and the two onboard i350 ports.');
  for (let i = 0; i < 2; i++) {
    const name = `ice${i}`;
    w.line(`  device ${name} pci ${pciAddr(0x30, 0, i)} {`);
    if (i === 1) w.site('    driver ice', 'system', '    driver i', 'x');
    else w.line('    driver ice');
    w.line('    msix 256 domain PCI-MSI-0');
    w.line('    bar 0 size 32M');
    w.line('    bar 3 size 64K');
    w.line('    msix-table bar 3 offset 0x0');
    w.line('    msix-pba   bar 3 offset 0x8000');
    w.line('  }');
    add(name, 'ice', 256);
  }
  for (let i = 0; i < 2; i++) {
    const name = `ixgbe${i}`;
    w.line(`  device ${name} pci ${pciAddr(0x31, 0, i)} {`);
    w.line('    driver ixgbe');
    w.line('    msix 64 domain PCI-MSI-0');
    w.line('    bar 0 size 512K');
    w.line('    bar 4 size 16K');
    w.line('    msix-table bar 4 offset 0x0');
    w.line('    msix-pba   bar 4 offset 0x2000');
    w.line('  }');
    add(name, 'ixgbe', 64);
  }
  for (let i = 0; i < 2; i++) {
    const name = `eno${i + 1}`;
    w.line(`  device ${name} pci ${pciAddr(0x04, 0, i)} { driver igb  msix 10 domain PCI-MSI-0  bar 0 size 1M  bar 3 size 16K }`);
    add(name, 'igb', 10);
  }
  w.line();

  w.line('  // virtio functions of the SmartNIC (vDPA): virtio-net has its hotplug affinity');
  w.line('  // simulated, virtio-blk spreads its request queues managed.');
  for (let i = 0; i < 4; i++) {
    const name = `vnet${i}`;
    w.line(`  device ${name} pci ${pciAddr(0xb0, i)} { driver virtio_net  msix 9 domain PCI-MSI-1  bar 4 size 16K }`);
    add(name, 'vnet', 9);
  }
  for (let i = 0; i < 4; i++) {
    const name = `vblk${i}`;
    w.line(`  device ${name} pci ${pciAddr(0xb1, i)} { driver virtio_blk  msix 5 domain PCI-MSI-1  bar 4 size 16K }`);
    add(name, 'vblk', 5);
  }
  w.line();

  w.line('  // GPUs (one MSI each) and QuickAssist accelerators.');
  for (let i = 0; i < 4; i++) {
    const name = `gpu${i}`;
    w.line(`  device ${name} pci ${pciAddr(0xc0 + i, 0)} {`);
    w.line('    driver nvidia');
    w.line('    msi 1 domain PCI-MSI-1 maskable yes');
    w.line('    bar 0 size 16M');
    w.line('    bar 1 size 256M');
    w.line('  }');
    add(name, 'gpu', 1);
  }
  for (let i = 0; i < 4; i++) {
    const name = `qat${i}`;
    w.line(`  device ${name} pci ${pciAddr(0x6b + i, 0)} { driver qat_4xxx  msix 32 domain PCI-MSI-0  bar 0 size 2M  msix-table bar 0 offset 0x1000 }`);
    add(name, 'qat', 32);
  }
  w.line();

  w.line('  // Two guests, each with a ConnectX VF assigned and the hypercall domain.');
  const guests: [string, string, number][] = [
    ['vm1', 'mlx0v0', 8],
    ['vm2', 'mlx2v1', 4],
  ];
  for (const [g, vf, cpus] of guests) {
    w.line(`  guest ${g} {`);
    w.line(`    cpus ${cpus}`);
    w.line('    hypervisor visible');
    w.line('    domain VECTOR    vector');
    w.line('    domain HCALL     hcall   parent VECTOR');
    w.line('    domain GUEST-MSI pci-msi parent HCALL');
    w.line(`    assign ${vf} as 00:04.0`);
    w.line('  }');
  }
  w.line('}');
  const byKind = new Map<Kind, Dev[]>();
  for (const d of devs) byKind.set(d.kind, [...(byKind.get(d.kind) ?? []), d]);
  return { w, devs, byKind, guests };
}

/** group_cpus_evenly() for this machine's two equal nodes: n groups of consecutive CPUs. */
function managedMasks(n: number): number[][] {
  const perNode = Math.max(1, Math.floor(n / 2));
  const out: number[][] = [];
  for (const node of [NODE0, NODE1]) {
    const base = Math.floor(node.length / perNode);
    let extra = node.length % perNode;
    let at = 0;
    for (let g = 0; g < perNode && out.length < n; g++) {
      const len = base + (extra > 0 ? 1 : 0);
      if (extra > 0) extra--;
      out.push(node.slice(at, at + len));
      at += len;
    }
  }
  return out;
}

/** virtnet_set_affinity(): the online CPUs cut into one run per queue pair. */
function virtnetMasks(online: number[], pairs: number): number[][] {
  const stride = Math.max(Math.floor(online.length / pairs), 1);
  const stragglers = online.length >= pairs ? online.length % pairs : 0;
  const out: number[][] = [];
  let next = 0;
  for (let i = 0; i < pairs; i++) {
    const group = stride + (i < stragglers ? 1 : 0);
    const mask: number[] = [];
    for (let j = 0; j < group; j++) mask.push(online[next++ % online.length] as number);
    out.push(mask);
  }
  return out;
}

const THEMES = [
  'storage comes up',
  'irqbalance pins the NIC queues',
  'unplug two cores of socket 1',
  'driver reload on the 100G ports',
  'NVMe queues across a hotplug',
  'RAID HBA reply queues',
  'virtio-net follows the online CPUs',
  'guest VFs and the hypercall domain',
  'the SCI and the DMAR faults',
  'E810 RSS on socket 0',
  'power saving: park eight CPUs',
  'GPU and QAT interrupts',
  'maintenance: ports and USB',
  'a noisy neighbour on CPU 3',
  'rebalance after a failover',
  'masking a queue under load',
  'socket 0 only',
  'bring-up of a new rack node',
  'the serial console and the RTC',
  'ixgbe flow director queues',
  'everything at once',
];

const WHY = [
  'Asked in the capacity review: does this still fit after the next kernel update?',
  'From the incident of last Tuesday, replayed step by step.',
  'The vendor says this works; here is what the kernel does with it.',
  'What irqbalance would do by hand, so we can compare with the real box.',
  'A change request for the storage team, written down before it is done.',
  'Reproduces the question from the mailing list, on our hardware.',
];
const HOW = [
  'Each expect is what /proc/irq/N/smp_affinity_list or effective_affinity shows.',
  'The CPU numbers are the ones the BIOS gives; node 0 is socket 0.',
  'Hover a step for the IRTE and the message; the lens runs it step by step.',
  'Nothing here writes to the hardware: it is the kernel\'s bookkeeping only.',
  'The queues that matter are pinned; the others keep the default affinity.',
];

interface ScenarioState {
  online: Set<number>;
  /** Unmanaged vectors whose affinity the scenario set: "dev[i]" → mask. */
  pinned: Map<string, number[]>;
  /** Devices allocated in this scenario, with how many vectors. */
  allocated: Map<string, number>;
  /** Managed queues: "dev[i]" → mask. */
  managed: Map<string, number[]>;
  /** virtio-net devices requested in full: name → pairs. */
  vnets: Map<string, number>;
  /** Vectors the edit site touches: no expectation may depend on them. */
  volatile: Set<string>;
  guestDone: Set<string>;
  platformDone: boolean;
  siteDone: boolean;
}

interface Emitter {
  w: Writer;
  steps: number;
  step(text: string): void;
  comment(text: string): void;
}

function onlineList(s: ScenarioState): number[] {
  return [...s.online].sort((a, b) => a - b);
}

/**
 * One scenario of about `target` top-level steps, built from blocks a person
 * would write: bring devices up, pin queues, take CPUs away and bring them
 * back, fire, mask, tear down. Every expectation follows from the kernel rules
 * docs/simulation.md states (managed spreading, broken affinity, virtio-net's
 * hotplug callback), and the harness checks that they pass.
 */
function serverScenario(srv: Server, e: Emitter, rng: Rng, target: number, commentSite: boolean): void {
  const s: ScenarioState = {
    online: new Set(range(0, CPUS - 1)),
    pinned: new Map(),
    allocated: new Map(),
    managed: new Map(),
    vnets: new Map(),
    volatile: new Set(),
    guestDone: new Set(),
    platformDone: false,
    siteDone: false,
  };
  const free = (kind: Kind): Dev[] => (srv.byKind.get(kind) ?? []).filter((d) => !s.allocated.has(d.name));
  const onlineCpu = (exclude0 = false): number => rng.pick(onlineList(s).filter((c) => !exclude0 || c !== 0));
  const torn = new Set<string>();
  const nics: Kind[] = ['mlx', 'ice', 'ixgbe', 'igb', 'qat'];
  const teardownable = (): Dev[] => srv.devs.filter((d) => nics.includes(d.kind) && s.allocated.has(d.name) && !torn.has(d.name));
  let bootCpuChecks = 0;
  let commentPending = commentSite;
  const note = (text: string): void => {
    if (commentPending) {
      e.w.comment('  ', text, true);
      commentPending = false;
    } else e.comment(text);
  };

  const pin = (sel: string, mask: number[]): void => {
    e.step(`affinity ${sel} ${cpuList(mask)}`);
    s.pinned.set(sel, mask);
    const live = mask.filter((c) => s.online.has(c));
    e.step(`expect ${sel} cpu ${cpuList(live)}`);
    if (rng.chance(0.4)) e.step(`expect ${sel} affinity ${cpuList(mask)}`);
  };

  const fireOne = (sel: string): void => {
    e.step(`fire ${sel}`);
    e.step(`expect ${sel} delivered`);
  };

  const blocks: { name: string; size: number; ok: () => boolean; run: () => void }[] = [
    {
      name: 'platform',
      size: 10,
      ok: () => !s.platformDone,
      run: () => {
        s.platformDone = true;
        note('The kernel\'s own lines: the timer, the SCI, the first DMAR unit\'s fault interrupt.');
        e.step('alloc timer 1');
        e.step('request timer');
        e.step('alloc acpi 1');
        e.step('request acpi');
        const c = onlineCpu();
        e.step(`affinity irq 9 ${c}                  // the SCI is GSI 9, IRQ 9`);
        e.step(`expect acpi cpu ${c}`);
        s.pinned.set('acpi', [c]);
        e.step('alloc dmar0 1');
        e.step('request dmar0');
        fireOne('acpi');
      },
    },
    {
      name: 'nvme',
      size: 9,
      ok: () => free('nvme').length > 0,
      run: () => {
        const d = rng.pick(free('nvme'));
        s.allocated.set(d.name, 49);
        note(`${d.name}: the admin queue plus one I/O queue per CPU, spread managed.`);
        e.step(`alloc ${d.name} 49 managed pre 1`);
        e.step(`request ${d.name}[*]`);
        const masks = managedMasks(48);
        masks.forEach((m, i) => s.managed.set(`${d.name}[${i + 1}]`, m));
        const j = rng.int(1, 48);
        const cpu = (masks[j - 1] as number[])[0] as number;
        e.step(`expect ${d.name}[${j}] affinity ${cpu}`);
        if (s.online.has(cpu)) {
          e.step(`expect ${d.name}[${j}] cpu ${cpu}`);
          fireOne(`${d.name}[${j}]`);
        } else e.step(`expect fail -EIO affinity ${d.name}[${j}] ${onlineCpu()}`);
        e.step(`expect fail -EIO affinity ${d.name}[${rng.int(1, 48)}] ${onlineCpu()}   // managed: the kernel owns it`);
        pin(`${d.name}[0]`, [onlineCpu()]);
      },
    },
    {
      name: 'hba',
      size: 5,
      ok: () => free('hba').length > 0,
      run: () => {
        const d = rng.pick(free('hba'));
        s.allocated.set(d.name, 48);
        note(`${d.name}: megaraid_sas reply queues, one per CPU.`);
        e.step(`alloc ${d.name} 48 managed`);
        e.step(`request ${d.name}[*]`);
        managedMasks(48).forEach((m, i) => s.managed.set(`${d.name}[${i}]`, m));
        const j = rng.int(0, 47);
        e.step(`expect ${d.name}[${j}] affinity ${j}`);
        if (s.online.has(j)) e.step(`expect ${d.name}[${j}] cpu ${j}`);
        else e.step(`expect ${d.name}[${j}] affinity ${j}`);
        e.step(`expect fail -EIO affinity ${d.name}[${rng.int(0, 47)}] 0-${CPUS - 1}`);
      },
    },
    {
      name: 'nic',
      size: 12,
      ok: () => free('mlx').length + free('ice').length + free('ixgbe').length + free('igb').length > 0,
      run: () => {
        const d = rng.pick([...free('mlx'), ...free('ice'), ...free('ixgbe'), ...free('igb')]);
        const q = Math.min(d.vectors, rng.pick([8, 16, 24, 32, 48]));
        s.allocated.set(d.name, q);
        note(`${d.name}: ${q} queues, then pin a few of them by hand.`);
        e.step(`alloc ${d.name} ${q}`);
        e.step(`request ${d.name}[0-${q - 1}]`);
        const picks = new Set<number>();
        while (picks.size < Math.min(3, q - 1)) picks.add(rng.int(0, q - 1));
        for (const i of picks) {
          const sel = `${d.name}[${i}]`;
          // The scenario's edit site: a one-digit CPU that stays valid with a '1' typed after it.
          const siteCpus = [1, 2, 3, 4].filter((c) => s.online.has(c) && s.online.has(c * 10 + 1));
          if (!s.siteDone && siteCpus.length > 0) {
            s.siteDone = true;
            s.volatile.add(sel);
            const c = rng.pick(siteCpus);
            e.w.site(`  affinity ${sel} ${c}`, 'scenario', `  affinity ${sel} ${c}`, '1');
            e.steps++;
            continue;
          }
          if (rng.chance(0.3)) {
            const node = rng.chance(0.5) ? NODE0 : NODE1;
            const from = rng.int(0, 16);
            const mask = node.slice(from, from + rng.int(2, 8));
            if (!mask.some((c) => s.online.has(c))) continue;
            pin(sel, mask);
          } else pin(sel, [onlineCpu()]);
        }
        const f = [...picks].find((i) => !s.volatile.has(`${d.name}[${i}]`));
        if (f !== undefined) fireOne(`${d.name}[${f}]`);
      },
    },
    {
      name: 'vnet',
      size: 4,
      ok: () => free('vnet').length > 0,
      run: () => {
        const d = rng.pick(free('vnet'));
        s.allocated.set(d.name, 9);
        note(`${d.name}: a config vector and four queue pairs.`);
        e.step(`alloc ${d.name} 9`);
        e.step(`request ${d.name}[*]`);
        s.vnets.set(d.name, 4);
        fireOne(`${d.name}[1]`);
      },
    },
    {
      name: 'vblk',
      size: 5,
      ok: () => free('vblk').length > 0,
      run: () => {
        const d = rng.pick(free('vblk'));
        s.allocated.set(d.name, 5);
        note(`${d.name}: virtio-blk spreads its four request queues over both nodes.`);
        e.step(`alloc ${d.name} 5 managed pre 1`);
        e.step(`request ${d.name}[*]`);
        const masks = managedMasks(4);
        const j = rng.int(1, 4);
        e.step(`expect ${d.name}[${j}] affinity ${cpuList(masks[j - 1] as number[])}`);
        e.step(`expect fail -EIO affinity ${d.name}[${j}] ${onlineCpu()}`);
        masks.forEach((m, i) => s.managed.set(`${d.name}[${i + 1}]`, m));
      },
    },
    {
      name: 'small',
      size: 9,
      ok: () => free('gpu').length > 0 && free('port').length > 1,
      run: () => {
        const g = rng.pick(free('gpu'));
        s.allocated.set(g.name, 1);
        note(`${g.name} and two root ports: one MSI each.`);
        e.step(`alloc ${g.name} 1`);
        e.step(`request ${g.name}`);
        pin(g.name, [onlineCpu()]);
        for (let k = 0; k < 2; k++) {
          const p = rng.pick(free('port'));
          s.allocated.set(p.name, 1);
          e.step(`alloc ${p.name} 1`);
          e.step(`request ${p.name}`);
        }
      },
    },
    {
      name: 'storage',
      size: 8,
      ok: () => free('ahci').length > 0 && free('qat').length > 0,
      run: () => {
        const q = rng.pick(free('qat'));
        s.allocated.set('ahci', 8);
        s.allocated.set(q.name, 16);
        note('SATA with multi-MSI, and a QAT engine with sixteen rings.');
        e.step('alloc ahci 8 min 1 via msi');
        e.step('request ahci[*]');
        fireOne('ahci[0]');
        e.step(`alloc ${q.name} 16`);
        e.step(`request ${q.name}[0-15]`);
        fireOne(`${q.name}[${rng.int(0, 15)}]`);
      },
    },
    {
      name: 'guest',
      size: 6,
      ok: () => srv.guests.some(([g]) => !s.guestDone.has(g)),
      run: () => {
        const [g, vf, cpus] = rng.pick(srv.guests.filter(([name]) => !s.guestDone.has(name)));
        s.guestDone.add(g);
        const c = rng.int(1, cpus - 1);
        note(`Inside ${g}: its driver sets up the VF through the hypercall domain.`);
        // The server counts the steps inside a guest block, not the block.
        e.w.line(`  guest ${g} {`);
        e.steps += 6;
        e.w.line(`    alloc ${vf} 4`);
        e.w.line(`    request ${vf}[0-3]`);
        e.w.line(`    affinity ${vf}[1] ${c}`);
        e.w.line(`    expect ${vf}[1] cpu ${c}`);
        e.w.line(`    fire ${vf}[1]`);
        e.w.line(`    expect ${vf}[1] delivered`);
        e.w.line('  }');
      },
    },
    {
      name: 'offline',
      size: 12,
      ok: () => s.online.size > CPUS - 8,
      run: () => {
        const n = rng.int(1, 3);
        const start = rng.int(1, CPUS - n);
        const cpus = range(start, start + n - 1).filter((c) => s.online.has(c));
        if (cpus.length === 0) return;
        note(`Take CPU${cpus.length > 1 ? 's' : ''} ${cpuList(cpus)} away.`);
        e.step(`offline cpu ${cpuList(cpus)}`);
        const before = new Map(s.pinned);
        // The CPUs go down one at a time: a mask broken by the first one is
        // the online CPUs of that moment, which may include the next one.
        for (const c of cpus) {
          s.online.delete(c);
          for (const [sel, mask] of s.pinned) if (!mask.some((m) => s.online.has(m))) s.pinned.set(sel, onlineList(s));
        }
        afterHotplug(true, cpus, before);
      },
    },
    {
      name: 'online',
      size: 10,
      ok: () => s.online.size < CPUS,
      run: () => {
        const back = range(0, CPUS - 1).filter((c) => !s.online.has(c));
        const cpus = rng.chance(0.5) ? back : back.slice(0, 1);
        note(`CPU${cpus.length > 1 ? 's' : ''} ${cpuList(cpus)} come${cpus.length > 1 ? '' : 's'} back; broken affinities stay broken.`);
        e.step(`online cpu ${cpuList(cpus)}`);
        for (const c of cpus) s.online.add(c);
        afterHotplug(false, cpus, new Map(s.pinned));
      },
    },
    {
      name: 'mask',
      size: 4,
      ok: () => [...s.pinned.keys()].some((k) => k.includes('[') && !k.startsWith('gpu')),
      run: () => {
        const sel = rng.pick([...s.pinned.keys()].filter((k) => k.includes('[') && !k.startsWith('gpu')));
        note(`Mask ${sel} while it fires: the interrupt is held pending until unmask.`);
        e.step(`mask ${sel}`);
        e.step(`fire ${sel}`);
        e.step(`unmask ${sel}`);
        e.step(`expect ${sel} delivered`);
      },
    },
    {
      name: 'teardown',
      size: 2,
      ok: () => teardownable().length > 0,
      run: () => {
        const d = rng.pick(teardownable());
        const q = s.allocated.get(d.name) as number;
        note(`Unbind ${d.name}: free_irq() on every queue, then pci_free_irq_vectors().`);
        e.step(`release ${d.name}[0-${q - 1}]`);
        e.step(`free ${d.name}`);
        torn.add(d.name);
        for (const key of [...s.pinned.keys()]) if (key.startsWith(`${d.name}[`)) s.pinned.delete(key);
      },
    },
    {
      name: 'boot-cpu',
      size: 1,
      ok: () => bootCpuChecks < 2,
      run: () => {
        bootCpuChecks++;
        e.step('expect fail -EBUSY offline cpu 0        // the boot CPU stays');
      },
    },
    {
      name: 'recheck',
      size: 1,
      ok: () => s.pinned.size > 0,
      run: () => {
        // A second look at a pinned vector, as one does after a few steps.
        const [sel, mask] = rng.pick([...s.pinned.entries()]);
        if (rng.chance(0.5)) e.step(`expect ${sel} affinity ${cpuList(mask)}`);
        else e.step(`expect ${sel} cpu ${cpuList(mask.filter((c) => s.online.has(c)))}`);
      },
    },
    {
      name: 'refire',
      size: 2,
      ok: () => s.pinned.size > 0,
      run: () => fireOne(rng.pick([...s.pinned.keys()])),
    },
  ];

  /** What the kernel did to the affinities this scenario knows, after a hotplug. */
  function afterHotplug(offline: boolean, cpus: number[], before: Map<string, number[]>): void {
    const online = onlineList(s);
    let expects = 0;
    for (const [sel, mask] of s.pinned) {
      if (expects >= 4 || !offline) break;
      const old = before.get(sel) ?? mask;
      if (old !== mask) {
        // migrate_one_irq(): no CPU of the mask was left, the affinity was broken to the online CPUs.
        e.step(`expect ${sel} affinity ${cpuList(mask)}`);
        expects++;
      } else if (mask.some((c) => cpus.includes(c))) {
        e.step(`expect ${sel} cpu ${cpuList(mask.filter((c) => s.online.has(c)))}`);
        expects++;
      }
    }
    if (!offline) {
      // irq_affinity_online_cpu(): the managed queues of the returning CPUs start again.
      for (const [sel, mask] of s.managed) {
        if (expects >= 3) break;
        if (mask.length === 1 && cpus.includes(mask[0] as number)) {
          e.step(`expect ${sel} cpu ${mask[0]}`);
          expects++;
        }
      }
      const broken = [...s.pinned.entries()].find(([, m]) => m.length > 8);
      if (broken) e.step(`expect ${broken[0]} affinity ${cpuList(broken[1])}`);
    }
    // virtnet_cpu_dead() / virtnet_cpu_online(): the queue pairs get the online CPUs in runs.
    for (const [name, pairs] of s.vnets) {
      const masks = virtnetMasks(online, pairs);
      const p = rng.int(0, pairs - 1);
      e.step(`expect ${name}[${1 + 2 * p}] affinity ${cpuList(masks[p] as number[])}`);
    }
  }

  while (e.steps < target) {
    const room = target - e.steps;
    const fits = blocks.filter((b) => b.size <= room && b.ok());
    if (fits.length === 0) break;
    // Hotplug and masking once there is something to move, and then often:
    // taking CPUs away is what most of these what-ifs are about.
    const weight = (b: (typeof blocks)[number]): number => (['offline', 'online', 'mask'].includes(b.name) ? (s.allocated.size < 2 ? 0 : 3) : 1);
    const weighted = fits.flatMap((b) => Array.from({ length: weight(b) }, () => b));
    const b = rng.pick(weighted.length > 0 ? weighted : fits);
    b.run();
  }
  if (!s.siteDone) {
    // Every scenario carries one CPU-number edit site, even one the blocks left without.
    const spare = [...(srv.byKind.get('igb') ?? []), ...(srv.byKind.get('ixgbe') ?? [])].filter((x) => !torn.has(x.name));
    const d = (spare.find((x) => s.allocated.has(x.name)) ?? spare[0]) as Dev;
    if (!s.allocated.has(d.name)) {
      e.step(`alloc ${d.name} 4`);
      e.step(`request ${d.name}[0-3]`);
      s.allocated.set(d.name, 4);
    }
    const c = [1, 2, 3, 4].find((x) => s.online.has(x) && s.online.has(x * 10 + 1)) ?? 1;
    e.w.site(`  affinity ${d.name}[1] ${c}`, 'scenario', `  affinity ${d.name}[1] ${c}`, '1');
    e.steps++;
  }
}

function emitter(w: Writer): Emitter {
  const e: Emitter = {
    w,
    steps: 0,
    step(text: string) {
      w.line(`  ${text}`);
      e.steps++;
    },
    comment(text: string) {
      w.line(`  // ${text}`);
    },
  };
  return e;
}

/** The server machine with `count` scenarios; `sizes` gives each scenario's step target. */
function serverFile(name: string, seed: number, count: number, size: (i: number, rng: Rng) => number): Generated {
  const w = new Writer();
  const srv = serverSystem(w, seed);
  const rng = new Rng(seed + 1);
  const steps: number[] = [];
  const scenarios: string[] = [];
  for (let i = 0; i < count; i++) {
    const theme = THEMES[i % THEMES.length] as string;
    const title = count > THEMES.length ? `${theme} (${Math.floor(i / THEMES.length) + 1})` : theme;
    w.line();
    if (rng.chance(0.5)) w.line(`// ${i + 1}. ${theme[0]?.toUpperCase()}${theme.slice(1)}.`);
    w.line(`scenario "${title}" on srv {`);
    w.line(`  // ${rng.pick(WHY)}`);
    w.line(`  // ${rng.pick(HOW)}`);
    const e = emitter(w);
    serverScenario(srv, e, new Rng(seed * 1000 + i), size(i, rng), i % 3 === 0);
    w.line('}');
    steps.push(e.steps);
    scenarios.push(title);
  }
  return { name, text: w.text(), steps, scenarios, sites: w.sites, irqs: 0, cpus: CPUS };
}

export function realistic2k(): Generated {
  return serverFile('realistic2k', 2026, 21, (_i, rng) => rng.int(40, 80));
}

export function scenariosN(n: number): Generated {
  return serverFile(`scenarios-${n}`, 2026, n, () => 60);
}

// ---------------------------------------------------------------------------
// machine512 and irqs65536: the biggest machine the simulator takes.

const BIG_CPUS = 512;
const BIG_DEVICES = 256;
const BIG_VECTORS = 256;
const BIG_IOMMUS = 4;

function bigSystem(w: Writer): void {
  w.line(`// A ${BIG_CPUS}-CPU machine with ${BIG_DEVICES} devices of ${BIG_VECTORS} MSI-X vectors each:`);
  w.line(`// ${BIG_DEVICES * BIG_VECTORS} IRQs, the simulator's MAX_IRQS, behind ${BIG_IOMMUS} VT-d units.`);
  w.line('// Generated by test/bench/generate.ts.');
  w.line(`system big "${BIG_CPUS} CPUs, ${BIG_IOMMUS} DMAR units" {`);
  w.line('  kernel 6.1');
  w.line(`  cpus ${BIG_CPUS}`);
  w.line('  apic x2apic');
  const perNode = BIG_CPUS / 8;
  for (let n = 0; n < 8; n++) w.line(`  node ${n} cpus ${n * perNode}-${(n + 1) * perNode - 1}`);
  w.line('  domain VECTOR vector');
  for (let u = 0; u < BIG_IOMMUS; u++) {
    w.line(`  domain DMAR${u} intel-ir parent VECTOR { irtes 65536 }`);
    w.line(`  domain PCI-MSI-${u} pci-msi parent DMAR${u}`);
  }
  for (let i = 0; i < BIG_DEVICES; i++) {
    const u = Math.floor(i / (BIG_DEVICES / BIG_IOMMUS));
    const kind = i % 8 === 0 ? 'nvme' : 'nic';
    w.line(`  device ${kind}${i} pci ${pciAddr(1 + (i >> 5), i & 31)} { driver ${kind === 'nvme' ? 'nvme' : 'mlx5_core'}  msix ${BIG_VECTORS} domain PCI-MSI-${u}  node ${i % 8} }`);
  }
  w.line('}');
}

function bigBoot(w: Writer): number {
  w.line();
  w.line('// Every driver probes: all vectors allocated and requested.');
  w.line('scenario boot on big {');
  let steps = 0;
  for (let i = 0; i < BIG_DEVICES; i++) {
    const dev = i % 8 === 0 ? `nvme${i}` : `nic${i}`;
    w.line(i % 8 === 0 ? `  alloc ${dev} ${BIG_VECTORS} managed pre 1` : `  alloc ${dev} ${BIG_VECTORS}`);
    w.line(`  request ${dev}[*]`);
    steps += 2;
  }
  w.line('}');
  return steps;
}

export function machine512(): Generated {
  const w = new Writer();
  bigSystem(w);
  const steps = [bigBoot(w)];
  const scenarios = ['boot'];
  const rng = new Rng(512);
  for (let k = 1; k < 50; k++) {
    w.line();
    w.line(`scenario s${k} after boot {`);
    let n = 0;
    const target = rng.int(5, 20);
    const online = new Set(range(0, BIG_CPUS - 1));
    const pinned = new Map<string, number[]>();
    while (n < target) {
      const r = rng.float();
      if (r < 0.4) {
        const i = rng.int(0, BIG_DEVICES - 1);
        if (i % 8 === 0) {
          w.line(`  expect fail -EIO affinity nvme${i}[${rng.int(1, BIG_VECTORS - 1)}] ${rng.int(0, BIG_CPUS - 1)}`);
          n++;
          continue;
        }
        const sel = `nic${i}[${rng.int(0, BIG_VECTORS - 1)}]`;
        const c = rng.pick([...online]);
        w.line(`  affinity ${sel} ${c}`);
        w.line(`  expect ${sel} cpu ${c}`);
        pinned.set(sel, [c]);
        n += 2;
      } else if (r < 0.6 && online.size > BIG_CPUS - 16) {
        const c = rng.int(1, BIG_CPUS - 1);
        if (!online.has(c)) continue;
        w.line(`  offline cpu ${c}`);
        online.delete(c);
        n++;
        for (const [sel, mask] of pinned) {
          if (mask.every((m) => !online.has(m))) {
            const all = [...online].sort((a, b) => a - b);
            w.line(`  expect ${sel} affinity ${cpuList(all)}`);
            pinned.set(sel, all);
            n++;
          }
        }
      } else if (r < 0.75 && online.size < BIG_CPUS) {
        const back = [...range(0, BIG_CPUS - 1)].filter((c) => !online.has(c));
        w.line(`  online cpu ${cpuList(back)}`);
        for (const c of back) online.add(c);
        n++;
      } else if (r < 0.9 && pinned.size > 0) {
        const sel = rng.pick([...pinned.keys()]);
        w.line(`  fire ${sel}`);
        w.line(`  expect ${sel} delivered`);
        n += 2;
      } else {
        w.line('  expect fail -EBUSY offline cpu 0');
        n++;
      }
    }
    w.line('}');
    steps.push(n);
    scenarios.push(`s${k}`);
  }
  return { name: 'machine512', text: w.text(), steps, scenarios, sites: w.sites, irqs: BIG_DEVICES * BIG_VECTORS, cpus: BIG_CPUS };
}

export function irqs65536(): Generated {
  const w = new Writer();
  bigSystem(w);
  const steps = [bigBoot(w)];
  return { name: 'irqs65536', text: w.text(), steps, scenarios: ['boot'], sites: [], irqs: BIG_DEVICES * BIG_VECTORS, cpus: BIG_CPUS };
}

// ---------------------------------------------------------------------------
// steps-N and cpus-N: one scenario, the same devices, a growing number.

const SCALE_DEVICES = 16;
const SCALE_VECTORS = 32;

/**
 * One scenario of exactly `steps` top-level steps on a machine of `cpus`
 * CPUs. The steps name CPUs 0-7 only, so the same text runs on every CPU
 * count from 8 up: eight devices stay up throughout, the other eight are
 * brought up and torn down in turn, with affinity writes, hotplug of CPUs
 * 1-7, masking and interrupts in between.
 */
export function scale(name: string, cpus: number, steps: number): Generated {
  const w = new Writer();
  w.line(`// ${steps} steps on ${cpus} CPUs. Generated by test/bench/generate.ts.`);
  w.line(`system scale "${cpus} CPUs" {`);
  w.line('  kernel 6.1');
  w.line(`  cpus ${cpus}`);
  w.line('  apic x2apic');
  w.line('  domain VECTOR  vector');
  w.line('  domain DMAR0   intel-ir parent VECTOR { irtes 65536 }');
  w.line('  domain PCI-MSI pci-msi  parent DMAR0');
  for (let i = 0; i < SCALE_DEVICES; i++) {
    w.line(`  device eth${i} pci ${pciAddr(1 + i, 0)} { driver ixgbe  msix ${SCALE_VECTORS} domain PCI-MSI }`);
  }
  w.line('}');
  w.line();
  w.line('scenario churn on scale {');
  const body: string[] = [];
  const last = SCALE_VECTORS - 1;
  for (let i = 0; i < SCALE_DEVICES / 2; i++) body.push(`alloc eth${i} ${SCALE_VECTORS}`, `request eth${i}[0-${last}]`);
  let k = 0;
  while (body.length < steps) {
    const d = `eth${SCALE_DEVICES / 2 + (k % (SCALE_DEVICES / 2))}`;
    const p = `eth${k % (SCALE_DEVICES / 2)}`;
    const c = 1 + (k % 6);
    body.push(
      `alloc ${d} ${SCALE_VECTORS}`,
      `request ${d}[0-${last}]`,
      `affinity ${d}[1] ${c}`,
      `expect ${d}[1] cpu ${c}`,
      `affinity ${p}[${k % SCALE_VECTORS}] ${c}-${c + 1}`,
      `offline cpu ${c + 1}`,
      `expect ${p}[${k % SCALE_VECTORS}] cpu ${c}`,
      `fire ${d}[1]`,
      `expect ${d}[1] delivered`,
      `online cpu ${c + 1}`,
      `mask ${p}[2]`,
      `unmask ${p}[2]`,
      `release ${d}[0-${last}]`,
      `free ${d}`,
    );
    k++;
  }
  // Trim to the exact count: the cut may fall inside a bring-up, so the tail
  // is filled with steps that hold in any state.
  body.length = Math.min(body.length, steps);
  while (body.length > 0 && !/^(free|expect fail)/.test(body[body.length - 1] as string) && body.length > steps - 14) body.pop();
  while (body.length < steps) body.push('expect fail -EBUSY offline cpu 0');
  for (const b of body) w.line(`  ${b}`);
  w.line('}');
  return { name, text: w.text(), steps: [body.length], scenarios: ['churn'], sites: [], irqs: SCALE_DEVICES * SCALE_VECTORS, cpus };
}

// ---------------------------------------------------------------------------

/** Every generator by name; the harness and the command line share this table. */
export const generators: Record<string, () => Generated> = {
  realistic2k,
  ...Object.fromEntries([1, 4, 16, 42, 84].map((n) => [`scenarios-${n}`, () => scenariosN(n)])),
  machine512,
  irqs65536,
  ...Object.fromEntries(
    [
      ['1k', 1000],
      ['4k', 4000],
      ['16k', 16000],
    ].map(([label, n]) => [`steps-${label}`, () => scale(`steps-${label}`, 64, n as number)]),
  ),
  ...Object.fromEntries([8, 64, 512, 8192].map((n) => [`cpus-${n}`, () => scale(`cpus-${n}`, n, 2000)])),
};

/** A JSON document of about `bytes` bytes, shaped like an inventory, and a schema for it. */
export function jsonOfSize(bytes: number): { text: string; schema: object; sites: EditSite[] } {
  const rng = new Rng(7);
  const lines: string[] = ['{', '  "machine": "srv-r750",', '  "devices": ['];
  const sites: EditSite[] = [];
  let size = lines.join('\n').length;
  for (let i = 0; size < bytes - 200; i++) {
    const queues = Array.from({ length: 4 }, () => rng.int(0, 47));
    const entry = [
      '    {',
      `      "name": "dev${i}",`,
      `      "address": "${pciAddr(i >> 3, i & 7)}",`,
      `      "driver": "${rng.pick(['nvme', 'mlx5_core', 'ice', 'ixgbe', 'virtio_net'])}",`,
      `      "msix": ${rng.pick([8, 16, 32, 64, 128])},`,
      `      "managed": ${rng.chance(0.3)},`,
      `      "affinity": [${queues.join(', ')}],`,
      `      "comment": "queue ${i} serves the ${rng.pick(['storage', 'network', 'accelerator'])} path"`,
      '    },',
    ];
    const first = lines.length;
    lines.push(...entry);
    if (i % 7 === 3) {
      // Inside the msix number, inside the comment string, inside the driver name.
      sites.push({ kind: 'scenario', line: first + 4, character: (lines[first + 4]?.indexOf(': ') ?? 0) + 3, insert: '1' });
      sites.push({ kind: 'comment', line: first + 7, character: (lines[first + 7]?.indexOf('serves') ?? 0) + 3, insert: 'x' });
      sites.push({ kind: 'system', line: first + 3, character: (lines[first + 3]?.indexOf(': "') ?? 0) + 4, insert: 'x' });
    }
    size += entry.join('\n').length + 1;
  }
  const lastLine = lines.length - 1;
  lines[lastLine] = (lines[lastLine] as string).replace(/,$/, '');
  lines.push('  ]', '}');
  const schema = {
    type: 'object',
    required: ['machine', 'devices'],
    properties: {
      machine: { type: 'string' },
      devices: {
        type: 'array',
        items: {
          type: 'object',
          required: ['name', 'address', 'driver', 'msix'],
          additionalProperties: false,
          properties: {
            name: { type: 'string', pattern: '^[a-z][a-z0-9_]*$' },
            address: { type: 'string', pattern: '^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\\.[0-7]$' },
            driver: { type: 'string' },
            msix: { type: 'integer', minimum: 1, maximum: 2048 },
            managed: { type: 'boolean' },
            affinity: { type: 'array', items: { type: 'integer', minimum: 0 } },
            comment: { type: 'string' },
          },
        },
      },
    },
  };
  return { text: lines.join('\n') + '\n', schema, sites };
}

function main(argv: string[]): void {
  const name = argv[0];
  if (!name || name === '--list' || name === '--help') {
    process.stdout.write(`usage: node out/bench/generate.js NAME > FILE.irqd\nnames: ${Object.keys(generators).join(', ')}\n`);
    process.exit(name ? 0 : 2);
  }
  const gen = generators[name];
  if (!gen) {
    process.stderr.write(`unknown input '${name}'; names: ${Object.keys(generators).join(', ')}\n`);
    process.exit(2);
  }
  process.stdout.write(gen().text);
}

// Run as a program (node out/bench/generate.js), not when bundled into the bench.
if (require.main === module && /generate\.js$/.test(process.argv[1] ?? '')) main(process.argv.slice(2));
