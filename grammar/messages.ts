// Parse errors in the user's terms.
//
// Chevrotain knows token types and rule names; users know "a CPU list" and
// "a domain kind". The provider phrases what was expected; parse() in
// index.ts adds "after 'offline cpu', found 'foo'" from the token stream.
import type { IParserErrorMessageProvider, IToken, TokenType } from 'chevrotain';

/** What a name is, told by the keyword before it. */
const nameAfter: Record<string, string> = {
  system: 'a system name',
  domain: 'a domain name',
  device: 'a device name',
  guest: 'a guest name',
  parent: "the parent domain's name",
  arch: 'an architecture (x86_64, arm64 or riscv64)',
  apic: 'an APIC mode (xapic or x2apic)',
  'dest-mode': 'a destination mode (physical or logical)',
  kernel: 'a kernel version (6.1, 6.6, 6.10 or mainline)',
  backport: 'a backport (matrix-allocated-fix, migrate-retry-fix or msi-affinity-fix)',
  hypervisor: "'visible' or 'hidden'",
  on: 'a system name',
  set: 'a PASID set name',
  of: "the physical function's name",
  alloc: 'a device name',
  free: 'a device name',
  vfio: 'a device name',
  mmio: 'a device name',
  dma: 'a device name',
  assign: 'a device name',
  sub: 'a sub-device name',
  mode: "'pasid' or 'emulated'",
  maskable: "'yes' or 'no'",
  storage: "'device' or 'guest-memory'",
  via: "'msi', 'msix' or 'ims'",
  register: 'a register name',
  scenario: 'a scenario name',
};

/** What a number is, told by the keyword before it. */
const valueAfter: Record<string, string> = {
  cpus: 'a CPU count',
  smt: 'the threads per core (1, 2, 4 or 8)',
  'page-size': 'a page size (4K, 16K or 64K)',
  msix: 'a vector count',
  msi: 'a vector count',
  ims: 'a vector count',
  bar: 'a BAR number',
  offset: 'an offset',
  size: 'a size',
  quota: 'a quota',
  capacity: 'a capacity',
  pin: 'a pin number',
  min: 'a minimum vector count',
  node: 'a node number',
  index: 'a VF index',
  available: 'a vector count',
  vector: 'a vector number',
  message: 'an address',
  irte: 'an IRTE index',
  sriov: 'a VF count',
  cpu: 'a CPU number',
  used: 'a count',
};

/** What an alternative was, told by the rule that had no viable one. */
const alternativesOf: Record<string, string> = {
  sourceFile: "'system' or 'scenario'",
  step: 'a step (alloc, free, request, release, affinity, offline, online, mask, unmask, fire, vfio, mmio, dma, pasid, guest or expect)',
  kernelItem: 'a kernel version (6.1, 6.6, 6.10 or mainline)',
  deviceDecl: "'pci ADDRESS' or 'vf of PF index N'",
  assignItem: "'as ADDRESS' or 'sub NAME mode pasid|emulated'",
  pasidStep: "'alloc', 'free' or 'quota'",
  selectionAssertion: 'an assertion (cpu, vector, message, lost, delivered or irte)',
  expectStep: 'an assertion (a selection, cpu N available M, vfio DEV STATE, pasid SET used N or fail STEP)',
  selection: "'*' or a list of indices",
  scenarioDecl: 'a scenario name',
  capItem: "'msi', 'msix' or 'ims'",
  capOption: "'maskable' or 'storage'",
  hotplugStep: "'offline' or 'online'",
  mmioStep: "'read' or 'write'",
  // `alloc DEV [ENTRIES]` (6.2+) is the rarer form: the message names the count.
  allocStep: 'a vector count',
  selectionStep: 'a step',
  fireStep: 'a step',
  msixPlacementItem: "'msix-table' or 'msix-pba'",
  stray: 'an item',
};

const ruleValue: Record<string, string> = {
  cpuList: 'a CPU list',
  cpuRange: 'a CPU list',
};

function labelOf(tokenType: TokenType): string {
  return tokenType.LABEL ?? tokenType.name;
}

/** The phrase for one expected token, in the context of the rule and the token before it. */
export function describeExpected(expected: TokenType, ruleName: string, previous: IToken | undefined): string {
  const prev = previous?.image ?? '';
  if (Object.hasOwn(ruleValue, ruleName) && expected.name === 'Int') return ruleValue[ruleName] as string;
  if (ruleName === 'selection' && expected.name === 'Name') return 'a vector selection (such as nvme0[3])';
  if (expected.name === 'Name' && !Object.hasOwn(nameAfter, prev)) {
    if (ruleName === 'vfioStep' || ruleName === 'expectStep') return 'a VFIO state (running, stop, stop-copy, resuming, running-p2p, pre-copy or pre-copy-p2p)';
    if (ruleName === 'domainDecl') return 'a domain kind (vector, intel-ir, amd-ir, pci-msi, ims, ioapic, hcall, gic, its, imsic or aplic)';
    if (ruleName === 'dmaStep') return "a device name or 'memory'";
  }
  if (expected.name === 'Value' && !Object.hasOwn(valueAfter, prev)) {
    if (ruleName === 'allocStep') return 'a vector count';
    if (ruleName === 'pasidStep') return 'a count';
    if (ruleName === 'domainProp') return 'a value';
  }
  if (expected.name === 'StringLit' && prev === 'cmdline') return 'the kernel command line in quotes, such as "irqaffinity=0-3"';
  if (expected.name === 'Name' && Object.hasOwn(nameAfter, prev)) return nameAfter[prev] as string;
  if (expected.name === 'Value' && Object.hasOwn(valueAfter, prev)) return valueAfter[prev] as string;
  return labelOf(expected);
}

/** Whether the parser is at MAX_NESTING (set by the parser: messages.ts cannot import it). */
let atNestingLimit: () => boolean = () => false;
let nestingLimit = 0;

export function setNestingProbe(limit: number, probe: () => boolean): void {
  nestingLimit = limit;
  atNestingLimit = probe;
}

/** At the nesting limit no nested step or block is allowed: say so, or "expected a step, found 'expect'" would make no sense. */
function withNestingLimit(message: string): string {
  if (!atNestingLimit()) return message;
  return `\`expect fail\`, \`guest\` blocks and braces nest at most ${nestingLimit} deep (MAX_NESTING); ${message}`;
}

export const irqdErrorMessageProvider: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, previous, ruleName }) {
    return 'expected ' + describeExpected(expected, ruleName, previous);
  },
  buildNotAllInputParsedMessage() {
    return "expected 'system' or 'scenario'";
  },
  buildNoViableAltMessage({ expectedPathsPerAlt, previous, ruleName }) {
    if (Object.hasOwn(alternativesOf, ruleName)) return withNestingLimit('expected ' + (alternativesOf[ruleName] as string));
    const firsts = new Set<string>();
    for (const alt of expectedPathsPerAlt) {
      for (const path of alt) {
        const first = path[0];
        if (first) firsts.add(describeExpected(first, ruleName, previous));
      }
    }
    return withNestingLimit('expected ' + [...firsts].join(' or '));
  },
  buildEarlyExitMessage({ expectedIterationPaths, previous, ruleName }) {
    const firsts = new Set<string>();
    for (const path of expectedIterationPaths) {
      const first = path[0];
      if (first) firsts.add(describeExpected(first, ruleName, previous));
    }
    return 'expected ' + [...firsts].join(' or ');
  },
};
