/**
 * Connection limits around any factory: `LimitTotalConnectionsFactory` (all peers together, with
 * an optional protocol that answers the connections over the limit) and `LimitConnectionsByPeer`
 * (per peer host).
 *
 * Both count connections that are up (from `connectionMade` to `connectionLost`), so a protocol
 * built for a connection that never came up is not counted. A refused connection is closed by
 * the transport at once (the factory's `buildProtocol` returns `null`).
 *
 * @module
 */

import type { Address } from "../../protocol/address.js";
import type { IProtocol, IProtocolFactory } from "../../protocol/interfaces.js";
import { type ProtocolWrapper, WrappingFactory } from "./wrapper.js";

/** Settings of a {@link LimitTotalConnectionsFactory}. */
export interface LimitTotalConnectionsOptions {
  /** Most connections at once; `null` (default) for no limit. */
  connectionLimit?: number | null;
  /**
   * Makes the protocol of a connection over the limit (a "server busy" message, say). Without
   * one, such connections are refused. Overflow connections count towards the total too.
   */
  overflowProtocol?: ((addr: Address) => IProtocol) | null;
}

/**
 * Limits the number of connections of any factory, all peers together.
 *
 * @example
 * ```ts
 * class Busy extends Protocol {
 *   override connectionMade(): void {
 *     this.transport!.write(new TextEncoder().encode("busy, try later\r\n"));
 *     this.transport!.loseConnection();
 *   }
 * }
 * const limited = new LimitTotalConnectionsFactory(Factory.forProtocol(Echo), {
 *   connectionLimit: 100,
 *   overflowProtocol: () => new Busy(),
 * });
 * await serverFromString(reactor, "tcp:8000").listen(limited);
 * ```
 */
export class LimitTotalConnectionsFactory extends WrappingFactory {
  /** Most connections at once; `null` for no limit. May be changed at any time. */
  connectionLimit: number | null;
  /** Makes the protocol of a connection over the limit; `null` refuses it. */
  overflowProtocol: ((addr: Address) => IProtocol) | null;

  /** @throws RangeError when `connectionLimit` is negative or NaN. */
  constructor(wrappedFactory: IProtocolFactory, options: LimitTotalConnectionsOptions = {}) {
    super(wrappedFactory);
    this.connectionLimit = options.connectionLimit ?? null;
    this.overflowProtocol = options.overflowProtocol ?? null;
    if (this.connectionLimit !== null && !(this.connectionLimit >= 0)) {
      throw new RangeError("LimitTotalConnectionsFactory: connectionLimit must be >= 0");
    }
  }

  /** How many connections are up, overflow ones included. */
  get connectionCount(): number {
    return this.protocols.size;
  }

  /**
   * The wrapped factory's protocol while under the limit; over it, the overflow protocol, or
   * `null` (refused) when there is none.
   */
  override buildProtocol(addr: Address): ProtocolWrapper | null {
    if (this.connectionLimit === null || this.protocols.size < this.connectionLimit) {
      return super.buildProtocol(addr);
    }
    if (this.overflowProtocol === null) return null;
    const p = this.overflowProtocol(addr);
    if ("factory" in p) (p as { factory: unknown }).factory = this;
    return this.wrapProtocol(p, addr);
  }
}

/** Settings of a {@link LimitConnectionsByPeer}. */
export interface LimitConnectionsByPeerOptions {
  /** Most connections at once from one peer host (default 5, as Twisted). */
  maxConnectionsPerPeer?: number;
}

/** The key connections are counted under: the host of an IP address, the path of a UNIX one. */
function peerKey(addr: Address): string {
  return addr.family === "UNIX" ? `unix:${addr.name ?? ""}` : addr.host;
}

/**
 * Limits the number of connections from each peer host (the port does not matter); a
 * connection over the limit is refused.
 *
 * @example
 * ```ts
 * const fair = new LimitConnectionsByPeer(Factory.forProtocol(Echo), { maxConnectionsPerPeer: 2 });
 * await serverFromString(reactor, "tcp:8000").listen(fair);
 * ```
 */
export class LimitConnectionsByPeer extends WrappingFactory {
  /** Most connections at once from one peer host. May be changed at any time. */
  maxConnectionsPerPeer: number;
  /** Connections up, by peer host. */
  readonly peerConnections = new Map<string, number>();
  readonly #keys = new WeakMap<ProtocolWrapper, string>();

  /** @throws RangeError when `maxConnectionsPerPeer` is negative or NaN. */
  constructor(wrappedFactory: IProtocolFactory, options: LimitConnectionsByPeerOptions = {}) {
    super(wrappedFactory);
    this.maxConnectionsPerPeer = options.maxConnectionsPerPeer ?? 5;
    if (!(this.maxConnectionsPerPeer >= 0)) {
      throw new RangeError("LimitConnectionsByPeer: maxConnectionsPerPeer must be >= 0");
    }
  }

  /** A wrapped protocol, or `null` when `addr`'s host has its share of connections. */
  override buildProtocol(addr: Address): ProtocolWrapper | null {
    if ((this.peerConnections.get(peerKey(addr)) ?? 0) >= this.maxConnectionsPerPeer) return null;
    return super.buildProtocol(addr);
  }

  /** Counts the connection under its peer's host. */
  override registerProtocol(p: ProtocolWrapper): void {
    super.registerProtocol(p);
    const key = peerKey(p.getPeer());
    this.#keys.set(p, key);
    this.peerConnections.set(key, (this.peerConnections.get(key) ?? 0) + 1);
  }

  /** Uncounts the connection. */
  override unregisterProtocol(p: ProtocolWrapper): void {
    super.unregisterProtocol(p);
    const key = this.#keys.get(p);
    if (key === undefined) return;
    this.#keys.delete(p);
    const n = (this.peerConnections.get(key) ?? 1) - 1;
    if (n > 0) this.peerConnections.set(key, n);
    else this.peerConnections.delete(key);
  }
}
