// The rules a declared machine state (`state { … }`) must keep to be one the
// kernel can be in: every scenario on the system starts from it, so an
// impossible state would only produce misleading kernel behaviour. Each rule
// names the kernel code that makes it so.
import type * as A from '../../../grammar/index.js';
import { diagnostic, type IrqdDiagnostic } from '../model/diagnostic.js';
import type { DeclaredIrq, DomainSym, SystemSym } from '../model/types.js';
import { domainProp } from '../model/values.js';

/** FIRST_EXTERNAL_VECTOR (arch/x86/include/asm/irq_vectors.h). */
const FIRST_EXTERNAL_VECTOR = 0x20;
/** IRQ_MOVE_CLEANUP_VECTOR up to 6.5, ISA_IRQ_VECTOR(2) (the PIC cascade), IA32_SYSCALL_VECTOR. */
const CLEANUP_VECTOR = 0x20;
const CASCADE_VECTOR = 0x32;
const SYSCALL_VECTOR = 0x80;
/** The most IRQ numbers a MAXSMP x86 kernel has (IRQ_BITMAP_BITS, NR_IRQS + 8196, with NR_CPUS = 8192). */
const MAX_IRQ_NUMBER = 2 ** 20;

function atLeast(system: SystemSym, major: number, minor: number): boolean {
  const k = system.kernel;
  return k.major > major || (k.major === major && k.minor >= minor);
}

/** FIRST_SYSTEM_VECTOR: 0xEB with CONFIG_X86_POSTED_MSI (6.10+), else 0xEC (LOCAL_TIMER_VECTOR). */
function firstSystemVector(system: SystemSym): number {
  return atLeast(system, 6, 10) ? 0xeb : 0xec;
}

/** The hierarchy of a domain, child first; a cycle (reported elsewhere) ends the walk. */
function chainOf(domain: DomainSym | undefined): DomainSym[] {
  const out: DomainSym[] = [];
  for (let d = domain; d && !out.includes(d); d = d.parent) out.push(d);
  return out;
}

/** The domain an IRQ's top level allocates from. */
export function declaredDomain(irq: Pick<DeclaredIrq, 'device' | 'cap'>): DomainSym | undefined {
  return irq.cap === 'ioapic' ? irq.device.ioapicPin?.domain : irq.device.caps[irq.cap]?.domain;
}

/** The Linux IRQ of an IO-APIC pin: its `irq`, else its GSI (mp_map_gsi_to_irq()). */
export function pinIrq(domain: DomainSym, pin: number, irq: number | undefined): number {
  if (irq !== undefined) return irq;
  let base = 0;
  for (const d of domain.owner.scope.domains.values()) {
    if (d === domain) break;
    if (d.domainKind === 'ioapic') base += domainProp(d, 'pins') ?? 24;
  }
  return base + pin;
}

class StateChecker {
  readonly diagnostics: IrqdDiagnostic[] = [];
  /** "cpu:vector" → the IRQ holding it, for clashes. */
  private readonly taken = new Map<string, DeclaredIrq>();
  private readonly irtes = new Map<string, DeclaredIrq>();

  constructor(private readonly system: SystemSym) {}

  private fail(span: A.Span, message: string): void {
    this.diagnostics.push(diagnostic('IRQD050', span, message));
  }

  run(): void {
    const state = this.system.state;
    if (!state) return;
    const online = new Set(state.online ?? Array.from({ length: this.system.cpus }, (_, i) => i));
    const onlineItem = state.online ? this.system.decl.items.find((i): i is A.StateDecl => i.kind === 'state')?.items.find((i) => i.kind === 'state-online') : undefined;
    // The boot CPU has no online file in 6.1 (no cpu0_hotplug) and boot-CPU hotplug is gone since 6.5.
    if (this.system.arch === 'x86_64' && !online.has(0)) this.fail(onlineItem?.span ?? state.span, 'CPU 0 is the boot CPU: it cannot be offline (its cpu0/online file does not exist)');
    const dynamicBase = this.firstDynamicIrq();
    for (const irq of state.irqs) this.checkIrq(irq, online, dynamicBase);
  }

  /** arch_dynirq_lower_bound(): dynamic IRQs start after every IO-APIC GSI, and never below NR_IRQS_LEGACY. */
  private firstDynamicIrq(): number {
    const pins = [...this.system.scope.domains.values()].filter((d) => d.domainKind === 'ioapic').reduce((n, d) => n + (domainProp(d, 'pins') ?? 24), 0);
    return Math.max(16, pins);
  }

