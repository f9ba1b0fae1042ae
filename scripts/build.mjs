// Bundles the extension client, the language server, the CLI and the tests
// with esbuild. Usage: node scripts/build.mjs [--tests] [--bench] [--fuzz] [--production]
import * as esbuild from 'esbuild';
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

const withTests = process.argv.includes('--tests');
// --bench: the benchmark (test/bench/) into out/bench/, outside out/test/,
// because node --test runs every .js file under a folder named test.
const withBench = process.argv.includes('--bench');
// --fuzz: the fuzzer (test/fuzz/fuzz.ts) into out/fuzz/, outside out/test/ for
// the same reason; its seeded short run is test/fuzz/fuzz.test.ts, bundled
// with the tests.
const withFuzz = process.argv.includes('--fuzz');
// --production: minified, no source maps (what the .vsix and npm package ship).
const production = process.argv.includes('--production');
const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
  legalComments: 'none',
};

const builds = [
  { ...common, entryPoints: ['client/src/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'] },
  { ...common, entryPoints: ['server/src/server.ts'], outfile: 'dist/server.js', banner: { js: '#!/usr/bin/env node' } },
  { ...common, entryPoints: ['server/src/cli.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } },
  // The debug adapter (docs/debugger.md): DAP over stdio, started by VS Code for launch configurations of type irqd.
  { ...common, entryPoints: ['server/src/debug/adapter.ts'], outfile: 'dist/debug-adapter.js' },
  // The machine view's page (client/view/): a browser script and its stylesheet, inlined into the page by client/view/page.ts.
  { ...common, platform: 'browser', format: 'iife', target: 'es2022', entryPoints: ['client/view/main.ts'], outfile: 'dist/view.js', sourcemap: false },
  { ...common, platform: 'browser', entryPoints: ['client/view/view.css'], outfile: 'dist/view.css', sourcemap: false },
];

function testEntries(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...testEntries(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

// The tests that run inside VS Code's extension host (scripts/e2e/run-vscode.mjs).
builds.push({ ...common, entryPoints: ['test/vscode/index.ts'], outfile: 'out/vscode/index.js', external: ['vscode'] });

if (withTests) {
  builds.push({
    ...common,
    entryPoints: testEntries('test'),
    outdir: 'out',
    outbase: '.',
    external: ['vscode'],
  });
}

if (withBench) {
  builds.push({ ...common, entryPoints: ['test/bench/bench.ts', 'test/bench/generate.ts'], outdir: 'out/bench' });
}

if (withFuzz) {
  builds.push({ ...common, entryPoints: ['test/fuzz/fuzz.ts'], outdir: 'out/fuzz' });
}

// Earlier builds put the bench in out/test/bench/, where the test runner
// would run it as a test: it must not outlive the move.
if (withTests || withBench) rmSync('out/test/bench', { recursive: true, force: true });

await Promise.all(builds.map((b) => esbuild.build(b)));
