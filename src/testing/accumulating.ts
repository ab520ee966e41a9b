/**
 * `AccumulatingProtocol`: a protocol that keeps everything it is told, for tests of transports,
 * reactors and the test doubles themselves.
 *
 * @module
 */

import type { Deferred } from "../defer/deferred.js";
import type { Failure } from "../errors/failure.js";
import { Protocol } from "../protocol/protocol.js";
import { concatBytes } from "./stringtransport.js";

/**
 * A factory property an {@link AccumulatingProtocol} looks for: when its factory has a
 * `protocolConnectionMade` Deferred, the protocol fires it with itself on `connectionMade` (and
 * clears it, so only the first connection fires it).
 */
export interface AccumulatingFactoryHook {
  protocolConnectionMade?: Deferred<AccumulatingProtocol> | null;
}

/**
 * Records its connection's events: whether it was made and closed, why it was closed, and every
 * byte it received. {@link closedDeferred}, when set, fires on `connectionLost`.
 *
 * @example
 * ```ts
 * const proto = new AccumulatingProtocol();
 * proto.closedDeferred = new Deferred<void>();
 * proto.makeConnection(new StringTransport());
 * proto.dataReceived(new TextEncoder().encode("hi"));
 * assert.equal(proto.dataText(), "hi");
 * ```
 */
export class AccumulatingProtocol extends Protocol {
  /** `true` once `connectionMade` ran. */
  made = false;
  /** `true` once `connectionLost` ran. */
  closed = false;
  /** The reason given to `connectionLost`, or `null` before it. */
  closedReason: Failure | null = null;
  /** When set, fired (with `undefined`) by `connectionLost`, then cleared. */
  closedDeferred: Deferred<void> | null = null;

  private _chunks: Uint8Array[] = [];
  private _data: Uint8Array | null = null;

  /** The chunks received, one per `dataReceived`, oldest first. */
  get chunks(): readonly Uint8Array[] {
    return this._chunks;
  }

  /** Every byte received so far, concatenated. */
  get data(): Uint8Array {
    if (this._data === null) this._data = concatBytes(this._chunks);
    return this._data;
  }

  /** {@link data} decoded as UTF-8 (or `encoding`). */
  dataText(encoding = "utf-8"): string {
    return new TextDecoder(encoding).decode(this.data);
  }

  /** Sets {@link made}; fires the factory's `protocolConnectionMade` Deferred, if it has one. */
  override connectionMade(): void {
    this.made = true;
    const factory = this.factory as AccumulatingFactoryHook | null;
    const d = factory?.protocolConnectionMade;
    if (d) {
      factory.protocolConnectionMade = null;
      d.callback(this);
    }
  }

  /** Keeps `data`. */
  override dataReceived(data: Uint8Array): void {
    this._chunks.push(data);
    this._data = null;
  }

  /** Sets {@link closed} and {@link closedReason}; fires and clears {@link closedDeferred}. */
  override connectionLost(reason: Failure): void {
    super.connectionLost(reason);
    this.closed = true;
    this.closedReason = reason;
    const d = this.closedDeferred;
    if (d !== null) {
      this.closedDeferred = null;
      d.callback(undefined);
    }
  }
}
