// The quick reader's topology half: systems and guests, domains, devices,
// PASID spaces and the declared state, as parser-topology.ts,
// parser-devices.ts and parser-state.ts read them when nothing is wrong.
import type { IToken } from 'chevrotain';
import type * as A from './ast.js';
import { ident, IrqOpt, number, pciAddr, repeats, Repeats, stringIdent, tokenSpan } from './nodes.js';
import { BAIL, IDENTIFIER, INT, KW, LCURLY, NAME, PCI, QuickBase, RCURLY, STRING, VALUE, VERSION } from './quick-base.js';
import { MAX_NESTING } from './parser-base.js';

export class QuickTopology extends QuickBase {
  protected system(): A.SystemDecl {
    const first = this.i;
    const keyword = this.take(KW.system);
    const name = this.take(NAME);
    const description = this.maybe(STRING);
    const [body, items] = this.body();
    return { kind: 'system', span: this.spanFrom(first), keyword: tokenSpan(keyword), name: ident(name), description: stringIdent(description), body, items };
  }

  /** The body of a system or a guest. */
  private body(): [A.Span, A.BodyItem[]] {
    const open = this.take(LCURLY);
    const items: A.BodyItem[] = [];
    while (!this.at(RCURLY)) items.push(this.bodyItem());
    return [this.block(open, this.take(RCURLY)), items];
  }

  private bodyItem(): A.BodyItem {
    const first = this.i;
    switch (this.word()) {
      case 'arch':
        return this.named(first, 'arch');
      case 'kernel': {
        const keyword = this.take(KW.kernel);
        const value = this.maybe(VERSION) ?? this.maybe(INT) ?? this.take(NAME);
        return { kind: 'kernel', span: this.spanFrom(first), keyword: tokenSpan(keyword), value: ident(value) };
      }
      case 'cpus': {
        const keyword = this.take(KW.cpus);
        const count = this.take(VALUE);
        return { kind: 'cpus', span: this.spanFrom(first), keyword: tokenSpan(keyword), count: number(count) };
      }
      case 'smt': {
        const keyword = this.take(KW.smt);
        const threads = this.take(VALUE);
        return { kind: 'smt', span: this.spanFrom(first), keyword: tokenSpan(keyword), threads: number(threads) };
      }
      case 'apic': {
        const keyword = this.take(KW.apic);
        const value = this.take(NAME);
        const flags = this.words();
        return { kind: 'apic', span: this.spanFrom(first), keyword: tokenSpan(keyword), value: ident(value), flags };
      }
      case 'dest-mode':
        return this.named(first, 'dest-mode');
      case 'page-size': {
        const keyword = this.take(KW['page-size']);
        const size = this.take(VALUE);
        return { kind: 'page-size', span: this.spanFrom(first), keyword: tokenSpan(keyword), size: number(size) };
      }
      case 'cmdline': {
        const keyword = this.take(KW.cmdline);
        const value = this.take(STRING);
        return { kind: 'cmdline', span: this.spanFrom(first), keyword: tokenSpan(keyword), value: stringIdent(value) };
      }
      case 'node': {
        const keyword = this.take(KW.node);
        const id = this.take(VALUE);
        this.take(KW.cpus);
        const cpus = this.cpuList();
        return { kind: 'node', span: this.spanFrom(first), keyword: tokenSpan(keyword), id: number(id), cpus };
      }
      case 'domain':
        return this.domain(first);
      case 'device':
        return this.device(first);
      case 'pasid':
        return this.pasid(first);
      case 'guest': {
        // Guests nest like `guest` steps: past MAX_NESTING the parser reports it.
        if (this.nesting >= MAX_NESTING) throw BAIL;
        const keyword = this.take(KW.guest);
        const name = this.take(NAME);
        this.nesting++;
        const [body, items] = this.body();
        this.nesting--;
        return { kind: 'guest', span: this.spanFrom(first), keyword: tokenSpan(keyword), name: ident(name), body, items };
      }
      case 'hypervisor':
        return this.named(first, 'hypervisor');
      case 'assign':
        return this.assign(first);
      case 'backport': {
        const keyword = this.take(KW.backport);
        if (!this.at(IDENTIFIER)) throw BAIL;
        const names = this.words();
        return { kind: 'backport', span: this.spanFrom(first), keyword: tokenSpan(keyword), names };
      }
      case 'state':
        return this.state(first);
      default:
        throw BAIL;
    }
  }

