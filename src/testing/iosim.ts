/**
 * In-memory connections between two protocols: `IOPump` moves bytes and closes between two
 * `FakeTransport`s when told to, and `connectedServerAndClient` sets a pair up.
 *
 * Nothing happens between pumps, so a test sees every intermediate state, and the pump can cut
 * the byte stream anywhere (`split`, `chunkSize`) to check that a parser does not depend on how
 * the network happened to chunk it.
 *
 * @module
 */

import {
  ConnectionAborted,
  ConnectionDone,
  ConnectionLost,
  InvalidStateError,
} from "../errors/errors.js";
import { type Address, IPv4Address } from "../protocol/address.js";
import { type IProtocol, isHalfCloseable } from "../protocol/interfaces.js";
import { FakeTransport } from "./faketransport.js";

/** Where to cut one delivery: offsets into the bytes about to be delivered. */
export type SplitFunction = (data: Uint8Array) => Iterable<number>;

/** Options of an {@link IOPump}. */
export interface IOPumpOptions {
  /** Advanced by 0 at the start of each pump, so that `callLater(0, …)` calls run. */
  clock?: { advance(seconds: number): void };
  /**
   * Cuts each delivery at the offsets it returns (out-of-range and repeated offsets are
   * ignored): the receiver gets one `dataReceived` per piece.
   */
  split?: SplitFunction;
  /** Cuts each delivery into pieces of at most this many bytes (applied after `split`). */
  chunkSize?: number;
  /** How many pumps {@link IOPump.flush} makes before it gives up (default 1000). */
  maxRounds?: number;
}

/**
 * Moves bytes and connection events between a client and a server connected by
 * {@link FakeTransport}s, one step at a time.
 *
 * One {@link pump} delivers what each side has queued to the other (unless the receiver paused
 * reading), asks pull producers for more and resumes push producers whose buffer drained. When no
 * byte moved, it delivers at most one pending close instead:
 * - an abort: the peer gets `ConnectionLost`, then the side that aborted `ConnectionAborted`;
 * - a `loseConnection()` whose buffer is drained: the peer, then the closing side, get
 *   `ConnectionDone` (Twisted's order);
 * - a `loseWriteConnection()`: the closing side gets `writeConnectionLost()` and the peer
 *   `readConnectionLost()` when they are half-closeable; a peer that is not, or a connection
 *   whose both directions are now closed, ends with `ConnectionDone` on both sides.
 *
 * A close other than an abort waits while the peer has paused reading. A registered producer is
 * stopped before its side's `connectionLost`. Bytes sent to a side that is closing are dropped.
 * Exceptions from the protocols propagate to the caller of `pump`; those from producers are
 * logged.
 *
 * @example
 * ```ts
 * const pump = new IOPump(client, server, clientTransport, serverTransport, { chunkSize: 1 });
 * client.makeConnection(clientTransport);
 * server.makeConnection(serverTransport);
 * pump.flush(); // every byte delivered one at a time
 * ```
 */
export class IOPump {
  private readonly _clock: IOPumpOptions["clock"];
  private readonly _split: SplitFunction | undefined;
  private readonly _chunkSize: number | undefined;
  private readonly _maxRounds: number;

  constructor(
    readonly client: IProtocol,
    readonly server: IProtocol,
    readonly clientTransport: FakeTransport,
    readonly serverTransport: FakeTransport,
    options: IOPumpOptions = {},
  ) {
    if (options.chunkSize !== undefined && !(options.chunkSize >= 1)) {
      throw new RangeError(`IOPump chunkSize must be at least 1, not ${options.chunkSize}`);
    }
    this._clock = options.clock;
    this._split = options.split;
    this._chunkSize = options.chunkSize;
    this._maxRounds = options.maxRounds ?? 1000;
  }

  /**
   * Makes one step: bytes both ways, or else one pending close.
   *
   * @returns whether anything was delivered.
   */
  pump(): boolean {
    this._clock?.advance(0);
    const c = this.clientTransport;
    const s = this.serverTransport;
    c.askPullProducer();
    s.askPullProducer();
    const fromClient = this._move(c, s);
    const fromServer = this._move(s, c);
    c.maybeResumeProducer();
    s.maybeResumeProducer();
    if (fromClient || fromServer) return true;
    return this._close(s, c) || this._close(c, s);
  }

  /**
   * Pumps until a pump delivers nothing.
   *
   * @returns whether anything was delivered.
   * @throws InvalidStateError when still busy after `maxRounds` pumps (the protocols keep
   *   talking, or a producer never stops).
   */
  flush(): boolean {
    let moved = false;
    for (let i = 0; i < this._maxRounds; i++) {
      if (!this.pump()) return moved;
      moved = true;
    }
    throw new InvalidStateError(`IOPump.flush: still delivering after ${this._maxRounds} pumps`);
  }

  /** Delivers `from`'s queued bytes to `to`'s protocol, piece by piece. */
  private _move(from: FakeTransport, to: FakeTransport): boolean {
    if (from.getWriteBufferSize() === 0) return false;
    if (to.disconnecting || to.readDisconnected) {
      from.discardOutgoing(); // the receiver stopped reading for good
      return false;
    }
    if (to.readPaused) return false;
    const data = from.takeOutgoing()!;
    let start = 0;
    for (const end of this._cuts(data)) {
      if (start > 0 && !to.isReading()) {
        if (!to.disconnecting) from.putBack(data.subarray(start));
        break;
      }
      to.protocol.dataReceived(data.subarray(start, end));
      start = end;
    }
    return true;
  }

