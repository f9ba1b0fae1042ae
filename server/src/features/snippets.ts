// Snippets: a whole statement with placeholders, offered by completion where
// a statement of its kind can start and nowhere else. They used to be the
// client's `contributes.snippets`, which VS Code offers in every completion
// list, inside values and names too; the server knows where the cursor
// stands, so they live here and every LSP client gets them.
import { CompletionItemKind, InsertTextFormat, type CompletionItem } from 'vscode-languageserver';
import type { BlockKind } from './completion-context.js';

/** Where a snippet may start: the top level, a system's or a guest's body, a system only, a scenario's steps (a guest's steps too, but `host-steps` not). */
type Where = 'top' | 'body' | 'system' | 'steps' | 'host-steps';

interface Snippet {
  readonly name: string;
  readonly prefixes: readonly string[];
  readonly where: Where;
  readonly description: string;
  readonly body: string;
}

const snippets: readonly Snippet[] = [
  { name: "System (x86_64)", prefixes: ["system", "system-x86"], where: 'top', description: "An x86_64 system: vector domain, interrupt remapping, PCI/MSI domain and one MSI-X device.", body: "system ${1:host} \"${2:description}\" {\n\tarch x86_64\n\tkernel ${3:6.1}\n\tcpus ${4:8}\n\tapic ${5|x2apic,xapic|}\n\tdest-mode ${6|physical,logical|}\n\n\tdomain VECTOR  vector\n\tdomain ${7:IR0}     ${8|intel-ir,amd-ir|}  parent VECTOR\n\tdomain PCI-MSI pci-msi   parent ${7:IR0}\n\n\tdevice ${9:nvme0} pci ${10:0000:01:00.0} {\n\t\tmsix ${11:64} domain PCI-MSI\n\t}\n\t$0\n}" },
  { name: "System (any architecture)", prefixes: ["system-arch"], where: 'top', description: "A bare system: pick the architecture, then add domains and devices.", body: "system ${1:host} \"${2:description}\" {\n\tarch ${3|x86_64,arm64,riscv64|}\n\tkernel ${4:6.1}\n\tcpus ${5:8}\n\t$0\n}" },
  { name: "Domain", prefixes: ["domain"], where: 'body', description: "An irqdomain: name, kind and parent.", body: "domain ${1:NAME} ${2|pci-msi,vector,intel-ir,amd-ir,ims,ioapic,hcall,gic,its,imsic,aplic|} parent ${3:PARENT}$0" },
  { name: "Device (PCI, MSI-X)", prefixes: ["device", "device-pci"], where: 'body', description: "A PCI device with an MSI-X capability, its BAR and the MSI-X table and PBA placement.", body: "device ${1:nvme0} pci ${2:0000:01:00.0} {\n\tmsix ${3:64} domain ${4:PCI-MSI}\n\tbar ${5:0} size ${6|16K,4K,64K|}\n\tmsix-table bar ${5:0} offset ${7:0x2000}\n\tmsix-pba   bar ${5:0} offset ${8:0x3000}\n}$0" },
  { name: "Device (SR-IOV virtual function)", prefixes: ["device-vf", "vf"], where: 'body', description: "A virtual function of a physical function, with its own MSI-X and migration support.", body: "device ${1:vf0} vf of ${2:pf0} index ${3:0} {\n\tmsix ${4:8} domain ${5:PCI-MSI}\n\tmigration ${6|p2p,p2p pre-copy,pre-copy|}\n}$0" },
  { name: "Device (IMS)", prefixes: ["device-ims"], where: 'body', description: "A PCI device with an interrupt message store (IMS) and PASID support.", body: "device ${1:idxd0} pci ${2:0000:6a:01.0} {\n\tims ${3:2048} domain ${4:IMS0} storage ${5|device,guest-memory|}\n\tpasid\n}$0" },
  { name: "Guest", prefixes: ["guest"], where: 'system', description: "A guest with its own vector, hypercall and PCI/MSI domains and an assigned device.", body: "guest ${1:vm1} {\n\tcpus ${2:4}\n\thypervisor ${3|visible,hidden|}\n\tdomain VECTOR    vector\n\tdomain HCALL     hcall   parent VECTOR\n\tdomain GUEST-MSI pci-msi parent HCALL\n\tassign ${4:vf0} as ${5:00:04.0}\n}$0" },
  { name: "PASID capacity", prefixes: ["pasid-capacity"], where: 'system', description: "The system's PASID space and its sets with quotas.", body: "pasid capacity ${1:1M} {\n\tset system quota ${2:32K}\n\tset ${3:vm1} quota ${4:100}\n}$0" },
  { name: "Scenario", prefixes: ["scenario"], where: 'top', description: "A scenario: steps run in order against one system.", body: "scenario \"${1:description}\" on ${2:host} {\n\t$0\n}" },
  { name: "alloc", prefixes: ["alloc"], where: 'steps', description: "Allocate interrupt vectors: pci_alloc_irq_vectors(dev, min, max, flags).", body: "alloc ${1:nvme0} ${2:64}$0" },
  { name: "alloc (min, managed)", prefixes: ["alloc-min"], where: 'steps', description: "Allocate between min and max vectors, optionally kernel-managed affinity.", body: "alloc ${1:nvme0} ${2:64} min ${3:1}${4: managed}$0" },
  { name: "free", prefixes: ["free"], where: 'steps', description: "Free a device's vectors: pci_free_irq_vectors.", body: "free ${1:nvme0}$0" },
  { name: "request", prefixes: ["request"], where: 'steps', description: "request_irq on a vector selection: activation, a real CPU vector.", body: "request ${1:nvme0}[${2:0-15}]$0" },
  { name: "release", prefixes: ["release"], where: 'steps', description: "free_irq on a vector selection: deactivation.", body: "release ${1:nvme0}[${2:0-15}]$0" },
  { name: "affinity", prefixes: ["affinity"], where: 'steps', description: "irq_set_affinity: write a CPU list to smp_affinity_list.", body: "affinity ${1:nvme0}[${2:3}] ${3:5}$0" },
  { name: "offline cpu", prefixes: ["offline"], where: 'steps', description: "CPU hot-unplug: vectors migrate off the CPUs.", body: "offline cpu ${1:5}$0" },
  { name: "online cpu", prefixes: ["online"], where: 'steps', description: "CPU hot-plug.", body: "online cpu ${1:5}$0" },
  { name: "mask / unmask", prefixes: ["mask", "unmask"], where: 'steps', description: "Per-vector masking.", body: "${1|mask,unmask|} ${2:nvme0}[${3:3}]$0" },
  { name: "fire", prefixes: ["fire"], where: 'steps', description: "The device sends its message: address/data, remapping, delivery.", body: "fire ${1:nvme0}[${2:3}]$0" },
  { name: "expect (selection)", prefixes: ["expect"], where: 'steps', description: "Assert the state of a vector selection.", body: "expect ${1:nvme0}[${2:3}] ${3|cpu 0-3,vector 34,delivered,lost,irte 0,message 0xfee00000 0x4022|}$0" },
  { name: "expect fail", prefixes: ["expect-fail"], where: 'steps', description: "The step must fail (optionally with this errno); the scenario goes on.", body: "expect fail ${1|-ENOSPC,-EINVAL,-EBUSY,-ENODEV|} ${2:offline cpu 1-7}$0" },
  { name: "expect cpu available", prefixes: ["expect-cpu"], where: 'steps', description: "Assert how many vectors a CPU has left.", body: "expect cpu ${1:0} available ${2:186}$0" },
  { name: "vfio", prefixes: ["vfio"], where: 'steps', description: "VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE: move a device to a migration state.", body: "vfio ${1:vf0} ${2|stop-copy,running,stop,resuming,running-p2p,pre-copy,pre-copy-p2p,error|}$0" },
  { name: "expect vfio", prefixes: ["expect-vfio"], where: 'steps', description: "Assert a device's VFIO migration state.", body: "expect vfio ${1:vf0} ${2|running,stop,stop-copy,resuming,running-p2p,pre-copy,pre-copy-p2p,error|}$0" },
  { name: "mmio", prefixes: ["mmio"], where: 'steps', description: "A userspace or guest MMIO access to a BAR.", body: "mmio ${1:vf0} ${2|write,read|} bar ${3:0} offset ${4:0x2000}$0" },
  { name: "dma", prefixes: ["dma"], where: 'steps', description: "A DMA or peer-to-peer DMA issued by the device.", body: "dma ${1:vf0} -> ${2:memory}$0" },
  { name: "pasid alloc", prefixes: ["pasid-alloc", "pasid"], where: 'steps', description: "Allocate PASIDs from a set.", body: "pasid alloc ${1:vm1} ${2:1}$0" },
  { name: "guest steps", prefixes: ["guest-steps"], where: 'host-steps', description: "Steps that run inside a guest, on its own CPUs and domains.", body: "guest ${1:vm1} {\n\t$0\n}" },
];

