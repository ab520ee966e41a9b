/**
 * Child processes on a pseudo-terminal (`spawnProcess(…, { usePTY: true })`, Twisted's
 * `PTYProcess`), through the optional dependency `node-pty`.
 *
 * node-pty is a native addon compiled at install time, so it is loaded lazily, on the first
 * `usePTY`, with `require` (it is CommonJS): a machine where it failed to build still imports
 * Braid, and `usePTY` throws `PTYNotSupportedError` there, naming the module.
 *
 * With a PTY the child's stdin, stdout and stderr are all the terminal: the parent has one
 * channel, which `PTYChannel` (`ptychannel.ts`) plugs into `ProcessTransport` where the pipes go
 * (descriptor 1 for what the child writes, descriptor 0 for what the parent writes). The
 * transport's differences from the pipe one are those of Twisted's `PTYProcess`; see
 * {@link PTYProcessTransport}.
 *
 * @module
 */

import { createRequire } from "node:module";
import { constants } from "node:os";
import { ChildFDMapError, ProcessSpawnError, PTYNotSupportedError } from "../errors/process.js";
import type { IProcessProtocol, PTYOptions } from "./interfaces.js";
import { PTY_FD, PTYChannel, type PTYHandle } from "./ptychannel.js";
import { type ProcessReactor, ProcessTransport } from "./transport.js";

// --- node-pty, loaded on first use -------------------------------------------------------------

/** The part of the `node-pty` module Braid uses. */
export interface PTYModule {
  /** Starts `file` with `args` (argv[1…]) on a new pseudo-terminal. */
  spawn(
    file: string,
    args: string[],
    options: {
      name?: string;
      cols?: number;
      rows?: number;
      cwd?: string;
      env?: Record<string, string>;
      encoding?: null;
      uid?: number;
      gid?: number;
    },
  ): PTYHandle;
}

/** Loads node-pty; throws when it cannot be loaded. */
export type PTYLoader = () => PTYModule;

const requireNodePty: PTYLoader = () => createRequire(import.meta.url)("node-pty") as PTYModule;

let loader: PTYLoader = requireNodePty;
let loaded: PTYModule | null = null;
let loadError: PTYNotSupportedError | null = null;

/**
 * Replaces the node-pty loader (`null`: the real one) and forgets what was loaded: the tests'
 * seam for a machine without node-pty.
 *
 * @internal
 */
export function _setPTYLoader(l: PTYLoader | null): void {
  loader = l ?? requireNodePty;
  loaded = null;
  loadError = null;
}

/**
 * node-pty, loaded once (a failure is remembered too).
 *
 * @throws PTYNotSupportedError when it cannot be loaded (not installed, or its addon did not
 *   build); `cause` is the loader's error.
 */
export function loadPTY(): PTYModule {
  if (loaded !== null) return loaded;
  if (loadError !== null) throw loadError;
  try {
    const m = loader();
    if (typeof m?.spawn !== "function") throw new TypeError("node-pty has no spawn function");
    loaded = m;
    return m;
  } catch (e) {
    loadError = new PTYNotSupportedError(
      `usePTY needs the optional dependency "node-pty", which could not be loaded: ${
        e instanceof Error ? e.message : String(e)
      }`,
      { cause: e },
    );
    throw loadError;
  }
}

export type { PTYHandle };

// --- the transport ------------------------------------------------------------------------------

/** Signal names by number (15 → `"SIGTERM"`). */
const SIGNAL_NAMES = new Map<number, NodeJS.Signals>(
  Object.entries(constants.signals).map(([name, n]) => [n, name as NodeJS.Signals]),
);

/**
 * The transport of a child on a pseudo-terminal (`spawnProcess` with `usePTY`): a
 * `ProcessTransport` whose only channel is the terminal. As in Twisted's `PTYProcess`:
 * - everything the child writes (stdout and stderr alike) arrives as `childDataReceived(1, …)`
 *   (`outReceived`), with the terminal's line discipline applied (`\n` becomes `\r\n`, input is
 *   echoed unless the child turns echo off);
 * - `write` / `writeToChild(0, …)` type into the terminal; `writeToChild` with another
 *   descriptor throws `ChildFDMapError`;
 * - `closeStdin`, `closeStdout`, `closeStderr` and `closeChildFD` do nothing: a terminal has one
 *   channel, which cannot be half-closed. To send end-of-file, write `"\x04"` (Ctrl-D, at the
 *   start of a line, in canonical mode);
 * - `loseConnection` hangs the child up (`SIGHUP` to its process group) once queued input is
 *   handed on, and so does `reactor.stop()`; `abortConnection` closes the terminal at once;
 * - `childConnectionLost(1)` (`outConnectionLost`) is delivered when the terminal closes, then
 *   `processExited` and `processEnded` (Twisted calls no `childConnectionLost` for a PTY).
 *
 * node-pty reports the exit only once the terminal has closed, and closes it itself 200 ms after
 * the exit if reading is paused: output the child wrote just before exiting is then lost, so do
 * not keep the transport paused across the child's exit. And once the child has closed its side
 * of the terminal, node-pty closes the parent's, which hangs the terminal up: a child that closes
 * its stdin and stdout before it exits (`cat` does, at end-of-file) may then die of that `SIGHUP`
 * instead of exiting with its own code (Twisted's `PTYProcess` closes the terminal the same way).
 */
export class PTYProcessTransport extends ProcessTransport {
  /** The terminal, as node-pty gives it. */
  readonly pty: PTYHandle;
  private readonly _channel: PTYChannel;

