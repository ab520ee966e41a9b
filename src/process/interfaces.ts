/**
 * The contract between a child process's transport and its protocol (Twisted's
 * `IProcessTransport` and `IProcessProtocol`), and the options of `spawnProcess`.
 *
 * Event order on a process protocol:
 * `makeConnection(transport)` → `connectionMade()` → (`childDataReceived(fd, data)` |
 * `childConnectionLost(fd)` for each pipe | `processExited(reason)` once, as soon as the process
 * exits)* → `processEnded(reason)` exactly once, after the process has exited AND every pipe
 * has closed (so no output is lost). `reason` wraps `ProcessDone` (exit code 0) or
 * `ProcessTerminated` (`exitCode`, `signal`).
 *
 * @module
 */

import type { Failure } from "../errors/failure.js";
import type { IConsumer, IPushProducer } from "../producers/interfaces.js";

/**
 * The address of a child process, returned by `getPeer()` and `getHost()` of a process transport
 * (Twisted's `_ProcessAddress`): a process has no network address.
 */
export class ProcessAddress {
  /** Discriminator, in the manner of the socket addresses. */
  readonly family = "Process" as const;

  /** `"process"`. */
  toString(): string {
    return "process";
  }

  /** Every process address equals every other. */
  equals(other: unknown): boolean {
    return other instanceof ProcessAddress;
  }
}

/** The signals `signalProcess` accepts by name (without the `SIG` prefix), as Twisted's. */
export type ProcessSignalName = "TERM" | "KILL" | "INT" | "HUP" | "STOP";

/**
 * What a child descriptor is connected to, in Twisted's notation (seen from the parent):
 * - `"r"`: a pipe the parent **reads** (the child writes to it): stdout, stderr, a status fd;
 *   the protocol gets `childDataReceived(fd, data)`.
 * - `"w"`: a pipe the parent **writes** (the child reads from it): stdin, a passphrase fd; the
 *   protocol writes with `writeToChild(fd, data)` (or `write` for fd 0).
 * - a number: that descriptor of the parent, inherited by the child (the parent does not read or
 *   write it): `{ 0: 0, 1: 1, 2: 2 }` shares the terminal.
 */
export type ChildFDTarget = "r" | "w" | number;

/**
 * Child descriptor number → {@link ChildFDTarget}. Descriptors not listed are closed in the child,
 * except 0, 1 and 2, which Node always opens: unlisted, they are connected to `/dev/null`.
 */
export type ChildFDs = Readonly<Record<number, ChildFDTarget>>;

/** The terminal of a child started with `usePTY` (node-pty's options of the same names). */
export interface PTYOptions {
  /** Columns, 1–65535; default 80. */
  readonly cols?: number;
  /** Rows, 1–65535; default 24. */
  readonly rows?: number;
  /**
   * The terminal type, set as the child's `TERM`; default the `TERM` of `env`, else `"xterm"`
   * (node-pty always sets `TERM`, and `PWD`).
   */
  readonly name?: string;
}

/** Options of `spawnProcess` (Twisted's keyword arguments). */
export interface SpawnProcessOptions {
  /**
   * The child's whole environment. As in Twisted on POSIX: omitted (or `undefined`) means an
   * **empty** environment; `null` means the parent's (`process.env`); an object is used as is.
   * A `PATH` in it is where a bare executable name is looked up (`/usr/bin:/bin` without one).
   */
  readonly env?: Readonly<Record<string, string | undefined>> | null;
  /** The child's working directory (Twisted's `path`); the parent's when omitted or `null`. */
  readonly path?: string | null;
  /** The user id to run the child as (needs the privilege to change it). */
  readonly uid?: number | null;
  /** The group id to run the child as (needs the privilege to change it). */
  readonly gid?: number | null;
  /**
   * Run the child on a pseudo-terminal (Twisted's `usePTY`), through the optional dependency
   * `node-pty`: `true`, or {@link PTYOptions} for the terminal's size and `TERM`. The child's
   * stdin, stdout and stderr are then all the terminal; see `PTYProcessTransport` for how the
   * transport differs. Twisted's `(master, slave, ttyname)` form is not supported.
   *
   * `spawnProcess` throws `PTYNotSupportedError` when node-pty cannot be loaded, and
   * `ChildFDMapError` when `childFDs` is given too (other than the default map).
   */
  readonly usePTY?: boolean | PTYOptions;
  /**
   * The child's descriptors; default `{ 0: "w", 1: "r", 2: "r" }` (the parent writes stdin and
   * reads stdout and stderr). See {@link ChildFDTarget}.
   */
  readonly childFDs?: ChildFDs | null;
}

