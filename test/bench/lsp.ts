// A language server in a child process, driven over stdio by a real JSON-RPC
// client, the way an editor drives it. The bench times what the editor would
// wait for: from writing a notification or request to reading the answer.
// Every wait has a timeout, and every server started here is killed when the
// bench ends, whatever happens to the case that started it.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import {
  CodeLensRequest,
  CompletionRequest,
  ConfigurationRequest,
  DidChangeConfigurationNotification,
  DidChangeTextDocumentNotification,
  DidOpenTextDocumentNotification,
  ExitNotification,
  HoverRequest,
  InitializedNotification,
  InitializeRequest,
  PublishDiagnosticsNotification,
  RegistrationRequest,
  ShutdownRequest,
  UnregistrationRequest,
  WorkDoneProgressCreateRequest,
  type CodeLens,
  type CompletionItem,
  type CompletionList,
  type Hover,
  type Position,
  type PublishDiagnosticsParams,
  type TextDocumentContentChangeEvent,
} from 'vscode-languageserver-protocol';
import { createProtocolConnection, StreamMessageReader, StreamMessageWriter, type ProtocolConnection } from 'vscode-languageserver-protocol/node';

/** A wait that took longer than its bound: the case reports it instead of hanging. */
export class TimeoutError extends Error {}

/** Rejects with "timed out after N s: what" when `promise` takes longer than `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new TimeoutError(`timed out after ${(ms / 1000).toFixed(0)} s: ${what}`)), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

export interface ServerSpec {
  /** For messages: "irqd", "json". */
  label: string;
  args: string[];
  languageId: string;
  initializationOptions?: object;
  /** Sent as workspace/didChangeConfiguration right after initialized. */
  settings?: object;
}

interface Waiter {
  match: (p: PublishDiagnosticsParams) => boolean;
  resolve: (p: PublishDiagnosticsParams) => void;
}

/** Every server still running, so that an exit of the bench can kill them all. */
const live = new Set<ChildProcess>();

export function killAll(): void {
  for (const child of live) child.kill('SIGKILL');
  live.clear();
}

export class Session {
  readonly stderr: string[] = [];
  private waiters: Waiter[] = [];
  private exitedWith: string | undefined;

  private constructor(
    readonly spec: ServerSpec,
    readonly child: ChildProcess,
    readonly conn: ProtocolConnection,
  ) {}