  private checkIrq(irq: DeclaredIrq, online: ReadonlySet<number>, dynamicBase: number): void {
    const it = irq.item;
    const at = (n: A.NumberLit | undefined): A.Span => n?.span ?? it.span;
    const who = `IRQ ${irq.virq}`;
    if (irq.virq >= MAX_IRQ_NUMBER) {
      this.diagnostics.push(diagnostic('IRQD025', at(it.irq), `IRQ number ${irq.virq} is out of range 0..${MAX_IRQ_NUMBER - 1}: the kernel has at most IRQ_BITMAP_BITS IRQs`));
      return;
    }
    const dev = irq.device;
    if (irq.cap === 'ioapic') {
      const pin = dev.ioapicPin;
      if (!pin) {
        this.diagnostics.push(diagnostic('IRQD028', it.source?.span ?? it.span, `device '${dev.name}' has no 'ioapic pin'`));
        return;
      }
      if (irq.index !== 0) this.diagnostics.push(diagnostic('IRQD028', it.source?.indices?.span ?? it.span, `an INTx line is one vector: '${dev.name}[0]'`));
      const expected = pin.domain ? pinIrq(pin.domain, pin.pin, pin.irq) : undefined;
      if (expected !== undefined && expected !== irq.virq) {
        this.fail(at(it.irq), `IO-APIC pin ${pin.pin} of '${pin.domain?.name ?? '?'}' is IRQ ${expected} (mp_map_gsi_to_irq()), not IRQ ${irq.virq}: say 'irq ${irq.virq}' on the pin if an override maps it so`);
      }
      if (irq.message) this.fail(it.message?.span ?? it.span, "an IO-APIC line holds a redirection entry, not a message: leave 'message' out");
    } else {
      const cap = dev.caps[irq.cap];
      if (!cap) {
        this.diagnostics.push(diagnostic('IRQD028', it.via?.span ?? it.source?.span ?? it.span, `device '${dev.name}' has no ${irq.cap === 'msix' ? 'MSI-X' : irq.cap === 'msi' ? 'MSI' : 'IMS'} capability`));
        return;
      }
      if (cap.count >= 1 && irq.index >= cap.count) {
        this.diagnostics.push(diagnostic('IRQD028', it.source?.indices?.span ?? it.span, `device '${dev.name}' has vectors 0-${cap.count - 1}; index ${irq.index} is outside its capability`));
      }
      if (irq.virq < dynamicBase && this.system.arch === 'x86_64') {
        this.fail(at(it.irq), `MSIs get dynamic IRQ numbers from ${dynamicBase} up (arch_dynirq_lower_bound(): after every IO-APIC GSI); IRQ ${irq.virq} is a legacy or GSI number`);
      }
    }
    if (this.system.arch !== 'x86_64') return;
    this.checkVector(irq, online, who);
    this.checkAffinity(irq, online, who);
    this.checkIrte(irq, who);
  }

  private checkVector(irq: DeclaredIrq, online: ReadonlySet<number>, who: string): void {
    const it = irq.item;
    const span = it.vector?.span ?? it.span;
    const hasVector = irq.vector !== undefined;
    if ((irq.status === 'requested' || irq.status === 'allocated') && (!hasVector || irq.cpu === undefined)) {
      this.fail(it.span, `${who} is ${irq.status}, so it has a CPU and a vector: add 'cpu N vector V' (Target and Vector in its debugfs file)`);
      return;
    }
    if (irq.status === 'reserved' && hasVector) {
      this.fail(span, `${who} is reserved (reservation mode): it has no vector until request_irq() (x86_vector_activate() with reserve)`);
      return;
    }
    if (irq.status === 'shutdown' && !irq.managed) this.fail(it.span, `only a managed IRQ is shut down when its CPUs go offline (irq_shutdown() in migrate_one_irq()); ${who} is not 'managed'`);
    if (irq.status === 'shutdown' && hasVector) this.fail(span, `${who} is shut down: clear_irq_vector() gave its vector back`);
    if (irq.cpu !== undefined && this.system.cpusKnown && irq.cpu >= this.system.cpus) {
      this.diagnostics.push(diagnostic('IRQD026', it.cpu?.span ?? it.span, `system '${this.system.name}' has CPUs 0-${this.system.cpus - 1}; CPU ${irq.cpu} does not exist`));
      return;
    }
    if (hasVector && irq.cpu !== undefined) {
      if (!online.has(irq.cpu)) this.fail(it.cpu?.span ?? span, `CPU ${irq.cpu} is offline: an offline CPU holds no vectors (fixup_irqs() moves them before irq_matrix_offline())`);
      this.claim(irq, irq.cpu, irq.vector as number, span, who);
    }
    if (irq.previous) {
      const prevSpan = it.previous?.span ?? it.span;
      if (!hasVector) this.fail(prevSpan, `${who} has no vector, so it cannot be moving away from a previous one`);
      else if (!online.has(irq.previous.cpu)) this.fail(prevSpan, `CPU ${irq.previous.cpu} is offline: a move from an offline CPU completes at once (apic_update_vector())`);
      else this.claim(irq, irq.previous.cpu, irq.previous.vector, prevSpan, who);
    }
  }

