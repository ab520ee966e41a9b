/**
 * UNIX-domain stream sockets for the reactor: `listenUNIX` and `connectUNIX`, on the
 * {@link StreamPort} and {@link StreamConnector} of the TCP module.
 *
 * With `wantPID`, a lock file (`path + ".lock"`, holding the owner's pid) guards the socket
 * path: a lock naming a live process makes `listenUNIX` fail; a lock naming a dead one is stale,
 * and the socket file it left behind is removed before binding. Without `wantPID`, an existing
 * file at `path` makes `listenUNIX` fail with `CannotListenError` (Node does not remove it).
 * Node removes the socket file when the port stops listening; the lock file is removed then too.
 *
 * @module
 */

import { chmodSync, lstatSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import type { Deferred } from "../defer/deferred.js";
import type { IClientFactory, IConnector, IProtocolFactory } from "../protocol/interfaces.js";
import type { IListeningPort } from "./interfaces.js";
import type { IReactorInternals } from "./internals.js";
import {
  DEFAULT_BACKLOG,
  DEFAULT_CONNECT_TIMEOUT,
  failedListen,
  StreamConnector,
  StreamPort,
} from "./tcp.js";

/** Whether a process with `pid` exists (a process we may not signal exists too). */
function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === "EPERM";
  }
}

/**
 * Takes the lock file at `lock` for this process.
 *
 * @returns `"clean"` when there was no lock, `"stale"` when a dead process's lock was replaced.
 * @throws Error when a live process holds the lock, or the file cannot be written.
 */
function acquireLock(lock: string): "clean" | "stale" {
  try {
    writeFileSync(lock, String(process.pid), { flag: "wx" });
    return "clean";
  } catch (e) {
    if ((e as { code?: string }).code !== "EEXIST") throw e;
  }
  const pid = Number.parseInt(readFileSync(lock, "utf8").trim(), 10);
  if (Number.isInteger(pid) && pid > 0 && pidAlive(pid)) {
    throw new Error(`Lock ${lock} is held by process ${pid}`);
  }
  unlinkSync(lock);
  writeFileSync(lock, String(process.pid), { flag: "wx" });
  return "stale";
}

/** Removes `path` if it is a socket file; ignores every error (the bind reports what matters). */
function removeStaleSocket(path: string): void {
  try {
    if (lstatSync(path).isSocket()) unlinkSync(path);
  } catch {
    // nothing there, or not ours to remove
  }
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

/**
 * Listens on the UNIX socket at `path`; see `IReactorUNIX.listenUNIX`.
 *
 * @param mode - permissions set on the socket file after binding (`chmod`); when omitted the
 *   file keeps the permissions the system gave it (0o777 less the umask on Linux).
 * @param wantPID - guard the path with a lock file holding this process's pid (see the module
 *   description).
 * @returns a Deferred of the port; it fails with `CannotListenError` when the path is in use,
 *   locked by a live process, or cannot be bound.
 */
export function listenUNIX(
  reactor: IReactorInternals,
  path: string,
  factory: IProtocolFactory,
  backlog: number = DEFAULT_BACKLOG,
  mode?: number,
  wantPID = false,
): Deferred<IListeningPort> {
  const lock = `${path}.lock`;
  if (wantPID) {
    try {
      if (acquireLock(lock) === "stale") removeStaleSocket(path);
    } catch (e) {
      return failedListen("", path, e);
    }
  }
  const port = new StreamPort(reactor, factory, { unix: true }, path);
  if (wantPID) port.onClosed = () => removeQuietly(lock);
  if (mode !== undefined) {
    port.listening = () => {
      chmodSync(path, mode);
    };
  }
  return port.listen({ path, backlog }, "", path);
}

/**
 * Connects to the UNIX socket at `path`; see `IReactorUNIX.connectUNIX`. The attempt starts at
 * once; nothing listening there fails it with `ConnectionRefusedError` (a stale socket file) or
 * `ConnectError` (no file).
 */
export function connectUNIX(
  reactor: IReactorInternals,
  path: string,
  factory: IClientFactory,
  timeout: number = DEFAULT_CONNECT_TIMEOUT,
): IConnector {
  const c = new StreamConnector(reactor, factory, { path }, timeout);
  c.connect();
  return c;
}
