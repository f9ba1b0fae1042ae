// From Chevrotain's CST to the typed AST: the file's top level, systems,
// guests, domains, devices, PASID spaces and the declared machine state.
// Scenarios are built by build-steps.ts; the CST accessors are in cst.ts.
import type { CstNode } from 'chevrotain';
import type * as A from './ast.js';
import { StepBuilder } from './build-steps.js';
import {
  bodySpan,
  collectStray,
  cpuList,
  ident,
  keywordSpan,
  nodeSpan,
  number,
  pciAddr,
  selection,
  stringIdent,
  subnode,
  subnodes,
  token,
  tokens,
  tokenSpan,
  type StraySink,
} from './cst.js';

export { numberValue, tokenSpan } from './cst.js';

const SYSTEM_ITEM =
  'a system item (arch, kernel, cpus, apic, dest-mode, page-size, node, backport, domain, device, pasid, guest or state)';
const GUEST_ITEM = 'a guest item (cpus, hypervisor, domain, device or assign)';
const DEVICE_ITEM =
  'a device item (msi, msix, ims, ioapic pin, bar, msix-table, msix-pba, register, pasid, sriov, migration, node or driver)';
const STATE_ITEM = "a state item ('online cpu LIST' or 'irq N SOURCE …')";
const TOP_ITEM = "'use', 'system' or 'scenario'";

/** Builds the AST; `straySink` receives the runs of stray tokens so parse() can report them. */
export class AstBuilder {
  private readonly steps: StepBuilder;

  constructor(private readonly straySink: StraySink) {
    this.steps = new StepBuilder(straySink);
  }

  sourceFile(node: CstNode, textLength: number): A.SourceFile {
    const items: A.TopItem[] = [];
    collectStray(node, TOP_ITEM, this.straySink);
    for (const el of this.itemsInOrder(node, 'items')) {
      if (el.name === 'systemDecl') {
        const s = this.systemDecl(el);
        if (s) items.push(s);
      } else if (el.name === 'scenarioDecl') {
        const s = this.steps.scenarioDecl(el);
        if (s) items.push(s);
      } else if (el.name === 'useDecl') {
        const span = nodeSpan(el);
        if (span) items.push({ kind: 'use', span, keyword: keywordSpan(el, span), path: stringIdent(token(el, 'path')) });
      }
    }
    const closes = tokens(node, 'strayClose');
    for (const c of closes) this.straySink([c], TOP_ITEM);
    return { items, span: { start: 0, end: textLength } };
  }

  /** Children under a label, in source order (Chevrotain keeps them in order per label). */
  private itemsInOrder(node: CstNode, label: string): CstNode[] {
    return subnodes(node, label);
  }

  private systemDecl(node: CstNode): A.SystemDecl | undefined {
    const span = nodeSpan(node);
    if (!span) return undefined;
    const body = subnode(node, 'body');
    return {
      kind: 'system',
      span,
      keyword: keywordSpan(node, span),
      name: ident(token(node, 'name')),
      description: stringIdent(token(node, 'description')),
      body: body ? bodySpan(body) : undefined,
      items: body ? this.bodyItems(body, SYSTEM_ITEM) : [],
    };
  }

  private bodyItems(node: CstNode, expected: string): A.BodyItem[] {
    collectStray(node, expected, this.straySink);
    const out: A.BodyItem[] = [];
    for (const item of subnodes(node, 'items')) {
      const built = this.bodyItem(item);
      if (built) out.push(built);
    }
    return out;
  }

