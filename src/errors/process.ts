/**
 * The errors of child processes (`braid/process`): how a process ended (`ProcessDone`,
 * `ProcessTerminated`, given to `processExited` / `processEnded`), operations on a process that
 * is gone (`ProcessExitedAlready`), and why `spawnProcess` refused to start one.
 *
 * Like the rest of `braid/errors`, this module sits at the bottom layer and imports nothing but
 * the base classes.
 *
 * @module
 */

import { BraidError, ConnectionDone, ConnectionLost, withCode } from "./errors.js";

/**
 * The POSIX wait status for an exit code or a signal number, as `waitpid` reports it (Node does
 * not expose the raw status, so it is rebuilt): `code << 8` for an exit, the signal number for a
 * death by signal.
 */
function waitStatus(exitCode: number | null, signal: number | null): number | null {
  if (signal !== null) return signal;
  if (exitCode !== null) return (exitCode & 0xff) << 8;
  return null;
}

/**
 * A process ended without apparent errors: it exited with code 0. Given (wrapped in a `Failure`)
 * to `processExited` and `processEnded`, like Twisted's `ProcessDone`; it is a `ConnectionDone`.
 *
 * @example
 * ```ts
 * override processEnded(reason: Failure): void {
 *   if (reason.check(ProcessDone)) console.log("clean exit");
 * }
 * ```
 */
export class ProcessDone extends ConnectionDone {
  /** Always 0. */
  readonly exitCode = 0 as const;
  /** Always `null`: the process was not killed by a signal. */
  readonly signal = null;
  /** The POSIX wait status (0). */
  readonly status: number = 0;