  /** Spawns the server and runs initialize/initialized; the session is ready for didOpen. */
  static async start(spec: ServerSpec, timeoutMs: number): Promise<Session> {
    const child = spawn(process.execPath, spec.args, { stdio: ['pipe', 'pipe', 'pipe'] });
    live.add(child);
    const conn = createProtocolConnection(new StreamMessageReader(child.stdout as NodeJS.ReadableStream), new StreamMessageWriter(child.stdin as NodeJS.WritableStream));
    const session = new Session(spec, child, conn);
    child.stderr?.on('data', (d: Buffer) => session.stderr.push(d.toString()));
    child.on('exit', (code, signal) => {
      live.delete(child);
      session.exitedWith = signal ?? `status ${code}`;
    });
    // A write to a server that died must fail the case, not the bench.
    child.stdin?.on('error', () => undefined);
    conn.onNotification(PublishDiagnosticsNotification.type, (p) => session.pushDiagnostics(p));
    // The requests servers send a client: answered as a client without settings would.
    conn.onRequest(RegistrationRequest.type, () => undefined);
    conn.onRequest(UnregistrationRequest.type, () => undefined);
    conn.onRequest(WorkDoneProgressCreateRequest.type, () => undefined);
    conn.onRequest(ConfigurationRequest.type, (p) => p.items.map(() => null));
    conn.onError(() => undefined);
    conn.listen();
    try {
      await withTimeout(
        conn.sendRequest(InitializeRequest.type, {
          processId: process.pid,
          rootUri: null,
          capabilities: {},
          workspaceFolders: null,
          ...(spec.initializationOptions ? { initializationOptions: spec.initializationOptions } : {}),
        }),
        timeoutMs,
        `${spec.label} initialize`,
      );
      await conn.sendNotification(InitializedNotification.type, {});
      if (spec.settings) await conn.sendNotification(DidChangeConfigurationNotification.type, { settings: spec.settings });
    } catch (e) {
      session.kill();
      throw e;
    }
    return session;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  private pushDiagnostics(p: PublishDiagnosticsParams): void {
    const now = this.waiters.filter((w) => w.match(p));
    this.waiters = this.waiters.filter((w) => !now.includes(w));
    for (const w of now) w.resolve(p);
  }

  /**
   * The next publishDiagnostics that matches. Register it before sending
   * what causes it, so that a fast answer cannot be missed.
   */
  nextDiagnostics(match: (p: PublishDiagnosticsParams) => boolean, timeoutMs: number, what: string): Promise<PublishDiagnosticsParams> {
    let waiter: Waiter | undefined;
    const p = new Promise<PublishDiagnosticsParams>((resolve) => {
      waiter = { match, resolve };
      this.waiters.push(waiter);
    });
    return withTimeout(p, timeoutMs, `${this.spec.label} diagnostics for ${what}${this.exitedWith ? ` (the server exited: ${this.exitedWith})` : ''}`).finally(() => {
      this.waiters = this.waiters.filter((w) => w !== waiter);
    });
  }

  async open(uri: string, text: string, version = 1): Promise<void> {
    await this.conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: this.spec.languageId, version, text } });
  }

  async change(uri: string, version: number, changes: TextDocumentContentChangeEvent[]): Promise<void> {
    await this.conn.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version }, contentChanges: changes });
  }

  hover(uri: string, position: Position, timeoutMs: number): Promise<Hover | null> {
    return withTimeout(this.conn.sendRequest(HoverRequest.type, { textDocument: { uri }, position }), timeoutMs, `${this.spec.label} hover`);
  }

  completion(uri: string, position: Position, timeoutMs: number): Promise<CompletionItem[] | CompletionList | null> {
    return withTimeout(this.conn.sendRequest(CompletionRequest.type, { textDocument: { uri }, position }), timeoutMs, `${this.spec.label} completion`);
  }

  codeLenses(uri: string, timeoutMs: number): Promise<CodeLens[] | null> {
    return withTimeout(this.conn.sendRequest(CodeLensRequest.type, { textDocument: { uri } }), timeoutMs, `${this.spec.label} code lenses`);
  }

  /** Any request by method name (the JSON server's json/validate). */
  request<R>(method: string, params: unknown, timeoutMs: number): Promise<R> {
    return withTimeout(this.conn.sendRequest<R>(method, params), timeoutMs, `${this.spec.label} ${method}`);
  }

  /** Peak resident set of the server process so far (VmHWM), in bytes; undefined once it is gone. */
  peakRss(): number | undefined {
    try {
      const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
      const kb = /^VmHWM:\s+(\d+)\s+kB/m.exec(status)?.[1];
      return kb === undefined ? undefined : Number(kb) * 1024;
    } catch {
      return undefined;
    }
  }

  /**
   * CPU time the server process has used so far (user + system, all its
   * threads, GC included), in milliseconds, from /proc/PID/stat: unlike wall
   * time it hardly changes when other processes compete for the cores.
   */
  cpuMs(): number | undefined {
    try {
      const stat = readFileSync(`/proc/${this.pid}/stat`, 'utf8');
      // The fields after the command name, which is in parentheses and may hold spaces.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ticks = Number(fields[11]) + Number(fields[12]);
      return Number.isFinite(ticks) ? ticks * 10 : undefined;
    } catch {
      return undefined;
    }
  }

  /** shutdown and exit, then a kill if the server is still there a moment later. */
  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    try {
      await withTimeout(this.conn.sendRequest(ShutdownRequest.type), 5000, `${this.spec.label} shutdown`);
      await this.conn.sendNotification(ExitNotification.type);
      await withTimeout(
        new Promise<void>((resolve) => {
          if (this.child.exitCode !== null) resolve();
          else this.child.once('exit', () => resolve());
        }),
        2000,
        `${this.spec.label} exit`,
      );
    } catch {
      // A server that does not stop on request is stopped anyway.
    } finally {
      this.kill();
    }
  }

  kill(): void {
    this.conn.dispose();
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    live.delete(this.child);
  }
}
