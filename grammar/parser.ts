// The Chevrotain parser for the whole irqd language (language.md).
//
// One instance, built once: performSelfAnalysis() is the expensive part.
// Recovery is on, and every block ({ ... } of a system, device, guest,
// scenario) loops over its items with a last alternative that swallows stray
// tokens, so one typo never ends the block or hides the items after it.
import { CstParser, type CstNode, type IToken, type TokenType } from 'chevrotain';
import * as T from './tokens.js';
import { irqdErrorMessageProvider } from './messages.js';

const K = T.keywords;

/**
 * How deep the recursive constructs (stray braces, `guest` step blocks,
 * `expect fail`) may nest: deeper input is a syntax error, never a stack
 * overflow.
 */
export const MAX_NESTING = 32;

export class IrqdParser extends CstParser {
  /** Current depth of recursive constructs; reset for every input. */
  nesting = 0;

  constructor() {
    super(T.allTokens, {
      recoveryEnabled: true,
      maxLookahead: 3,
      skipValidations: process.env['IRQD_PARSER_VALIDATE'] !== '1',
      errorMessageProvider: irqdErrorMessageProvider,
    });
    this.performSelfAnalysis();
  }

  public sourceFile = this.RULE('sourceFile', () => {
    this.MANY(() =>
      this.OR({
        IGNORE_AMBIGUITIES: true,
        MAX_LOOKAHEAD: 1,
        DEF: [
          { ALT: () => this.SUBRULE(this.systemDecl, { LABEL: 'items' }) },
          { ALT: () => this.SUBRULE(this.scenarioDecl, { LABEL: 'items' }) },
          { ALT: () => this.SUBRULE(this.stray, { LABEL: 'stray' }) },
          { ALT: () => this.CONSUME(T.RCurly, { LABEL: 'strayClose' }) },
        ],
      }),
    );
  });

  /** Tokens that start no item where they stand; reported once per run by the AST builder. */
  private stray = this.RULE('stray', () => {
    this.OR([
      { ALT: () => this.CONSUME(T.Stray, { LABEL: 'tokens' }) },
      {
        GATE: () => this.nesting < MAX_NESTING,
        ALT: () => {
          this.CONSUME(T.LCurly, { LABEL: 'tokens' });
          this.ACTION(() => this.nesting++);
          this.MANY(() => this.SUBRULE(this.stray, { LABEL: 'inner' }));
          this.ACTION(() => this.nesting--);
          this.CONSUME(T.RCurly, { LABEL: 'tokens' });
        },
      },
    ]);
  });

  private systemDecl = this.RULE('systemDecl', () => {
    this.CONSUME(K.system, { LABEL: 'keyword' });
    this.CONSUME(T.Name, { LABEL: 'name' });
    this.OPTION(() => this.CONSUME(T.StringLit, { LABEL: 'description' }));
    this.SUBRULE(this.body, { LABEL: 'body' });
  });

  /** The body of a system or a guest. */
  private body = this.RULE('body', () => {
    this.CONSUME(T.LCurly, { LABEL: 'open' });
    this.MANY(() =>
      this.OR({
        IGNORE_AMBIGUITIES: true,
        MAX_LOOKAHEAD: 1,
        DEF: [
          { ALT: () => this.SUBRULE(this.archItem, { LABEL: 'items' }) },
          { ALT: () => this.SUBRULE(this.kernelItem, { LABEL: 'items' }) },
          { ALT: () => this.SUBRULE(this.cpusItem, { LABEL: 'items' }) },
          { ALT: () => this.SUBRULE(this.apicItem, { LABEL: 'items' }) },
          { ALT: () => this.SUBRULE(this.destModeItem, { LABEL: 'items' }) },
          { ALT: () => this.SUBRULE(this.pageSizeItem, { LABEL: 'items' }) },
          { ALT: () => this.SUBRULE(this.nodeItem, { LABEL: 'items' }) },
          { ALT: () => this.SUBRULE(this.domainDecl, { LABEL: 'items' }) },
          { ALT: () => this.SUBRULE(this.deviceDecl, { LABEL: 'items' }) },
          { ALT: () => this.SUBRULE(this.pasidDecl, { LABEL: 'items' }) },
          { ALT: () => this.SUBRULE(this.guestDecl, { LABEL: 'items' }) },
          { ALT: () => this.SUBRULE(this.hypervisorItem, { LABEL: 'items' }) },
          { ALT: () => this.SUBRULE(this.assignItem, { LABEL: 'items' }) },
          { ALT: () => this.SUBRULE(this.backportItem, { LABEL: 'items' }) },
          { ALT: () => this.SUBRULE(this.stray, { LABEL: 'stray' }) },
        ],
      }),
    );
    this.CONSUME(T.RCurly, { LABEL: 'close' });
  });

