// Hover on a declaration or a reference: what the name is, its parent chain
// in the irqdomain hierarchy, and what it declares; on a statement keyword,
// what it means (keyword-hover.ts); on a step, what it did.
import { MarkupKind, type Hover, type Position } from 'vscode-languageserver';
import type { Analysis } from '../analysis/analysis.js';
import type {
  AnySymbol,
  DeclaredIrq,
  DeviceSym,
  DomainSym,
  GuestSym,
  PasidSetSym,
  RegisterSym,
  ScenarioSym,
  SubDeviceSym,
  SystemSym,
} from '../model/types.js';
import { backports, domainKindInfo, modelledDrivers, ownEntry, type BackportName } from '../model/values.js';
import { bootState, failedExpectations, peekStateAfter, unsimulatable, type StepRecord, type Trace } from '../sim/engine.js';
import type { SimState } from '../sim/state.js';
import { counted } from '../sim/kernel.js';
import { bitmapList } from '../sim/matrix.js';
import { apicDriver } from '../sim/compose.js';
import type { CmdlineOption, KernelCmdline } from '../model/cmdline.js';
import { irqView } from '../sim/views.js';
import { toRange } from './convert.js';
import { keywordAt } from './keyword-hover.js';
import { symbolAt } from './lookup.js';
import { recordAt, scenarioAt, type SteppingState } from './scenario-at.js';
import { irqViewLines, stepLabel } from './trace-text.js';

function hex(n: number): string {
  return '0x' + n.toString(16);
}

function size(n: number): string {
  if (n >= 2 ** 20 && n % 2 ** 20 === 0) return `${n / 2 ** 20}M`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024}K`;
  return String(n);
}

/** `PCI-MSI (pci-msi) → IR0 (intel-ir) → VECTOR (vector)`, stopping at a cycle. */
export function domainChain(d: DomainSym | undefined): string {
  const parts: string[] = [];
  const seen = new Set<DomainSym>();
  for (let p = d; p && !seen.has(p); p = p.parent) {
    seen.add(p);
    parts.push(`${p.name} (${p.domainKind ?? '?'})`);
  }
  return parts.join(' → ');
}

function ownerText(owner: SystemSym | GuestSym): string {
  return owner.kind === 'guest' ? `guest \`${owner.name}\` of system \`${owner.system.name}\`` : `system \`${owner.name}\``;
}

function hoverDomain(d: DomainSym): string[] {
  const lines = [`**domain** \`${d.name}\` — ${d.domainKind ?? 'unknown kind'}, in ${ownerText(d.owner)}`];
  if (d.domainKind) lines.push('', domainKindInfo[d.domainKind].summary);
  lines.push('', `Hierarchy (child → parent): ${domainChain(d)}`);
  const props = [...d.props].map(([k, v]) => `${k} ${v}`);
  if (props.length) lines.push('', `Properties: ${props.join(', ')}`);
  return lines;
}

function hoverDevice(d: DeviceSym): string[] {
  const where =
    d.bus === 'vf' ? `VF ${d.vfIndex ?? '?'} of \`${d.pf?.name ?? '?'}\`` : d.bus === 'platform' ? 'a kernel-owned interrupt source (no PCI function)' : `PCI ${d.address?.text ?? '?'}`;
  const lines = [`**device** \`${d.name}\` — ${where}, in ${ownerText(d.owner)}`, ''];
  if (d.driver) {
    const modelled = ownEntry(modelledDrivers, d.driver);
    lines.push(`- driver ${d.driver}${modelled ? `: ${modelled}` : ' (no behaviour beyond the core is simulated)'}`);
  }
  for (const cap of Object.values(d.caps)) {
    const name = cap.cap === 'msix' ? 'MSI-X' : cap.cap.toUpperCase();
    const extra = cap.cap === 'ims' ? `, storage in ${cap.storage}` : cap.maskable ? ', maskable' : ', not maskable';
    lines.push(`- ${name}: ${cap.count} vector${cap.count === 1 ? '' : 's'}${extra}; ${domainChain(cap.domain) || 'no domain'}`);
  }
  if (d.ioapicPin) {
    const p = d.ioapicPin;
    lines.push(`- IO-APIC pin ${p.pin}${p.irq !== undefined ? ` (IRQ ${p.irq})` : ''}, ${p.trigger === 'edge' ? 'edge triggered' : 'level triggered'}: ${domainChain(p.domain) || 'no domain'}`);
  }
  for (const bar of d.bars.values()) lines.push(`- BAR ${bar.index}: ${size(bar.size)}`);
  if (d.msixTable) lines.push(`- MSI-X table: BAR ${d.msixTable.bar} offset ${hex(d.msixTable.offset)}`);
  if (d.msixPba) lines.push(`- MSI-X PBA: BAR ${d.msixPba.bar} offset ${hex(d.msixPba.offset)}`);
  for (const r of d.registers) lines.push(`- register \`${r.name}\`: BAR ${r.bar} offset ${hex(r.offset)} size ${r.size}`);
  if (d.pasid) lines.push('- PASID capable');
  if (d.sriov !== undefined) lines.push(`- SR-IOV: ${d.sriov} VFs`);
  if (d.migration) {
    const flags = ['STOP_COPY', d.migration.p2p ? 'P2P' : '', d.migration.preCopy ? 'PRE_COPY' : ''].filter(Boolean);
    lines.push(`- VFIO migration: ${flags.join(' | ')}`);
  }
  if (d.node !== undefined) lines.push(`- NUMA node ${d.node}`);
  return lines;
}

