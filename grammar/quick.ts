// The quick reader (quick-base.ts says what it is for): the file's top level
// and the scenarios, as parser.ts reads them when nothing is wrong, and
// quickParse(), its entry point.
import type { IToken } from 'chevrotain';
import type * as A from './ast.js';
import { AllocOpt, ident, nameOrString, number, Repeats, stringIdent, tokenSpan } from './nodes.js';
import { MAX_NESTING } from './parser-base.js';
import { ARROW, BAIL, COMMA, ERRNO, IDENTIFIER, KW, LBRACKET, LCURLY, NAME, RBRACKET, RCURLY, STRING, VALUE } from './quick-base.js';
import { QuickTopology } from './quick-topology.js';
import * as T from './tokens.js';

/** The keywords a step begins with: what may follow `expect fail`. */
const STEP_WORDS = new Set([
  'alloc', 'free', 'request', 'release', 'mask', 'unmask', 'fire', 'affinity', 'offline', 'online', 'vfio', 'mmio', 'dma', 'pasid', 'guest', 'expect',
]);

class QuickReader extends QuickTopology {
  /** The items read whole so far, and the token where the next one starts. */
  readonly items: A.TopItem[] = [];
  boundary: number;

  constructor(tokens: readonly IToken[], from: number) {
    super(tokens);
    this.i = from;
    this.boundary = from;
  }

  file(): A.TopItem[] {
    const items = this.items;
    while (this.i < this.tokens.length) {
      this.boundary = this.i;
      const first = this.i;
      switch (this.word()) {
        case 'use': {
          const keyword = this.take(KW.use);
          const path = this.take(STRING);
          items.push({ kind: 'use', span: this.spanFrom(first), keyword: tokenSpan(keyword), path: stringIdent(path) });
          break;
        }
        case 'system':
          items.push(this.system());
          break;
        case 'scenario':
          items.push(this.scenario(first));
          break;
        default:
          throw BAIL;
      }
    }
    return items;
  }

  private scenario(first: number): A.ScenarioDecl {
    const keyword = this.take(KW.scenario);
    const name = this.maybe(STRING) ?? this.take(NAME);
    const system = this.maybe(KW.on) ? this.take(NAME) : undefined;
    const after = this.maybe(KW.after) ? (this.maybe(STRING) ?? this.take(NAME)) : undefined;
    const [body, steps] = this.steps();
    return { kind: 'scenario', span: this.spanFrom(first), keyword: tokenSpan(keyword), name: nameOrString(name), system: ident(system), after: nameOrString(after), body, steps };
  }

  /** `{ STEPS }` of a scenario or a `guest` step. */
  private steps(): [A.Span, A.Step[]] {
    const open = this.take(LCURLY);
    const steps: A.Step[] = [];
    while (!this.at(RCURLY)) steps.push(this.step());
    return [this.block(open, this.take(RCURLY)), steps];
  }

  private step(): A.Step {
    const first = this.i;
    const w = this.word();
    switch (w) {
      case 'alloc':
        return this.alloc(first);
      case 'free': {
        const keyword = this.take(KW.free);
        const device = this.take(NAME);
        const entries = this.entries();
        return { kind: 'free', span: this.spanFrom(first), keyword: tokenSpan(keyword), device: ident(device), entries };
      }
      case 'request':
      case 'release':
      case 'mask':
      case 'unmask': {
        const keyword = this.take(KW[w]);
        const selection = this.selection();
        return { kind: w, span: this.spanFrom(first), keyword: tokenSpan(keyword), selection };
      }
      case 'fire': {
        const keyword = this.take(KW.fire);
        const selection = this.selection();
        const count = this.maybe(VALUE);
        const handling = this.maybe(IDENTIFIER);
        return { kind: 'fire', span: this.spanFrom(first), keyword: tokenSpan(keyword), selection, count: number(count), handling: ident(handling) };
      }
      case 'affinity': {
        const keyword = this.take(KW.affinity);
        const selection = this.selection();
        const cpus = this.cpuList();
        return { kind: 'affinity', span: this.spanFrom(first), keyword: tokenSpan(keyword), selection, cpus };
      }
      case 'offline':
      case 'online': {
        const keyword = this.take(KW[w]);
        this.take(KW.cpu);
        const cpus = this.cpuList();
        return { kind: w, span: this.spanFrom(first), keyword: tokenSpan(keyword), cpus };
      }
      case 'vfio': {
        const keyword = this.take(KW.vfio);
        const device = this.take(NAME);
        const state = this.take(NAME);
        return { kind: 'vfio', span: this.spanFrom(first), keyword: tokenSpan(keyword), device: ident(device), state: ident(state) };
      }
      case 'mmio': {
        const keyword = this.take(KW.mmio);
        const device = this.take(NAME);
        const access = (this.maybe(KW.read) ?? this.take(KW.write)).image as 'read' | 'write';
        const [bar, offset] = this.at(KW.bar) ? this.barOffset() : [undefined, undefined];
        return { kind: 'mmio', span: this.spanFrom(first), keyword: tokenSpan(keyword), device: ident(device), access, bar, offset };
      }
      case 'dma': {
        const keyword = this.take(KW.dma);
        const device = this.take(NAME);
        this.take(ARROW);
        const target = this.take(NAME);
        return { kind: 'dma', span: this.spanFrom(first), keyword: tokenSpan(keyword), device: ident(device), target: ident(target) };
      }
      case 'pasid':
        return this.pasidStep(first);
      case 'guest': {
        if (this.nesting >= MAX_NESTING) throw BAIL;
        const keyword = this.take(KW.guest);
        const guest = this.take(NAME);
        this.nesting++;
        const [body, steps] = this.steps();
        this.nesting--;
        return { kind: 'guest', span: this.spanFrom(first), keyword: tokenSpan(keyword), guest: ident(guest), body, steps };
      }
      case 'expect':
        if (this.nesting >= MAX_NESTING) throw BAIL;
        return this.expect(first);
      default:
        throw BAIL;
    }
  }