  private archItem = this.RULE('archItem', () => {
    this.CONSUME(K.arch, { LABEL: 'keyword' });
    this.CONSUME(T.Name, { LABEL: 'value' });
  });

  private kernelItem = this.RULE('kernelItem', () => {
    this.CONSUME(K.kernel, { LABEL: 'keyword' });
    this.OR([
      { ALT: () => this.CONSUME(T.Version, { LABEL: 'value' }) },
      { ALT: () => this.CONSUME(T.Int, { LABEL: 'value' }) },
      { ALT: () => this.CONSUME(T.Name, { LABEL: 'value' }) },
    ]);
  });

  private cpusItem = this.RULE('cpusItem', () => {
    this.CONSUME(K.cpus, { LABEL: 'keyword' });
    this.CONSUME(T.Value, { LABEL: 'count' });
  });

  private apicItem = this.RULE('apicItem', () => {
    this.CONSUME(K.apic, { LABEL: 'keyword' });
    this.CONSUME(T.Name, { LABEL: 'value' });
    this.MANY(() => this.CONSUME(T.Identifier, { LABEL: 'flags' }));
  });

  private destModeItem = this.RULE('destModeItem', () => {
    this.CONSUME(K['dest-mode'], { LABEL: 'keyword' });
    this.CONSUME(T.Name, { LABEL: 'value' });
  });

  private pageSizeItem = this.RULE('pageSizeItem', () => {
    this.CONSUME(K['page-size'], { LABEL: 'keyword' });
    this.CONSUME(T.Value, { LABEL: 'size' });
  });

  private nodeItem = this.RULE('nodeItem', () => {
    this.CONSUME(K.node, { LABEL: 'keyword' });
    this.CONSUME(T.Value, { LABEL: 'id' });
    this.CONSUME(K.cpus);
    this.SUBRULE(this.cpuList, { LABEL: 'cpus' });
  });

  private domainDecl = this.RULE('domainDecl', () => {
    this.CONSUME(K.domain, { LABEL: 'keyword' });
    this.CONSUME(T.Name, { LABEL: 'name' });
    this.CONSUME2(T.Name, { LABEL: 'domainKind' });
    this.OPTION(() => {
      this.CONSUME(K.parent, { LABEL: 'parentKeyword' });
      this.CONSUME3(T.Name, { LABEL: 'parent' });
    });
    this.OPTION2(() => {
      this.CONSUME(T.LCurly, { LABEL: 'open' });
      this.MANY(() => this.SUBRULE(this.domainProp, { LABEL: 'props' }));
      this.CONSUME(T.RCurly, { LABEL: 'close' });
    });
  });

  private domainProp = this.RULE('domainProp', () => {
    this.CONSUME(T.Name, { LABEL: 'key' });
    this.CONSUME(T.Value, { LABEL: 'value' });
  });

  private deviceDecl = this.RULE('deviceDecl', () => {
    this.CONSUME(K.device, { LABEL: 'keyword' });
    this.CONSUME(T.Name, { LABEL: 'name' });
    this.OR([
      {
        ALT: () => {
          this.CONSUME(K.pci, { LABEL: 'bus' });
          this.CONSUME(T.PciAddress, { LABEL: 'address' });
        },
      },
      {
        ALT: () => {
          this.CONSUME(K.vf, { LABEL: 'bus' });
          this.CONSUME(K.of);
          this.CONSUME2(T.Name, { LABEL: 'pf' });
          this.CONSUME(K.index);
          this.CONSUME(T.Value, { LABEL: 'vfIndex' });
        },
      },
    ]);
    this.OPTION(() => {
      this.CONSUME(T.LCurly, { LABEL: 'open' });
      this.MANY(() =>
        this.OR2({
          IGNORE_AMBIGUITIES: true,
          MAX_LOOKAHEAD: 1,
          DEF: [
            { ALT: () => this.SUBRULE(this.capItem, { LABEL: 'items' }) },
            { ALT: () => this.SUBRULE(this.ioapicPinItem, { LABEL: 'items' }) },
            { ALT: () => this.SUBRULE(this.barItem, { LABEL: 'items' }) },
            { ALT: () => this.SUBRULE(this.msixPlacementItem, { LABEL: 'items' }) },
            { ALT: () => this.SUBRULE(this.registerItem, { LABEL: 'items' }) },
            { ALT: () => this.SUBRULE(this.pasidCapItem, { LABEL: 'items' }) },
            { ALT: () => this.SUBRULE(this.sriovItem, { LABEL: 'items' }) },
            { ALT: () => this.SUBRULE(this.migrationItem, { LABEL: 'items' }) },
            { ALT: () => this.SUBRULE(this.deviceNodeItem, { LABEL: 'items' }) },
            { ALT: () => this.SUBRULE(this.stray, { LABEL: 'stray' }) },
          ],
        }),
      );
      this.CONSUME(T.RCurly, { LABEL: 'close' });
    });
  });

