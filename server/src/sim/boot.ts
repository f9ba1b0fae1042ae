// A system's boot state: what the kernel has set up before any scenario step
// (the system vectors, the boot CPU's legacy vectors, every CPU online), or,
// for a system declared in a `state`, the machine as it was found
// (declared.ts). Booting is done once per system: the result is sealed and
// every scenario starts from a fork of it (state.ts forkState()).
import type { SystemSym } from '../model/types.js';
import { bootDeclaredState } from './declared.js';
import { bootImsicMatrix } from './imsic.js';
import { bootIts } from './its.js';
import { FIRST_EXTERNAL_VECTOR, ISA_IRQ_VECTOR_BASE, kernelFeatures, NR_VECTORS, PIC_CASCADE_VECTOR, systemVectorsInWindow } from './kernel.js';
import { IrqMatrix } from './matrix.js';
import { bootPasid } from './pasid.js';
import { emptyContainers, forkState, onlineParts, type SimState } from './state.js';
import type { Log } from './vector.js';
import { domainProp } from '../model/values.js';

/** The first dynamic IRQ number: after the legacy IRQs and every IO-APIC pin (arch_dynirq_lower_bound()). */
function firstDynamicIrq(system: SystemSym): number {
  const pins = [...system.scope.domains.values()].filter((d) => d.domainKind === 'ioapic').reduce((n, d) => n + (domainProp(d, 'pins') ?? 24), 0);
  return Math.max(16, pins);
}

/** A booted machine's state before any scenario step: no IRQs, devices or VFIO state yet; every CPU online. */
function stateBoot(system: SystemSym, k: SimState['k'], matrix: IrqMatrix, firstVirq: number, its?: SimState['its']): SimState {
  return {
    system,
    k,
    matrix,
    // maxcpus=: bringup_nonboot_cpus() stops after the first N; the others are possible and offline.
    ...onlineParts(system, matrix, (cpu) => cpu < bootCpusOf(system)),
    ...emptyContainers(system.cpus),
    vfio: new Map(),
    guests: new Map(),
    bindings: new Map(),
    ...(system.pasid ? { pasid: bootPasid(system.pasid) } : {}),
    ...(its ? { its } : {}),
    shared: new Set(),
    nextVirq: firstVirq,
    virqHint: firstVirq,
    sealed: false,
  };
}

/** arm64 and riscv64: every CPU online; the IMSIC's identities in an irq_matrix, the ITS's tables. */
function bootOtherArch(system: SystemSym): SimState {
  const k = kernelFeatures(system);
  const riscv = system.arch === 'riscv64';
  const matrix = riscv ? bootImsicMatrix(system.cpus, bootCpusOf(system)) : new IrqMatrix(0, 0, 0, system.cpus);
  if (!riscv) for (let c = 0; c < bootCpusOf(system); c++) matrix.online(c);
  // Both architectures number dynamic IRQs from after the legacy range.
  return stateBoot(system, k, matrix, 16, riscv ? undefined : bootIts(system.cpus));
}

/** A Log that keeps nothing: the boot of a declared state is not a step. */
const quiet: Log = { event: () => undefined, lazy: () => undefined, warn: () => undefined };

// lapic_assign_system_vectors() and the boot CPU's legacy vectors, then every CPU online (semantics.md §1.2–1.3).
// A system with a declared `state` starts as it was found instead (declared.ts).
function boot(system: SystemSym): SimState {
  if (system.arch !== 'x86_64') return bootOtherArch(system);
  if (system.state) return bootDeclaredState(system, quiet).state;
  const k = kernelFeatures(system);
  const matrix = new IrqMatrix(NR_VECTORS, FIRST_EXTERNAL_VECTOR, k.firstSystemVector, system.cpus);
  for (const v of systemVectorsInWindow(k)) matrix.assignSystem(v);
  for (let v = k.firstSystemVector; v < NR_VECTORS; v++) matrix.assignSystem(v);
  matrix.online(0);
  const s = stateBoot(system, k, matrix, firstDynamicIrq(system));
  // With an IO-APIC the legacy IRQs are taken over and only the timer keeps
  // its ISA vector on CPU 0; a legacy-PIC machine keeps all 15 (vector_configure_legacy()).
  const hasIoapic = [...system.scope.domains.values()].some((d) => d.domainKind === 'ioapic');
  for (let irq = 0; irq < 16; irq++) {
    const v = ISA_IRQ_VECTOR_BASE + irq;
    if (v === PIC_CASCADE_VECTOR || (hasIoapic && irq !== 0)) continue;
    matrix.assign(0, v);
    s.vectorIrq.set(0, v, irq);
  }
  for (let cpu = 1; cpu < bootCpusOf(system); cpu++) matrix.online(cpu);
  return s;
}

/** The CPUs up after boot: all, or the first `maxcpus=` of them. */
function bootCpusOf(system: SystemSym): number {
  return system.cmdline.bootCpus ?? system.cpus;
}

/**
 * Each system's boot state, sealed: a system is booted once (a declared
 * state of thousands of IRQs too) and every scenario, hover and comparison
 * forks it. Keyed by the SystemSym, so it lives as long as the analysis that
 * bound the system.
 */
const booted = new WeakMap<SystemSym, SimState>();

/** How start states are made: forks of shared states (the default), or full copies that share nothing (the tests' reference). */
export type Copies = 'fork' | 'deep';

/** The state of a system before any step, for the caller to run steps on (a fork of the memoized boot). */
export function bootState(system: SystemSym, copies: Copies = 'fork'): SimState {
  // A fresh boot shares nothing: the deep-copy reference needs no further copy.
  if (copies === 'deep') return boot(system);
  let s = booted.get(system);
  if (!s) {
    s = boot(system);
    booted.set(system, s);
  }
  return forkState(s);
}
