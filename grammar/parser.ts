// The Chevrotain parser for the whole irqd language (language.md): the
// scenario half (scenarios, steps, expectations) on top of the topology half
// in parser-topology.ts. The AST is built as the rules run (parser-base.ts
// explains how); parser-steps.ts builds the steps' nodes. parse() asks this
// parser only for a file the quick reader (quick.ts) could not read: one with
// a syntax error, which it recovers from.
//
// One instance, built once: performSelfAnalysis() is the expensive part.
import type { IOrAlt, IRecognitionException, IToken, OrMethodOpts } from 'chevrotain';
import type * as A from './ast.js';
import { AllocOpt, BarOffset, Block, ident, nameOrString, Slot, type StrayRun } from './nodes.js';
import { MAX_NESTING, STOP_PARSING } from './parser-base.js';
import { AssertFrame, ExpectFrame, StepFrame, stepNode } from './parser-steps.js';
import { TOP_ITEM, TopologyParser } from './parser-topology.js';
import * as T from './tokens.js';
import type { QuickPrefix } from './quick.js';

export { MAX_NESTING } from './parser-base.js';

const K = T.keywords;

const STEP =
  'a step (alloc, free, request, release, affinity, offline, online, mask, unmask, fire, vfio, mmio, dma, pasid, guest or expect)';

export class IrqdParser extends TopologyParser {
  private steps = new Block<A.Step>('');
  /** Where the `step` rule delivers: a block's steps, or the one step of `expect fail`. */
  private stepsInto: A.Step[] = [];
  private stepF = new StepFrame();
  private expectF = new ExpectFrame();
  private assertF = new AssertFrame();

  constructor() {
    super();
    this.performSelfAnalysis();
  }

  protected override scenarioDecl = this.RULE('scenarioDecl', () => {
    const out = this.receive<A.TopItem[]>(Array);
    const mark = this.recCount;
    let keyword: IToken | undefined;
    let name: IToken | undefined;
    let system: IToken | undefined;
    let after: IToken | undefined;
    let block: Block<A.Step> | undefined;
    try {
      keyword = this.take(this.CONSUME(K.scenario));
      name = this.take(this.OR(this.scenarioNames));
      system = this.OPTION(this.scenarioSystem);
      // `after "boot"`: the scenario starts where that one ends.
      after = this.OPTION2(this.scenarioAfter);
      this.next = block = new Block<A.Step>(STEP);
      this.SUBRULE(this.stepBlock);
    } finally {
      const span = this.spanFrom(mark);
      if (span) {
        out.push({
          kind: 'scenario',
          span,
          keyword: this.keywordOr(keyword, span),
          name: nameOrString(name),
          system: ident(system),
          after: nameOrString(after),
          body: block?.span,
          steps: block ? block.items : [],
        });
      }
    }
  });

  private scenarioNames: IOrAlt<IToken>[] = [{ ALT: () => this.CONSUME(T.StringLit) }, { ALT: () => this.CONSUME(T.Name) }];

  private scenarioSystem = (): IToken | undefined => {
    this.take(this.CONSUME(K.on));
    return this.take(this.CONSUME2(T.Name));
  };

  private scenarioAfter = (): IToken | undefined => {
    this.take(this.CONSUME(K.after));
    return this.take(this.OR2(this.afterNames));
  };

  private afterNames: IOrAlt<IToken>[] = [{ ALT: () => this.CONSUME2(T.StringLit) }, { ALT: () => this.CONSUME3(T.Name) }];

  private stepBlock = this.RULE('stepBlock', () => {
    const block = this.receive<Block<A.Step>>(Block);
    const saved = this.steps;
    this.steps = block;
    try {
      block.open = this.take(this.CONSUME(T.LCurly));
      this.MANY(this.blockStep);
      block.close = this.take(this.CONSUME(T.RCurly));
    } finally {
      this.steps = saved;
      block.span = this.blockSpan(block);
      this.endStrays(block);
    }
  });

  private blockStep = (): void => this.OR(this.blockSteps);