  private capItem = this.RULE('capItem', () => {
    this.OR([
      { ALT: () => this.CONSUME(K.msix, { LABEL: 'keyword' }) },
      { ALT: () => this.CONSUME(K.msi, { LABEL: 'keyword' }) },
      { ALT: () => this.CONSUME(K.ims, { LABEL: 'keyword' }) },
    ]);
    this.CONSUME(T.Value, { LABEL: 'count' });
    this.CONSUME(K.domain);
    this.CONSUME(T.Name, { LABEL: 'domain' });
    this.MANY(() => this.SUBRULE(this.capOption, { LABEL: 'options' }));
  });

  private capOption = this.RULE('capOption', () => {
    this.OR([
      { ALT: () => this.CONSUME(K.maskable, { LABEL: 'keyword' }) },
      { ALT: () => this.CONSUME(K.storage, { LABEL: 'keyword' }) },
    ]);
    this.CONSUME(T.Name, { LABEL: 'value' });
  });

  private ioapicPinItem = this.RULE('ioapicPinItem', () => {
    this.CONSUME(K.ioapic, { LABEL: 'keyword' });
    this.CONSUME(K.pin);
    this.CONSUME(T.Value, { LABEL: 'pin' });
    this.OPTION(() => {
      this.CONSUME(K.domain);
      this.CONSUME(T.Name, { LABEL: 'domain' });
    });
  });

  private barItem = this.RULE('barItem', () => {
    this.CONSUME(K.bar, { LABEL: 'keyword' });
    this.CONSUME(T.Value, { LABEL: 'index' });
    this.CONSUME(K.size);
    this.CONSUME2(T.Value, { LABEL: 'size' });
  });

  private msixPlacementItem = this.RULE('msixPlacementItem', () => {
    this.OR([
      { ALT: () => this.CONSUME(K['msix-table'], { LABEL: 'keyword' }) },
      { ALT: () => this.CONSUME(K['msix-pba'], { LABEL: 'keyword' }) },
    ]);
    this.SUBRULE(this.barOffset);
  });

  /** `bar B offset X`, shared by placements, registers and `mmio`. */
  private barOffset = this.RULE('barOffset', () => {
    this.CONSUME(K.bar);
    this.CONSUME(T.Value, { LABEL: 'bar' });
    this.CONSUME(K.offset);
    this.CONSUME2(T.Value, { LABEL: 'offset' });
  });

  private registerItem = this.RULE('registerItem', () => {
    this.CONSUME(K.register, { LABEL: 'keyword' });
    this.CONSUME(T.Name, { LABEL: 'name' });
    this.SUBRULE(this.barOffset);
    this.OPTION(() => {
      this.CONSUME(K.size);
      this.CONSUME(T.Value, { LABEL: 'size' });
    });
  });

  private pasidCapItem = this.RULE('pasidCapItem', () => {
    this.CONSUME(K.pasid, { LABEL: 'keyword' });
  });

  private sriovItem = this.RULE('sriovItem', () => {
    this.CONSUME(K.sriov, { LABEL: 'keyword' });
    this.CONSUME(T.Value, { LABEL: 'count' });
  });

  private migrationItem = this.RULE('migrationItem', () => {
    this.CONSUME(K.migration, { LABEL: 'keyword' });
    this.MANY(() => this.CONSUME(T.Identifier, { LABEL: 'flags' }));
  });

  private deviceNodeItem = this.RULE('deviceNodeItem', () => {
    this.CONSUME(K.node, { LABEL: 'keyword' });
    this.CONSUME(T.Value, { LABEL: 'id' });
  });