function offeredIn(where: Where, kind: BlockKind): boolean {
  switch (where) {
    case 'top':
      return kind === 'top';
    case 'body':
      return kind === 'system' || kind === 'guest';
    case 'system':
      return kind === 'system';
    case 'steps':
      return kind === 'steps' || kind === 'guest-steps';
    case 'host-steps':
      return kind === 'steps';
  }
}

/**
 * The completion item of a snippet. Its sortText starts with '~', which sorts
 * after every letter, so the snippets come after the keywords and names of
 * the same list; its filterText is the prefixes, so typing `alloc` finds
 * "alloc (min, managed)".
 */
function item(s: Snippet): CompletionItem {
  return {
    label: s.name,
    kind: CompletionItemKind.Snippet,
    detail: s.description,
    documentation: { kind: 'markdown', value: '```irqd\n' + s.body.replace(/\$\{\d+\|([^,|]*)[^}]*\}/g, '$1').replace(/\$\{\d+:([^}]*)\}/g, '$1').replace(/\$\d+/g, '') + '\n```' },
    insertText: s.body,
    insertTextFormat: InsertTextFormat.Snippet,
    filterText: s.prefixes.join(' '),
    sortText: `~${s.name}`,
  };
}

const byKind = new Map<BlockKind, readonly CompletionItem[]>();

/** The snippets that may start a statement in a block of this kind, built once per kind. */
export function snippetItems(kind: BlockKind): readonly CompletionItem[] {
  let items = byKind.get(kind);
  if (!items) {
    items = snippets.filter((s) => offeredIn(s.where, kind)).map(item);
    byKind.set(kind, items);
  }
  return items;
}

/** Every snippet, for the tests. */
export const allSnippetNames: readonly string[] = snippets.map((s) => s.name);
