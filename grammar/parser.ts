// The Chevrotain parser for the whole irqd language (language.md): the
// scenario half (steps, expectations, selections, CPU lists) on top of the
// topology half in parser-topology.ts.
//
// One instance, built once: performSelfAnalysis() is the expensive part.
import type { CstNode, IToken, TokenType } from 'chevrotain';
import * as T from './tokens.js';
import { MAX_NESTING, TopologyParser } from './parser-topology.js';

export { MAX_NESTING } from './parser-topology.js';

const K = T.keywords;

export class IrqdParser extends TopologyParser {
  constructor() {
    super();
    this.performSelfAnalysis();
  }

  protected override scenarioDecl = this.RULE('scenarioDecl', () => {
    this.CONSUME(K.scenario, { LABEL: 'keyword' });
    this.OR([
      { ALT: () => this.CONSUME(T.StringLit, { LABEL: 'name' }) },
      { ALT: () => this.CONSUME(T.Name, { LABEL: 'name' }) },
    ]);
    this.OPTION(() => {
      this.CONSUME(K.on);
      this.CONSUME2(T.Name, { LABEL: 'system' });
    });
    // `after "boot"`: the scenario starts where that one ends.
    this.OPTION2(() => {
      this.CONSUME(K.after, { LABEL: 'afterKeyword' });
      this.OR2([
        { ALT: () => this.CONSUME2(T.StringLit, { LABEL: 'after' }) },
        { ALT: () => this.CONSUME3(T.Name, { LABEL: 'after' }) },
      ]);
    });
    this.SUBRULE(this.stepBlock, { LABEL: 'block' });
  });

  private stepBlock = this.RULE('stepBlock', () => {
    this.CONSUME(T.LCurly, { LABEL: 'open' });
    this.MANY(() =>
      this.OR({
        IGNORE_AMBIGUITIES: true,
        MAX_LOOKAHEAD: 1,
        DEF: [
          { ALT: () => this.SUBRULE(this.step, { LABEL: 'steps' }) },
          { ALT: () => this.SUBRULE(this.stray, { LABEL: 'stray' }) },
        ],
      }),
    );
    this.CONSUME(T.RCurly, { LABEL: 'close' });
  });

  private step = this.RULE('step', () => {
    this.OR({ MAX_LOOKAHEAD: 1, DEF: [
      { ALT: () => this.SUBRULE(this.allocStep, { LABEL: 'step' }) },
      { ALT: () => this.SUBRULE(this.freeStep, { LABEL: 'step' }) },
      { ALT: () => this.SUBRULE(this.selectionStep, { LABEL: 'step' }) },
      { ALT: () => this.SUBRULE(this.affinityStep, { LABEL: 'step' }) },
      { ALT: () => this.SUBRULE(this.hotplugStep, { LABEL: 'step' }) },
      { ALT: () => this.SUBRULE(this.vfioStep, { LABEL: 'step' }) },
      { ALT: () => this.SUBRULE(this.mmioStep, { LABEL: 'step' }) },
      { ALT: () => this.SUBRULE(this.dmaStep, { LABEL: 'step' }) },
      { ALT: () => this.SUBRULE(this.pasidStep, { LABEL: 'step' }) },
      { GATE: () => this.nesting < MAX_NESTING, ALT: () => this.SUBRULE(this.guestStep, { LABEL: 'step' }) },
      { GATE: () => this.nesting < MAX_NESTING, ALT: () => this.SUBRULE(this.expectStep, { LABEL: 'step' }) },
    ]});
  });

  private allocStep = this.RULE('allocStep', () => {
    this.CONSUME(K.alloc, { LABEL: 'keyword' });
    this.CONSUME(T.Name, { LABEL: 'device' });
    this.CONSUME(T.Value, { LABEL: 'count' });
    this.MANY(() =>
      this.OR([
        {
          ALT: () => {
            this.CONSUME(K.min, { LABEL: 'minKeyword' });
            this.CONSUME2(T.Value, { LABEL: 'min' });
          },
        },
        { ALT: () => this.CONSUME(K.managed, { LABEL: 'managed' }) },
        {
          ALT: () => {
            this.CONSUME(K.via, { LABEL: 'viaKeyword' });
            this.CONSUME2(T.Name, { LABEL: 'via' });
          },
        },
        // struct irq_affinity: pre_vectors, post_vectors and the sizes of the affinity sets.
        {
          ALT: () => {
            this.CONSUME(K.pre, { LABEL: 'preKeyword' });
            this.CONSUME3(T.Value, { LABEL: 'pre' });
          },
        },
        {
          ALT: () => {
            this.CONSUME(K.post, { LABEL: 'postKeyword' });
            this.CONSUME4(T.Value, { LABEL: 'post' });
          },
        },
        {
          ALT: () => {
            this.CONSUME(K.sets, { LABEL: 'setsKeyword' });
            this.CONSUME5(T.Value, { LABEL: 'sets' });
            this.MANY2(() => {
              this.CONSUME(T.Comma);
              this.CONSUME6(T.Value, { LABEL: 'sets' });
            });
          },
        },
      ]),
    );
  });

