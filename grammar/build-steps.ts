// From the CST to the typed AST, the scenario half: scenarios, steps and
// expectations (build.ts builds the topology and calls this for scenarios).
import type { CstNode } from 'chevrotain';
import type * as A from './ast.js';
import { bodySpan, collectStray, cpuList, ident, keywordSpan, nodeSpan, number, selection as selectionOf, stringIdent, subnode, subnodes, token, tokens, tokenSpan, type StraySink } from './cst.js';

const STEP =
  'a step (alloc, free, request, release, affinity, offline, online, mask, unmask, fire, vfio, mmio, dma, pasid, guest or expect)';

export class StepBuilder {
  constructor(private readonly straySink: StraySink) {}

  scenarioDecl(node: CstNode): A.ScenarioDecl | undefined {
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
      after: (() => {
        const t = token(node, 'after');
        return t?.image.startsWith('"') ? stringIdent(t) : ident(t);
      })(),
      body: block ? bodySpan(block) : undefined,
      steps: block ? this.stepBlock(block) : [],
    };
  }

  private stepBlock(node: CstNode): A.Step[] {
    collectStray(node, STEP, this.straySink);
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
          pre: number(token(node, 'pre')),
          post: number(token(node, 'post')),
          sets: (() => {
            const kw = token(node, 'setsKeyword');
            const sizes = tokens(node, 'sets');
            const last = sizes[sizes.length - 1];
            if (!kw) return undefined;
            const end = last ? last.startOffset + last.image.length : kw.startOffset + kw.image.length;
            return { span: { start: kw.startOffset, end }, sizes: sizes.map((t) => number(t)).filter((n): n is A.NumberLit => n !== undefined) };
          })(),
          repeated: ['minKeyword', 'managed', 'viaKeyword', 'preKeyword', 'postKeyword', 'setsKeyword'].flatMap((l) => tokens(node, l).slice(1).map(tokenSpan)),
        };
      case 'freeStep':
        return { kind: 'free', span, keyword, device: ident(token(node, 'device')) };
      case 'selectionStep':
        if (kw !== 'request' && kw !== 'release' && kw !== 'mask' && kw !== 'unmask' && kw !== 'fire') return undefined;
        return { kind: kw, span, keyword, selection: selectionOf(subnode(node, 'selection')) };
      case 'affinityStep':
        return {
          kind: 'affinity',
          span,
          keyword,
          selection: selectionOf(subnode(node, 'selection')),
          cpus: cpuList(subnode(node, 'cpus')),
        };
      case 'hotplugStep':
        if (kw !== 'offline' && kw !== 'online') return undefined;
        return { kind: kw, span, keyword, cpus: cpuList(subnode(node, 'cpus')) };
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
    const selection = selectionOf(subnode(node, 'selection'));
    const a = subnode(node, 'assertion');
    const kw = token(a, 'keyword')?.image;
    if (!selection || !kw) return undefined;
    switch (kw) {
      case 'cpu':
      case 'affinity':
        return { kind: kw, span: aspan, selection, cpus: cpuList(subnode(a, 'cpus')) };
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
}
