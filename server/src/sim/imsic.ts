// RISC-V AIA IMSIC (drivers/irqchip/irq-riscv-imsic-*.c, 6.10+; semantics.md
// §9.2): interrupt identities come from an irq_matrix per hart (IDs 0 and 1
// reserved), the message is the target hart's interrupt file address and the
// identity; a move takes a new identity on the new hart, written through the
// old hart first.
import type { DomainSym } from '../model/types.js';
import { hex } from './kernel.js';
import { IrqMatrix, type Errno } from './matrix.js';
import { domainOfKind, onlineCpus, type Irq, type Msg, type SimState } from './state.js';
import type { Log } from './vector.js';
import { domainProp } from '../model/values.js';

/** irqd's nr_ids: the common 255 (IMSIC_MIN_ID 63 ≤ nr_ids < 2048, nr_ids ≡ 63 mod 64). */
export const IMSIC_NR_IDS = 255;
/** IMSIC_IPI_ID: reserved for IPIs. */
const IMSIC_IPI_ID = 1;
/** irqd's QEMU-virt default when `imsic { base … }` is not given. */
const DEFAULT_IMSIC_BASE = 0x28000000;
/** IMSIC_MMIO_PAGE_SZ: one 4 KiB interrupt file per hart. */
const PAGE = 0x1000;

// imsic_matrix_init(): irq_alloc_matrix(nr_ids + 1, 0, nr_ids + 1), ID 0 and the IPI ID as system bits.
export function bootImsicMatrix(cpus: number, up = cpus): IrqMatrix {
  const m = new IrqMatrix(IMSIC_NR_IDS + 1, 0, IMSIC_NR_IDS + 1, cpus);
  m.assignSystem(0);
  m.assignSystem(IMSIC_IPI_ID);
  // The harts brought up at boot (all, or maxcpus=).
  for (let c = 0; c < up; c++) m.online(c);
  return m;
}

export function imsicOf(chain: readonly DomainSym[]): DomainSym | undefined {
  return domainOfKind(chain, 'imsic');
}

/** local->msi_pa of a hart, as imsic_setup_state() computes it: base + hart · BIT(guest_index_bits) · IMSIC_MMIO_PAGE_SZ. */
export function imsicAddress(imsic: DomainSym, hart: number): number {
  return (domainProp(imsic, 'base') ?? DEFAULT_IMSIC_BASE) + hart * 2 ** (domainProp(imsic, 'guest-bits') ?? 0) * PAGE;
}

// imsic_irq_compose_vector_msg(): the hart's interrupt file, data = the local identity.
export function composeImsic(imsic: DomainSym, hart: number, id: number): Msg {
  const a = imsicAddress(imsic, hart);
  return { addressLo: a % 2 ** 32, addressHi: Math.floor(a / 2 ** 32), data: id };
}

const imsicAllocText = (virq: number, cpu: number, id: number): string => `IRQ ${virq}: hart ${cpu} identity ${id}`;

// imsic_vector_alloc(): irq_matrix_alloc() on the mask, most available hart, lowest ID.
export function imsicVectorAlloc(s: SimState, irq: Irq, mask: readonly number[], log: Log): Errno | undefined {
  // cpumask_and(mask, cpu_online_mask): for every CPU that is the online mask itself, whose best CPU the matrix
  // finds in O(log CPUs); any other mask is intersected during the matrix's scan of it, without a new list.
  const every = mask.length === s.everyCpu.length && (mask[mask.length - 1] as number) < mask.length;
  const r = every ? s.matrix.alloc(onlineCpus(s), false, true) : s.matrix.alloc(mask, false, false, s.cpuOnline);
  if (typeof r === 'string') return r;
  const old = irq.apic.vector ? { cpu: irq.apic.cpu, id: irq.apic.vector } : undefined;
  irq.apic.vector = r.bit;
  irq.apic.cpu = r.cpu;
  s.cpuIrqs.noteCpu(r.cpu, irq.virq);
  irq.apic.hwVector = r.bit;
  irq.apic.hwCpu = r.cpu;
  s.vectorIrq.set(r.cpu, r.bit, irq.virq);
  log.lazy('imsic_vector_alloc', imsicAllocText, irq.virq, r.cpu, r.bit);
  if (old) {
    s.matrix.free(old.cpu, old.id, false);
    s.vectorIrq.delete(old.cpu, old.id);
  }
  return undefined;
}

// imsic_vector_free(): the identity goes back to the hart's irq_matrix.
export function imsicVectorFree(s: SimState, irq: Irq): void {
  if (!irq.apic.vector) return;
  s.matrix.free(irq.apic.cpu, irq.apic.vector, false);
  s.vectorIrq.delete(irq.apic.cpu, irq.apic.vector);
  irq.apic.vector = 0;
}

/**
 * Which hart and identity an IMSIC message reaches: the hardware decodes the
 * write's address as an interrupt file (the AIA specification's IMSIC chapter) and the data as the
 * identity that imsic_handle_irq() then looks up on that hart.
 */
export function imsicRoute(s: SimState, imsic: DomainSym, msg: Msg): { cpu: number; id: number } | string {
  const addr = msg.addressLo + msg.addressHi * 2 ** 32;
  const stride = 2 ** (domainProp(imsic, 'guest-bits') ?? 0) * PAGE;
  const off = addr - imsicAddress(imsic, 0);
  if (off < 0 || off % stride !== 0 || off / stride >= s.system.cpus) return `the write goes to ${hex(addr)}, not to an interrupt file of ${imsic.name}`;
  return { cpu: off / stride, id: msg.data };
}