  private freeStep = this.RULE('freeStep', () => {
    this.CONSUME(K.free, { LABEL: 'keyword' });
    this.CONSUME(T.Name, { LABEL: 'device' });
  });

  private selectionStep = this.RULE('selectionStep', () => {
    this.OR([
      { ALT: () => this.CONSUME(K.request, { LABEL: 'keyword' }) },
      { ALT: () => this.CONSUME(K.release, { LABEL: 'keyword' }) },
      { ALT: () => this.CONSUME(K.mask, { LABEL: 'keyword' }) },
      { ALT: () => this.CONSUME(K.unmask, { LABEL: 'keyword' }) },
      { ALT: () => this.CONSUME(K.fire, { LABEL: 'keyword' }) },
    ]);
    this.SUBRULE(this.selection, { LABEL: 'selection' });
  });

  private affinityStep = this.RULE('affinityStep', () => {
    this.CONSUME(K.affinity, { LABEL: 'keyword' });
    this.SUBRULE(this.selection, { LABEL: 'selection' });
    this.SUBRULE(this.cpuList, { LABEL: 'cpus' });
  });

  private hotplugStep = this.RULE('hotplugStep', () => {
    this.OR([
      { ALT: () => this.CONSUME(K.offline, { LABEL: 'keyword' }) },
      { ALT: () => this.CONSUME(K.online, { LABEL: 'keyword' }) },
    ]);
    this.CONSUME(K.cpu);
    this.SUBRULE(this.cpuList, { LABEL: 'cpus' });
  });

  private vfioStep = this.RULE('vfioStep', () => {
    this.CONSUME(K.vfio, { LABEL: 'keyword' });
    this.CONSUME(T.Name, { LABEL: 'device' });
    this.CONSUME2(T.Name, { LABEL: 'state' });
  });

  private mmioStep = this.RULE('mmioStep', () => {
    this.CONSUME(K.mmio, { LABEL: 'keyword' });
    this.CONSUME(T.Name, { LABEL: 'device' });
    this.OR([
      { ALT: () => this.CONSUME(K.read, { LABEL: 'access' }) },
      { ALT: () => this.CONSUME(K.write, { LABEL: 'access' }) },
    ]);
    this.OPTION(() => this.SUBRULE(this.barOffset));
  });

  private dmaStep = this.RULE('dmaStep', () => {
    this.CONSUME(K.dma, { LABEL: 'keyword' });
    this.CONSUME(T.Name, { LABEL: 'device' });
    this.CONSUME(T.Arrow);
    this.CONSUME2(T.Name, { LABEL: 'target' });
  });

  private pasidStep = this.RULE('pasidStep', () => {
    this.CONSUME(K.pasid, { LABEL: 'keyword' });
    this.OR([
      {
        ALT: () => {
          this.CONSUME(K.alloc, { LABEL: 'op' });
          this.CONSUME(T.Name, { LABEL: 'set' });
          this.OPTION(() => this.CONSUME(T.Value, { LABEL: 'count' }));
        },
      },
      {
        ALT: () => {
          this.CONSUME(K.free, { LABEL: 'op' });
          this.CONSUME2(T.Name, { LABEL: 'set' });
        },
      },
      {
        ALT: () => {
          this.CONSUME(K.quota, { LABEL: 'op' });
          this.CONSUME3(T.Name, { LABEL: 'set' });
          this.CONSUME2(T.Value, { LABEL: 'count' });
        },
      },
    ]);
  });

  private guestStep = this.RULE('guestStep', () => {
    this.CONSUME(K.guest, { LABEL: 'keyword' });
    this.CONSUME(T.Name, { LABEL: 'guest' });
    this.ACTION(() => this.nesting++);
    this.SUBRULE(this.stepBlock, { LABEL: 'block' });
    this.ACTION(() => this.nesting--);
  });

  private expectStep = this.RULE('expectStep', () => {
    this.CONSUME(K.expect, { LABEL: 'keyword' });
    this.OR({
      IGNORE_AMBIGUITIES: true,
      DEF: [
        {
          GATE: () => this.LA(2).tokenType === T.Int || this.LA(2).tokenType === T.Hex,
          ALT: () => {
            this.CONSUME(K.cpu, { LABEL: 'cpuKeyword' });
            this.CONSUME(T.Value, { LABEL: 'cpu' });
            this.CONSUME(K.available);
            this.CONSUME2(T.Value, { LABEL: 'count' });
          },
        },
        {
          GATE: () => this.LA(2).tokenType !== T.LBracket,
          ALT: () => {
            this.CONSUME(K.vfio, { LABEL: 'vfioKeyword' });
            this.CONSUME(T.Name, { LABEL: 'device' });
            this.CONSUME2(T.Name, { LABEL: 'state' });
          },
        },
        {
          GATE: () => this.LA(2).tokenType !== T.LBracket,
          ALT: () => {
            this.CONSUME(K.pasid, { LABEL: 'pasidKeyword' });
            this.CONSUME3(T.Name, { LABEL: 'set' });
            this.CONSUME(K.used);
            this.CONSUME3(T.Value, { LABEL: 'count' });
          },
        },
        {
          GATE: () => this.LA(2).tokenType !== T.LBracket,
          ALT: () => {
            this.CONSUME(K.fail, { LABEL: 'failKeyword' });
            this.OPTION(() => this.CONSUME(T.Errno, { LABEL: 'errno' }));
            this.ACTION(() => this.nesting++);
            this.SUBRULE(this.step, { LABEL: 'step' });
            this.ACTION(() => this.nesting--);
          },
        },
        {
          ALT: () => {
            this.SUBRULE(this.selection, { LABEL: 'selection' });
            this.SUBRULE(this.selectionAssertion, { LABEL: 'assertion' });
          },
        },
      ],
    });
  });