  private blockSteps: OrMethodOpts<void> = {
    IGNORE_AMBIGUITIES: true,
    MAX_LOOKAHEAD: 1,
    DEF: [
      {
        ALT: () => {
          this.next = this.steps.items;
          this.SUBRULE(this.step);
        },
      },
      {
        ALT: () => {
          this.next = this.steps;
          this.SUBRULE(this.stray);
        },
      },
    ],
  };

  /** One step of any kind, delivered where its caller said. */
  private step = this.RULE('step', () => {
    const into = this.receive<A.Step[]>(Array);
    const saved = this.stepsInto;
    this.stepsInto = into;
    try {
      this.OR(this.stepKinds);
    } finally {
      this.stepsInto = saved;
    }
  });

  /** The step rule named `rule`, filling a StepFrame that becomes the step's node at its end. */
  private stepRule(name: string, body: (f: StepFrame) => void) {
    return this.RULE(name, () => {
      const into = this.receive<A.Step[]>(Array);
      const f = new StepFrame();
      const saved = this.stepF;
      this.stepF = f;
      f.mark = this.recCount;
      try {
        body(f);
      } finally {
        this.stepF = saved;
        const span = this.spanFrom(f.mark);
        const node = span ? stepNode(name, f, span) : undefined;
        if (node) into.push(node);
      }
    });
  }

  private kind(rule: () => void, gated = false): IOrAlt<void> {
    const ALT = (): void => {
      this.next = this.stepsInto;
      rule();
    };
    return gated ? { GATE: () => this.nesting < MAX_NESTING, ALT } : { ALT };
  }

  private stepKinds: OrMethodOpts<void> = {
    MAX_LOOKAHEAD: 1,
    DEF: [
      this.kind(() => this.SUBRULE(this.allocStep)),
      this.kind(() => this.SUBRULE(this.freeStep)),
      this.kind(() => this.SUBRULE(this.selectionStep)),
      this.kind(() => this.SUBRULE(this.fireStep)),
      this.kind(() => this.SUBRULE(this.affinityStep)),
      this.kind(() => this.SUBRULE(this.hotplugStep)),
      this.kind(() => this.SUBRULE(this.vfioStep)),
      this.kind(() => this.SUBRULE(this.mmioStep)),
      this.kind(() => this.SUBRULE(this.dmaStep)),
      this.kind(() => this.SUBRULE(this.pasidStep)),
      this.kind(() => this.SUBRULE(this.guestStep), true),
      this.kind(() => this.SUBRULE(this.expectStep), true),
    ],
  };

  private allocStep = this.stepRule('allocStep', (f) => {
    f.keyword = this.take(this.CONSUME(K.alloc));
    f.device = this.take(this.CONSUME(T.Name));
    this.OR9([
      { ALT: () => this.entries(f) },
      {
        ALT: () => {
          f.count = this.take(this.CONSUME(T.Value));
          this.MANY(this.allocOption);
        },
      },
    ]);
  });

  private allocOption = (): void => this.OR(this.allocOptions);

  // struct irq_affinity: pre_vectors, post_vectors and the sizes of the affinity sets.
  private allocOptions: IOrAlt<void>[] = [
    {
      ALT: () => {
        this.stepF.first(AllocOpt.Min, this.take(this.CONSUME(K.min)));
        const min = this.take(this.CONSUME2(T.Value));
        this.stepF.min ??= min;
      },
    },
    {
      ALT: () => {
        const managed = this.take(this.CONSUME(K.managed));
        if (this.stepF.first(AllocOpt.Managed, managed)) this.stepF.managed = managed;
      },
    },
    {
      ALT: () => {
        this.stepF.first(AllocOpt.Via, this.take(this.CONSUME(K.via)));
        const via = this.take(this.CONSUME2(T.Name));
        this.stepF.via ??= via;
      },
    },
    {
      ALT: () => {
        this.stepF.first(AllocOpt.Pre, this.take(this.CONSUME(K.pre)));
        const pre = this.take(this.CONSUME3(T.Value));
        this.stepF.pre ??= pre;
      },
    },
    {
      ALT: () => {
        this.stepF.first(AllocOpt.Post, this.take(this.CONSUME(K.post)));
        const post = this.take(this.CONSUME4(T.Value));
        this.stepF.post ??= post;
      },
    },
    {
      ALT: () => {
        const sets = this.take(this.CONSUME(K.sets));
        if (this.stepF.first(AllocOpt.Sets, sets)) this.stepF.sets = sets;
        this.stepF.setSize(this.take(this.CONSUME5(T.Value)));
        this.MANY2(this.moreSets);
      },
    },
  ];

