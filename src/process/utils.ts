/**
 * Run a program and get its result as a Deferred (Twisted's `twisted.internet.utils`):
 * `getProcessOutput` (stdout), `getProcessValue` (exit code) and `getProcessOutputAndValue`
 * (`[stdout, stderr, exit code]`).
 *
 * Each takes Twisted's positional arguments `(executable, args, env, path, reactor, …)` or one
 * options object. Unlike `spawnProcess`, `args` does **not** include `argv[0]` (Twisted prepends
 * the executable). The environment defaults to an empty one, as in Twisted; `env: null` passes
 * the parent's. Cancelling the returned Deferred kills the process (`SIGKILL`).
 *
 * @module
 */

import { Deferred } from "../defer/deferred.js";
import type { Failure } from "../errors/failure.js";
import {
  type ProcessDone,
  ProcessSignalled,
  type ProcessTerminated,
  UnexpectedErrorOutput,
} from "../errors/process.js";
import { reactor as defaultReactor } from "../reactor/reactor.js";
import type { IProcessTransport, SpawnProcessOptions } from "./interfaces.js";
import { ProcessProtocol } from "./protocol.js";
import { spawnProcess } from "./spawn.js";
import type { ProcessReactor } from "./transport.js";

/** The environment argument of the helpers: see `SpawnProcessOptions.env`. */
export type ProcessEnv = SpawnProcessOptions["env"];

/** The options-object form of {@link getProcessOutput} and its siblings. */
export interface ProcessOutputOptions {
  /** The program to run. */
  readonly executable: string;
  /** Its arguments, without `argv[0]`. */
  readonly args?: readonly string[];
  /** The environment: empty when omitted, the parent's with `null`. */
  readonly env?: ProcessEnv;
  /** The working directory; the parent's when omitted. */
  readonly path?: string | null;
  /** The reactor; the shared `reactor` when omitted. */
  readonly reactor?: ProcessReactor | null;
  /** `getProcessOutput` only: include stderr in the result instead of failing on it. */
  readonly errortoo?: boolean;
  /** `getProcessOutputAndValue` only: bytes written to stdin, which is then closed. */
  readonly stdinBytes?: Uint8Array | null;
}

const EMPTY = new Uint8Array(0);

/** Collects chunks and joins them once. */
class Chunks {
  private readonly _chunks: Uint8Array[] = [];
  private _bytes = 0;
  push(data: Uint8Array): void {
    this._chunks.push(data);
    this._bytes += data.byteLength;
  }
  join(): Uint8Array {
    const c = this._chunks;
    if (c.length === 0) return EMPTY;
    if (c.length === 1) return c[0] as Uint8Array;
    return Buffer.concat(c, this._bytes);
  }
}

/** Starts the process of `o` with `protocol`, wiring cancellation of `d` to a kill. */
function run<T>(
  o: ProcessOutputOptions,
  protocol: ProcessProtocol,
  d: Deferred<T>,
  cancel: { transport: IProcessTransport | null },
): Deferred<T> {
  const transport = spawnProcess(
    o.reactor ?? defaultReactor,
    protocol,
    o.executable,
    [o.executable, ...(o.args ?? [])],
    { env: o.env, path: o.path ?? null },
  );
  cancel.transport = transport;
  return d;
}

/** A Deferred whose cancellation kills the process it waits for. */
function killable<T>(): [Deferred<T>, { transport: IProcessTransport | null }] {
  const holder: { transport: IProcessTransport | null } = { transport: null };
  const d = new Deferred<T>(() => {
    const t = holder.transport;
    if (t === null) return;
    try {
      t.signalProcess("KILL");
    } catch {
      // already gone
    }
    t.loseConnection();
  });
  return [d, holder];
}

function normalise(
  executable: string | ProcessOutputOptions,
  args: readonly string[] | undefined,
  env: ProcessEnv,
  path: string | null | undefined,
  reactor: ProcessReactor | null | undefined,
): ProcessOutputOptions {
  if (typeof executable === "object" && executable !== null) return executable;
  return { executable, args: args ?? [], env, path: path ?? null, reactor: reactor ?? null };
}