  private selectionAssertion = this.RULE('selectionAssertion', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(K.cpu, { LABEL: 'keyword' });
          this.SUBRULE(this.cpuList, { LABEL: 'cpus' });
        },
      },
      {
        ALT: () => {
          this.CONSUME(K.vector, { LABEL: 'keyword' });
          this.CONSUME(T.Value, { LABEL: 'value' });
        },
      },
      {
        ALT: () => {
          this.CONSUME(K.message, { LABEL: 'keyword' });
          this.CONSUME2(T.Value, { LABEL: 'address' });
          this.CONSUME3(T.Value, { LABEL: 'data' });
        },
      },
      {
        // `expect nvme0[0] affinity 0-3`: the IRQ's affinity mask, as smp_affinity_list shows it.
        ALT: () => {
          this.CONSUME(K.affinity, { LABEL: 'keyword' });
          this.SUBRULE2(this.cpuList, { LABEL: 'cpus' });
        },
      },
      { ALT: () => this.CONSUME(K.lost, { LABEL: 'keyword' }) },
      { ALT: () => this.CONSUME(K.delivered, { LABEL: 'keyword' }) },
      {
        ALT: () => {
          this.CONSUME(K.irte, { LABEL: 'keyword' });
          this.CONSUME4(T.Value, { LABEL: 'value' });
        },
      },
    ]);
  });

  protected override selection = this.RULE('selection', () => {
    this.OR({
      IGNORE_AMBIGUITIES: true,
      DEF: [
        {
          // `irq 43`: a Linux IRQ by number, as /proc/irq/43 names it.
          GATE: () => this.LA(2).tokenType === T.Int || this.LA(2).tokenType === T.Hex,
          ALT: () => {
            this.CONSUME(K.irq, { LABEL: 'irqKeyword' });
            this.CONSUME(T.Value, { LABEL: 'irq' });
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.Name, { LABEL: 'device' });
            this.OPTION(() => {
              this.CONSUME(T.LBracket, { LABEL: 'open' });
              this.OR2([
                { ALT: () => this.CONSUME(T.Star, { LABEL: 'star' }) },
                { ALT: () => this.SUBRULE(this.cpuList, { LABEL: 'indices' }) },
              ]);
              this.CONSUME(T.RBracket, { LABEL: 'close' });
            });
          },
        },
      ],
    });
  });

  protected override cpuList = this.RULE('cpuList', () => {
    this.SUBRULE(this.cpuRange, { LABEL: 'ranges' });
    this.MANY(() => {
      this.CONSUME(T.Comma);
      this.SUBRULE2(this.cpuRange, { LABEL: 'ranges' });
    });
  });

  private cpuRange = this.RULE('cpuRange', () => {
    this.CONSUME(T.Int, { LABEL: 'from' });
    this.OPTION(() => {
      this.CONSUME(T.Minus);
      this.CONSUME2(T.Int, { LABEL: 'to' });
    });
  });
}

/** The one parser instance (Chevrotain's advice: reuse it, reset per input). */
let instance: IrqdParser | undefined;

export function parserInstance(): IrqdParser {
  instance ??= new IrqdParser();
  return instance;
}

export function parseTokens(tokens: IToken[]): { cst: CstNode; parser: IrqdParser } {
  const parser = parserInstance();
  parser.nesting = 0;
  parser.input = tokens;
  const cst = parser.sourceFile();
  return { cst, parser };
}

/** Token types that begin a statement: used to phrase "after 'offline cpu'" in messages. */
export const statementStarters: ReadonlySet<TokenType> = new Set([
  K.use, K.state, K.irq, K.driver, K.system, K.scenario, K.arch, K.kernel, K.cpus, K.apic, K['dest-mode'], K['page-size'], K.node, K.domain,
  K.device, K.msi, K.msix, K.ims, K.ioapic, K.bar, K['msix-table'], K['msix-pba'], K.register, K.pasid,
  K.sriov, K.migration, K.set, K.guest, K.hypervisor, K.assign, K.backport, K.alloc, K.free, K.request, K.release,
  K.mask, K.unmask, K.fire, K.affinity, K.offline, K.online, K.vfio, K.mmio, K.dma, K.expect,
]);