  private moreSets = (): void => {
    this.take(this.CONSUME(T.Comma));
    this.stepF.setSize(this.take(this.CONSUME6(T.Value)));
  };

  private freeStep = this.stepRule('freeStep', (f) => {
    f.keyword = this.take(this.CONSUME(K.free));
    f.device = this.take(this.CONSUME(T.Name));
    this.OPTION(() => this.entries(f));
  });

  /** `[LIST]` after a device name: MSI-X entries (`alloc nic[5]`, `free nic[5]`). */
  private entries(f: StepFrame): void {
    this.take(this.CONSUME(T.LBracket));
    this.next = f.cpus = new Slot<A.CpuList>();
    this.SUBRULE(this.cpuList);
    this.take(this.CONSUME(T.RBracket));
  }

  private selectionStep = this.stepRule('selectionStep', (f) => {
    f.keyword = this.take(this.OR(this.selectionKinds));
    this.next = f.selection = new Slot<A.Selection>();
    this.SUBRULE(this.selection);
  });

  private selectionKinds: IOrAlt<IToken>[] = [
    { ALT: () => this.CONSUME(K.request) },
    { ALT: () => this.CONSUME(K.release) },
    { ALT: () => this.CONSUME(K.mask) },
    { ALT: () => this.CONSUME(K.unmask) },
  ];

  private fireStep = this.stepRule('fireStep', (f) => {
    f.keyword = this.take(this.CONSUME(K.fire));
    this.next = f.selection = new Slot<A.Selection>();
    this.SUBRULE(this.selection);
    this.OPTION(() => (f.count = this.take(this.CONSUME(T.Value))));
    this.OPTION2(() => (f.state = this.take(this.CONSUME(T.Identifier))));
  });

  private affinityStep = this.stepRule('affinityStep', (f) => {
    f.keyword = this.take(this.CONSUME(K.affinity));
    this.next = f.selection = new Slot<A.Selection>();
    this.SUBRULE(this.selection);
    this.next = f.cpus = new Slot<A.CpuList>();
    this.SUBRULE(this.cpuList);
  });

  private hotplugStep = this.stepRule('hotplugStep', (f) => {
    f.keyword = this.take(this.OR(this.hotplugKinds));
    this.take(this.CONSUME(K.cpu));
    this.next = f.cpus = new Slot<A.CpuList>();
    this.SUBRULE(this.cpuList);
  });

  private hotplugKinds: IOrAlt<IToken>[] = [{ ALT: () => this.CONSUME(K.offline) }, { ALT: () => this.CONSUME(K.online) }];

  private vfioStep = this.stepRule('vfioStep', (f) => {
    f.keyword = this.take(this.CONSUME(K.vfio));
    f.device = this.take(this.CONSUME(T.Name));
    f.state = this.take(this.CONSUME2(T.Name));
  });

  private mmioStep = this.stepRule('mmioStep', (f) => {
    f.keyword = this.take(this.CONSUME(K.mmio));
    f.device = this.take(this.CONSUME(T.Name));
    f.access = this.take(this.OR(this.mmioAccess));
    this.OPTION(this.mmioPlace);
  });

  private mmioAccess: IOrAlt<IToken>[] = [{ ALT: () => this.CONSUME(K.read) }, { ALT: () => this.CONSUME(K.write) }];

  private mmioPlace = (): void => {
    this.next = this.stepF.at = new BarOffset();
    this.SUBRULE(this.barOffset);
  };

  private dmaStep = this.stepRule('dmaStep', (f) => {
    f.keyword = this.take(this.CONSUME(K.dma));
    f.device = this.take(this.CONSUME(T.Name));
    this.take(this.CONSUME(T.Arrow));
    f.target = this.take(this.CONSUME2(T.Name));
  });