  /** `[LIST]` after a device name, when there is one. */
  private entries(): A.CpuList | undefined {
    if (!this.maybe(LBRACKET)) return undefined;
    const list = this.cpuList();
    this.take(RBRACKET);
    return list;
  }

  private alloc(first: number): A.AllocStep {
    const keyword = this.take(KW.alloc);
    const device = this.take(NAME);
    const entries = this.entries();
    if (entries) {
      return { kind: 'alloc', span: this.spanFrom(first), keyword: tokenSpan(keyword), device: ident(device), count: undefined, min: undefined, managed: undefined, via: undefined, pre: undefined, post: undefined, sets: undefined, repeated: [], entries };
    }
    const count = this.take(VALUE);
    const seen = new Repeats();
    let min: IToken | undefined;
    let managed: IToken | undefined;
    let via: IToken | undefined;
    let pre: IToken | undefined;
    let post: IToken | undefined;
    let sets: IToken | undefined;
    let lastSize: IToken | undefined;
    const sizes: A.NumberLit[] = [];
    for (;;) {
      const w = this.word();
      if (w === 'min') {
        seen.first(AllocOpt.Min, this.take(KW.min));
        const t = this.take(VALUE);
        min ??= t;
      } else if (w === 'managed') {
        const t = this.take(KW.managed);
        if (seen.first(AllocOpt.Managed, t)) managed = t;
      } else if (w === 'via') {
        seen.first(AllocOpt.Via, this.take(KW.via));
        const t = this.take(NAME);
        via ??= t;
      } else if (w === 'pre') {
        seen.first(AllocOpt.Pre, this.take(KW.pre));
        const t = this.take(VALUE);
        pre ??= t;
      } else if (w === 'post') {
        seen.first(AllocOpt.Post, this.take(KW.post));
        const t = this.take(VALUE);
        post ??= t;
      } else if (w === 'sets') {
        const t = this.take(KW.sets);
        if (seen.first(AllocOpt.Sets, t)) sets = t;
        do {
          lastSize = this.take(VALUE);
          const n = number(lastSize);
          if (n) sizes.push(n);
        } while (this.maybe(COMMA));
      } else {
        break;
      }
    }
    const setsEnd = lastSize ?? sets;
    return {
      kind: 'alloc',
      span: this.spanFrom(first),
      keyword: tokenSpan(keyword),
      device: ident(device),
      count: number(count),
      min: number(min),
      managed: managed ? tokenSpan(managed) : undefined,
      via: ident(via),
      pre: number(pre),
      post: number(post),
      sets: sets && setsEnd ? { span: { start: sets.startOffset, end: setsEnd.startOffset + setsEnd.image.length }, sizes } : undefined,
      repeated: seen.spans(AllocOpt.Count),
      entries: undefined,
    };
  }

  private pasidStep(first: number): A.PasidStep {
    const keyword = this.take(KW.pasid);
    const op = this.maybe(KW.alloc) ?? this.maybe(KW.free) ?? this.take(KW.quota);
    const set = this.take(NAME);
    const count = op.image === 'alloc' ? this.maybe(VALUE) : op.image === 'quota' ? this.take(VALUE) : undefined;
    return { kind: 'pasid', span: this.spanFrom(first), keyword: tokenSpan(keyword), op: op.image as 'alloc' | 'free' | 'quota', set: ident(set), count: number(count) };
  }

