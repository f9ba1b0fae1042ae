// Where an internal error (IRQD003) comes from. The analysis's guards turn an
// exception into a diagnostic and keep only its message, so for the report
// the phase that failed is run again on its own, unguarded, and the stack of
// what it throws is kept: parsing, binding, the topology and state checks, or
// the simulation of each scenario in file order (as the analysis runs them).
import { parse } from '../../grammar/index.js';
import type { Analysis, AnalysisOptions } from '../../server/src/analysis/analysis.js';
import { analyze } from '../../server/src/analysis/analysis.js';
import { checkStates } from '../../server/src/check/state.js';
import { checkTopology } from '../../server/src/check/topology.js';
import { bind } from '../../server/src/model/binder.js';
import type { AnySymbol, ImportedNames, ScenarioSym, SystemSym } from '../../server/src/model/types.js';
import { runScenario, type EndStates } from '../../server/src/sim/engine.js';
import { ownFrames } from './check.js';

/** The names a file gets from the files it uses (analysis.ts importedNames(), which is not exported). */
function imported(a: Analysis): ImportedNames {
  const systems = new Map<string, SystemSym>();
  const scenarios = new Map<string, ScenarioSym>();
  const origin = new Map<AnySymbol, string>();
  for (const u of a.used) {
    for (const [name, sys] of u.analysis.model.systems) if (!systems.has(name)) systems.set(name, sys);
    for (const sc of u.analysis.model.scenarios) if (sc.name !== '' && !scenarios.has(sc.name)) scenarios.set(sc.name, sc);
  }
  return { systems, scenarios, origin };
}

function stackOf(f: () => unknown): string[] | undefined {
  const limit = Error.stackTraceLimit;
  // A stack overflow's deepest frames are often a library's: enough of them to reach irqd's own.
  Error.stackTraceLimit = 100000;
  try {
    f();
    return undefined;
  } catch (e) {
    return ownFrames(e instanceof Error ? e.stack : undefined, 6);
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** The own frames of the exception behind an IRQD003 of `phase` ("parsing", "name binding", "simulating scenario 'x'"). */
export function locateInternal(text: string, options: AnalysisOptions, phase: string): string[] | undefined {
  if (phase === 'parsing') return stackOf(() => parse(text));
  const a = analyze(text, 1, options);
  if (phase === 'name binding') return stackOf(() => bind(a.parse.ast, { ...options, imported: imported(a) }, text));
  if (phase === 'topology checks') {
    return stackOf(() => {
      checkTopology(a.model);
      checkStates(a.model.systems.values());
    });
  }
  if (phase.startsWith('simulating scenario')) {
    const ends: EndStates = new Map();
    for (const sc of a.model.scenarios) {
      if (!sc.system || a.traces.get(sc)?.skipped) continue;
      const frames = stackOf(() => runScenario(sc, { ends }));
      if (frames) return frames;
    }
  }
  return undefined;
}