  constructor(
    message = "A process has ended without apparent errors: exit code 0",
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
withCode(ProcessDone, "ERR_PROCESS_DONE");

/**
 * A process ended with a probable error condition: a non-zero exit code, a signal, or (with
 * `cause` set and both fields `null`) it could not be started at all. It is a `ConnectionLost`,
 * like Twisted's `ProcessTerminated`.
 *
 * @example
 * ```ts
 * override processEnded(reason: Failure): void {
 *   const e = reason.value;
 *   if (e instanceof ProcessTerminated && e.signal !== null) console.log(`killed by ${e.signalName}`);
 * }
 * ```
 */
export class ProcessTerminated extends ConnectionLost {
  /** The exit code, or `null` when the process was killed by a signal (or never started). */
  readonly exitCode: number | null;
  /** The number of the signal that killed the process, or `null`. */
  readonly signal: number | null;
  /** The signal's name (`"SIGKILL"`), or `null`. */
  readonly signalName: string | null;
  /** The POSIX wait status rebuilt from `exitCode` and `signal`, or `null` when neither is known. */
  readonly status: number | null;

  /**
   * @param exitCode - the exit code, or `null` for a death by signal.
   * @param signal - the signal number, or `null`.
   * @param signalName - the signal's name, when known.
   */
  constructor(
    exitCode: number | null = null,
    signal: number | null = null,
    signalName: string | null = null,
    message?: string,
    options?: ErrorOptions,
  ) {
    super(
      message ??
        `A process has ended with a probable error condition: ${
          signal !== null
            ? `process ended by signal ${signal}${signalName ? ` (${signalName})` : ""}`
            : exitCode !== null
              ? `process ended with exit code ${exitCode}`
              : "process could not be started"
        }`,
      options,
    );
    this.exitCode = exitCode;
    this.signal = signal;
    this.signalName = signalName;
    this.status = waitStatus(exitCode, signal);
  }
}
withCode(ProcessTerminated, "ERR_PROCESS_TERMINATED");

/**
 * The process has already exited and the operation (`signalProcess`) can no longer be performed.
 */
export class ProcessExitedAlready extends BraidError {
  constructor(
    message = "The process has already exited and the operation requested can no longer be performed",
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
withCode(ProcessExitedAlready, "ERR_PROCESS_EXITED_ALREADY");

/** `spawnProcess` could not find `executable`, or found it but may not execute it. */
export class ExecutableNotFoundError extends BraidError {
  /** The executable as given to `spawnProcess`. */
  readonly executable: string;

  constructor(executable: string, message?: string, options?: ErrorOptions) {
    super(message ?? `Executable not found (or not executable): ${executable}`, options);
    this.executable = executable;
  }
}
withCode(ExecutableNotFoundError, "ERR_PROCESS_EXECUTABLE_NOT_FOUND");

/** The working directory given to `spawnProcess` (`path`) does not exist or is not a directory. */
export class WorkingDirectoryError extends BraidError {
  /** The directory as given. */
  readonly path: string;

  constructor(path: string, message?: string, options?: ErrorOptions) {
    super(message ?? `Not a usable working directory for a child process: ${path}`, options);
    this.path = path;
  }
}
withCode(WorkingDirectoryError, "ERR_PROCESS_BAD_CWD");

/**
 * The `childFDs` map given to `spawnProcess` is invalid: a key that is not a descriptor number
 * (a non-negative integer), or a value other than `"r"`, `"w"` or a non-negative parent
 * descriptor number.
 */
export class ChildFDMapError extends BraidError {
  constructor(message = "Invalid childFDs map", options?: ErrorOptions) {
    super(message, options);
  }
}
withCode(ChildFDMapError, "ERR_PROCESS_BAD_CHILD_FDS");

/**
 * `usePTY` was asked for, but no pseudo-terminal support is available: Node has no
 * pseudo-terminal API of its own, and the optional dependency that provides one (`node-pty`, a
 * native addon built at install time) could not be loaded. `cause` is the loading error.
 */
export class PTYNotSupportedError extends BraidError {
  constructor(
    message = 'usePTY is not supported: the optional dependency "node-pty" is not available',
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
withCode(PTYNotSupportedError, "ERR_PTY_NOT_SUPPORTED");

/**
 * The operating system refused to start the process for a reason other than a missing executable
 * or working directory (`EPERM` when changing `uid`/`gid` without the privilege, `EAGAIN`, …);
 * `cause` is Node's error.
 */
export class ProcessSpawnError extends BraidError {
  constructor(message = "The process could not be started", options?: ErrorOptions) {
    super(message, options);
  }
}
withCode(ProcessSpawnError, "ERR_PROCESS_SPAWN");

/**
 * `getProcessOutput` without `errortoo` got bytes on the child's standard error. Like Twisted's
 * `_UnexpectedErrorOutput` it stands for an `IOError`: its `processEnded` settles when the
 * process has ended (exited and every pipe closed), with the `ProcessDone` / `ProcessTerminated`
 * that ended it.
 */
export class UnexpectedErrorOutput extends BraidError {
  /** The first bytes received on standard error. */
  readonly text: Uint8Array;
  /**
   * Fires (with the `ProcessDone` or `ProcessTerminated` error, as a value: it never fails) once
   * the process has ended. A `Deferred`, typed loosely to keep this module at the bottom layer.
   */
  readonly processEnded: PromiseLike<Error>;

  constructor(text: Uint8Array, processEnded: PromiseLike<Error>, options?: ErrorOptions) {
    super(
      `got stderr: ${JSON.stringify(new TextDecoder().decode(text.subarray(0, 200)))}`,
      options,
    );
    this.text = text;
    this.processEnded = processEnded;
  }
}
withCode(UnexpectedErrorOutput, "ERR_PROCESS_UNEXPECTED_STDERR");

/**
 * `getProcessOutputAndValue`'s failure when the process was killed by a signal (Twisted errbacks
 * with the tuple `(out, err, signal)`): the output collected until then, with `signal` set.
 */
export class ProcessSignalled extends ProcessTerminated {
  /** Everything read from stdout. */
  readonly out: Uint8Array;
  /** Everything read from stderr. */
  readonly err: Uint8Array;

  constructor(
    out: Uint8Array,
    err: Uint8Array,
    signal: number,
    signalName: string | null = null,
    options?: ErrorOptions,
  ) {
    super(null, signal, signalName, undefined, options);
    this.out = out;
    this.err = err;
  }
}
withCode(ProcessSignalled, "ERR_PROCESS_SIGNALLED");