  /**
   * `expect …`. The alternatives are tried in the parser's order with the
   * parser's gates and lookahead (up to three tokens): after `expect`, `cpu`,
   * `vfio`, `pasid` and `fail` may also be device names, so the tokens after
   * them decide, exactly as Chevrotain's computed lookahead paths do.
   */
  private expect(first: number): A.ExpectStep {
    const keyword = this.take(KW.expect);
    const next = this.typeAt(1);
    const notSelected = next !== T.LBracket;
    let build: (span: A.Span) => A.Assertion;
    if (this.at(KW.cpu) && (next === T.Int || next === T.Hex)) {
      this.i++;
      const cpu = this.take(VALUE);
      this.take(KW.available);
      const count = this.take(VALUE);
      build = (span) => ({ kind: 'cpu-available', span, cpu: number(cpu), count: number(count) });
    } else if (this.at(KW.vfio) && notSelected && this.at(NAME, 1) && this.at(NAME, 2)) {
      this.i++;
      const device = this.take(NAME);
      const state = this.take(NAME);
      build = (span) => ({ kind: 'vfio', span, device: ident(device), state: ident(state) });
    } else if (this.at(KW.pasid) && notSelected && this.at(NAME, 1) && this.at(KW.used, 2)) {
      this.i++;
      const set = this.take(NAME);
      this.take(KW.used);
      const count = this.take(VALUE);
      build = (span) => ({ kind: 'pasid-used', span, set: ident(set), count: number(count) });
    } else if (this.at(KW.fail) && notSelected && this.failFollows()) {
      this.i++;
      const errno = this.maybe(ERRNO);
      this.nesting++;
      const step = this.step();
      this.nesting--;
      build = (span) => ({ kind: 'fail', span, errno: ident(errno), step });
    } else {
      build = this.selectionAssertion();
    }
    const span = this.spanFrom(first);
    return { kind: 'expect', span, keyword: tokenSpan(keyword), assertion: build({ start: keyword.startOffset + keyword.image.length, end: span.end }) };
  }

  /**
   * The lookahead of `fail STEP`: an errno or a step's keyword; `affinity`
   * also begins the assertion of a device named `fail`, so after it a
   * selection (a name or `irq`) must follow.
   */
  private failFollows(): boolean {
    if (this.typeAt(1) === T.Errno) return true;
    if (this.at(KW.affinity, 1)) return this.at(NAME, 2) || this.at(KW.irq, 2);
    const w = this.word(1);
    return w !== undefined && STEP_WORDS.has(w);
  }

  private selectionAssertion(): (span: A.Span) => A.Assertion {
    const selection = this.selection();
    const w = this.word();
    switch (w) {
      case 'cpu':
      case 'affinity': {
        this.take(KW[w]);
        const cpus = this.cpuList();
        return (span) => ({ kind: w, span, selection, cpus });
      }
      case 'vector': {
        this.take(KW.vector);
        const vector = this.take(VALUE);
        return (span) => ({ kind: 'vector', span, selection, vector: number(vector) });
      }
      case 'message': {
        this.take(KW.message);
        const address = this.take(VALUE);
        const data = this.take(VALUE);
        return (span) => ({ kind: 'message', span, selection, address: number(address), data: number(data) });
      }
      case 'lost':
      case 'delivered':
        this.take(KW[w]);
        return (span) => ({ kind: w, span, selection });
      case 'irte': {
        this.take(KW.irte);
        const index = this.take(VALUE);
        return (span) => ({ kind: 'irte', span, selection, index: number(index) });
      }
      default:
        throw BAIL;
    }
  }
}

/**
 * The file's items if it has no syntax error, read without Chevrotain; else
 * undefined, and parse() asks the recovering parser. Never throws.
 */
export function quickParse(tokens: readonly IToken[]): A.TopItem[] | undefined {
  const r = quickParsePrefix(tokens);
  return r.next === tokens.length ? r.items : undefined;
}

/** What the quick reader read of a file: its first items, whole, and the token where the rest begins. */
export interface QuickPrefix {
  readonly items: A.TopItem[];
  /** The first token of the item the reader gave up on (tokens.length when it read them all). */
  readonly next: number;
}

/**
 * The items, from tokens[from] on, before the first one the quick reader
 * cannot read. Items are independent at the top level (sourceFile is
 * MANY(topItem), and an item ends with its own `}` or value), so the
 * recovering parser, started at `next` with the token before it as its last,
 * reads the rest exactly as it would have in a parse of the whole file: a
 * 4 MiB file with an error in its last line is then read once, not twice.
 * Never throws.
 */
export function quickParsePrefix(tokens: readonly IToken[], from = 0): QuickPrefix {
  const reader = new QuickReader(tokens, from);
  try {
    return { items: reader.file(), next: tokens.length };
  } catch {
    // BAIL, or anything this reader did not foresee: the recovering parser decides, from the item it was in.
    return { items: reader.items, next: reader.boundary };
  }
}

