/**
 * Helpers for the endpoint tests: reading a Deferred's result synchronously, a resolver whose
 * answers the test gives, and a way to play a `FakeConnector`'s successful connection.
 */

import { Deferred } from "../../src/defer/deferred.js";
import type { Failure } from "../../src/errors/failure.js";
import type { IProtocol } from "../../src/protocol/interfaces.js";
import { Protocol } from "../../src/protocol/protocol.js";
import type { IResolver, ResolvedAddress } from "../../src/reactor/interfaces.js";
import { type FakeConnector, StringTransportWithDisconnection } from "../../src/testing/index.js";
import { failureResultOf as failureOf } from "../../src/testing/results.js";

export { assertNoResult, successResultOf } from "../../src/testing/results.js";

/** The error `d` has failed with (its failure is consumed: the chain goes on with `undefined`). */
export function failureResultOf(d: Deferred<unknown>): unknown {
  return failureOf(d).value;
}

/** A resolver whose lookups wait until the test answers them. */
export class ControlledResolver implements IResolver {
  /** Each lookup: the name asked and the Deferred to fire. */
  readonly lookups: Array<{ name: string; d: Deferred<ResolvedAddress[]>; cancelled: boolean }> =
    [];

  resolveHostName(name: string): Deferred<ResolvedAddress[]> {
    const entry = {
      name,
      d: new Deferred<ResolvedAddress[]>(() => (entry.cancelled = true)),
      cancelled: false,
    };
    this.lookups.push(entry);
    return entry.d;
  }

  getHostByName(name: string): Deferred<string> {
    return this.resolveHostName(name).addCallback((a) => a[0]?.address ?? "");
  }
}

/** `"1.2.3.4"` or `"::1"` as a resolved address. */
export function addr(address: string): ResolvedAddress {
  return { address, family: address.includes(":") ? 6 : 4 };
}

/** A protocol recording its events. */
export class Recorder extends Protocol {
  readonly events: string[] = [];
  override connectionMade(): void {
    this.events.push("connectionMade");
  }
  override dataReceived(data: Uint8Array): void {
    this.events.push(`data:${new TextDecoder().decode(data)}`);
  }
  override connectionLost(reason: Failure): void {
    super.connectionLost(reason);
    this.events.push(`lost:${(reason.value as Error).name}`);
  }
}

/**
 * Plays a successful connection on `connector`: the factory builds its protocol, which is
 * connected to a new transport. Returns both (the protocol is `null` when refused).
 */
export function completeConnection(connector: FakeConnector): {
  proto: IProtocol | null;
  transport: StringTransportWithDisconnection;
} {
  const transport = new StringTransportWithDisconnection();
  const proto = connector.buildProtocol();
  if (proto !== null) {
    transport.protocol = proto;
    proto.makeConnection(transport);
  }
  return { proto, transport };
}
