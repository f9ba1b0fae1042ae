// The frames of a scenario's steps and the AST nodes they become
// (language.md "Scenarios"). parser.ts fills a StepFrame while a step rule
// runs and calls stepNode() when it ends, however it ended.
import type { IToken } from 'chevrotain';
import type * as A from './ast.js';
import { AllocOpt, type BarOffset, type Block, ident, number, Repeats, type Slot, tokenSpan } from './nodes.js';

/** `expect cpu N available M`, `vfio`, `pasid`, `fail` or a selection assertion, while it is parsed. */
export class ExpectFrame {
  /** The keyword of `cpu`, `vfio`, `pasid` or `fail`; absent for a selection's assertion. */
  which: IToken | undefined = undefined;
  cpu: IToken | undefined = undefined;
  count: IToken | undefined = undefined;
  device: IToken | undefined = undefined;
  state: IToken | undefined = undefined;
  set: IToken | undefined = undefined;
  errno: IToken | undefined = undefined;
  /** Where `expect fail` delivers the step it wraps. */
  inner: A.Step[] | undefined = undefined;
  selection: Slot<A.Selection> | undefined = undefined;
  assertion: AssertFrame | undefined = undefined;
}

/** What follows a selection in `expect SEL …`. */
export class AssertFrame {
  keyword: IToken | undefined = undefined;
  cpus: Slot<A.CpuList> | undefined = undefined;
  value: IToken | undefined = undefined;
  address: IToken | undefined = undefined;
  data: IToken | undefined = undefined;
}

/** Any step while it is parsed; each kind uses the fields it has. */
export class StepFrame extends Repeats {
  /** How many tokens were recorded when the step began. */
  mark = 0;
  keyword: IToken | undefined = undefined;
  device: IToken | undefined = undefined;
  count: IToken | undefined = undefined;
  min: IToken | undefined = undefined;
  managed: IToken | undefined = undefined;
  via: IToken | undefined = undefined;
  pre: IToken | undefined = undefined;
  post: IToken | undefined = undefined;
  /** The first `sets` keyword, the last size after any, and the sizes that are numbers. */
  sets: IToken | undefined = undefined;
  lastSize: IToken | undefined = undefined;
  sizes: A.NumberLit[] | undefined = undefined;
  selection: Slot<A.Selection> | undefined = undefined;
  cpus: Slot<A.CpuList> | undefined = undefined;
  state: IToken | undefined = undefined;
  access: IToken | undefined = undefined;
  at: BarOffset | undefined = undefined;
  target: IToken | undefined = undefined;
  op: IToken | undefined = undefined;
  set: IToken | undefined = undefined;
  guest: IToken | undefined = undefined;
  block: Block<A.Step> | undefined = undefined;
  expect: ExpectFrame | undefined = undefined;

  /** A size of `sets`: the last one ends the span of the first `sets`. */
  setSize(t: IToken | undefined): void {
    if (!t) return;
    this.lastSize = t;
    const n = number(t);
    if (n) (this.sizes ??= []).push(n);
  }
}

function keywordOr(t: IToken | undefined, span: A.Span): A.Span {
  return t ? tokenSpan(t) : span;
}

/** The AST node of the step the rule `rule` read, or undefined when it read too little to say. */
export function stepNode(rule: string, f: StepFrame, span: A.Span): A.Step | undefined {
  const keyword = keywordOr(f.keyword, span);
  const kw = f.keyword?.image;
  switch (rule) {
    case 'allocStep':
      return {
        kind: 'alloc',
        span,
        keyword,
        device: ident(f.device),
        count: number(f.count),
        min: number(f.min),
        managed: f.managed ? tokenSpan(f.managed) : undefined,
        via: ident(f.via),
        pre: number(f.pre),
        post: number(f.post),
        sets: f.sets
          ? {
              span: { start: f.sets.startOffset, end: (f.lastSize ?? f.sets).startOffset + (f.lastSize ?? f.sets).image.length },
              sizes: f.sizes ?? [],
            }
          : undefined,
        repeated: f.spans(AllocOpt.Count),
        entries: f.cpus?.node,
      };
    case 'freeStep':
      return { kind: 'free', span, keyword, device: ident(f.device), entries: f.cpus?.node };
    case 'selectionStep':
      if (kw !== 'request' && kw !== 'release' && kw !== 'mask' && kw !== 'unmask') return undefined;
      return { kind: kw, span, keyword, selection: f.selection?.node };
    case 'fireStep':
      return { kind: 'fire', span, keyword, selection: f.selection?.node, count: number(f.count), handling: ident(f.state) };
    case 'affinityStep':
      return { kind: 'affinity', span, keyword, selection: f.selection?.node, cpus: f.cpus?.node };
    case 'hotplugStep':
      if (kw !== 'offline' && kw !== 'online') return undefined;
      return { kind: kw, span, keyword, cpus: f.cpus?.node };
    case 'vfioStep':
      return { kind: 'vfio', span, keyword, device: ident(f.device), state: ident(f.state) };
    case 'mmioStep': {
      const access = f.access?.image;
      return {
        kind: 'mmio',
        span,
        keyword,
        device: ident(f.device),
        access: access === 'read' || access === 'write' ? access : undefined,
        bar: number(f.at?.bar),
        offset: number(f.at?.offset),
      };
    }
    case 'dmaStep':
      return { kind: 'dma', span, keyword, device: ident(f.device), target: ident(f.target) };
    case 'pasidStep': {
      const op = f.op?.image;
      return {
        kind: 'pasid',
        span,
        keyword,
        op: op === 'alloc' || op === 'free' || op === 'quota' ? op : undefined,
        set: ident(f.set),
        count: number(f.count),
      };
    }
    case 'guestStep':
      return { kind: 'guest', span, keyword, guest: ident(f.guest), body: f.block?.span, steps: f.block ? f.block.items : [] };
    case 'expectStep':
      return { kind: 'expect', span, keyword, assertion: assertion(f.expect, { start: keyword.end, end: span.end }) };
    default:
      return undefined;
  }
}

function assertion(e: ExpectFrame | undefined, span: A.Span): A.Assertion | undefined {
  if (!e) return undefined;
  switch (e.which?.image) {
    case 'cpu':
      return { kind: 'cpu-available', span, cpu: number(e.cpu), count: number(e.count) };
    case 'vfio':
      return { kind: 'vfio', span, device: ident(e.device), state: ident(e.state) };
    case 'pasid':
      return { kind: 'pasid-used', span, set: ident(e.set), count: number(e.count) };
    case 'fail':
      return { kind: 'fail', span, errno: ident(e.errno), step: e.inner?.[0] };
    default:
      break;
  }
  const selection = e.selection?.node;
  const a = e.assertion;
  const kw = a?.keyword?.image;
  if (!selection || !a || !kw) return undefined;
  switch (kw) {
    case 'cpu':
    case 'affinity':
      return { kind: kw, span, selection, cpus: a.cpus?.node };
    case 'vector':
      return { kind: 'vector', span, selection, vector: number(a.value) };
    case 'message':
      return { kind: 'message', span, selection, address: number(a.address), data: number(a.data) };
    case 'lost':
    case 'delivered':
      return { kind: kw, span, selection };
    case 'irte':
      return { kind: 'irte', span, selection, index: number(a.value) };
    default:
      return undefined;
  }
}