/** Relays stdout (and stderr with `errortoo`) into a Deferred (Twisted's `_BackRelay`). */
class BackRelay extends ProcessProtocol {
  private readonly _out = new Chunks();
  private _d: Deferred<Uint8Array> | null;
  private _onEnded: Deferred<Error> | null = null;

  constructor(
    d: Deferred<Uint8Array>,
    private readonly _errortoo: boolean,
  ) {
    super();
    this._d = d;
  }

  override outReceived(data: Uint8Array): void {
    this._out.push(data);
  }

  override errReceived(data: Uint8Array): void {
    if (this._errortoo) {
      this._out.push(data);
      return;
    }
    const d = this._d;
    if (d === null) return;
    this._d = null;
    this._onEnded = new Deferred<Error>();
    if (!d.called) d.errback(new UnexpectedErrorOutput(data, this._onEnded));
    this.transport?.loseConnection();
  }

  override processEnded(reason: Failure): void {
    super.processEnded(reason);
    const d = this._d;
    if (d !== null) {
      this._d = null;
      if (!d.called) d.callback(this._out.join());
    } else {
      this._onEnded?.callback(reason.value as Error);
    }
  }
}

/**
 * Runs a program and fires with everything it wrote to stdout.
 *
 * Without `errortoo`, the first bytes on stderr fail the Deferred with
 * {@link UnexpectedErrorOutput} (Twisted's `IOError`), whose `processEnded` fires when the
 * process has ended; the pipes are closed. With `errortoo`, stderr is mixed into the result.
 * The exit code is ignored.
 *
 * @param executable - the program (or the whole call as {@link ProcessOutputOptions}).
 * @param args - its arguments, without `argv[0]`.
 * @param env - the environment (empty by default; `null` for the parent's).
 * @param path - the working directory.
 * @param reactor - the reactor (the shared one by default).
 * @param errortoo - include stderr instead of failing on it.
 * @throws what `spawnProcess` throws (a missing executable, a bad `path`), synchronously.
 *
 * @example
 * ```ts
 * import { getProcessOutput } from "braid/process";
 *
 * const out = await getProcessOutput("/bin/echo", ["hello"]);
 * console.log(new TextDecoder().decode(out)); // "hello\n"
 * const date = await getProcessOutput({ executable: "date", env: null });
 * ```
 */
export function getProcessOutput(options: ProcessOutputOptions): Deferred<Uint8Array>;
export function getProcessOutput(
  executable: string,
  args?: readonly string[],
  env?: ProcessEnv,
  path?: string | null,
  reactor?: ProcessReactor | null,
  errortoo?: boolean,
): Deferred<Uint8Array>;
export function getProcessOutput(
  executable: string | ProcessOutputOptions,
  args?: readonly string[],
  env?: ProcessEnv,
  path?: string | null,
  reactor?: ProcessReactor | null,
  errortoo = false,
): Deferred<Uint8Array> {
  const o = normalise(executable, args, env, path, reactor);
  const [d, holder] = killable<Uint8Array>();
  return run(o, new BackRelay(d, o.errortoo ?? errortoo), d, holder);
}

/** Fires with the exit code (Twisted's `_ValueGetter`). */
class ValueGetter extends ProcessProtocol {
  constructor(private readonly _d: Deferred<number | null>) {
    super();
  }

  override processEnded(reason: Failure): void {
    super.processEnded(reason);
    const e = reason.value as ProcessDone | ProcessTerminated;
    if (!this._d.called) this._d.callback(e.exitCode);
  }
}

/**
 * Runs a program and fires with its exit code: `null` when it was killed by a signal or could
 * not be started (as Twisted's `None`). Its output is discarded.
 *
 * @param executable - the program (or the whole call as {@link ProcessOutputOptions}).
 * @param args - its arguments, without `argv[0]`.
 * @param env - the environment (empty by default; `null` for the parent's).
 * @param path - the working directory.
 * @param reactor - the reactor (the shared one by default).
 * @throws what `spawnProcess` throws, synchronously.
 *
 * @example
 * ```ts
 * const code = await getProcessValue("/bin/sh", ["-c", "exit 3"]); // 3
 * ```
 */
