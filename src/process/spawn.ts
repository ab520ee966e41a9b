/**
 * `spawnProcess`: starts a child process and connects a process protocol to it (Twisted's
 * `reactor.spawnProcess`).
 *
 * Failures are reported in one of two ways:
 * - **Thrown synchronously**, before anything is started, for everything that can be checked
 *   cheaply up front: bad arguments (`TypeError`), a bad `childFDs` map (`ChildFDMapError`), a
 *   working directory that is not a directory (`WorkingDirectoryError`), an executable that is
 *   not found on the child's `PATH` or is not executable (`ExecutableNotFoundError`), `usePTY`
 *   without node-pty (`PTYNotSupportedError`), and what the operating system refuses at once
 *   (`EPERM` for `uid`/`gid`, …: `ProcessSpawnError`). The protocol is not connected.
 * - **Delivered** for what Node reports only asynchronously (the executable vanished between the
 *   check and the start, `EACCES`, `EAGAIN`): the protocol is connected, its pipes close, then
 *   `processExited` and `processEnded` get a `ProcessTerminated` with `exitCode` and `signal`
 *   `null` and Node's error as `cause`.
 *
 * `usePTY` starts the child on a pseudo-terminal through the optional dependency `node-pty`
 * (`pty.ts`, loaded on first use). There `args[0]` is not passed on (node-pty's child sees the
 * executable as its `argv[0]`), the child's environment also gets `TERM` and `PWD`, and a failed
 * `exec` after the checks above shows as exit code 1 (with the error printed on the terminal).
 *
 * POSIX semantics throughout (Twisted's `Process`, not its Windows variant). The executable check
 * runs with the parent's rights: a child started with another `uid` that may not execute the
 * program gets the delivered `ProcessTerminated` (`EACCES`) rather than the thrown error.
 *
 * @module
 */

import { type StdioOptions, spawn } from "node:child_process";
import { accessSync, constants as fsConstants, fstatSync, statSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import {
  ChildFDMapError,
  ExecutableNotFoundError,
  ProcessSpawnError,
  WorkingDirectoryError,
} from "../errors/process.js";
import type { ChildFDs, IProcessProtocol, SpawnProcessOptions } from "./interfaces.js";
import { spawnPTY } from "./pty.js";
import { type ProcessReactor, ProcessTransport } from "./transport.js";

/** Twisted's default descriptor map: the parent writes stdin and reads stdout and stderr. */
const DEFAULT_CHILD_FDS: ChildFDs = Object.freeze({ 0: "w", 1: "r", 2: "r" });

/** Where a bare executable name is looked up when the child's environment has no `PATH` (libuv's default). */
const DEFAULT_PATH = "/usr/bin:/bin";

/** The highest child descriptor a map may name. */
const MAX_CHILD_FD = 1023;

/**
 * Starts `executable` as a child process connected to `processProtocol`, and returns its
 * transport. The protocol's `makeConnection` is called before this returns.
 *
 * `args` is the child's whole argument vector, **including `argv[0]`** (Twisted's convention):
 * `args[0]` is the program's name as the child sees it (Node's `argv0`), and the arguments proper
 * start at `args[1]`. With `args` empty, `argv[0]` is `executable`.
 *
 * The environment defaults to an **empty** one, as in Twisted on POSIX: pass `env: null` for the
 * parent's (`process.env`). A bare `executable` name is looked up on the child's `PATH`
 * (`/usr/bin:/bin` when it has none); a name with a `/` is taken relative to the child's working
 * directory.
 *
 * @param reactor - the reactor that tracks the process (so that `reactor.stop()` closes its
 *   stdin and, after the shutdown grace, kills it).
 * @param processProtocol - receives the process's events.
 * @param executable - the program to run.
 * @param args - the argument vector, `args[0]` included.
 * @param options - environment, working directory (`path`), `uid`/`gid`, `childFDs`, `usePTY`.
 * @returns the process's transport (`pid`, `write`, `writeToChild`, `signalProcess`, …): a
 *   `PTYProcessTransport` with `usePTY`.
 * @throws TypeError for arguments of the wrong type.
 * @throws ChildFDMapError for a bad `childFDs` map, or one given with `usePTY`.
 * @throws WorkingDirectoryError when `path` is not a directory.
 * @throws ExecutableNotFoundError when `executable` is not found or not executable.
 * @throws PTYNotSupportedError when `usePTY` is set and node-pty cannot be loaded.
 * @throws ProcessSpawnError when the operating system refuses to start the process at once.
 *
 * @example
 * ```ts
 * import { reactor } from "braid";
 * import { ProcessProtocol, spawnProcess } from "braid/process";
 * import type { Failure } from "braid/errors";
 *
 * class Lister extends ProcessProtocol {
 *   override outReceived(data: Uint8Array): void { process.stdout.write(data); }
 *   override processEnded(reason: Failure): void { console.log(reason.getErrorMessage()); }
 * }
 * const t = spawnProcess(reactor, new Lister(), "ls", ["ls", "-l", "/"], { env: null });
 * console.log(`started ${t.pid}`);
 * ```
 */
export function spawnProcess(
  reactor: ProcessReactor,
  processProtocol: IProcessProtocol,
  executable: string,
  args: readonly string[] = [],
  options: SpawnProcessOptions = {},
): ProcessTransport {
  if (typeof executable !== "string" || executable === "" || executable.includes("\0")) {
    throw new TypeError("executable must be a non-empty string without NUL characters");
  }
  if (!Array.isArray(args) || !args.every((a) => typeof a === "string" && !a.includes("\0"))) {
    throw new TypeError("args must be an array of strings without NUL characters");
  }
  const env = childEnvironment(options.env);
  const cwd = options.path ?? null;
  if (cwd !== null) checkDirectory(cwd);
  const usePTY = options.usePTY ?? false;
  if (usePTY !== false) {
    checkExecutable(executable, env.PATH ?? DEFAULT_PATH, cwd ?? process.cwd());
    const { childFDs, uid = null, gid = null } = options;
    return spawnPTY(reactor, processProtocol, {
      executable,
      args,
      env,
      cwd,
      childFDs,
      uid,
      gid,
      usePTY,
    });
  }
  const { stdio, pipes } = childStdio(options.childFDs ?? DEFAULT_CHILD_FDS);
  checkExecutable(executable, env.PATH ?? DEFAULT_PATH, cwd ?? process.cwd());

  let child: ReturnType<typeof spawn>;
  try {
    child = spawn(executable, args.slice(1), {
      argv0: args[0] ?? executable,
      env,
      stdio,
      ...(cwd !== null ? { cwd } : {}),
      ...(options.uid != null ? { uid: options.uid } : {}),
      ...(options.gid != null ? { gid: options.gid } : {}),
    });
  } catch (e) {
    throw new ProcessSpawnError(
      `Could not start ${executable}: ${e instanceof Error ? e.message : String(e)}`,
      { cause: e },
    );
  }
  const transport = new ProcessTransport(reactor, processProtocol, child, pipes);
  transport.start();
  return transport;
}

/** The child's environment: `undefined` → empty, `null` → the parent's, else a checked copy. */
function childEnvironment(env: SpawnProcessOptions["env"]): Record<string, string> {
  if (env === undefined) return {};
  const source = env === null ? process.env : env;
  if (typeof source !== "object") throw new TypeError("env must be an object or null");
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(source)) {
    if (v === undefined) continue;
    if (typeof v !== "string" || k.includes("\0") || k.includes("=") || v.includes("\0")) {
      throw new TypeError(`Invalid environment variable: ${k}`);
    }
    out[k] = v;
  }
  return out;
}

