/**
 * The contract between protocols and transports.
 *
 * A protocol is a state machine that reacts to connection events and writes only through the
 * transport it was given; a transport moves bytes and reports events. Neither knows how the other
 * is implemented: a protocol runs the same over TCP, TLS, a UNIX socket, a child process's pipes
 * or the `StringTransport` of a unit test.
 *
 * Event order on a protocol, guaranteed by every transport:
 * `makeConnection(transport)` → `connectionMade()` → `dataReceived(data)`* →
 * (`readConnectionLost()` / `writeConnectionLost()` for half-closeable protocols) →
 * `connectionLost(reason)` exactly once.
 *
 * @module
 */

import type { Failure } from "../errors/failure.js";
import type { IConsumer, IPushProducer } from "../producers/interfaces.js";
import type { IReactorTime } from "../time/interfaces.js";
import type { Address } from "./address.js";

/**
 * A bidirectional byte stream as a protocol sees it.
 *
 * It is a consumer of what the protocol writes (with backpressure through a registered producer)
 * and a push producer of what it reads (`pauseProducing` stops reading from the peer).
 */
export interface ITransport extends IConsumer<Uint8Array>, IPushProducer {
  /**
   * Queues `data` to be sent, in order. Never blocks and never throws for a closed connection
   * (the data is dropped once the connection is lost). Writes made in one turn of the event loop
   * are coalesced into as few system calls as possible.
   *
   * The transport may keep `data` itself rather than a copy until it is sent (as
   * `socket.write` does): do not modify it afterwards. A buffer reused for every message needs a
   * fresh copy per write.
   */
  write(data: Uint8Array): void;

  /** Queues each chunk in turn, as one coalesced write. */
  writeSequence(data: Iterable<Uint8Array>): void;

  /**
   * Closes the connection once everything queued has been sent and the registered producer, if
   * any, has unregistered. `connectionLost` follows with `ConnectionDone`.
   */
  loseConnection(): void;

  /** Closes the connection at once, dropping whatever is queued. `connectionLost` follows. */
  abortConnection(): void;

  /** The remote address. */
  getPeer(): Address;

  /** The local address. */
  getHost(): Address;

  /** `true` from `loseConnection` until the connection is gone. */
  readonly disconnecting: boolean;

  /** Bytes queued and not yet handed to the operating system. */
  getWriteBufferSize(): number;

  /**
   * Sets the flow-control marks for a registered push producer: it is paused when queued bytes
   * exceed `high` and resumed when they fall to `low` or below. `high` defaults to 64 KiB, or to
   * four times `low` when only that is given and it is more; `low` defaults to a quarter of
   * `high`. (As asyncio's `set_write_buffer_limits`, but never under 64 KiB by default.)
   *
   * @throws RangeError when `low > high` or either is negative.
   */
  setWriteBufferLimits(high?: number, low?: number): void;
}

/** A transport over a TCP (or TLS-over-TCP, or UNIX stream) socket. */
export interface ITCPTransport extends ITransport {
  /** Enables or disables Nagle's algorithm being off (`TCP_NODELAY`). On by default in Braid. */
  setTcpNoDelay(enabled: boolean): void;
  /** Whether `TCP_NODELAY` is set. */
  getTcpNoDelay(): boolean;
  /** Enables or disables TCP keep-alive probes, after `initialDelaySeconds` of idleness. */
  setTcpKeepAlive(enabled: boolean, initialDelaySeconds?: number): void;
  /** Whether keep-alive was enabled through {@link setTcpKeepAlive}. */
  getTcpKeepAlive(): boolean;
  /**
   * Half-closes: sends FIN after the queued data and keeps reading. Protocols that implement
   * {@link IHalfCloseableProtocol} get `writeConnectionLost`; others see the connection closed.
   */
  loseWriteConnection(): void;
}

/** A protocol: reacts to the events of one connection. */
export interface IProtocol {
  /** Called by the transport when the connection is established; sets `transport`, then calls `connectionMade`. */
  makeConnection(transport: ITransport): void;
  /** The connection is up; the transport is usable. */
  connectionMade(): void;
  /**
   * Bytes arrived. They are the protocol's to keep (the transport does not reuse the buffer).
   * Chunks carry no message boundaries: a message may arrive split anywhere, or several in one.
   */
  dataReceived(data: Uint8Array): void;
  /**
   * The connection is gone, called exactly once: `reason` wraps `ConnectionDone` for a clean
   * close, `ConnectionLost` or a more precise error otherwise.
   */
  connectionLost(reason: Failure): void;
}

/**
 * A protocol that wants to know about each direction closing separately. A transport checks for
 * these methods before shutting both directions down.
 */
export interface IHalfCloseableProtocol {
  /** The peer will send no more data (it half-closed); the protocol may still write. */
  readConnectionLost(): void;
  /** This side's write direction is closed (after `loseWriteConnection`). */
  writeConnectionLost(): void;
}

/** Whether `p` implements {@link IHalfCloseableProtocol}. */
export function isHalfCloseable(p: object): p is IHalfCloseableProtocol {
  return (
    typeof (p as Partial<IHalfCloseableProtocol>).readConnectionLost === "function" &&
    typeof (p as Partial<IHalfCloseableProtocol>).writeConnectionLost === "function"
  );
}

/**
 * Builds a protocol for each connection.
 *
 * `doStart` / `doStop` are reference-counted by the factory itself: a factory listening on two
 * ports is started once and stopped when the last port closes.
 */
export interface IProtocolFactory {
  /** Called before the first port or connection starts using the factory. */
  doStart(): void;
  /** Called after the last port or connection stopped using the factory. */
  doStop(): void;
  /**
   * A protocol for a new connection from (or to) `addr`, or `null` to refuse the connection
   * (it is closed at once).
   */
  buildProtocol(addr: Address): IProtocol | null;
}

/**
 * A client connection attempt, as a `ClientFactory` sees it: it can be retried or abandoned.
 */
export interface IConnector {
  /** Starts (or restarts, after a failure or loss) the connection attempt. */
  connect(): void;
  /** Stops the attempt if one is in progress, or drops the connection if it is up. */
  disconnect(): void;
  /**
   * Stops an attempt in progress; the factory's `clientConnectionFailed` gets `UserError`.
   *
   * @throws InvalidStateError when not connecting.
   */
  stopConnecting(): void;
  /** Where the connector connects to. */
  getDestination(): Address;
  /** The clock of the reactor that made this connector, for factories that schedule retries. */
  readonly clock: IReactorTime;
}

/** A factory for client connections: told about each stage of the connection attempt. */
export interface IClientFactory extends IProtocolFactory {
  /** A connection attempt started. */
  startedConnecting(connector: IConnector): void;
  /** The attempt failed; `reason` says why (refused, timed out, unresolvable, stopped). */
  clientConnectionFailed(connector: IConnector, reason: Failure): void;
  /** An established connection was lost. */
  clientConnectionLost(connector: IConnector, reason: Failure): void;
}