  /** `KEYWORD NAME`. */
  private named(first: number, kind: 'arch' | 'dest-mode' | 'hypervisor'): A.BodyItem {
    const keyword = this.take(KW[kind]);
    const value = this.take(NAME);
    return { kind, span: this.spanFrom(first), keyword: tokenSpan(keyword), value: ident(value) };
  }

  /** Bare words: `apic` and `migration` flags, `backport` names. */
  private words(): A.Ident[] {
    const out: A.Ident[] = [];
    for (let t = this.maybe(IDENTIFIER); t; t = this.maybe(IDENTIFIER)) out.push(ident(t) as A.Ident);
    return out;
  }

  private domain(first: number): A.DomainDecl {
    const keyword = this.take(KW.domain);
    const name = this.take(NAME);
    const kind = this.take(NAME);
    const parentKeyword = this.maybe(KW.parent);
    const parent = parentKeyword ? this.take(NAME) : undefined;
    const props: A.DomainProp[] = [];
    let body: A.Span | undefined;
    const open = this.maybe(LCURLY);
    if (open) {
      while (this.at(NAME)) {
        const from = this.i;
        const key = this.take(NAME);
        const value = this.maybe(VALUE);
        const address = value ? undefined : this.take(PCI);
        props.push({ key: ident(key) as A.Ident, value: number(value), address: pciAddr(address), span: this.spanFrom(from) });
      }
      body = this.block(open, this.take(RCURLY));
    }
    return {
      kind: 'domain',
      span: this.spanFrom(first),
      keyword: tokenSpan(keyword),
      name: ident(name),
      domainKind: ident(kind),
      parentKeyword: parentKeyword ? tokenSpan(parentKeyword) : undefined,
      parent: ident(parent),
      props,
      body,
    };
  }

  private device(first: number): A.DeviceDecl {
    const keyword = this.take(KW.device);
    const name = this.take(NAME);
    let address: IToken | undefined;
    let pf: IToken | undefined;
    let vfIndex: IToken | undefined;
    const bus = this.maybe(KW.pci) ?? this.maybe(KW.vf) ?? this.take(KW.platform);
    if (bus.image === 'pci') {
      address = this.take(PCI);
    } else if (bus.image === 'vf') {
      this.take(KW.of);
      pf = this.take(NAME);
      this.take(KW.index);
      vfIndex = this.take(VALUE);
    }
    const items: A.DeviceItem[] = [];
    let body: A.Span | undefined;
    const open = this.maybe(LCURLY);
    if (open) {
      while (!this.at(RCURLY)) items.push(this.deviceItem());
      body = this.block(open, this.take(RCURLY));
    }
    const b = bus.image;
    return {
      kind: 'device',
      span: this.spanFrom(first),
      keyword: tokenSpan(keyword),
      name: ident(name),
      bus: b === 'pci' || b === 'vf' || b === 'platform' ? b : undefined,
      address: pciAddr(address),
      pf: ident(pf),
      vfIndex: number(vfIndex),
      body,
      items,
    };
  }

  private deviceItem(): A.DeviceItem {
    const first = this.i;
    const w = this.word();
    switch (w) {
      case 'msix':
      case 'msi':
      case 'ims': {
        const keyword = this.take(KW[w]);
        const count = this.take(VALUE);
        this.take(KW.domain);
        const domain = this.take(NAME);
        const options: A.CapOption[] = [];
        while (this.at(KW.maskable) || this.at(KW.storage)) {
          const from = this.i;
          const key = this.maybe(KW.maskable) ?? this.take(KW.storage);
          const value = this.take(NAME);
          options.push({ key: key.image as 'maskable' | 'storage', keyword: tokenSpan(key), value: ident(value), span: this.spanFrom(from) });
        }
        return { kind: 'cap', span: this.spanFrom(first), keyword: tokenSpan(keyword), cap: w, count: number(count), domain: ident(domain), options };
      }
      case 'ioapic':
        return this.ioapicPin(first);
      case 'bar': {
        const keyword = this.take(KW.bar);
        const index = this.take(VALUE);
        this.take(KW.size);
        const size = this.take(VALUE);
        return { kind: 'bar', span: this.spanFrom(first), keyword: tokenSpan(keyword), index: number(index), size: number(size) };
      }
      case 'msix-table':
      case 'msix-pba': {
        const keyword = this.take(KW[w]);
        const [bar, offset] = this.barOffset();
        return { kind: w, span: this.spanFrom(first), keyword: tokenSpan(keyword), bar, offset };
      }
      case 'register': {
        const keyword = this.take(KW.register);
        const name = this.take(NAME);
        const [bar, offset] = this.barOffset();
        const size = this.maybe(KW.size) ? this.take(VALUE) : undefined;
        return { kind: 'register', span: this.spanFrom(first), keyword: tokenSpan(keyword), name: ident(name), bar, offset, size: number(size) };
      }
      case 'pasid': {
        const keyword = this.take(KW.pasid);
        return { kind: 'pasid-cap', span: this.spanFrom(first), keyword: tokenSpan(keyword) };
      }
      case 'sriov': {
        const keyword = this.take(KW.sriov);
        const count = this.take(VALUE);
        return { kind: 'sriov', span: this.spanFrom(first), keyword: tokenSpan(keyword), count: number(count) };
      }
      case 'migration': {
        const keyword = this.take(KW.migration);
        const flags = this.words();
        return { kind: 'migration', span: this.spanFrom(first), keyword: tokenSpan(keyword), flags };
      }
      case 'node': {
        const keyword = this.take(KW.node);
        const id = this.take(VALUE);
        return { kind: 'device-node', span: this.spanFrom(first), keyword: tokenSpan(keyword), id: number(id) };
      }
      case 'driver': {
        const keyword = this.take(KW.driver);
        const name = this.take(NAME);
        return { kind: 'driver', span: this.spanFrom(first), keyword: tokenSpan(keyword), name: ident(name) };
      }
      default:
        throw BAIL;
    }
  }

