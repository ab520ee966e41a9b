/**
 * `Protocol`: the base class of connection-oriented protocols.
 *
 * Subclasses override the events they care about (`connectionMade`, `dataReceived`,
 * `connectionLost`) and write through `this.transport`. A protocol never touches a socket, so it
 * can be tested with `StringTransport` from `braid/testing`.
 *
 * @module
 */

import type { Failure } from "../errors/failure.js";
import type { IProtocol, IProtocolFactory, ITransport } from "./interfaces.js";

/**
 * Base class for protocols: keeps the transport and the connected state, and ignores every event
 * it is not told how to handle.
 *
 * @example
 * ```ts
 * class Echo extends Protocol {
 *   override dataReceived(data: Uint8Array): void {
 *     this.transport!.write(data);
 *   }
 * }
 * ```
 */
export class Protocol<
  Tr extends ITransport = ITransport,
  F extends IProtocolFactory = IProtocolFactory,
> implements IProtocol
{
  /** The transport of the current connection; `null` before `makeConnection`. */
  transport: Tr | null = null;
  /** Whether the connection is up (between `makeConnection` and `connectionLost`). */
  connected = false;
  /** The factory that built this protocol, when it was built by one. */
  factory: F | null = null;

  /** Sets the transport and connected state, then calls {@link connectionMade}. */
  makeConnection(transport: ITransport): void {
    this.connected = true;
    this.transport = transport as Tr;
    this.connectionMade();
  }

  /** The connection is up. Override to greet the peer, start timers, register producers. */
  connectionMade(): void {}

  /** Bytes arrived. Override to parse them; the default discards them. */
  dataReceived(_data: Uint8Array): void {}

  /** The connection is gone. Override to clean up; call `super.connectionLost(reason)` to keep `connected` right. */
  connectionLost(_reason: Failure): void {
    this.connected = false;
  }
}