/**
 * A child process as its protocol sees it (Twisted's `IProcessTransport`).
 *
 * It is a consumer of what is written to the child's stdin (a registered push producer is paused
 * above the stdin pipe's high-water mark) and a push producer of the child's output
 * (`pauseProducing` stops reading every pipe the parent reads, so the child blocks on a full
 * pipe).
 */
export interface IProcessTransport extends IConsumer<Uint8Array>, IPushProducer {
  /** The child's process id; `null` once it has exited (or when it could not be started). */
  readonly pid: number | null;

  /**
   * Queues `data` for the child's stdin (fd 0). Writes made in one turn of the event loop are
   * coalesced. Silently dropped when there is no stdin pipe or it is closed (as in Twisted).
   */
  write(data: Uint8Array): void;

  /** Queues each chunk for stdin in turn, as one coalesced write. */
  writeSequence(data: Iterable<Uint8Array>): void;

  /**
   * Queues `data` for child descriptor `fd`, which must be a `"w"` pipe. Data for a `"w"` pipe
   * that is already closed is dropped, like `write`'s.
   *
   * @throws ChildFDMapError when `fd` was not mapped to `"w"`.
   */
  writeToChild(fd: number, data: Uint8Array): void;

  /**
   * Closes the parent's end of the pipe on child descriptor `fd`: a `"w"` pipe after what is
   * queued has been written (the child then reads end-of-file), a `"r"` pipe at once (what the
   * child writes afterwards fails: `EPIPE`/`SIGPIPE`, or `ECONNRESET` when unread data was
   * discarded, since Node's pipes are socket pairs). `childConnectionLost(fd)` follows. A
   * no-op for a descriptor that is not (or no longer) a pipe.
   */
  closeChildFD(fd: number): void;

  /** `closeChildFD(0)`. */
  closeStdin(): void;
  /** `closeChildFD(1)`. */
  closeStdout(): void;
  /** `closeChildFD(2)`. */
  closeStderr(): void;

  /**
   * Closes stdin, stdout and stderr (the other pipes stay open). Does not kill the process: most
   * programs exit on end-of-file or on `SIGPIPE`.
   */
  loseConnection(): void;

  /** Closes every pipe at once, dropping what is queued. Does not kill the process. */
  abortConnection(): void;

  /**
   * Sends a signal: `"TERM"`, `"KILL"`, `"INT"`, `"HUP"`, `"STOP"` or a signal number (0 checks
   * that the process exists).
   *
   * @throws ProcessExitedAlready when the process has exited (or could not be started).
   * @throws RangeError for an unknown signal name.
   */
  signalProcess(signal: ProcessSignalName | number): void;

  /** A {@link ProcessAddress}. */
  getPeer(): ProcessAddress;
  /** A {@link ProcessAddress}. */
  getHost(): ProcessAddress;

  /** Bytes queued for stdin and not yet handed to the operating system. */
  getWriteBufferSize(): number;

  /**
   * Sets the flow-control marks of the stdin pipe for a registered push producer, as
   * `ITransport.setWriteBufferLimits` does (see `checkWriteBufferLimits` for the defaults).
   *
   * @throws RangeError when `low > high` or either is negative.
   */
  setWriteBufferLimits(high?: number, low?: number): void;
}

/** A protocol for a child process (Twisted's `IProcessProtocol`). */
export interface IProcessProtocol {
  /** Called once the process is started: sets the transport, then calls `connectionMade`. */
  makeConnection(transport: IProcessTransport): void;
  /** Bytes arrived from the child on descriptor `fd` (a `"r"` pipe). */
  childDataReceived(fd: number, data: Uint8Array): void;
  /** The pipe on child descriptor `fd` was closed (by either side). */
  childConnectionLost(fd: number): void;
  /**
   * The process has exited (its pipes may still be open). `reason` wraps `ProcessDone` or
   * `ProcessTerminated`.
   */
  processExited(reason: Failure): void;
  /**
   * The process has exited and every pipe is closed: the last event, exactly once. `reason`
   * wraps `ProcessDone` or `ProcessTerminated`.
   */
  processEnded(reason: Failure): void;
}