  /** `bar B offset X`. */
  protected barOffset(): [A.NumberLit | undefined, A.NumberLit | undefined] {
    this.take(KW.bar);
    const bar = this.take(VALUE);
    this.take(KW.offset);
    return [number(bar), number(this.take(VALUE))];
  }

  private ioapicPin(first: number): A.IoapicPinItem {
    const keyword = this.take(KW.ioapic);
    this.take(KW.pin);
    const pin = this.take(VALUE);
    const domainKeyword: IToken[] = [];
    const irqKeyword: IToken[] = [];
    const trigger: IToken[] = [];
    let domain: IToken | undefined;
    let irq: IToken | undefined;
    for (;;) {
      const w = this.word();
      if (w === 'domain') {
        domainKeyword.push(this.take(KW.domain));
        const d = this.take(NAME);
        domain ??= d;
      } else if (w === 'irq') {
        irqKeyword.push(this.take(KW.irq));
        const v = this.take(VALUE);
        irq ??= v;
      } else if (w === 'edge' || w === 'level') {
        trigger.push(this.take(KW[w]));
      } else {
        break;
      }
    }
    const repeated: A.Span[] = [];
    repeats(repeated, domainKeyword);
    repeats(repeated, irqKeyword);
    repeats(repeated, trigger);
    return { kind: 'ioapic-pin', span: this.spanFrom(first), keyword: tokenSpan(keyword), pin: number(pin), domain: ident(domain), irq: number(irq), trigger: ident(trigger[0]), repeated };
  }

  private pasid(first: number): A.PasidDecl {
    const keyword = this.take(KW.pasid);
    this.take(KW.capacity);
    const capacity = this.take(VALUE);
    const sets: A.PasidSetDecl[] = [];
    let body: A.Span | undefined;
    const open = this.maybe(LCURLY);
    if (open) {
      while (!this.at(RCURLY)) {
        const from = this.i;
        const kw = this.take(KW.set);
        const name = this.take(NAME);
        this.take(KW.quota);
        const quota = this.take(VALUE);
        sets.push({ span: this.spanFrom(from), keyword: tokenSpan(kw), name: ident(name), quota: number(quota) });
      }
      body = this.block(open, this.take(RCURLY));
    }
    return { kind: 'pasid', span: this.spanFrom(first), keyword: tokenSpan(keyword), capacity: number(capacity), body, sets };
  }

  private assign(first: number): A.AssignItem {
    const keyword = this.take(KW.assign);
    const device = this.take(NAME);
    let address: IToken | undefined;
    let sub: IToken | undefined;
    let mode: IToken | undefined;
    if (this.maybe(KW.as)) {
      address = this.take(PCI);
    } else {
      this.take(KW.sub);
      sub = this.take(NAME);
      this.take(KW.mode);
      mode = this.take(NAME);
    }
    const domain = this.maybe(KW.domain) ? this.take(NAME) : undefined;
    return {
      kind: 'assign',
      span: this.spanFrom(first),
      keyword: tokenSpan(keyword),
      device: ident(device),
      address: pciAddr(address),
      sub: ident(sub),
      mode: ident(mode),
      domain: ident(domain),
    };
  }

