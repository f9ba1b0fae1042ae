// PCI INTx and the kernel's own IO-APIC lines (arch/x86/kernel/apic/io_apic.c,
// drivers/acpi/pci_irq.c): a pin's GSI maps to one IRQ, shared by every
// device on that line, reserved at allocation and activated at
// request_irq(). A platform device's line is an ISA or ACPI interrupt, with
// its own trigger and, for overridden ISA IRQs, its own IRQ number.
import { defaultAffinityOf } from './affinity.js';
import type { DeviceSym, DomainSym } from '../model/types.js';
import type { Errno } from './matrix.js';
import { allocIrtes, remapDomain } from './remap.js';
import { chainOf, type Irq, type SimState } from './state.js';
import { MsgTable } from './msg-table.js';
import { freeVector, reserveIrqVector, type Log } from './vector.js';
import { domainProp } from '../model/values.js';

/** The GSI of an IO-APIC pin: the pins of the IO-APICs declared before it, plus the pin. */
export function gsiOf(domain: DomainSym, pin: number): number {
  let base = 0;
  for (const d of domain.owner.scope.domains.values()) {
    if (d === domain) break;
    if (d.domainKind === 'ioapic') base += domainProp(d, 'pins') ?? 24;
  }
  return base + pin;
}

// pci_alloc_irq_vectors(…, PCI_IRQ_INTX) → pdev->irq from acpi_pci_irq_enable() → mp_map_gsi_to_irq():
// one IRQ per GSI, shared by every device on that line; activated at request_irq().
export function pciAllocIntx(s: SimState, dev: DeviceSym, min: number, log: Log): { count: number; irqs: Irq[] } | Errno {
  const pin = dev.ioapicPin;
  if (!pin?.domain) return 'EINVAL';
  if (s.devices.has(dev.name)) return 'EINVAL';
  if (min > 1) {
    log.event('pci_alloc_irq_vectors', 'INTx gives exactly one vector');
    return 'ENOSPC';
  }
  // mp_map_gsi_to_irq(): the GSI is the IRQ, except for an ISA IRQ an interrupt source override moved (`irq N`).
  const gsi = pin.irq ?? gsiOf(pin.domain, pin.pin);
  let irq = s.irqs.get(gsi);
  if (irq && irq.cap !== 'ioapic') return 'EBUSY';
  if (!irq) {
    const chain = chainOf(pin.domain);
    irq = {
      virq: gsi,
      device: dev,
      cap: 'ioapic',
      index: pin.pin,
      chain,
      apic: { vector: 0, cpu: 0, prevVector: 0, prevCpu: 0, moveInProgress: false, isManaged: false, canReserve: false, hasReserved: false, hwVector: 0, hwCpu: 0 },
      affinity: defaultAffinityOf(s),
      managed: false,
      irqdCanReserve: true,
      activated: false,
      started: false,
      managedShutdown: false,
      masked: false,
      pending: false,
    };
    // mp_irqdomain_alloc(): the parent first (reservation mode), then the IRTE with remapping.
    reserveIrqVector(s, irq, log);
    const ir = remapDomain(chain);
    if (ir) {
      const err = allocIrtes(s, [irq], ir, log);
      if (err) {
        freeVector(s, irq);
        return err;
      }
    }
    s.irqs.set(gsi, irq);
    log.event('mp_map_gsi_to_irq', `GSI ${gsi} (IO-APIC ${pin.domain.name} pin ${pin.pin}) → IRQ ${gsi}`);
  } else {
    log.event('mp_map_gsi_to_irq', `GSI ${gsi} is already IRQ ${gsi}: ${dev.name} shares it (IRQF_SHARED)`);
  }
  s.devices.set(dev.name, { cap: 'ioapic', virqs: [gsi], msgs: new MsgTable() });
  return { count: 1, irqs: [irq] };
}