  private pasidStep = this.stepRule('pasidStep', (f) => {
    f.keyword = this.take(this.CONSUME(K.pasid));
    this.OR(this.pasidOps);
  });

  private pasidOps: IOrAlt<void>[] = [
    {
      ALT: () => {
        this.stepF.op = this.take(this.CONSUME(K.alloc));
        this.stepF.set = this.take(this.CONSUME(T.Name));
        this.stepF.count = this.take(this.OPTION(this.pasidCount));
      },
    },
    {
      ALT: () => {
        this.stepF.op = this.take(this.CONSUME(K.free));
        this.stepF.set = this.take(this.CONSUME2(T.Name));
      },
    },
    {
      ALT: () => {
        this.stepF.op = this.take(this.CONSUME(K.quota));
        this.stepF.set = this.take(this.CONSUME3(T.Name));
        this.stepF.count = this.take(this.CONSUME2(T.Value));
      },
    },
  ];

  private pasidCount = (): IToken => this.CONSUME(T.Value);

  private guestStep = this.stepRule('guestStep', (f) => {
    f.keyword = this.take(this.CONSUME(K.guest));
    f.guest = this.take(this.CONSUME(T.Name));
    // Recovery that unwinds the block skips the decrement, as for stray
    // braces (parser-base.ts).
    this.nesting++;
    this.next = f.block = new Block<A.Step>(STEP);
    this.SUBRULE(this.stepBlock);
    this.nesting--;
  });

  private expectStep = this.stepRule('expectStep', (f) => {
    f.keyword = this.take(this.CONSUME(K.expect));
    const saved = this.expectF;
    this.expectF = f.expect = new ExpectFrame();
    try {
      this.OR(this.assertions);
    } finally {
      this.expectF = saved;
    }
  });

  private assertions: OrMethodOpts<void> = {
    IGNORE_AMBIGUITIES: true,
    DEF: [
      {
        GATE: () => this.LA(2).tokenType === T.Int || this.LA(2).tokenType === T.Hex,
        ALT: () => {
          const e = this.expectF;
          e.which = this.take(this.CONSUME(K.cpu));
          e.cpu = this.take(this.CONSUME(T.Value));
          this.take(this.CONSUME(K.available));
          e.count = this.take(this.CONSUME2(T.Value));
        },
      },
      {
        GATE: () => this.LA(2).tokenType !== T.LBracket,
        ALT: () => {
          const e = this.expectF;
          e.which = this.take(this.CONSUME(K.vfio));
          e.device = this.take(this.CONSUME(T.Name));
          e.state = this.take(this.CONSUME2(T.Name));
        },
      },
      {
        GATE: () => this.LA(2).tokenType !== T.LBracket,
        ALT: () => {
          const e = this.expectF;
          e.which = this.take(this.CONSUME(K.pasid));
          e.set = this.take(this.CONSUME3(T.Name));
          this.take(this.CONSUME(K.used));
          e.count = this.take(this.CONSUME3(T.Value));
        },
      },
      {
        GATE: () => this.LA(2).tokenType !== T.LBracket,
        ALT: () => {
          const e = this.expectF;
          e.which = this.take(this.CONSUME(K.fail));
          e.errno = this.take(this.OPTION(this.errno));
          this.nesting++;
          this.next = e.inner = [];
          this.SUBRULE(this.step);
          this.nesting--;
        },
      },
      {
        ALT: () => {
          const e = this.expectF;
          this.next = e.selection = new Slot<A.Selection>();
          this.SUBRULE(this.selection);
          this.next = e.assertion = new AssertFrame();
          this.SUBRULE(this.selectionAssertion);
        },
      },
    ],
  };

  private errno = (): IToken => this.CONSUME(T.Errno);

  private selectionAssertion = this.RULE('selectionAssertion', () => {
    this.assertF = this.receive(AssertFrame);
    this.OR(this.selectionAssertions);
  });

