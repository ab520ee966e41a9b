/**
 * `ProcessTransport`: the transport of one child process, made by `spawnProcess`. It owns the
 * parent's ends of the child's pipes (`pipes.ts`), turns Node's `exit` event into
 * `processExited`, and calls `processEnded` once the process has exited AND every pipe has
 * closed, as Twisted does, so that no output is lost. `PTYProcessTransport` (`pty.ts`) extends
 * it with a pseudo-terminal in place of the pipes.
 *
 * The live process is tracked by the reactor: at shutdown its stdin is closed (most filters exit
 * on end-of-file) and, if it has not ended within the reactor's grace, it is killed with
 * `SIGKILL` and its pipes are closed.
 *
 * @module
 */

import type { ChildProcess } from "node:child_process";
import type { Socket } from "node:net";
import { constants } from "node:os";
import { Failure } from "../errors/failure.js";
import {
  ChildFDMapError,
  ProcessDone,
  ProcessExitedAlready,
  ProcessTerminated,
} from "../errors/process.js";
import type { IPullProducer, IPushProducer } from "../producers/interfaces.js";
import { callProducer, checkWriteBufferLimits } from "../producers/registration.js";
import type { IReactorInternals, ShutdownConnection } from "../reactor/internals.js";
import {
  type IProcessProtocol,
  type IProcessTransport,
  ProcessAddress,
  type ProcessSignalName,
} from "./interfaces.js";
import {
  type Channel,
  log,
  type PipeOwner,
  PipeReader,
  PipeWriter,
  type WriteChannel,
} from "./pipes.js";

/**
 * What `spawnProcess` needs from a reactor: the registry of live connections, so that
 * `reactor.stop()` does not leave children behind. The real `Reactor` has it.
 */
export type ProcessReactor = Pick<IReactorInternals, "trackConnection" | "untrackConnection">;

const ADDRESS = new ProcessAddress();

/** Signal numbers by name (`SIGTERM` → 15), from the operating system's constants. */
const SIGNALS = constants.signals as Readonly<Record<string, number>>;

/**
 * The number of `signal` given by name (with or without `SIG`) or number.
 *
 * @throws RangeError for an unknown name or a number that is not a non-negative integer.
 */
export function signalNumber(signal: string | number): number {
  if (typeof signal === "number") {
    if (!Number.isInteger(signal) || signal < 0) throw new RangeError(`Invalid signal: ${signal}`);
    return signal;
  }
  const n = SIGNALS[signal.startsWith("SIG") ? signal : `SIG${signal}`];
  if (n === undefined) throw new RangeError(`Unknown signal: ${signal}`);
  return n;
}

/**
 * The transport of a child process started by `spawnProcess` (see {@link IProcessTransport}).
 * Not constructed directly.
 */
export class ProcessTransport implements IProcessTransport, PipeOwner {
  /** The process id; `null` once the process has exited or when it could not be started. */
  pid: number | null;
  /**
   * Node's child process object, for what the transport does not cover; `null` for a child on a
   * pseudo-terminal (`usePTY`), which node-pty starts and owns.
   */
  readonly child: ChildProcess | null;
  /** The protocol this transport delivers events to. */
  readonly protocol: IProcessProtocol;
  private readonly _reactor: ProcessReactor;
  /** The open channels by child descriptor; `processEnded` waits for this to empty. @internal */
  protected readonly _pipes = new Map<number, Channel>();
  /** The open channels the parent writes, by child descriptor. @internal */
  protected readonly _writers = new Map<number, WriteChannel>();
  /** The descriptors the parent writes, open or not (for `writeToChild`'s error). @internal */
  protected readonly _writeFDs = new Set<number>();
  /** The channel of descriptor 0. @internal */
  protected _stdin: WriteChannel | null = null;
  private _exit: ProcessDone | ProcessTerminated | null = null;
  private _ended = false;
  private _paused = false;
  private readonly _shutdown: ShutdownConnection;

