// A session with the real bundled server (dist/server.js) over stdio, for
// the protocol tests: a JSON-RPC connection, the published diagnostics, and
// the server's stderr.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { StreamMessageReader, StreamMessageWriter, createProtocolConnection, type ProtocolConnection } from 'vscode-languageserver-protocol/node';
import { InitializeRequest, InitializedNotification, PublishDiagnosticsNotification, type InitializeResult, type PublishDiagnosticsParams } from 'vscode-languageserver-protocol';

/** The bundle, from the tests' out/test/<folder>/ directory. */
export const serverPath = join(__dirname, '..', '..', '..', 'dist', 'server.js');

/** Collects publishDiagnostics notifications and lets a test wait for one that matches. */
export class DiagnosticsLog {
  readonly all: PublishDiagnosticsParams[] = [];
  private waiters: { match: (p: PublishDiagnosticsParams) => boolean; resolve: (p: PublishDiagnosticsParams) => void }[] = [];

  push(p: PublishDiagnosticsParams): void {
    this.all.push(p);
    this.waiters = this.waiters.filter((w) => {
      if (!w.match(p)) return true;
      w.resolve(p);
      return false;
    });
  }

  waitFor(match: (p: PublishDiagnosticsParams) => boolean, what: string): Promise<PublishDiagnosticsParams> {
    const seen = this.all.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for diagnostics: ${what}`)), 10000);
      this.waiters.push({
        match,
        resolve: (p) => {
          clearTimeout(timer);
          resolve(p);
        },
      });
    });
  }
}

export interface Session {
  child: ChildProcess;
  conn: ProtocolConnection;
  diagnostics: DiagnosticsLog;
  stderr: string[];
}

export async function initialize(conn: ProtocolConnection): Promise<InitializeResult> {
  const result = await conn.sendRequest(InitializeRequest.type, {
    processId: process.pid,
    rootUri: null,
    capabilities: { textDocument: { rename: { prepareSupport: true } } },
    workspaceFolders: null,
  });
  await conn.sendNotification(InitializedNotification.type, {});
  return result;
}

/** The bundled server over stdio; `nodeArgs` go to node before the script (the soak test's GC hook). */
export function startStdio(nodeArgs: readonly string[] = []): Session {
  const child = spawn(process.execPath, [...nodeArgs, serverPath, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
  const stderr: string[] = [];
  child.stderr?.on('data', (d: Buffer) => stderr.push(d.toString()));
  const conn = createProtocolConnection(new StreamMessageReader(child.stdout as NodeJS.ReadableStream), new StreamMessageWriter(child.stdin as NodeJS.WritableStream));
  const diagnostics = new DiagnosticsLog();
  conn.onNotification(PublishDiagnosticsNotification.type, (p) => diagnostics.push(p));
  conn.listen();
  return { child, conn, diagnostics, stderr };
}

export function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
}

