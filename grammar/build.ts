// From Chevrotain's CST to the typed AST.
//
// After recovery a CST node may lack any child, and tokens inserted by
// single-token-insertion recovery have no text; every accessor here returns
// undefined for what is missing instead of throwing.
import type { CstElement, CstNode, IToken } from 'chevrotain';
import type * as A from './ast.js';

type Children = Record<string, CstElement[] | undefined>;

function isToken(el: CstElement): el is IToken {
  return (el as IToken).image !== undefined;
}

function realToken(t: IToken): boolean {
  return !t.isInsertedInRecovery && Number.isFinite(t.startOffset);
}

function tokens(node: CstNode | undefined, label: string): IToken[] {
  const els = (node?.children as Children | undefined)?.[label] ?? [];
  return els.filter((e): e is IToken => isToken(e) && realToken(e));
}

function token(node: CstNode | undefined, label: string): IToken | undefined {
  return tokens(node, label)[0];
}

function subnodes(node: CstNode | undefined, label: string): CstNode[] {
  const els = (node?.children as Children | undefined)?.[label] ?? [];
  return els.filter((e): e is CstNode => !isToken(e));
}

function subnode(node: CstNode | undefined, label: string): CstNode | undefined {
  return subnodes(node, label)[0];
}

export function tokenSpan(t: IToken): A.Span {
  return { start: t.startOffset, end: t.startOffset + t.image.length };
}

/** The span of everything a CST node holds, or undefined when recovery left it empty. */
function nodeSpan(node: CstNode): A.Span | undefined {
  let start = Infinity;
  let end = -Infinity;
  const visit = (n: CstNode): void => {
    for (const els of Object.values(n.children as Children)) {
      for (const el of els ?? []) {
        if (isToken(el)) {
          if (!realToken(el)) continue;
          start = Math.min(start, el.startOffset);
          end = Math.max(end, el.startOffset + el.image.length);
        } else {
          visit(el);
        }
      }
    }
  };
  visit(node);
  return Number.isFinite(start) ? { start, end } : undefined;
}

function spanOf(node: CstNode, fallback: A.Span): A.Span {
  return nodeSpan(node) ?? fallback;
}

function ident(t: IToken | undefined): A.Ident | undefined {
  if (!t) return undefined;
  return { text: t.image, span: tokenSpan(t) };
}

/** A string literal as an Ident whose text has no quotes. */
function stringIdent(t: IToken | undefined): A.Ident | undefined {
  if (!t) return undefined;
  const raw = t.image.endsWith('"') && t.image.length > 1 ? t.image.slice(1, -1) : t.image.slice(1);
  return { text: raw.replace(/\\(.)/g, '$1'), span: tokenSpan(t) };
}

const sizeShift: Record<string, number> = { K: 10, M: 20, G: 30 };

/** The value of a decimal, hex or size token (`64`, `0x3800`, `64K`). */
export function numberValue(image: string): number {
  if (/^0[xX]/.test(image)) return parseInt(image.slice(2), 16);
  const suffix = image[image.length - 1] ?? '';
  if (suffix in sizeShift) return parseInt(image.slice(0, -1), 10) * 2 ** (sizeShift[suffix] as number);
  return parseInt(image, 10);
}

function number(t: IToken | undefined): A.NumberLit | undefined {
  // A malformed number is reported by parse(); it has no value to check.
  if (!t || t.tokenType.name === 'BadNumber') return undefined;
  return { value: numberValue(t.image), text: t.image, span: tokenSpan(t) };
}

function pciAddr(t: IToken | undefined): A.PciAddr | undefined {
  if (!t) return undefined;
  const parts = t.image.split(/[:.]/);
  const [seg, bus, dev, fn] = parts.length === 4 ? parts : ['0', ...parts];
  return {
    text: t.image,
    span: tokenSpan(t),
    segment: parseInt(seg ?? '0', 16),
    bus: parseInt(bus ?? '0', 16),
    device: parseInt(dev ?? '0', 16),
    fn: parseInt(fn ?? '0', 16),
  };
}

function keywordSpan(node: CstNode, fallback: A.Span): A.Span {
  const t = token(node, 'keyword');
  return t ? tokenSpan(t) : fallback;
}

function bodySpan(node: CstNode): A.Span | undefined {
  const open = token(node, 'open');
  const close = token(node, 'close');
  if (!open) return undefined;
  return { start: open.startOffset, end: close ? close.startOffset + 1 : (nodeSpan(node)?.end ?? open.startOffset + 1) };
}

const SYSTEM_ITEM =
  'a system item (arch, kernel, cpus, apic, dest-mode, page-size, node, backport, domain, device, pasid or guest)';
const GUEST_ITEM = 'a guest item (cpus, hypervisor, domain, device or assign)';
const DEVICE_ITEM =
  'a device item (msi, msix, ims, ioapic pin, bar, msix-table, msix-pba, register, pasid, sriov, migration or node)';