function checkDirectory(path: string): void {
  if (typeof path !== "string") throw new TypeError("path must be a string");
  let ok = false;
  try {
    ok = statSync(path).isDirectory();
    if (ok) accessSync(path, fsConstants.X_OK);
  } catch (e) {
    throw new WorkingDirectoryError(path, undefined, { cause: e });
  }
  if (!ok) throw new WorkingDirectoryError(path, `Not a directory: ${path}`);
}

/** Whether `file` is a regular file this process may execute. */
function isExecutable(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Looks `executable` up the way the child's `execvp` will. */
function checkExecutable(executable: string, path: string, cwd: string): void {
  if (executable.includes("/")) {
    if (isExecutable(isAbsolute(executable) ? executable : resolve(cwd, executable))) return;
  } else {
    for (const dir of path.split(":")) {
      if (isExecutable(join(resolve(cwd, dir === "" ? "." : dir), executable))) return;
    }
  }
  throw new ExecutableNotFoundError(executable);
}

/**
 * Node's `stdio` array for a Twisted `childFDs` map, and the pipes the parent will read (`"r"`)
 * or write (`"w"`).
 *
 * @throws ChildFDMapError for a bad map.
 */
export function childStdio(childFDs: ChildFDs): {
  stdio: StdioOptions;
  pipes: Map<number, "r" | "w">;
} {
  if (childFDs === null || typeof childFDs !== "object" || Array.isArray(childFDs)) {
    throw new ChildFDMapError("childFDs must be an object mapping child descriptors to targets");
  }
  const stdio: ("pipe" | "ignore" | number)[] = [];
  const pipes = new Map<number, "r" | "w">();
  for (const [key, target] of Object.entries(childFDs) as [string, unknown][]) {
    if (!/^\d+$/.test(key) || Number(key) > MAX_CHILD_FD) {
      throw new ChildFDMapError(
        `Invalid child descriptor ${JSON.stringify(key)}: expected an integer from 0 to ${MAX_CHILD_FD}`,
      );
    }
    const fd = Number(key);
    if (target === "r" || target === "w") {
      if (fd === 0 && target === "r") {
        throw new ChildFDMapError(
          'Child descriptor 0 cannot be "r" (a pipe the parent reads): Node opens the parent\'s end of fd 0 write-only',
        );
      }
      stdio[fd] = "pipe";
      pipes.set(fd, target);
    } else if (typeof target === "number" && Number.isInteger(target) && target >= 0) {
      try {
        fstatSync(target);
      } catch (e) {
        throw new ChildFDMapError(
          `Parent descriptor ${target} (for child descriptor ${fd}) is not open`,
          { cause: e },
        );
      }
      stdio[fd] = target;
    } else {
      throw new ChildFDMapError(
        `Invalid target ${JSON.stringify(target)} for child descriptor ${fd}: expected "r", "w" or a parent descriptor number`,
      );
    }
  }
  for (let i = 0; i < stdio.length; i++) stdio[i] ??= "ignore";
  while (stdio.length < 3) stdio.push("ignore");
  return { stdio, pipes };
}