  /** One vector of one CPU belongs to one IRQ (vector_irq[], irq_matrix bits); system vectors to none. */
  private claim(irq: DeclaredIrq, cpu: number, vector: number, span: A.Span, who: string): void {
    const end = firstSystemVector(this.system);
    const system = new Set([...(atLeast(this.system, 6, 6) ? [] : [CLEANUP_VECTOR]), CASCADE_VECTOR, SYSCALL_VECTOR]);
    const legacyTimer = irq.virq === 0 && irq.cap === 'ioapic' && vector === 0x30;
    if (vector < FIRST_EXTERNAL_VECTOR || vector >= end || (system.has(vector) && !legacyTimer)) {
      this.fail(span, `vector 0x${vector.toString(16)} is not a device vector: device vectors are 0x${FIRST_EXTERNAL_VECTOR.toString(16)}-0x${(end - 1).toString(16)} except the system vectors 0x${[...system].map((v) => v.toString(16)).join(', 0x')} (lapic_assign_system_vectors())`);
      return;
    }
    const key = `${cpu}:${vector}`;
    const other = this.taken.get(key);
    if (other && other !== irq) {
      this.fail(span, `CPU ${cpu} vector 0x${vector.toString(16)} already belongs to IRQ ${other.virq}: vector_irq[] has one IRQ per vector`);
      return;
    }
    this.taken.set(key, irq);
    void who;
  }

  private checkAffinity(irq: DeclaredIrq, online: ReadonlySet<number>, who: string): void {
    const it = irq.item;
    if (irq.managed && irq.pending) this.fail(it.pending?.span ?? it.span, `${who} is managed: its affinity belongs to the kernel and no move is ever pending (write_irq_affinity() refuses with -EIO)`);
    if (irq.managed && irq.cap === 'ioapic') this.fail(it.managed ?? it.span, 'an IO-APIC line is never managed: managed affinity is for MSI and MSI-X vectors spread by irq_create_affinity_masks()');
    const affinity = irq.affinity;
    if (affinity && affinity.length === 0) this.fail(it.affinity?.span ?? it.span, `${who} has an empty affinity: irq_set_affinity() refuses an empty mask`);
    if (irq.managed && affinity && irq.cpu !== undefined && irq.vector !== undefined && !affinity.includes(irq.cpu)) {
      this.fail(it.cpu?.span ?? it.span, `${who} is managed: activate_managed() places it on a CPU of its mask (${affinity.join(',')}), not on CPU ${irq.cpu}`);
    }
    if (irq.pending && !irq.pending.some((c) => online.has(c))) {
      this.fail(it.pending?.span ?? it.span, `no CPU of the pending mask is online: irq_fixup_move_pending() drops such a move at the unplug that took its last CPU`);
    }
  }

  private checkIrte(irq: DeclaredIrq, who: string): void {
    const it = irq.item;
    if (irq.irte === undefined) return;
    const chain = chainOf(declaredDomain(irq));
    const ir = chain.find((d) => d.domainKind === 'intel-ir' || d.domainKind === 'amd-ir');
    if (!ir) {
      this.fail(it.irte?.span ?? it.span, `${who} is not remapped: its hierarchy has no intel-ir or amd-ir domain, so it has no IRTE`);
      return;
    }
    const size = ir.domainKind === 'amd-ir' ? (domainProp(ir, 'entries') ?? 256) : (domainProp(ir, 'irtes') ?? 65536);
    if (irq.irte >= size) {
      this.diagnostics.push(diagnostic('IRQD025', it.irte?.span ?? it.span, `IRTE ${irq.irte} is out of range 0..${size - 1}: '${ir.name}' has ${size} entries`));
      return;
    }
    // VT-d has one table per IOMMU; AMD-Vi one per device.
    const key = ir.domainKind === 'amd-ir' ? `${ir.name}/${irq.device.name}/${irq.irte}` : `${ir.name}/${irq.irte}`;
    const other = this.irtes.get(key);
    if (other) this.fail(it.irte?.span ?? it.span, `IRTE ${irq.irte} of '${ir.name}' already belongs to IRQ ${other.virq}`);
    else this.irtes.set(key, irq);
  }
}

export function checkStates(systems: Iterable<SystemSym>): IrqdDiagnostic[] {
  const out: IrqdDiagnostic[] = [];
  for (const s of systems) {
    const c = new StateChecker(s);
    c.run();
    for (const d of c.diagnostics) out.push(d);
  }
  return out;
}