  private bodyItem(node: CstNode): A.BodyItem | undefined {
    const span = nodeSpan(node);
    if (!span) return undefined;
    const keyword = keywordSpan(node, span);
    switch (node.name) {
      case 'archItem':
        return { kind: 'arch', span, keyword, value: ident(token(node, 'value')) };
      case 'kernelItem':
        return { kind: 'kernel', span, keyword, value: ident(token(node, 'value')) };
      case 'cpusItem':
        return { kind: 'cpus', span, keyword, count: number(token(node, 'count')) };
      case 'apicItem':
        return { kind: 'apic', span, keyword, value: ident(token(node, 'value')), flags: tokens(node, 'flags').map((t) => ident(t) as A.Ident) };
      case 'destModeItem':
        return { kind: 'dest-mode', span, keyword, value: ident(token(node, 'value')) };
      case 'pageSizeItem':
        return { kind: 'page-size', span, keyword, size: number(token(node, 'size')) };
      case 'nodeItem':
        return { kind: 'node', span, keyword, id: number(token(node, 'id')), cpus: cpuList(subnode(node, 'cpus')) };
      case 'domainDecl':
        return this.domainDecl(node, span, keyword);
      case 'deviceDecl':
        return this.deviceDecl(node, span, keyword);
      case 'pasidDecl':
        return this.pasidDecl(node, span, keyword);
      case 'guestDecl': {
        const body = subnode(node, 'body');
        return {
          kind: 'guest',
          span,
          keyword,
          name: ident(token(node, 'name')),
          body: body ? bodySpan(body) : undefined,
          items: body ? this.bodyItems(body, GUEST_ITEM) : [],
        };
      }
      case 'hypervisorItem':
        return { kind: 'hypervisor', span, keyword, value: ident(token(node, 'value')) };
      case 'backportItem':
        return { kind: 'backport', span, keyword, names: tokens(node, 'names').map((t) => ident(t) as A.Ident) };
      case 'stateDecl':
        return this.stateDecl(node, span, keyword);
      case 'assignItem':
        return {
          kind: 'assign',
          span,
          keyword,
          device: ident(token(node, 'device')),
          address: pciAddr(token(node, 'address')),
          sub: ident(token(node, 'sub')),
          mode: ident(token(node, 'mode')),
          domain: ident(token(node, 'domain')),
        };
      default:
        return undefined;
    }
  }

  private domainDecl(node: CstNode, span: A.Span, keyword: A.Span): A.DomainDecl {
    const props: A.DomainProp[] = [];
    for (const p of subnodes(node, 'props')) {
      const key = ident(token(p, 'key'));
      const pspan = nodeSpan(p);
      if (key && pspan) props.push({ key, value: number(token(p, 'value')), address: pciAddr(token(p, 'address')), span: pspan });
    }
    return {
      kind: 'domain',
      span,
      keyword,
      name: ident(token(node, 'name')),
      domainKind: ident(token(node, 'domainKind')),
      parentKeyword: (() => {
        const t = token(node, 'parentKeyword');
        return t ? tokenSpan(t) : undefined;
      })(),
      parent: ident(token(node, 'parent')),
      props,
      body: bodySpan(node),
    };
  }

  private deviceDecl(node: CstNode, span: A.Span, keyword: A.Span): A.DeviceDecl {
    collectStray(node, DEVICE_ITEM, this.straySink);
    const bus = token(node, 'bus')?.image;
    const items: A.DeviceItem[] = [];
    for (const item of subnodes(node, 'items')) {
      const built = this.deviceItem(item);
      if (built) items.push(built);
    }
    return {
      kind: 'device',
      span,
      keyword,
      name: ident(token(node, 'name')),
      bus: bus === 'pci' || bus === 'vf' || bus === 'platform' ? bus : undefined,
      address: pciAddr(token(node, 'address')),
      pf: ident(token(node, 'pf')),
      vfIndex: number(token(node, 'vfIndex')),
      body: bodySpan(node),
      items,
    };
  }

  private deviceItem(node: CstNode): A.DeviceItem | undefined {
    const span = nodeSpan(node);
    if (!span) return undefined;
    const keyword = keywordSpan(node, span);
    const barOffset = subnode(node, 'barOffset');
    switch (node.name) {
      case 'capItem': {
        const cap = token(node, 'keyword')?.image;
        if (cap !== 'msi' && cap !== 'msix' && cap !== 'ims') return undefined;
        const options: A.CapOption[] = [];
        for (const o of subnodes(node, 'options')) {
          const kw = token(o, 'keyword');
          const ospan = nodeSpan(o);
          if (!kw || !ospan || (kw.image !== 'maskable' && kw.image !== 'storage')) continue;
          options.push({ key: kw.image, keyword: tokenSpan(kw), value: ident(token(o, 'value')), span: ospan });
        }
        return {
          kind: 'cap',
          span,
          keyword,
          cap,
          count: number(token(node, 'count')),
          domain: ident(token(node, 'domain')),
          options,
        };
      }
      case 'ioapicPinItem':
        return {
          kind: 'ioapic-pin',
          span,
          keyword,
          pin: number(token(node, 'pin')),
          domain: ident(token(node, 'domain')),
          irq: number(token(node, 'irq')),
          trigger: ident(token(node, 'trigger')),
          repeated: ['domainKeyword', 'irqKeyword', 'trigger'].flatMap((l) => tokens(node, l).slice(1).map(tokenSpan)),
        };
      case 'driverItem':
        return { kind: 'driver', span, keyword, name: ident(token(node, 'name')) };
      case 'barItem':
        return { kind: 'bar', span, keyword, index: number(token(node, 'index')), size: number(token(node, 'size')) };
      case 'msixPlacementItem': {
        const kw = token(node, 'keyword')?.image;
        if (kw !== 'msix-table' && kw !== 'msix-pba') return undefined;
        return {
          kind: kw,
          span,
          keyword,
          bar: number(token(barOffset, 'bar')),
          offset: number(token(barOffset, 'offset')),
        };
      }
      case 'registerItem':
        return {
          kind: 'register',
          span,
          keyword,
          name: ident(token(node, 'name')),
          bar: number(token(barOffset, 'bar')),
          offset: number(token(barOffset, 'offset')),
          size: number(token(node, 'size')),
        };
      case 'pasidCapItem':
        return { kind: 'pasid-cap', span, keyword };
      case 'sriovItem':
        return { kind: 'sriov', span, keyword, count: number(token(node, 'count')) };
      case 'migrationItem':
        return {
          kind: 'migration',
          span,
          keyword,
          flags: tokens(node, 'flags').map((t) => ident(t) as A.Ident),
        };
      case 'deviceNodeItem':
        return { kind: 'device-node', span, keyword, id: number(token(node, 'id')) };
      default:
        return undefined;
    }
  }