  private selectionAssertions: IOrAlt<void>[] = [
    {
      ALT: () => {
        this.assertF.keyword = this.take(this.CONSUME(K.cpu));
        this.next = this.assertF.cpus = new Slot<A.CpuList>();
        this.SUBRULE(this.cpuList);
      },
    },
    {
      ALT: () => {
        this.assertF.keyword = this.take(this.CONSUME(K.vector));
        this.assertF.value = this.take(this.CONSUME(T.Value));
      },
    },
    {
      ALT: () => {
        this.assertF.keyword = this.take(this.CONSUME(K.message));
        this.assertF.address = this.take(this.CONSUME2(T.Value));
        this.assertF.data = this.take(this.CONSUME3(T.Value));
      },
    },
    {
      // `expect nvme0[0] affinity 0-3`: the IRQ's affinity mask, as smp_affinity_list shows it.
      ALT: () => {
        this.assertF.keyword = this.take(this.CONSUME(K.affinity));
        this.next = this.assertF.cpus = new Slot<A.CpuList>();
        this.SUBRULE2(this.cpuList);
      },
    },
    { ALT: () => void (this.assertF.keyword = this.take(this.CONSUME(K.lost))) },
    { ALT: () => void (this.assertF.keyword = this.take(this.CONSUME(K.delivered))) },
    {
      ALT: () => {
        this.assertF.keyword = this.take(this.CONSUME(K.irte));
        this.assertF.value = this.take(this.CONSUME4(T.Value));
      },
    },
  ];
}

/** The one parser instance (Chevrotain's advice: reuse it, reset per input). */
let instance: IrqdParser | undefined;

export function parserInstance(): IrqdParser {
  instance ??= new IrqdParser();
  return instance;
}


/** What the parser read from a token vector: the file's items, its syntax errors and its stray tokens. */
export interface ParsedTokens {
  readonly items: A.TopItem[];
  readonly errors: readonly IRecognitionException[];
  readonly strays: readonly StrayRun[];
  readonly strayCloses: readonly IToken[];
  /** Whether recovery gave up at the top level and skipped the rest of the input. */
  readonly skippedToEnd: boolean;
  /** The depth of recursive constructs at the end: not 0 when recovery unwound some (parser-base.ts). */
  readonly nesting: number;
  /** Where the parser stopped at MAX_SYNTAX_ERRORS: the last error's offset, or where the stray run that reached it began. */
  readonly stoppedAt?: number;
}

/**
 * The recovering parse of tokens. `prefix`: the items the quick reader read
 * before it gave up, the parse going on after them; `quick: false`: no item
 * is read by the quick reader (the reference the quick reader is tested
 * against).
 */
export function parseTokens(tokens: IToken[], options: { readonly prefix?: QuickPrefix; readonly quick?: boolean } = {}): ParsedTokens {
  const prefix = options.prefix;
  const parser = parserInstance();
  parser.start(tokens, prefix?.next ?? 0);
  parser.quickItems = options.quick !== false;
  const file = (parser.file = new Block<A.TopItem>(TOP_ITEM));
  // The items the quick reader read whole (quick.ts quickParsePrefix()): the parse goes on after them.
  if (prefix) for (const item of prefix.items) file.items.push(item);
  const strayCloses: IToken[] = (parser.strayCloses = []);
  try {
    parser.sourceFile();
  } catch (e) {
    // Stray runs reached MAX_SYNTAX_ERRORS: what was read so far stands (parser-base.ts countStray()).
    if (e !== STOP_PARSING) throw e;
  }
  parser.endFile();
  const errors = parser.errors;
  const stopped = parser.stoppedAtErrorLimit;
  const lastToken = errors[errors.length - 1]?.token;
  const last = parser.limitAt ?? (lastToken && Number.isFinite(lastToken.startOffset) ? lastToken.startOffset : 0);
  const result: ParsedTokens = {
    items: file.items,
    errors,
    strays: parser.strays,
    strayCloses,
    // A parse that stopped skipped the rest: never a base for reparsing a stretch (incremental.ts).
    skippedToEnd: parser.skippedToEnd || stopped,
    nesting: parser.nesting,
    ...(stopped ? { stoppedAt: last } : {}),
  };
  parser.finish();
  return result;
}

/** What parseTokens() returns for a file the quick reader read: no errors, no stray tokens. */
export const NOTHING_PARSED: ParsedTokens = { items: [], errors: [], strays: [], strayCloses: [], skippedToEnd: false, nesting: 0 };