  private pasidDecl = this.RULE('pasidDecl', () => {
    this.CONSUME(K.pasid, { LABEL: 'keyword' });
    this.CONSUME(K.capacity);
    this.CONSUME(T.Value, { LABEL: 'capacity' });
    this.OPTION(() => {
      this.CONSUME(T.LCurly, { LABEL: 'open' });
      this.MANY(() =>
        this.OR({
          IGNORE_AMBIGUITIES: true,
          MAX_LOOKAHEAD: 1,
          DEF: [
            { ALT: () => this.SUBRULE(this.pasidSetDecl, { LABEL: 'sets' }) },
            { ALT: () => this.SUBRULE(this.stray, { LABEL: 'stray' }) },
          ],
        }),
      );
      this.CONSUME(T.RCurly, { LABEL: 'close' });
    });
  });

  private pasidSetDecl = this.RULE('pasidSetDecl', () => {
    this.CONSUME(K.set, { LABEL: 'keyword' });
    this.CONSUME(T.Name, { LABEL: 'name' });
    this.CONSUME(K.quota);
    this.CONSUME(T.Value, { LABEL: 'quota' });
  });

  private guestDecl = this.RULE('guestDecl', () => {
    this.CONSUME(K.guest, { LABEL: 'keyword' });
    this.CONSUME(T.Name, { LABEL: 'name' });
    this.SUBRULE(this.body, { LABEL: 'body' });
  });

  private backportItem = this.RULE('backportItem', () => {
    this.CONSUME(K.backport, { LABEL: 'keyword' });
    this.AT_LEAST_ONE(() => this.CONSUME(T.Identifier, { LABEL: 'names' }));
  });

  private hypervisorItem = this.RULE('hypervisorItem', () => {
    this.CONSUME(K.hypervisor, { LABEL: 'keyword' });
    this.CONSUME(T.Name, { LABEL: 'value' });
  });

  private assignItem = this.RULE('assignItem', () => {
    this.CONSUME(K.assign, { LABEL: 'keyword' });
    this.CONSUME(T.Name, { LABEL: 'device' });
    this.OR([
      {
        ALT: () => {
          this.CONSUME(K.as);
          this.CONSUME(T.PciAddress, { LABEL: 'address' });
        },
      },
      {
        ALT: () => {
          this.CONSUME(K.sub);
          this.CONSUME2(T.Name, { LABEL: 'sub' });
          this.CONSUME(K.mode);
          this.CONSUME3(T.Name, { LABEL: 'mode' });
        },
      },
    ]);
    this.OPTION(() => {
      this.CONSUME(K.domain);
      this.CONSUME4(T.Name, { LABEL: 'domain' });
    });
  });

  private scenarioDecl = this.RULE('scenarioDecl', () => {
    this.CONSUME(K.scenario, { LABEL: 'keyword' });
    this.OR([
      { ALT: () => this.CONSUME(T.StringLit, { LABEL: 'name' }) },
      { ALT: () => this.CONSUME(T.Name, { LABEL: 'name' }) },
    ]);
    this.OPTION(() => {
      this.CONSUME(K.on);
      this.CONSUME2(T.Name, { LABEL: 'system' });
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

  private selection = this.RULE('selection', () => {
    this.CONSUME(T.Name, { LABEL: 'device' });
    this.OPTION(() => {
      this.CONSUME(T.LBracket, { LABEL: 'open' });
      this.OR([
        { ALT: () => this.CONSUME(T.Star, { LABEL: 'star' }) },
        { ALT: () => this.SUBRULE(this.cpuList, { LABEL: 'indices' }) },
      ]);
      this.CONSUME(T.RBracket, { LABEL: 'close' });
    });
  });

  private cpuList = this.RULE('cpuList', () => {
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
  K.system, K.scenario, K.arch, K.kernel, K.cpus, K.apic, K['dest-mode'], K['page-size'], K.node, K.domain,
  K.device, K.msi, K.msix, K.ims, K.ioapic, K.bar, K['msix-table'], K['msix-pba'], K.register, K.pasid,
  K.sriov, K.migration, K.set, K.guest, K.hypervisor, K.assign, K.backport, K.alloc, K.free, K.request, K.release,
  K.mask, K.unmask, K.fire, K.affinity, K.offline, K.online, K.vfio, K.mmio, K.dma, K.expect,
]);
