// A command's output going nowhere, as `irqd … | head -1` and `irqd … >
// /dev/full` do to it: every command must then exit 2 with one line, not a
// stack trace (cli.ts's EPIPE and ENOSPC handling).
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';

const cli = join(__dirname, '..', '..', '..', 'dist', 'cli.js');

/**
 * Runs the CLI with a reader that goes away after the first chunk. The
 * arguments must make more output than the pipe's 64 KiB buffer holds, so
 * that a later write fails.
 */
export async function runIntoClosedPipe(args: readonly string[], cwd?: string): Promise<{ code: number | null; err: string }> {
  const child = spawn(process.execPath, [cli, ...args], { ...(cwd ? { cwd } : {}), stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  child.stdout.once('data', () => child.stdout.destroy());
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  return { code, err };
}

/** Runs the CLI with its standard output on /dev/full, where every write fails with ENOSPC. */
export function runIntoFullDisk(args: readonly string[], cwd?: string): { status: number | null; stderr: string } {
  const full = openSync('/dev/full', 'w');
  try {
    const r = spawnSync(process.execPath, [cli, ...args], { ...(cwd ? { cwd } : {}), stdio: ['ignore', full, 'pipe'], encoding: 'utf8' });
    return { status: r.status, stderr: r.stderr };
  } finally {
    closeSync(full);
  }
}