  private state(first: number): A.StateDecl {
    const keyword = this.take(KW.state);
    const open = this.take(LCURLY);
    const items: A.StateItem[] = [];
    for (let w = this.word(); w === 'online' || w === 'irq'; w = this.word()) {
      if (w === 'online') {
        const from = this.i;
        const kw = this.take(KW.online);
        this.take(KW.cpu);
        const cpus = this.cpuList();
        items.push({ kind: 'state-online', span: this.spanFrom(from), keyword: tokenSpan(kw), cpus });
      } else {
        items.push(this.stateIrq());
      }
    }
    const body = this.block(open, this.take(RCURLY));
    return { kind: 'state', span: this.spanFrom(first), keyword: tokenSpan(keyword), body, items };
  }

  /** `irq N SOURCE …`: the first value of each option counts; a keyword written again is `repeated`. */
  private stateIrq(): A.StateIrq {
    const first = this.i;
    const keyword = this.take(KW.irq);
    const irq = this.take(VALUE);
    const source = this.selection();
    const seen = new Repeats();
    let via: IToken | undefined;
    let managed: IToken | undefined;
    let cpu: IToken | undefined;
    let vector: IToken | undefined;
    let affinity: A.CpuList | undefined;
    let pending: A.CpuList | undefined;
    let previous: IToken | undefined;
    let previousCpu: IToken | undefined;
    let previousVector: IToken | undefined;
    let irte: IToken | undefined;
    let message: IToken | undefined;
    let address: IToken | undefined;
    let data: IToken | undefined;
    let previousEnd = 0;
    let messageEnd = 0;
    const flags: A.Ident[] = [];
    for (;;) {
      const w = this.word();
      if (w === 'via') {
        seen.first(IrqOpt.Via, this.take(KW.via));
        const t = this.take(NAME);
        via ??= t;
      } else if (w === 'managed') {
        const t = this.take(KW.managed);
        if (seen.first(IrqOpt.Managed, t)) managed = t;
      } else if (w === 'cpu') {
        seen.first(IrqOpt.Cpu, this.take(KW.cpu));
        const t = this.take(VALUE);
        cpu ??= t;
      } else if (w === 'vector') {
        seen.first(IrqOpt.Vector, this.take(KW.vector));
        const t = this.take(VALUE);
        vector ??= t;
      } else if (w === 'affinity') {
        seen.first(IrqOpt.Affinity, this.take(KW.affinity));
        const list = this.cpuList();
        affinity ??= list;
      } else if (w === 'pending') {
        seen.first(IrqOpt.Pending, this.take(KW.pending));
        const list = this.cpuList();
        pending ??= list;
      } else if (w === 'previous') {
        const t = this.take(KW.previous);
        if (seen.first(IrqOpt.Previous, t)) previous = t;
        this.take(KW.cpu);
        const c = this.take(VALUE);
        previousCpu ??= c;
        this.take(KW.vector);
        const v = this.take(VALUE);
        previousVector ??= v;
        previousEnd = v.startOffset + v.image.length;
      } else if (w === 'irte') {
        seen.first(IrqOpt.Irte, this.take(KW.irte));
        const t = this.take(VALUE);
        irte ??= t;
      } else if (w === 'message') {
        const t = this.take(KW.message);
        if (seen.first(IrqOpt.Message, t)) message = t;
        const a = this.take(VALUE);
        address ??= a;
        const d = this.take(VALUE);
        data ??= d;
        messageEnd = d.startOffset + d.image.length;
      } else if (this.at(IDENTIFIER)) {
        flags.push(ident(this.take(IDENTIFIER)) as A.Ident);
      } else {
        break;
      }
    }
    return {
      kind: 'state-irq',
      span: this.spanFrom(first),
      keyword: tokenSpan(keyword),
      irq: number(irq),
      source,
      via: ident(via),
      managed: managed ? tokenSpan(managed) : undefined,
      cpu: number(cpu),
      vector: number(vector),
      affinity,
      pending,
      // A `previous` or `message` written twice: the first one's span runs to the last one's values.
      previous: previous ? { span: { start: previous.startOffset, end: previousEnd }, cpu: number(previousCpu), vector: number(previousVector) } : undefined,
      irte: number(irte),
      message: message ? { span: { start: message.startOffset, end: messageEnd }, address: number(address), data: number(data) } : undefined,
      flags,
      repeated: seen.spans(IrqOpt.Count),
    };
  }
}
