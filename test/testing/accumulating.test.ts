import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Deferred } from "../../src/defer/deferred.js";
import { ConnectionDone } from "../../src/errors/errors.js";
import { Failure } from "../../src/errors/failure.js";
import { IPv4Address } from "../../src/protocol/address.js";
import { Factory } from "../../src/protocol/factory.js";
import { AccumulatingProtocol } from "../../src/testing/accumulating.js";
import { StringTransport } from "../../src/testing/stringtransport.js";

const enc = new TextEncoder();

describe("AccumulatingProtocol", () => {
  it("records made, data and closed", () => {
    const p = new AccumulatingProtocol();
    assert.equal(p.made, false);
    assert.equal(p.data.length, 0);
    p.makeConnection(new StringTransport());
    assert.equal(p.made, true);
    p.dataReceived(enc.encode("ab"));
    p.dataReceived(enc.encode("c"));
    assert.deepEqual(p.data, enc.encode("abc"));
    assert.equal(p.dataText(), "abc");
    assert.equal(p.chunks.length, 2);
    assert.equal(p.closed, false);
    const reason = new Failure(new ConnectionDone());
    p.connectionLost(reason);
    assert.equal(p.closed, true);
    assert.equal(p.closedReason, reason);
    assert.equal(p.connected, false);
  });

  it("fires closedDeferred once on connectionLost", () => {
    const p = new AccumulatingProtocol();
    const d = new Deferred<void>();
    p.closedDeferred = d;
    let fired = 0;
    d.addCallback(() => {
      fired++;
    });
    p.makeConnection(new StringTransport());
    p.connectionLost(new Failure(new ConnectionDone()));
    assert.equal(fired, 1);
    assert.equal(p.closedDeferred, null);
    p.connectionLost(new Failure(new ConnectionDone()));
    assert.equal(fired, 1);
  });

  it("fires its factory's protocolConnectionMade with itself, for the first connection only", () => {
    const factory = Factory.forProtocol(AccumulatingProtocol, {
      noisy: false,
    }) as Factory<AccumulatingProtocol> & {
      protocolConnectionMade: Deferred<AccumulatingProtocol> | null;
    };
    const made = new Deferred<AccumulatingProtocol>();
    factory.protocolConnectionMade = made;
    let got: AccumulatingProtocol | null = null;
    made.addCallback((p) => {
      got = p;
    });
    const addr = new IPv4Address("TCP", "127.0.0.1", 1);
    const first = factory.buildProtocol(addr)!;
    first.makeConnection(new StringTransport());
    assert.equal(got, first);
    assert.equal(factory.protocolConnectionMade, null);
    const second = factory.buildProtocol(addr)!;
    second.makeConnection(new StringTransport());
    assert.equal(second.made, true);
  });
});