  private stateDecl(node: CstNode, span: A.Span, keyword: A.Span): A.StateDecl {
    collectStray(node, STATE_ITEM, this.straySink);
    const items: A.StateItem[] = [];
    for (const item of subnodes(node, 'items')) {
      const ispan = nodeSpan(item);
      if (!ispan) continue;
      const kw = keywordSpan(item, ispan);
      if (item.name === 'stateOnline') {
        items.push({ kind: 'state-online', span: ispan, keyword: kw, cpus: cpuList(subnode(item, 'cpus')) });
        continue;
      }
      const prevKw = token(item, 'previousKeyword');
      const msgKw = token(item, 'messageKeyword');
      const last = (...labels: string[]): number => Math.max(...labels.map((l) => tokens(item, l).map((t) => t.startOffset + t.image.length)).flat(), 0);
      items.push({
        kind: 'state-irq',
        span: ispan,
        keyword: kw,
        irq: number(token(item, 'irq')),
        source: selection(subnode(item, 'source')),
        via: ident(token(item, 'via')),
        managed: (() => {
          const m = token(item, 'managed');
          return m ? tokenSpan(m) : undefined;
        })(),
        cpu: number(token(item, 'cpu')),
        vector: number(token(item, 'vector')),
        affinity: cpuList(subnode(item, 'affinity')),
        pending: cpuList(subnode(item, 'pending')),
        previous: prevKw
          ? { span: { start: prevKw.startOffset, end: Math.max(last('previousVector', 'previousCpu'), prevKw.startOffset + prevKw.image.length) }, cpu: number(token(item, 'previousCpu')), vector: number(token(item, 'previousVector')) }
          : undefined,
        irte: number(token(item, 'irte')),
        message: msgKw
          ? { span: { start: msgKw.startOffset, end: Math.max(last('address', 'data'), msgKw.startOffset + msgKw.image.length) }, address: number(token(item, 'address')), data: number(token(item, 'data')) }
          : undefined,
        flags: tokens(item, 'flags').map((t) => ident(t) as A.Ident),
        repeated: ['viaKeyword', 'managed', 'cpuKeyword', 'vectorKeyword', 'affinityKeyword', 'pendingKeyword', 'previousKeyword', 'irteKeyword', 'messageKeyword'].flatMap((l) =>
          tokens(item, l).slice(1).map(tokenSpan),
        ),
      });
    }
    return { kind: 'state', span, keyword, body: bodySpan(node), items };
  }

  private pasidDecl(node: CstNode, span: A.Span, keyword: A.Span): A.PasidDecl {
    collectStray(node, "'set NAME quota N'", this.straySink);
    const sets: A.PasidSetDecl[] = [];
    for (const s of subnodes(node, 'sets')) {
      const sspan = nodeSpan(s);
      if (!sspan) continue;
      sets.push({
        span: sspan,
        keyword: keywordSpan(s, sspan),
        name: ident(token(s, 'name')),
        quota: number(token(s, 'quota')),
      });
    }
    return { kind: 'pasid', span, keyword, capacity: number(token(node, 'capacity')), body: bodySpan(node), sets };
  }
}