function hoverSystem(s: SystemSym): string[] {
  const lines = [`**system** \`${s.name}\`${s.description ? ` — ${s.description}` : ''}`, ''];
  lines.push(`- ${s.arch}, Linux ${s.kernel.text}, ${s.cpus} CPU${s.cpus === 1 ? '' : 's'}${s.smt > 1 ? `, ${s.smt} threads per core (CPU c's siblings: c ± ${s.cpus / s.smt})` : ''}`);
  if (s.arch === 'x86_64') lines.push(`- APIC: ${s.apic}, ${s.destMode} destination mode (${apicDriver(s)}${s.destModeChosen ? ", the kernel's choice: no dest-mode given" : ''})`);
  lines.push(`- page size ${size(s.pageSize)}`);
  for (const n of s.nodes) lines.push(`- node ${n.id}: CPUs ${bitmapList(n.cpus)}`);
  for (const b of s.backports) lines.push(`- backport ${b}: ${backports[b as BackportName]}`);
  lines.push(...cmdlineLines(s.cmdline));
  lines.push(`- ${s.scope.domains.size} domains, ${s.scope.devices.size} devices, ${s.guests.size} guests`);
  if (s.pasid) lines.push(`- PASID capacity ${s.pasid.capacity}, ${s.pasid.sets.size} sets`);
  if (s.state) {
    const online = s.state.online ?? Array.from({ length: s.cpus }, (_, i) => i);
    lines.push(`- found in a state: ${s.state.irqs.length} IRQs, CPUs ${bitmapList([...online])} online; every scenario on it starts there`);
  }
  return lines;
}

/** What the command line changes: the default affinity and the managed-IRQ housekeeping CPUs. */
function cmdlineLines(c: KernelCmdline): string[] {
  const lines: string[] = [];
  if (c.defaultAffinity) lines.push(`- default IRQ affinity (irqaffinity=): CPUs ${bitmapList(c.defaultAffinity)}`);
  if (c.managedIrqHousekeeping) lines.push(`- managed IRQs prefer housekeeping CPUs ${bitmapList(c.managedIrqHousekeeping)} (isolcpus=managed_irq)`);
  return lines;
}

function hoverGuest(g: GuestSym): string[] {
  const lines = [`**guest** \`${g.name}\` on system \`${g.system.name}\``, ''];
  lines.push(`- ${g.cpus} vCPU${g.cpus === 1 ? '' : 's'}, hypervisor ${g.hypervisor} (CPUID hypervisor bit ${g.hypervisor === 'visible' ? 'set' : 'clear'})`);
  lines.push(`- APIC: ${g.apic}, ${g.destMode} destination mode${g.destModeChosen ? " (the guest kernel's choice: no dest-mode given)" : ''}`);
  lines.push(...cmdlineLines(g.cmdline));
  for (const a of g.assignments) {
    const what = a.sub ? `sub-device \`${a.sub.name}\` of \`${a.device?.name ?? '?'}\` (${a.sub.mode})` : `\`${a.device?.name ?? '?'}\` as ${a.guestAddress?.text ?? '?'}`;
    lines.push(`- assigned ${what} → ${a.domain ? domainChain(a.domain) : 'no domain'}`);
  }
  return lines;
}

function hoverSet(s: PasidSetSym): string[] {
  return [`**PASID set** \`${s.name}\` — quota ${s.quota}`];
}

function hoverScenario(s: ScenarioSym): string[] {
  const n = s.decl.steps.length;
  const from = s.after ? `, continuing from where \`${s.after.name}\` ends` : s.system?.state ? ', starting from the state the system was found in' : '';
  return [`**scenario** \`${s.name}\` on ${s.system ? `system \`${s.system.name}\`` : 'no system'}${from} — ${n} step${n === 1 ? '' : 's'}`];
}

function hoverSub(s: SubDeviceSym): string[] {
  const how =
    s.mode === 'pasid'
      ? 'its interrupt messages are tagged with a PASID'
      : 'the hypervisor emulates its interrupt storage and hands out the addr/data';
  return [`**sub-device** \`${s.name}\` of \`${s.parentDevice?.name ?? '?'}\` — SIOV, mode ${s.mode}: ${how}`];
}

function hoverRegister(r: RegisterSym): string[] {
  return [`**register** \`${r.name}\` — BAR ${r.bar} offset ${hex(r.offset)} size ${r.size}`];
}

export function describeSymbol(sym: AnySymbol): string {
  switch (sym.kind) {
    case 'domain':
      return hoverDomain(sym).join('\n');
    case 'device':
      return hoverDevice(sym).join('\n');
    case 'system':
      return hoverSystem(sym).join('\n');
    case 'guest':
      return hoverGuest(sym).join('\n');
    case 'pasid-set':
      return hoverSet(sym).join('\n');
    case 'scenario':
      return hoverScenario(sym).join('\n');
    case 'sub-device':
      return hoverSub(sym).join('\n');
    case 'register':
      return hoverRegister(sym).join('\n');
  }
}

/** "; 2 expectations not met" for a scenario whose expectations failed (they do not stop it). */
function unmetText(trace: Trace): string {
  const n = failedExpectations(trace).length;
  return n > 0 ? `; ${counted(n, 'expectation')} not met` : '';
}

/** A step: what the kernel did and the state of its IRQs after it. */
function hoverStep(analysis: Analysis, trace: Trace, r: StepRecord): string {
  const n = trace.records.length;
  const result = r.outcome === 'ok' ? r.summary || 'ok' : `${r.outcome}${r.summary ? `: ${r.summary}` : ''}`;
  // A summary that is an arrow ("→ CPU 3 vec 0x25") reads on from the step without a dash.
  const lines = [`**step ${r.ordinal}/${n}** \`${stepLabel(analysis, r)}\`${result.startsWith('→') ? ' ' : ' — '}${result}`];
  // The state first (what the user asks about), then how the kernel got there.
  if (r.views.length > 0) {
    lines.push('', `After this step (${trace.system.name}, Linux ${trace.system.kernel.text}):`, '```');
    for (const v of r.views.slice(0, 8)) lines.push(...irqViewLines(v));
    if (r.views.length > 8) lines.push(`… ${r.views.length - 8} more IRQs`);
    lines.push('```');
  }
  if (r.events.length > 0) {
    lines.push('', 'Kernel path:', '```');
    for (const e of r.events.slice(0, 30)) lines.push(`${e.warning ? 'WARNING ' : ''}${e.fn}: ${e.text}`);
    const more = Math.max(0, r.events.length - 30) + r.moreEvents;
    if (more > 0) lines.push(`… ${more} more`);
    lines.push('```');
  }
  return lines.join('\n');
}

/** The IRQs of a system found in a state, as found (sim/declared.ts). */
function asFound(system: SystemSym, pick: (s: SimState) => number[], what: string): string | undefined {
  if (!system.state || unsimulatable(system)) return undefined;
  const s = bootState(system);
  const virqs = pick(s);
  const views = virqs.slice(0, 4).flatMap((v) => {
    const irq = s.irqs.get(v);
    return irq ? irqViewLines(irqView(s, irq)) : [];
  });
  if (views.length === 0) return undefined;
  return [`${what} as the system was found:`, '```', ...views, ...(virqs.length > 4 ? [`… ${virqs.length - 4} more`] : []), '```'].join('\n');
}

/** A device's IRQs as of the stepped position of the first scenario that allocates it (or its end). */
function deviceState(analysis: Analysis, device: DeviceSym, stepping: SteppingState): string | undefined {
  for (const [index, sc] of analysis.model.scenarios.entries()) {
    const trace = analysis.traces.get(sc);
    if (!trace || trace.skipped || sc.system !== device.owner) continue;
    const upTo = stepping.get(index) ?? trace.records.length;
    // Read only: views never write, so a kept end state is read as it is.
    const s = peekStateAfter(sc, upTo);
    const dev = s?.devices.get(device.name);
    if (!s || !dev) continue;
    // MSI-X entries freed one by one leave holes in the table (pci_msix_free_irq()).
    const live = dev.virqs.filter((v) => v !== undefined);
    const views = live.slice(0, 4).flatMap((v) => {
      const irq = s.irqs.get(v);
      return irq ? irqViewLines(irqView(s, irq)) : [];
    });
    const where = upTo >= trace.records.length ? 'at the end of' : `after step ${upTo} of`;
    return [`In scenario \`${sc.name}\`, ${where} the scenario (${live.length} IRQs):`, '```', ...views, ...(live.length > 4 ? [`… ${live.length - 4} more`] : []), '```'].join('\n');
  }
  const system = device.owner.kind === 'system' ? device.owner : undefined;
  return system ? asFound(system, (s) => [...s.irqs.values()].filter((i) => i.device === device).map((i) => i.virq), `Its ${device.name} IRQs`) : undefined;
}

/** A state block's `irq` line: that IRQ as the system was found. */
function stateIrqAt(analysis: Analysis, offset: number): { system: SystemSym; irq: DeclaredIrq } | undefined {
  for (const system of analysis.model.systems.values()) {
    const st = system.state;
    if (!st || offset < st.span.start || offset > st.span.end) continue;
    const irq = st.irqs.find((i) => offset >= i.item.span.start && offset <= i.item.span.end);
    return irq ? { system, irq } : undefined;
  }
  return undefined;
}

/** The kernel command-line option under the cursor, in a system's or a guest's `cmdline`. */
function cmdlineOptionAt(analysis: Analysis, offset: number): CmdlineOption | undefined {
  for (const system of analysis.model.systems.values()) {
    for (const owner of [system, ...system.guests.values()]) {
      const o = owner.cmdline.options.find((x) => offset >= x.span.start && offset <= x.span.end);
      if (o) return o;
    }
  }
  return undefined;
}

function hoverCmdlineOption(o: CmdlineOption): string {
  const handler = o.name === 'irqaffinity' ? ' — irq_affinity_setup(), kernel/irq/irqdesc.c' : o.name === 'isolcpus' ? ' — housekeeping_isolcpus_setup(), kernel/sched/isolation.c' : '';
  return `**kernel parameter** \`${o.name}${o.value === undefined ? '' : '=' + o.value}\`${handler}\n\n${o.effect}`;
}

export function hover(analysis: Analysis, position: Position, stepping: SteppingState = new Map()): Hover | null {
  const offset = analysis.lines.offset(position);
  const sc = scenarioAt(analysis, offset);
  const trace = sc ? analysis.traces.get(sc.scenario) : undefined;
  const record = trace && !trace.skipped ? recordAt(trace, offset) : undefined;
  const at = symbolAt(analysis, offset);
  // A statement keyword says what it is first; on a step, what the step did follows.
  const keyword = at ? undefined : keywordAt(analysis, offset);
  if (trace && record && !at) {
    const step = hoverStep(analysis, trace, record);
    return { contents: { kind: MarkupKind.Markdown, value: keyword ? `${keyword.markdown}\n\n---\n\n${step}` : step }, range: toRange(analysis, keyword?.span ?? record.step.span) };
  }
  const stateIrq = at ? undefined : stateIrqAt(analysis, offset);
  if (stateIrq) {
    const text = asFound(stateIrq.system, () => [stateIrq.irq.virq], `IRQ ${stateIrq.irq.virq}`);
    if (text) return { contents: { kind: MarkupKind.Markdown, value: text }, range: toRange(analysis, stateIrq.irq.item.span) };
  }
  const option = at || sc ? undefined : cmdlineOptionAt(analysis, offset);
  if (option) return { contents: { kind: MarkupKind.Markdown, value: hoverCmdlineOption(option) }, range: toRange(analysis, option.span) };
  if (!at) {
    let status: string | undefined;
    if (sc && analysis.pending.has(sc.scenario)) {
      status = `**scenario** \`${sc.scenario.name}\` — being simulated after the last edit; hover again in a moment for the kernel's state`;
    } else if (sc && trace?.skipped && offset <= sc.scenario.decl.keyword.end + 1) {
      status = `**scenario** \`${sc.scenario.name}\` — not simulated: ${trace.skipped}`;
    }
    if (keyword) {
      return { contents: { kind: MarkupKind.Markdown, value: status ? `${keyword.markdown}\n\n---\n\n${status}` : keyword.markdown }, range: toRange(analysis, keyword.span) };
    }
    return status ? { contents: { kind: MarkupKind.Markdown, value: status } } : null;
  }
  let value = describeSymbol(at.symbol);
  if (record && at.symbol.kind === 'device') {
    // A device named in a step: its IRQs as they are after that step.
    const views = record.views.filter((v) => v.label.startsWith(`${at.symbol.name}[`));
    if (views.length > 0) {
      value += `\n\nAfter step ${record.ordinal} (${record.summary}):\n\n\`\`\`\n${views.slice(0, 4).flatMap((v) => irqViewLines(v)).join('\n')}\n\`\`\``;
    }
  } else if (at.symbol.kind === 'device') {
    const state = deviceState(analysis, at.symbol, stepping);
    if (state) value += '\n\n' + state;
  }
  if (at.symbol.kind === 'scenario' && trace) {
    value += trace.skipped ? `\n\nNot simulated: ${trace.skipped}` : `\n\n${trace.passed ? 'Passes' : 'Fails'}: ${trace.records.filter((r) => r.outcome !== 'not-run').length} of ${trace.records.length} steps run${unmetText(trace)}.`;
  }
  return { contents: { kind: MarkupKind.Markdown, value }, range: toRange(analysis, at.span) };
}
