/**
 * `braid/process`: child processes with the protocol/transport model (Twisted's
 * `spawnProcess`, `ProcessProtocol`, `IProcessTransport` and `twisted.internet.utils`).
 *
 * - `spawnProcess(reactor, protocol, executable, args, options)` starts a program and connects
 *   a {@link ProcessProtocol} to its pipes; extra descriptors (`childFDs`) beyond stdin, stdout
 *   and stderr are pipes too.
 * - `getProcessOutput`, `getProcessValue`, `getProcessOutputAndValue` run a program to its end
 *   and fire a Deferred with what it wrote and how it exited.
 * - The errors (`ProcessDone`, `ProcessTerminated`, `ProcessExitedAlready`, …) are re-exported
 *   here and live in `braid/errors`.
 *
 * - `usePTY: true` (or `{ cols, rows, name }`) runs the child on a pseudo-terminal through the
 *   optional dependency `node-pty`, loaded on first use; without it `spawnProcess` throws
 *   `PTYNotSupportedError`. See `PTYProcessTransport`.
 *
 * @module
 */

export {
  ChildFDMapError,
  ExecutableNotFoundError,
  ProcessDone,
  ProcessExitedAlready,
  ProcessSignalled,
  ProcessSpawnError,
  ProcessTerminated,
  PTYNotSupportedError,
  UnexpectedErrorOutput,
  WorkingDirectoryError,
} from "../errors/process.js";
export {
  type ChildFDs,
  type ChildFDTarget,
  type IProcessProtocol,
  type IProcessTransport,
  ProcessAddress,
  type ProcessSignalName,
  type PTYOptions,
  type SpawnProcessOptions,
} from "./interfaces.js";
export { ProcessProtocol } from "./protocol.js";
export { type PTYHandle, PTYProcessTransport } from "./pty.js";
export { childStdio, spawnProcess } from "./spawn.js";
export { type ProcessReactor, ProcessTransport, signalNumber } from "./transport.js";
export {
  getProcessOutput,
  getProcessOutputAndValue,
  getProcessValue,
  type ProcessEnv,
  type ProcessOutputOptions,
} from "./utils.js";
