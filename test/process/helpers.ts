/**
 * Shared support for the process tests: a protocol that records every event, a reactor stand-in
 * that records tracked connections, and a registry that kills every child a test left behind.
 */
import type { Failure } from "../../src/errors/failure.js";
import type { IProcessTransport, SpawnProcessOptions } from "../../src/process/interfaces.js";
import { ProcessProtocol } from "../../src/process/protocol.js";
import { spawnProcess } from "../../src/process/spawn.js";
import type { ProcessTransport } from "../../src/process/transport.js";
import type { ShutdownConnection } from "../../src/reactor/internals.js";

/** A reactor stand-in: only the connection registry `spawnProcess` needs. */
export class TrackingReactor {
  readonly connections = new Set<ShutdownConnection>();
  trackConnection(c: ShutdownConnection): void {
    this.connections.add(c);
  }
  untrackConnection(c: ShutdownConnection): void {
    this.connections.delete(c);
  }
}

/** Every transport started through {@link spawn}, killed by {@link killAll}. */
const live = new Set<ProcessTransport>();

/** `SIGKILL` to every child still running and every pipe closed (for `after`). */
export function killAll(): void {
  for (const t of live) {
    if (t.pid !== null) {
      try {
        process.kill(t.pid, "SIGKILL");
      } catch {
        // gone
      }
    }
    t.abortConnection();
  }
  live.clear();
}

/** Records every event as a string, and the bytes per descriptor. */
export class Recorder extends ProcessProtocol {
  readonly events: string[] = [];
  readonly data = new Map<number, Buffer[]>();
  exitReason: Failure | null = null;
  endReason: Failure | null = null;
  /** Resolves with the `processEnded` reason. */
  readonly ended: Promise<Failure>;
  /** Resolves with the `processExited` reason. */
  readonly exited: Promise<Failure>;
  private _resolveEnded!: (f: Failure) => void;
  private _resolveExited!: (f: Failure) => void;
  /** Called from `connectionMade`, for tests that write at once. */
  onConnect: ((t: IProcessTransport) => void) | null = null;
  /** Called for each chunk, after it is recorded. */
  onData: ((fd: number, data: Buffer) => void) | null = null;

  constructor() {
    super();
    this.ended = new Promise((r) => {
      this._resolveEnded = r;
    });
    this.exited = new Promise((r) => {
      this._resolveExited = r;
    });
  }

  override connectionMade(): void {
    this.events.push("connectionMade");
    this.onConnect?.(this.transport!);
  }
  override childDataReceived(fd: number, data: Uint8Array): void {
    const chunk = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    let list = this.data.get(fd);
    if (list === undefined) this.data.set(fd, (list = []));
    list.push(chunk);
    if (this.events.at(-1) !== `data${fd}`) this.events.push(`data${fd}`);
    this.onData?.(fd, chunk);
  }
  override childConnectionLost(fd: number): void {
    this.events.push(`lost${fd}`);
  }
  override processExited(reason: Failure): void {
    this.events.push("processExited");
    this.exitReason = reason;
    this._resolveExited(reason);
  }
  override processEnded(reason: Failure): void {
    super.processEnded(reason);
    this.events.push("processEnded");
    this.endReason = reason;
    this._resolveEnded(reason);
  }

  /** Everything received on `fd`, as text. */
  text(fd = 1): string {
    return Buffer.concat(this.data.get(fd) ?? []).toString();
  }
  /** Bytes received on `fd`. */
  bytes(fd = 1): number {
    return (this.data.get(fd) ?? []).reduce((n, c) => n + c.byteLength, 0);
  }
}

/** `spawnProcess` with a fresh {@link Recorder} and {@link TrackingReactor}, killed in `after`. */
export function spawn(
  executable: string,
  args: readonly string[],
  options: SpawnProcessOptions = {},
  proto: Recorder = new Recorder(),
  reactor: TrackingReactor = new TrackingReactor(),
): { proto: Recorder; transport: ProcessTransport; reactor: TrackingReactor } {
  const transport = spawnProcess(reactor, proto, executable, args, options);
  live.add(transport);
  return { proto, transport, reactor };
}

/** Runs an inline Node script as the child: `args` follow the script. */
export function node(
  script: string,
  args: readonly string[] = [],
  options: SpawnProcessOptions = {},
  proto?: Recorder,
): { proto: Recorder; transport: ProcessTransport; reactor: TrackingReactor } {
  return spawn(process.execPath, ["node", "-e", script, ...args], options, proto);
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Rejects if `p` takes longer than `ms`. */
export function within<T>(p: Promise<T>, ms = 5000, what = "operation"): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not finish in ${ms} ms`)), ms);
    }),
  ]);
}