const STEP =
  'a step (alloc, free, request, release, affinity, offline, online, mask, unmask, fire, vfio, mmio, dma, pasid, guest or expect)';

/** Builds the AST; `straySink` receives the runs of stray tokens so parse() can report them. */
export class AstBuilder {
  constructor(private readonly straySink: (run: IToken[], expected: string) => void) {}

  sourceFile(node: CstNode, textLength: number): A.SourceFile {
    const items: A.TopItem[] = [];
    this.collectStray(node, "'system' or 'scenario'");
    for (const el of this.itemsInOrder(node, 'items')) {
      if (el.name === 'systemDecl') {
        const s = this.systemDecl(el);
        if (s) items.push(s);
      } else if (el.name === 'scenarioDecl') {
        const s = this.scenarioDecl(el);
        if (s) items.push(s);
      }
    }
    const closes = tokens(node, 'strayClose');
    for (const c of closes) this.straySink([c], "'system' or 'scenario'");
    return { items, span: { start: 0, end: textLength } };
  }

  /** Children under a label, in source order (Chevrotain keeps them in order per label). */
  private itemsInOrder(node: CstNode, label: string): CstNode[] {
    return subnodes(node, label);
  }

  /** Reports each run of stray tokens in a block once. */
  private collectStray(node: CstNode, expected: string): void {
    const flat: IToken[] = [];
    const visit = (n: CstNode): void => {
      flat.push(...tokens(n, 'tokens'));
      for (const inner of subnodes(n, 'inner')) visit(inner);
    };
    for (const s of subnodes(node, 'stray')) visit(s);
    if (flat.length === 0) return;
    flat.sort((a, b) => a.startOffset - b.startOffset);
    // A run is broken by any real item between two stray tokens: items are
    // recognised in between, so a gap larger than whitespace splits it.
    const itemStarts = subnodes(node, 'items')
      .concat(subnodes(node, 'steps'), subnodes(node, 'sets'))
      .map((n) => nodeSpan(n))
      .filter((s): s is A.Span => s !== undefined);
    let run: IToken[] = [];
    const flush = (): void => {
      if (run.length > 0) this.straySink(run, expected);
      run = [];
    };
    for (const t of flat) {
      const prev = run[run.length - 1];
      if (prev && itemStarts.some((s) => s.start > prev.startOffset && s.start < t.startOffset)) flush();
      run.push(t);
    }
    flush();
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
    this.collectStray(node, expected);
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
        return { kind: 'node', span, keyword, id: number(token(node, 'id')), cpus: this.cpuList(subnode(node, 'cpus')) };
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
      if (key && pspan) props.push({ key, value: number(token(p, 'value')), span: pspan });
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
    this.collectStray(node, DEVICE_ITEM);
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
      bus: bus === 'pci' || bus === 'vf' ? bus : undefined,
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
        return { kind: 'ioapic-pin', span, keyword, pin: number(token(node, 'pin')), domain: ident(token(node, 'domain')) };
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

  private pasidDecl(node: CstNode, span: A.Span, keyword: A.Span): A.PasidDecl {
    this.collectStray(node, "'set NAME quota N'");
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

  private scenarioDecl(node: CstNode): A.ScenarioDecl | undefined {
    const span = nodeSpan(node);
    if (!span) return undefined;
    const nameTok = token(node, 'name');
    const block = subnode(node, 'block');
    return {
      kind: 'scenario',
      span,
      keyword: keywordSpan(node, span),
      name: nameTok?.image.startsWith('"') ? stringIdent(nameTok) : ident(nameTok),
      system: ident(token(node, 'system')),
      body: block ? bodySpan(block) : undefined,
      steps: block ? this.stepBlock(block) : [],
    };
  }

  private stepBlock(node: CstNode): A.Step[] {
    this.collectStray(node, STEP);
    const out: A.Step[] = [];
    for (const s of subnodes(node, 'steps')) {
      const step = this.step(s);
      if (step) out.push(step);
    }
    return out;
  }

  private step(wrapper: CstNode): A.Step | undefined {
    const node = subnode(wrapper, 'step');
    if (!node) return undefined;
    const span = nodeSpan(node);
    if (!span) return undefined;
    const keyword = keywordSpan(node, span);
    const kw = token(node, 'keyword')?.image;
    switch (node.name) {
      case 'allocStep':
        return {
          kind: 'alloc',
          span,
          keyword,
          device: ident(token(node, 'device')),
          count: number(token(node, 'count')),
          min: number(token(node, 'min')),
          managed: (() => {
            const m = token(node, 'managed');
            return m ? tokenSpan(m) : undefined;
          })(),
          via: ident(token(node, 'via')),
          repeated: ['minKeyword', 'managed', 'viaKeyword'].flatMap((l) => tokens(node, l).slice(1).map(tokenSpan)),
        };
      case 'freeStep':
        return { kind: 'free', span, keyword, device: ident(token(node, 'device')) };
      case 'selectionStep':
        if (kw !== 'request' && kw !== 'release' && kw !== 'mask' && kw !== 'unmask' && kw !== 'fire') return undefined;
        return { kind: kw, span, keyword, selection: this.selection(subnode(node, 'selection')) };
      case 'affinityStep':
        return {
          kind: 'affinity',
          span,
          keyword,
          selection: this.selection(subnode(node, 'selection')),
          cpus: this.cpuList(subnode(node, 'cpus')),
        };
      case 'hotplugStep':
        if (kw !== 'offline' && kw !== 'online') return undefined;
        return { kind: kw, span, keyword, cpus: this.cpuList(subnode(node, 'cpus')) };
      case 'vfioStep':
        return { kind: 'vfio', span, keyword, device: ident(token(node, 'device')), state: ident(token(node, 'state')) };
      case 'mmioStep': {
        const access = token(node, 'access')?.image;
        const barOffset = subnode(node, 'barOffset');
        return {
          kind: 'mmio',
          span,
          keyword,
          device: ident(token(node, 'device')),
          access: access === 'read' || access === 'write' ? access : undefined,
          bar: number(token(barOffset, 'bar')),
          offset: number(token(barOffset, 'offset')),
        };
      }
      case 'dmaStep':
        return { kind: 'dma', span, keyword, device: ident(token(node, 'device')), target: ident(token(node, 'target')) };
      case 'pasidStep': {
        const op = token(node, 'op')?.image;
        return {
          kind: 'pasid',
          span,
          keyword,
          op: op === 'alloc' || op === 'free' || op === 'quota' ? op : undefined,
          set: ident(token(node, 'set')),
          count: number(token(node, 'count')),
        };
      }
      case 'guestStep': {
        const block = subnode(node, 'block');
        return {
          kind: 'guest',
          span,
          keyword,
          guest: ident(token(node, 'guest')),
          body: block ? bodySpan(block) : undefined,
          steps: block ? this.stepBlock(block) : [],
        };
      }
      case 'expectStep':
        return { kind: 'expect', span, keyword, assertion: this.assertion(node, span, keyword) };
      default:
        return undefined;
    }
  }

  private assertion(node: CstNode, span: A.Span, keyword: A.Span): A.Assertion | undefined {
    const aspan: A.Span = { start: keyword.end, end: span.end };
    if (token(node, 'cpuKeyword')) {
      return { kind: 'cpu-available', span: aspan, cpu: number(token(node, 'cpu')), count: number(token(node, 'count')) };
    }
    if (token(node, 'vfioKeyword')) {
      return { kind: 'vfio', span: aspan, device: ident(token(node, 'device')), state: ident(token(node, 'state')) };
    }
    if (token(node, 'pasidKeyword')) {
      return { kind: 'pasid-used', span: aspan, set: ident(token(node, 'set')), count: number(token(node, 'count')) };
    }
    if (token(node, 'failKeyword')) {
      const inner = subnode(node, 'step');
      return { kind: 'fail', span: aspan, errno: ident(token(node, 'errno')), step: inner ? this.step(inner) : undefined };
    }
    const selection = this.selection(subnode(node, 'selection'));
    const a = subnode(node, 'assertion');
    const kw = token(a, 'keyword')?.image;
    if (!selection || !kw) return undefined;
    switch (kw) {
      case 'cpu':
        return { kind: 'cpu', span: aspan, selection, cpus: this.cpuList(subnode(a, 'cpus')) };
      case 'vector':
        return { kind: 'vector', span: aspan, selection, vector: number(token(a, 'value')) };
      case 'message':
        return {
          kind: 'message',
          span: aspan,
          selection,
          address: number(token(a, 'address')),
          data: number(token(a, 'data')),
        };
      case 'lost':
      case 'delivered':
        return { kind: kw, span: aspan, selection };
      case 'irte':
        return { kind: 'irte', span: aspan, selection, index: number(token(a, 'value')) };
      default:
        return undefined;
    }
  }

  private selection(node: CstNode | undefined): A.Selection | undefined {
    if (!node) return undefined;
    const device = ident(token(node, 'device'));
    const span = nodeSpan(node);
    if (!device || !span) return undefined;
    return { device, span, star: token(node, 'star') !== undefined, indices: this.cpuList(subnode(node, 'indices')) };
  }

  private cpuList(node: CstNode | undefined): A.CpuList | undefined {
    if (!node) return undefined;
    const ranges: A.CpuRange[] = [];
    for (const r of subnodes(node, 'ranges')) {
      const from = token(r, 'from');
      if (!from) continue;
      const to = token(r, 'to');
      const rspan = spanOf(r, tokenSpan(from));
      const f = numberValue(from.image);
      ranges.push({ from: f, to: to ? numberValue(to.image) : f, span: rspan });
    }
    const span = nodeSpan(node);
    if (ranges.length === 0 || !span) return undefined;
    return { ranges, span };
  }
}