  /**
   * Wraps a spawned `child` whose `stdio[fd]` is a socket for each `"r"` / `"w"` entry of
   * `pipes`; nothing is delivered until {@link start}. With `child` `null`, a subclass sets
   * `pid`, the channels and the exit event up itself.
   *
   * @internal
   */
  constructor(
    reactor: ProcessReactor,
    protocol: IProcessProtocol,
    child: ChildProcess | null,
    pipes: ReadonlyMap<number, "r" | "w">,
  ) {
    this._reactor = reactor;
    this.protocol = protocol;
    this.child = child;
    this.pid = child?.pid !== undefined && child.pid > 0 ? child.pid : null;
    this._shutdown = {
      loseConnection: () => this._closeForShutdown(),
      abortConnection: () => {
        try {
          if (this.pid !== null) this.signalProcess("KILL");
        } catch {
          // gone already
        }
        this.abortConnection();
      },
    };
    if (child === null) return;
    for (const [fd, kind] of pipes) {
      const socket = child.stdio[fd] as Socket | null | undefined;
      if (socket == null) continue;
      if (kind === "w") {
        const writer = new PipeWriter(this, fd, socket);
        this._pipes.set(fd, writer);
        this._writers.set(fd, writer);
        this._writeFDs.add(fd);
        if (fd === 0) this._stdin = writer;
      } else {
        this._pipes.set(fd, new PipeReader(this, fd, socket));
      }
    }
    child.on("exit", (code, signal) => this._exited(code, signal));
    child.on("error", (err) => this._spawnFailed(err));
  }

  /**
   * What `reactor.stop()` does first to a live child: closes its stdin (most filters exit on
   * end-of-file). The reactor kills it if it has not ended within its shutdown grace.
   *
   * @internal
   */
  protected _closeForShutdown(): void {
    this.closeStdin();
  }

  /**
   * Calls the protocol's `makeConnection` and tracks the process in the reactor. An exception
   * from the protocol is logged.
   *
   * @internal
   */
  start(): void {
    this._reactor.trackConnection(this._shutdown);
    try {
      this.protocol.makeConnection(this);
    } catch (e) {
      log.failure("Unhandled error in {protocol}.makeConnection", e, {
        protocol: this.protocol.constructor.name,
      });
    }
  }

  // --- writing ---------------------------------------------------------------------------------

  /** {@inheritDoc IProcessTransport.write} */
  write(data: Uint8Array): void {
    this._stdin?.write(data);
  }

  /** {@inheritDoc IProcessTransport.writeSequence} */
  writeSequence(data: Iterable<Uint8Array>): void {
    const stdin = this._stdin;
    if (stdin === null) return;
    for (const chunk of data) stdin.write(chunk);
  }

  /** {@inheritDoc IProcessTransport.writeToChild} */
  writeToChild(fd: number, data: Uint8Array): void {
    const writer = this._writers.get(fd);
    if (writer !== undefined) writer.write(data);
    else if (!this._writeFDs.has(fd)) {
      throw new ChildFDMapError(`Child descriptor ${fd} is not a pipe the parent writes ("w")`);
    }
  }

  /** {@inheritDoc IProcessTransport.getWriteBufferSize} */
  getWriteBufferSize(): number {
    return this._stdin?.getWriteBufferSize() ?? 0;
  }

  /** {@inheritDoc IProcessTransport.setWriteBufferLimits} */
  setWriteBufferLimits(high?: number, low?: number): void {
    const stdin = this._stdin;
    if (stdin !== null) {
      stdin.setWriteBufferLimits(high, low);
      return;
    }
    checkWriteBufferLimits(high, low); // nothing to pace, but bad marks are still an error
  }

  // --- IConsumer (stdin) -----------------------------------------------------------------------

  /**
   * Registers a producer of the child's stdin; without a stdin pipe the producer is stopped at
   * once (as in Twisted).
   *
   * @throws InvalidStateError when a producer is already registered.
   */
  registerProducer(producer: IPushProducer, streaming: true): void;
  registerProducer(producer: IPullProducer, streaming: false): void;
  registerProducer(producer: IPushProducer | IPullProducer, streaming: boolean): void;
  registerProducer(producer: IPushProducer | IPullProducer, streaming: boolean): void {
    const stdin = this._stdin;
    if (stdin !== null) stdin.registerProducer(producer, streaming);
    else callProducer(producer, "stopProducing", log);
  }

  /** Unregisters the producer of the child's stdin. */
  unregisterProducer(): void {
    this._stdin?.unregisterProducer();
  }

  // --- IPushProducer (the child's output) ------------------------------------------------------

  /** Stops reading every pipe the parent reads, until {@link resumeProducing}. */
  pauseProducing(): void {
    if (this._paused) return;
    this._paused = true;
    for (const pipe of this._pipes.values()) pipe.pause?.();
  }

  /** Reads the child's output pipes again. */
  resumeProducing(): void {
    if (!this._paused) return;
    this._paused = false;
    for (const pipe of [...this._pipes.values()]) pipe.resume?.();
  }

