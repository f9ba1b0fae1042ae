// Document symbols: the outline of systems, domains, devices, guests, PASID
// sets, declared machine states and their IRQs, scenarios and their steps.
import { SymbolKind, type DocumentSymbol } from 'vscode-languageserver';
import type * as A from '../../../grammar/index.js';
import type { Analysis } from '../analysis/analysis.js';
import { toRange } from './convert.js';

function symbol(
  analysis: Analysis,
  name: string,
  detail: string,
  kind: SymbolKind,
  span: A.Span,
  selection: A.Span,
  children: DocumentSymbol[] = [],
): DocumentSymbol {
  return {
    name: name || '(unnamed)',
    detail,
    kind,
    range: toRange(analysis, span),
    selectionRange: toRange(analysis, selection),
    children,
  };
}

/** A span's text on one line, shortened for the outline. */
function shortText(analysis: Analysis, span: A.Span): string {
  const text = analysis.text.slice(span.start, span.end).replace(/\s+/g, ' ').trim();
  return text.length > 60 ? text.slice(0, 57) + '...' : text;
}

function deviceDetail(item: A.DeviceDecl): string {
  if (item.bus === 'vf') return `VF ${item.vfIndex?.text ?? '?'} of ${item.pf?.text ?? '?'}`;
  if (item.bus === 'platform') return 'platform';
  return `pci ${item.address?.text ?? ''}`;
}

/** `state { … }`: one child per `irq` line, "IRQ 35 nvme0[0]" with the rest of the line as detail. */
function stateSymbol(analysis: Analysis, item: A.StateDecl): DocumentSymbol {
  const irqs = item.items
    .filter((i): i is A.StateIrq => i.kind === 'state-irq')
    .map((irq) => {
      const source = irq.source ? ' ' + shortText(analysis, irq.source.span) : '';
      const restStart = irq.source?.span.end ?? irq.irq?.span.end ?? irq.keyword.end;
      const detail = shortText(analysis, { start: restStart, end: irq.span.end });
      return symbol(analysis, `IRQ ${irq.irq?.text ?? '?'}${source}`, detail, SymbolKind.Field, irq.span, irq.irq?.span ?? irq.keyword);
    });
  const online = item.items.find((i): i is A.StateOnline => i.kind === 'state-online');
  const count = `${irqs.length} IRQ${irqs.length === 1 ? '' : 's'}`;
  const detail = online?.cpus ? `online cpu ${shortText(analysis, online.cpus.span)}, ${count}` : count;
  return symbol(analysis, 'state', detail, SymbolKind.Object, item.span, item.keyword, irqs);
}

function bodySymbols(analysis: Analysis, items: readonly A.BodyItem[]): DocumentSymbol[] {
  const out: DocumentSymbol[] = [];
  for (const item of items) {
    switch (item.kind) {
      case 'domain':
        if (item.name) {
          const detail = [item.domainKind?.text, item.parent ? `parent ${item.parent.text}` : ''].filter(Boolean).join(' ');
          out.push(symbol(analysis, item.name.text, detail, SymbolKind.Namespace, item.span, item.name.span));
        }
        break;
      case 'device':
        if (item.name) {
          const detail = deviceDetail(item);
          const regs = item.items
            .filter((i): i is A.RegisterItem => i.kind === 'register' && i.name !== undefined)
            .map((r) => symbol(analysis, (r.name as A.Ident).text, 'register', SymbolKind.Field, r.span, (r.name as A.Ident).span));
          out.push(symbol(analysis, item.name.text, detail, SymbolKind.Class, item.span, item.name.span, regs));
        }
        break;
      case 'guest':
        if (item.name) {
          out.push(symbol(analysis, item.name.text, 'guest', SymbolKind.Module, item.span, item.name.span, bodySymbols(analysis, item.items)));
        }
        break;
      case 'pasid': {
        const sets = item.sets
          .filter((s) => s.name)
          .map((s) => symbol(analysis, (s.name as A.Ident).text, `quota ${s.quota?.text ?? '?'}`, SymbolKind.Variable, s.span, (s.name as A.Ident).span));
        out.push(symbol(analysis, 'pasid', `capacity ${item.capacity?.text ?? '?'}`, SymbolKind.Package, item.span, item.keyword, sets));
        break;
      }
      case 'state':
        out.push(stateSymbol(analysis, item));
        break;
      case 'assign':
        if (item.sub) out.push(symbol(analysis, item.sub.text, `sub-device of ${item.device?.text ?? '?'}`, SymbolKind.Object, item.span, item.sub.span));
        break;
      default:
        break;
    }
  }
  return out;
}

function stepText(analysis: Analysis, step: A.Step): string {
  return shortText(analysis, step.span);
}

function stepSymbols(analysis: Analysis, steps: readonly A.Step[]): DocumentSymbol[] {
  return steps.map((step, i) => {
    const children = step.kind === 'guest' ? stepSymbols(analysis, step.steps) : [];
    const name = step.kind === 'guest' ? `guest ${step.guest?.text ?? ''}` : stepText(analysis, step);
    return symbol(analysis, name, `step ${i + 1}`, SymbolKind.Event, step.span, step.keyword, children);
  });
}

export function documentSymbols(analysis: Analysis): DocumentSymbol[] {
  const out: DocumentSymbol[] = [];
  for (const item of analysis.parse.ast.items) {
    if (item.kind === 'system' && item.name) {
      out.push(symbol(analysis, item.name.text, item.description?.text ?? 'system', SymbolKind.Module, item.span, item.name.span, bodySymbols(analysis, item.items)));
    } else if (item.kind === 'scenario') {
      const name = item.name?.text ?? '';
      const where = [item.system ? `on ${item.system.text}` : '', item.after ? `after ${shortText(analysis, item.after.span)}` : ''].filter(Boolean).join(' ');
      const detail = where || 'scenario';
      out.push(symbol(analysis, name, detail, SymbolKind.Function, item.span, item.name?.span ?? item.keyword, stepSymbols(analysis, item.steps)));
    }
  }
  return out;
}
