// The topology half of the irqd grammar (language.md "Systems" to "Guests",
// "Machine state" and "Several files"): the file's top level, systems and
// guests, domains, devices, PASID spaces and the declared machine state.
// parser.ts adds the scenarios and builds the one instance.
//
// Recovery is on, and every block ({ ... } of a system, device, guest,
// state) loops over its items with a last alternative that swallows stray
// tokens, so one typo never ends the block or hides the items after it.
import { CstParser, type CstNode, type ParserMethod } from 'chevrotain';
import * as T from './tokens.js';
import { irqdErrorMessageProvider } from './messages.js';

const K = T.keywords;

/**
 * How deep the recursive constructs (stray braces, `guest` step blocks,
 * `expect fail`) may nest: deeper input is a syntax error, never a stack
 * overflow.
 */
export const MAX_NESTING = 32;

export class TopologyParser extends CstParser {
  /** Current depth of recursive constructs; reset for every input. */
  nesting = 0;

  constructor() {
    super(T.allTokens, {
      recoveryEnabled: true,
      maxLookahead: 3,
      skipValidations: process.env['IRQD_PARSER_VALIDATE'] !== '1',
      errorMessageProvider: irqdErrorMessageProvider,
    });
  }

  // Rules of the scenario half (parser.ts), referenced from here.
  declare protected scenarioDecl: ParserMethod<[], CstNode>;
  declare protected selection: ParserMethod<[], CstNode>;
  declare protected cpuList: ParserMethod<[], CstNode>;

  public sourceFile = this.RULE('sourceFile', () => {
    this.MANY(() =>
      this.OR({
        IGNORE_AMBIGUITIES: true,
        MAX_LOOKAHEAD: 1,
        DEF: [
          { ALT: () => this.SUBRULE(this.useDecl, { LABEL: 'items' }) },
          { ALT: () => this.SUBRULE(this.systemDecl, { LABEL: 'items' }) },
          { ALT: () => this.SUBRULE(this.scenarioDecl, { LABEL: 'items' }) },
          { ALT: () => this.SUBRULE(this.stray, { LABEL: 'stray' }) },
          { ALT: () => this.CONSUME(T.RCurly, { LABEL: 'strayClose' }) },
        ],
      }),
    );
  });