export function getProcessValue(options: ProcessOutputOptions): Deferred<number | null>;
export function getProcessValue(
  executable: string,
  args?: readonly string[],
  env?: ProcessEnv,
  path?: string | null,
  reactor?: ProcessReactor | null,
): Deferred<number | null>;
export function getProcessValue(
  executable: string | ProcessOutputOptions,
  args?: readonly string[],
  env?: ProcessEnv,
  path?: string | null,
  reactor?: ProcessReactor | null,
): Deferred<number | null> {
  const o = normalise(executable, args, env, path, reactor);
  const [d, holder] = killable<number | null>();
  return run(o, new ValueGetter(d), d, holder);
}

/** Collects stdout, stderr and the exit code (Twisted's `_EverythingGetter`). */
class EverythingGetter extends ProcessProtocol {
  private readonly _out = new Chunks();
  private readonly _err = new Chunks();

  constructor(
    private readonly _d: Deferred<[Uint8Array, Uint8Array, number | null]>,
    private readonly _stdin: Uint8Array | null,
  ) {
    super();
  }

  override connectionMade(): void {
    if (this._stdin !== null) {
      this.transport?.writeToChild(0, this._stdin);
      this.transport?.closeStdin();
    }
  }

  override outReceived(data: Uint8Array): void {
    this._out.push(data);
  }

  override errReceived(data: Uint8Array): void {
    this._err.push(data);
  }

  override processEnded(reason: Failure): void {
    super.processEnded(reason);
    const d = this._d;
    if (d.called) return;
    const e = reason.value as ProcessDone | ProcessTerminated;
    const out = this._out.join();
    const err = this._err.join();
    if (e.signal !== null) {
      d.errback(new ProcessSignalled(out, err, e.signal, (e as ProcessTerminated).signalName));
    } else {
      d.callback([out, err, e.exitCode]);
    }
  }
}

/**
 * Runs a program and fires with `[stdout, stderr, exitCode]`. When the process is killed by a
 * signal the Deferred fails with {@link ProcessSignalled} carrying the output so far and the
 * signal (Twisted errbacks with `(out, err, signal)`); `exitCode` is `null` when the process
 * could not be started.
 *
 * @param executable - the program (or the whole call as {@link ProcessOutputOptions}).
 * @param args - its arguments, without `argv[0]`.
 * @param env - the environment (empty by default; `null` for the parent's).
 * @param path - the working directory.
 * @param reactor - the reactor (the shared one by default).
 * @param stdinBytes - written to stdin, which is then closed.
 * @throws what `spawnProcess` throws, synchronously.
 *
 * @example
 * ```ts
 * const [out, err, code] = await getProcessOutputAndValue("/bin/sh", ["-c", "echo a; echo b >&2; exit 1"]);
 * ```
 */
export function getProcessOutputAndValue(
  options: ProcessOutputOptions,
): Deferred<[Uint8Array, Uint8Array, number | null]>;
export function getProcessOutputAndValue(
  executable: string,
  args?: readonly string[],
  env?: ProcessEnv,
  path?: string | null,
  reactor?: ProcessReactor | null,
  stdinBytes?: Uint8Array | null,
): Deferred<[Uint8Array, Uint8Array, number | null]>;
export function getProcessOutputAndValue(
  executable: string | ProcessOutputOptions,
  args?: readonly string[],
  env?: ProcessEnv,
  path?: string | null,
  reactor?: ProcessReactor | null,
  stdinBytes: Uint8Array | null = null,
): Deferred<[Uint8Array, Uint8Array, number | null]> {
  const o = normalise(executable, args, env, path, reactor);
  const [d, holder] = killable<[Uint8Array, Uint8Array, number | null]>();
  return run(o, new EverythingGetter(d, o.stdinBytes ?? stdinBytes), d, holder);
}
