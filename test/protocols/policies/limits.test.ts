/**
 * Tests for the connection limits: `LimitTotalConnectionsFactory` (refusal and overflow
 * protocol) and `LimitConnectionsByPeer`.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConnectionDone } from "../../../src/errors/errors.js";
import { Failure } from "../../../src/errors/failure.js";
import { type Address, IPv4Address, UNIXAddress } from "../../../src/protocol/address.js";
import { Factory } from "../../../src/protocol/factory.js";
import { Protocol } from "../../../src/protocol/protocol.js";
import {
  LimitConnectionsByPeer,
  LimitTotalConnectionsFactory,
} from "../../../src/protocols/policies/limits.js";
import type { ProtocolWrapper, WrappingFactory } from "../../../src/protocols/policies/wrapper.js";
import { AccumulatingProtocol } from "../../../src/testing/accumulating.js";
import { connectedServerAndClient } from "../../../src/testing/iosim.js";
import { StringTransport } from "../../../src/testing/stringtransport.js";

const done = () => new Failure(new ConnectionDone());

class Busy extends Protocol {
  override connectionMade(): void {
    this.transport!.write(new TextEncoder().encode("busy\r\n"));
    this.transport!.loseConnection();
  }
}

function connect(f: WrappingFactory, peer: Address): ProtocolWrapper | null {
  const p = f.buildProtocol(peer);
  if (p === null) return null;
  p.makeConnection(new StringTransport({ peerAddress: peer }));
  return p;
}

const peer = (host: string, port = 1234) => new IPv4Address("TCP", host, port);

describe("LimitTotalConnectionsFactory", () => {
  it("refuses connections over the limit without an overflow protocol", () => {
    const f = new LimitTotalConnectionsFactory(Factory.forProtocol(Protocol, { noisy: false }), {
      connectionLimit: 2,
    });
    const a = connect(f, peer("10.0.0.1"));
    assert.ok(connect(f, peer("10.0.0.2")));
    assert.equal(connect(f, peer("10.0.0.3")), null);
    assert.equal(f.connectionCount, 2);
    a!.connectionLost(done());
    assert.ok(connect(f, peer("10.0.0.3")));
  });

  it("no limit by default", () => {
    const f = new LimitTotalConnectionsFactory(Factory.forProtocol(Protocol, { noisy: false }));
    for (let i = 0; i < 50; i++) assert.ok(connect(f, peer("10.0.0.1", i)));
    assert.equal(f.connectionCount, 50);
    assert.throws(() => new LimitTotalConnectionsFactory(f, { connectionLimit: -1 }), RangeError);
  });

  it("answers connections over the limit with the overflow protocol", () => {
    const f = new LimitTotalConnectionsFactory(
      Factory.forProtocol(AccumulatingProtocol, { noisy: false }),
      { connectionLimit: 1, overflowProtocol: () => new Busy() },
    );
    const first = connectedServerAndClient(f, AccumulatingProtocol);
    assert.ok(first.server.wrappedProtocol instanceof AccumulatingProtocol);
    const second = connectedServerAndClient(f, AccumulatingProtocol);
    assert.ok(second.server.wrappedProtocol instanceof Busy);
    assert.equal((second.server.wrappedProtocol as Busy).factory, f);
    assert.equal(second.client.dataText(), "busy\r\n");
    assert.equal(second.client.closed, true);
    assert.equal(f.connectionCount, 1);
  });
});

describe("LimitConnectionsByPeer", () => {
  it("limits each peer host separately, whatever the port", () => {
    const f = new LimitConnectionsByPeer(Factory.forProtocol(Protocol, { noisy: false }), {
      maxConnectionsPerPeer: 2,
    });
    const a1 = connect(f, peer("10.0.0.1", 1));
    assert.ok(connect(f, peer("10.0.0.1", 2)));
    assert.equal(connect(f, peer("10.0.0.1", 3)), null);
    assert.ok(connect(f, peer("10.0.0.2", 1)));
    assert.deepEqual(
      [...f.peerConnections],
      [
        ["10.0.0.1", 2],
        ["10.0.0.2", 1],
      ],
    );
    a1!.connectionLost(done());
    assert.equal(f.peerConnections.get("10.0.0.1"), 1);
    assert.ok(connect(f, peer("10.0.0.1", 4)));
  });

  it("defaults to 5 per peer, forgets peers with no connection, and counts UNIX peers by path", () => {
    const f = new LimitConnectionsByPeer(Factory.forProtocol(Protocol, { noisy: false }));
    const ps = Array.from({ length: 5 }, (_, i) => connect(f, peer("10.0.0.9", i)));
    assert.equal(connect(f, peer("10.0.0.9", 99)), null);
    for (const p of ps) p!.connectionLost(done());
    assert.equal(f.peerConnections.size, 0);
    const u = connect(f, new UNIXAddress(null));
    assert.equal(f.peerConnections.get("unix:"), 1);
    u!.connectionLost(done());
    u!.connectionLost(done()); // a repeat is harmless
    assert.equal(f.peerConnections.size, 0);
  });
});
