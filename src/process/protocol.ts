/**
 * `ProcessProtocol`: the base class of protocols that talk to a child process.
 *
 * Subclasses override the events they care about. The generic per-descriptor events
 * (`childDataReceived`, `childConnectionLost`) dispatch by default to the stdio ones
 * (`outReceived`, `errReceived`, `inConnectionLost`, `outConnectionLost`, `errConnectionLost`),
 * so a protocol that only uses stdin/stdout/stderr overrides those, and one that uses extra
 * descriptors overrides the generic ones (calling `super` for 0–2).
 *
 * @module
 */

import type { Failure } from "../errors/failure.js";
import type { IProcessProtocol, IProcessTransport } from "./interfaces.js";

/**
 * Base class for process protocols: keeps the transport and ignores every event it is not told
 * how to handle.
 *
 * @example
 * ```ts
 * import { reactor } from "braid";
 * import { ProcessProtocol, spawnProcess } from "braid/process";
 * import type { Failure } from "braid/errors";
 *
 * class Upper extends ProcessProtocol {
 *   override connectionMade(): void {
 *     this.transport!.write(new TextEncoder().encode("hello\n"));
 *     this.transport!.closeStdin();
 *   }
 *   override outReceived(data: Uint8Array): void {
 *     process.stdout.write(data); // "HELLO"
 *   }
 *   override processEnded(reason: Failure): void {
 *     console.log(reason.getErrorMessage());
 *   }
 * }
 * spawnProcess(reactor, new Upper(), "tr", ["tr", "a-z", "A-Z"], { env: null });
 * ```
 */
export class ProcessProtocol implements IProcessProtocol {
  /** The process's transport; `null` before `makeConnection`. */
  transport: IProcessTransport | null = null;
  /** Whether the process is connected (from `makeConnection` until `processEnded`). */
  connected = false;

  /** Sets the transport and the connected state, then calls {@link connectionMade}. */
  makeConnection(transport: IProcessTransport): void {
    this.connected = true;
    this.transport = transport;
    this.connectionMade();
  }

  /** The process has started. Override to write its input or register producers. */
  connectionMade(): void {}

  /**
   * Bytes from child descriptor `fd`. The default calls {@link outReceived} for 1 and
   * {@link errReceived} for 2, and discards the rest.
   */
  childDataReceived(fd: number, data: Uint8Array): void {
    if (fd === 1) this.outReceived(data);
    else if (fd === 2) this.errReceived(data);
  }

  /** Bytes from the child's stdout. The default discards them. */
  outReceived(_data: Uint8Array): void {}

  /** Bytes from the child's stderr. The default discards them. */
  errReceived(_data: Uint8Array): void {}

  /**
   * The pipe on child descriptor `fd` closed. The default calls {@link inConnectionLost} for 0,
   * {@link outConnectionLost} for 1 and {@link errConnectionLost} for 2.
   */
  childConnectionLost(fd: number): void {
    if (fd === 0) this.inConnectionLost();
    else if (fd === 1) this.outConnectionLost();
    else if (fd === 2) this.errConnectionLost();
  }

  /** The child's stdin pipe closed. */
  inConnectionLost(): void {}

  /** The child's stdout pipe closed. */
  outConnectionLost(): void {}

  /** The child's stderr pipe closed. */
  errConnectionLost(): void {}

  /** The process exited (`ProcessDone` or `ProcessTerminated`); pipes may still be open. */
  processExited(_reason: Failure): void {}

  /**
   * The process exited and every pipe closed: the last event. Override it, and call
   * `super.processEnded(reason)` to keep `connected` right.
   */
  processEnded(_reason: Failure): void {
    this.connected = false;
  }
}