  /** @internal made by `spawnProcess`. */
  constructor(reactor: ProcessReactor, protocol: IProcessProtocol, pty: PTYHandle) {
    super(reactor, protocol, null, new Map());
    this.pty = pty;
    this.pid = pty.pid > 0 ? pty.pid : null;
    const channel = new PTYChannel(this, pty);
    this._channel = channel;
    this._pipes.set(PTY_FD, channel);
    this._writers.set(0, channel);
    this._writeFDs.add(0);
    this._stdin = channel;
    pty.onExit(({ exitCode, signal }) => {
      channel._closed();
      const name = signal ? (SIGNAL_NAMES.get(signal) ?? null) : null;
      this._exited(name === null ? exitCode : null, name);
    });
  }

  /**
   * Resizes the terminal (the child gets `SIGWINCH`).
   *
   * @throws RangeError unless `cols` and `rows` are integers from 1 to 65535.
   */
  resize(cols: number, rows: number): void {
    checkSize("cols", cols);
    checkSize("rows", rows);
    if (!this._channel.lost) this.pty.resize(cols, rows);
  }

  /** Does nothing: a terminal cannot be half-closed (as in Twisted). */
  override closeChildFD(_fd: number): void {}

  /** Hangs the child up once queued input is handed on (see the class documentation). */
  override loseConnection(): void {
    this._channel.loseConnection();
  }

  /** @internal */
  protected override _closeForShutdown(): void {
    this.loseConnection();
  }
}

function checkSize(what: string, n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > 0xffff) {
    throw new RangeError(`PTY ${what} must be an integer from 1 to 65535, got ${n}`);
  }
}

/** What `spawnProcess` has checked and hands over. @internal */
export interface PTYSpawnRequest {
  readonly executable: string;
  readonly args: readonly string[];
  readonly env: Record<string, string>;
  readonly cwd: string | null;
  readonly uid: number | null;
  readonly gid: number | null;
  readonly childFDs: unknown;
  readonly usePTY: true | PTYOptions;
}

/**
 * Starts a child on a pseudo-terminal for `spawnProcess`; the protocol is connected before this
 * returns.
 *
 * @throws TypeError / RangeError for bad `usePTY` options.
 * @throws ChildFDMapError when `childFDs` is not the default map.
 * @throws PTYNotSupportedError when node-pty cannot be loaded.
 * @throws ProcessSpawnError when the terminal or the process cannot be made.
 * @internal
 */
export function spawnPTY(
  reactor: ProcessReactor,
  protocol: IProcessProtocol,
  req: PTYSpawnRequest,
): PTYProcessTransport {
  const opts = ptyOptions(req.usePTY);
  checkChildFDs(req.childFDs);
  const ids = ptyIds(req.uid, req.gid);
  const pty = loadPTY();
  let handle: PTYHandle;
  try {
    handle = pty.spawn(req.executable, req.args.slice(1), {
      ...opts,
      env: req.env,
      encoding: null,
      ...(req.cwd !== null ? { cwd: req.cwd } : {}),
      ...ids,
    });
  } catch (e) {
    throw new ProcessSpawnError(
      `Could not start ${req.executable} on a pseudo-terminal: ${e instanceof Error ? e.message : String(e)}`,
      { cause: e },
    );
  }
  const transport = new PTYProcessTransport(reactor, protocol, handle);
  transport.start();
  return transport;
}

/** node-pty's `name`, `cols`, `rows` from `usePTY`. */
function ptyOptions(usePTY: true | PTYOptions): { name?: string; cols?: number; rows?: number } {
  if (usePTY === true) return {};
  if (usePTY === null || typeof usePTY !== "object") {
    throw new TypeError("usePTY must be a boolean or an object { cols?, rows?, name? }");
  }
  const out: { name?: string; cols?: number; rows?: number } = {};
  if (usePTY.cols != null) checkSize("cols", (out.cols = usePTY.cols));
  if (usePTY.rows != null) checkSize("rows", (out.rows = usePTY.rows));
  if (usePTY.name != null) {
    if (typeof usePTY.name !== "string" || usePTY.name === "" || usePTY.name.includes("\0")) {
      throw new TypeError("usePTY.name must be a non-empty string without NUL characters");
    }
    out.name = usePTY.name;
  }
  return out;
}

/** Only the default map (or none) goes with a PTY, as in Twisted. */
function checkChildFDs(childFDs: unknown): void {
  if (childFDs == null) return;
  const entries = typeof childFDs === "object" ? Object.entries(childFDs) : [];
  const fds = entries.map(([k, v]) => `${k}:${String(v)}`).sort();
  if (fds.join(",") !== "0:w,1:r,2:r") {
    throw new ChildFDMapError(
      "childFDs cannot be used with usePTY: the child's stdin, stdout and stderr are the terminal",
    );
  }
}

/**
 * node-pty changes ids only when given both: the missing one is the parent's. Refused up front,
 * like Node's `spawn` does, when the ids are out of range or need a privilege this process lacks
 * (node-pty's child would only exit with code 1).
 */
function ptyIds(uid: number | null, gid: number | null): { uid?: number; gid?: number } {
  if (uid === null && gid === null) return {};
  const ids = { uid: uid ?? process.getuid?.() ?? 0, gid: gid ?? process.getgid?.() ?? 0 };
  for (const [what, id] of Object.entries(ids)) {
    if (!Number.isInteger(id) || id < 0 || id > 0xfffffffe) {
      throw new ProcessSpawnError(`Invalid ${what} for a child process: ${id}`);
    }
  }
  const privileged = process.geteuid?.() === 0;
  if (!privileged && (ids.uid !== process.getuid?.() || ids.gid !== process.getgid?.())) {
    throw new ProcessSpawnError(
      "Could not start a process on a pseudo-terminal with another uid or gid: EPERM (operation not permitted)",
    );
  }
  return ids;
}