  /** Closes stdin, stdout and stderr, like {@link loseConnection}. */
  stopProducing(): void {
    this.loseConnection();
  }

  // --- closing ---------------------------------------------------------------------------------

  /** {@inheritDoc IProcessTransport.closeChildFD} */
  closeChildFD(fd: number): void {
    this._pipes.get(fd)?.loseConnection();
  }

  /** {@inheritDoc IProcessTransport.closeStdin} */
  closeStdin(): void {
    this.closeChildFD(0);
  }

  /** {@inheritDoc IProcessTransport.closeStdout} */
  closeStdout(): void {
    this.closeChildFD(1);
  }

  /** {@inheritDoc IProcessTransport.closeStderr} */
  closeStderr(): void {
    this.closeChildFD(2);
  }

  /** {@inheritDoc IProcessTransport.loseConnection} */
  loseConnection(): void {
    this.closeStdin();
    this.closeStderr();
    this.closeStdout();
  }

  /** {@inheritDoc IProcessTransport.abortConnection} */
  abortConnection(): void {
    for (const pipe of [...this._pipes.values()]) pipe.abort();
  }

  /** {@inheritDoc IProcessTransport.signalProcess} */
  signalProcess(signal: ProcessSignalName | number): void {
    const n = signalNumber(signal);
    const pid = this.pid;
    if (pid === null) throw new ProcessExitedAlready();
    try {
      process.kill(pid, n);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ESRCH") throw new ProcessExitedAlready();
      throw e;
    }
  }

  // --- addresses -------------------------------------------------------------------------------

  /** A {@link ProcessAddress}. */
  getPeer(): ProcessAddress {
    return ADDRESS;
  }

  /** A {@link ProcessAddress}. */
  getHost(): ProcessAddress {
    return ADDRESS;
  }

  // --- events ----------------------------------------------------------------------------------

  /** @internal */
  _pipeData(fd: number, data: Uint8Array): void {
    try {
      this.protocol.childDataReceived(fd, data);
    } catch (e) {
      log.failure("Unhandled error in {protocol}.childDataReceived; closing descriptor {fd}", e, {
        protocol: this.protocol.constructor.name,
        fd,
      });
      this._pipes.get(fd)?.abort();
    }
  }

  /** @internal */
  _pipeLost(fd: number): void {
    const channel = this._pipes.get(fd);
    if (channel === undefined) return;
    this._pipes.delete(fd);
    for (const [wfd, writer] of this._writers) if (writer === channel) this._writers.delete(wfd);
    if (this._stdin === channel) this._stdin = null;
    try {
      this.protocol.childConnectionLost(fd);
    } catch (e) {
      log.failure("Unhandled error in {protocol}.childConnectionLost", e, {
        protocol: this.protocol.constructor.name,
        fd,
      });
    }
    this._maybeEnded();
  }

  /** The process has exited with `code`, or was killed by `signal`. @internal */
  protected _exited(code: number | null, signal: NodeJS.Signals | null): void {
    if (this._exit !== null) return;
    this.pid = null;
    this._setExit(
      code === 0 && signal === null
        ? new ProcessDone()
        : new ProcessTerminated(code, signal === null ? null : (SIGNALS[signal] ?? null), signal),
    );
  }

  /** Node could not start the process after all (an `error` event with no `exit`). */
  private _spawnFailed(err: Error): void {
    if (this._exit !== null || this.pid !== null) {
      log.failure("Error from child process {pid}", err, { pid: this.pid });
      return;
    }
    this.abortConnection();
    this._setExit(
      new ProcessTerminated(null, null, null, `A process could not be started: ${err.message}`, {
        cause: err,
      }),
    );
  }

  private _setExit(reason: ProcessDone | ProcessTerminated): void {
    this._exit = reason;
    try {
      this.protocol.processExited(new Failure(reason));
    } catch (e) {
      log.failure("Unhandled error in {protocol}.processExited", e, {
        protocol: this.protocol.constructor.name,
      });
    }
    this._maybeEnded();
  }

  private _maybeEnded(): void {
    const reason = this._exit;
    if (this._ended || reason === null || this._pipes.size > 0) return;
    this._ended = true;
    this._reactor.untrackConnection(this._shutdown);
    try {
      this.protocol.processEnded(new Failure(reason));
    } catch (e) {
      log.failure("Unhandled error in {protocol}.processEnded", e, {
        protocol: this.protocol.constructor.name,
      });
    }
  }

  /** Whether `processEnded` has been delivered. */
  get ended(): boolean {
    return this._ended;
  }
}