  /** The end offsets of the pieces `data` is delivered in (the last is `data.length`). */
  private _cuts(data: Uint8Array): number[] {
    const n = data.length;
    const cuts = new Set<number>();
    if (this._split) {
      for (const at of this._split(data)) {
        if (Number.isInteger(at) && at > 0 && at < n) cuts.add(at);
      }
    }
    const ends = [...cuts].sort((a, b) => a - b);
    ends.push(n);
    const size = this._chunkSize;
    if (size === undefined) return ends;
    const out: number[] = [];
    let start = 0;
    for (const end of ends) {
      for (let at = start + size; at < end; at += size) out.push(at);
      out.push(end);
      start = end;
    }
    return out;
  }

  /** Delivers `closer`'s pending close, if it has one that can go now. */
  private _close(closer: FakeTransport, peer: FakeTransport): boolean {
    if (closer.disconnected) return false;
    if (closer.aborted) {
      peer.deliverConnectionLost(new ConnectionLost());
      closer.deliverConnectionLost(new ConnectionAborted());
      return true;
    }
    if (peer.aborted && !peer.disconnected) return false; // handled as the peer's close
    if (!closer.isFlushed() || peer.readPaused) return false;
    if (closer.disconnecting) {
      peer.deliverConnectionLost(new ConnectionDone());
      closer.deliverConnectionLost(new ConnectionDone());
      return true;
    }
    if (closer.writeDisconnecting && !closer.writeDisconnected) {
      closer.writeDisconnected = true;
      peer.readDisconnected = true;
      if (isHalfCloseable(closer.protocol)) closer.protocol.writeConnectionLost();
      if (!closer.readDisconnected && !peer.disconnecting && isHalfCloseable(peer.protocol)) {
        peer.protocol.readConnectionLost();
      } else {
        peer.deliverConnectionLost(new ConnectionDone());
        closer.deliverConnectionLost(new ConnectionDone());
      }
      return true;
    }
    return false;
  }
}

/** A protocol, a factory of protocols, a protocol class, or a function making one. */
export type ProtocolSource<P extends IProtocol> =
  | P
  | { buildProtocol(addr: Address): P | null }
  | (new () => P)
  | (() => P);

/** Options of {@link connectedServerAndClient}. */
export interface ConnectedServerAndClientOptions extends IOPumpOptions {
  /** The client side's address (default `127.0.0.1:54321`). */
  clientAddress?: Address;
  /** The server side's address (default `127.0.0.1:8000`). */
  serverAddress?: Address;
  /** Flush once after connecting, so greetings are exchanged (default `true`). */
  greet?: boolean;
}

/** What {@link connectedServerAndClient} returns. */
export interface ConnectedServerAndClient<S extends IProtocol, C extends IProtocol> {
  client: C;
  server: S;
  clientTransport: FakeTransport;
  serverTransport: FakeTransport;
  pump: IOPump;
}

/**
 * Connects a server protocol and a client protocol in memory, and returns them with the
 * {@link IOPump} that moves bytes between them. The server's `makeConnection` runs first, then
 * the client's, then (unless `greet` is false) the pump is flushed.
 *
 * @param server - the server protocol, or what makes it: a factory (asked with the client's
 *   address), a protocol class, or a function.
 * @param client - the client protocol, likewise (a factory is asked with the server's address).
 * @throws InvalidStateError when a factory refuses the connection (returns `null`).
 *
 * @example
 * ```ts
 * const { client, pump } = connectedServerAndClient(Echo, AccumulatingProtocol, { chunkSize: 1 });
 * client.transport!.write(new TextEncoder().encode("hello"));
 * pump.flush();
 * assert.equal(client.dataText(), "hello");
 * ```
 */
export function connectedServerAndClient<S extends IProtocol, C extends IProtocol>(
  server: ProtocolSource<S>,
  client: ProtocolSource<C>,
  options: ConnectedServerAndClientOptions = {},
): ConnectedServerAndClient<S, C> {
  const serverAddress = options.serverAddress ?? new IPv4Address("TCP", "127.0.0.1", 8000);
  const clientAddress = options.clientAddress ?? new IPv4Address("TCP", "127.0.0.1", 54321);
  const c = makeProtocol(client, serverAddress, "client");
  const s = makeProtocol(server, clientAddress, "server");
  const clientTransport = new FakeTransport(c, false, {
    hostAddress: clientAddress,
    peerAddress: serverAddress,
  });
  const serverTransport = new FakeTransport(s, true, {
    hostAddress: serverAddress,
    peerAddress: clientAddress,
  });
  const pump = new IOPump(c, s, clientTransport, serverTransport, options);
  s.makeConnection(serverTransport);
  c.makeConnection(clientTransport);
  if (options.greet ?? true) pump.flush();
  return { client: c, server: s, clientTransport, serverTransport, pump };
}

function makeProtocol<P extends IProtocol>(
  source: ProtocolSource<P>,
  peer: Address,
  side: string,
): P {
  if (typeof source === "function") {
    const proto = (source as { prototype?: unknown }).prototype;
    if (proto !== undefined && typeof (proto as Partial<IProtocol>).makeConnection === "function") {
      return new (source as new () => P)();
    }
    return (source as () => P)();
  }
  if (typeof (source as Partial<IProtocol>).makeConnection === "function") return source as P;
  const built = (source as { buildProtocol(addr: Address): P | null }).buildProtocol(peer);
  if (built === null) throw new InvalidStateError(`The ${side} factory refused the connection`);
  return built;
}