  /** Tokens that start no item where they stand; reported once per run by the AST builder. */
  protected stray = this.RULE('stray', () => {
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

  /** `use "box.irqd"`: the systems and scenarios of another file. */
  private useDecl = this.RULE('useDecl', () => {
    this.CONSUME(K.use, { LABEL: 'keyword' });
    this.CONSUME(T.StringLit, { LABEL: 'path' });
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
          { ALT: () => this.SUBRULE(this.stateDecl, { LABEL: 'items' }) },
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
    this.OR([
      { ALT: () => this.CONSUME(T.Value, { LABEL: 'value' }) },
      // `source-id ff:00.0`: a requester ID written as the PCI address it names.
      { ALT: () => this.CONSUME(T.PciAddress, { LABEL: 'address' }) },
    ]);
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
      // A kernel-owned interrupt source that is no PCI function (ISA, ACPI, the IOMMU's fault interrupt).
      { ALT: () => this.CONSUME(K.platform, { LABEL: 'bus' }) },
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
            { ALT: () => this.SUBRULE(this.driverItem, { LABEL: 'items' }) },
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
    this.MANY(() =>
      this.OR([
        {
          ALT: () => {
            this.CONSUME(K.domain, { LABEL: 'domainKeyword' });
            this.CONSUME(T.Name, { LABEL: 'domain' });
          },
        },
        {
          // `irq 0`: an ISA IRQ whose GSI differs (the ACPI interrupt source override of the timer).
          ALT: () => {
            this.CONSUME(K.irq, { LABEL: 'irqKeyword' });
            this.CONSUME2(T.Value, { LABEL: 'irq' });
          },
        },
        { ALT: () => this.CONSUME(K.edge, { LABEL: 'trigger' }) },
        { ALT: () => this.CONSUME(K.level, { LABEL: 'trigger' }) },
      ]),
    );
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
  protected barOffset = this.RULE('barOffset', () => {
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

  /** `driver nvme`: the kernel driver bound to the device. */
  private driverItem = this.RULE('driverItem', () => {
    this.CONSUME(K.driver, { LABEL: 'keyword' });
    this.CONSUME(T.Name, { LABEL: 'name' });
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

  /** `state { online cpu LIST  irq N SOURCE … }`: the machine as it was found (an imported snapshot). */
  private stateDecl = this.RULE('stateDecl', () => {
    this.CONSUME(K.state, { LABEL: 'keyword' });
    this.CONSUME(T.LCurly, { LABEL: 'open' });
    this.MANY(() =>
      this.OR({
        IGNORE_AMBIGUITIES: true,
        MAX_LOOKAHEAD: 1,
        DEF: [
          { ALT: () => this.SUBRULE(this.stateOnline, { LABEL: 'items' }) },
          { ALT: () => this.SUBRULE(this.stateIrq, { LABEL: 'items' }) },
          { ALT: () => this.SUBRULE(this.stray, { LABEL: 'stray' }) },
        ],
      }),
    );
    this.CONSUME(T.RCurly, { LABEL: 'close' });
  });

  private stateOnline = this.RULE('stateOnline', () => {
    this.CONSUME(K.online, { LABEL: 'keyword' });
    this.CONSUME(K.cpu);
    this.SUBRULE(this.cpuList, { LABEL: 'cpus' });
  });

  private stateIrq = this.RULE('stateIrq', () => {
    this.CONSUME(K.irq, { LABEL: 'keyword' });
    this.CONSUME(T.Value, { LABEL: 'irq' });
    this.SUBRULE(this.selection, { LABEL: 'source' });
    this.MANY(() =>
      this.OR([
        {
          ALT: () => {
            this.CONSUME(K.via, { LABEL: 'viaKeyword' });
            this.CONSUME(T.Name, { LABEL: 'via' });
          },
        },
        { ALT: () => this.CONSUME(K.managed, { LABEL: 'managed' }) },
        {
          ALT: () => {
            this.CONSUME(K.cpu, { LABEL: 'cpuKeyword' });
            this.CONSUME2(T.Value, { LABEL: 'cpu' });
          },
        },
        {
          ALT: () => {
            this.CONSUME(K.vector, { LABEL: 'vectorKeyword' });
            this.CONSUME3(T.Value, { LABEL: 'vector' });
          },
        },
        {
          ALT: () => {
            this.CONSUME(K.affinity, { LABEL: 'affinityKeyword' });
            this.SUBRULE(this.cpuList, { LABEL: 'affinity' });
          },
        },
        {
          ALT: () => {
            this.CONSUME(K.pending, { LABEL: 'pendingKeyword' });
            this.SUBRULE2(this.cpuList, { LABEL: 'pending' });
          },
        },
        {
          ALT: () => {
            this.CONSUME(K.previous, { LABEL: 'previousKeyword' });
            this.CONSUME2(K.cpu);
            this.CONSUME4(T.Value, { LABEL: 'previousCpu' });
            this.CONSUME2(K.vector);
            this.CONSUME5(T.Value, { LABEL: 'previousVector' });
          },
        },
        {
          ALT: () => {
            this.CONSUME(K.irte, { LABEL: 'irteKeyword' });
            this.CONSUME6(T.Value, { LABEL: 'irte' });
          },
        },
        {
          ALT: () => {
            this.CONSUME(K.message, { LABEL: 'messageKeyword' });
            this.CONSUME7(T.Value, { LABEL: 'address' });
            this.CONSUME8(T.Value, { LABEL: 'data' });
          },
        },
        { ALT: () => this.CONSUME(T.Identifier, { LABEL: 'flags' }) },
      ]),
    );
  });
}
