/**
 * Tests for `ProtocolWrapper` and `WrappingFactory`: events and transport calls pass through,
 * the factory tracks live wrappers, and half-closing is forwarded only when the wrapped protocol
 * supports it.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConnectionDone } from "../../../src/errors/errors.js";
import { Failure } from "../../../src/errors/failure.js";
import { IPv4Address } from "../../../src/protocol/address.js";
import { ClientFactory, Factory } from "../../../src/protocol/factory.js";
import type { IConnector } from "../../../src/protocol/interfaces.js";
import { isHalfCloseable } from "../../../src/protocol/interfaces.js";
import { Protocol } from "../../../src/protocol/protocol.js";
import { ProtocolWrapper, WrappingFactory } from "../../../src/protocols/policies/wrapper.js";
import { AccumulatingProtocol } from "../../../src/testing/accumulating.js";
import { connectedServerAndClient } from "../../../src/testing/iosim.js";
import { StringTransport } from "../../../src/testing/stringtransport.js";

const enc = new TextEncoder();
const addr = new IPv4Address("TCP", "127.0.0.1", 5555);

class Echo extends Protocol {
  override dataReceived(data: Uint8Array): void {
    this.transport!.write(data);
  }
}

class HalfClose extends Protocol {
  events: string[] = [];
  readConnectionLost(): void {
    this.events.push("read");
  }
  writeConnectionLost(): void {
    this.events.push("write");
  }
}

describe("ProtocolWrapper", () => {
  it("forwards connectionMade, dataReceived and connectionLost, and is the wrapped protocol's transport", () => {
    const inner = new AccumulatingProtocol();
    const w = new ProtocolWrapper(null, inner);
    const t = new StringTransport();
    w.makeConnection(t);
    assert.equal(inner.made, true);
    assert.equal(inner.transport, w);
    w.dataReceived(enc.encode("abc"));
    assert.equal(inner.dataText(), "abc");
    w.connectionLost(new Failure(new ConnectionDone()));
    assert.equal(inner.closed, true);
    assert.equal(w.connected, false);
  });

  it("forwards the transport calls of the wrapped protocol", () => {
    const inner = new Protocol();
    const w = new ProtocolWrapper(null, inner);
    const t = new StringTransport();
    w.makeConnection(t);
    const tr = inner.transport!;
    tr.write(enc.encode("a"));
    tr.writeSequence([enc.encode("b"), enc.encode("c")]);
    assert.equal(t.valueText(), "abc");
    assert.equal(tr.getPeer(), t.getPeer());
    assert.equal(tr.getHost(), t.getHost());
    tr.pauseProducing();
    assert.equal(t.producerState, "paused");
    tr.resumeProducing();
    assert.equal(t.producerState, "producing");
    const producer = { pauseProducing() {}, resumeProducing() {}, stopProducing() {} };
    tr.registerProducer(producer, true);
    assert.equal(t.producer, producer);
    tr.unregisterProducer();
    assert.equal(t.producer, null);
    tr.setWriteBufferLimits(100, 10);
    assert.deepEqual(t.writeBufferLimits, { high: 100, low: 10 });
    w.setTcpNoDelay(false);
    assert.equal(w.getTcpNoDelay(), false);
    w.setTcpKeepAlive(true, 5);
    assert.equal(w.getTcpKeepAlive(), true);
    w.loseWriteConnection();
    assert.equal(t.writeClosed, true);
    assert.equal(tr.disconnecting, false);
    tr.loseConnection();
    assert.equal(tr.disconnecting, true);
    tr.abortConnection();
    assert.equal(t.aborted, true);
    assert.equal(String(w), "ProtocolWrapper(Protocol)");
  });

  it("is half-closeable exactly when the wrapped protocol is", () => {
    assert.equal(isHalfCloseable(new ProtocolWrapper(null, new Protocol())), false);
    const inner = new HalfClose();
    const w = new ProtocolWrapper(null, inner);
    assert.equal(isHalfCloseable(w), true);
    (w as unknown as HalfClose).readConnectionLost();
    (w as unknown as HalfClose).writeConnectionLost();
    assert.deepEqual(inner.events, ["read", "write"]);
  });

  it("echoes through an in-memory connection", () => {
    const factory = new WrappingFactory(Factory.forProtocol(Echo, { noisy: false }));
    const { client, pump } = connectedServerAndClient(factory, AccumulatingProtocol);
    client.transport!.write(enc.encode("ping"));
    pump.flush();
    assert.equal(client.dataText(), "ping");
  });
});

describe("WrappingFactory", () => {
  it("wraps what the wrapped factory builds, and passes a refusal through", () => {
    const inner = Factory.forProtocol(Echo, { noisy: false });
    const f = new WrappingFactory(inner);
    const p = f.buildProtocol(addr);
    assert.ok(p instanceof ProtocolWrapper);
    assert.ok(p.wrappedProtocol instanceof Echo);
    assert.equal((p.wrappedProtocol as Echo).factory, inner);
    const refusing = new WrappingFactory({
      doStart() {},
      doStop() {},
      buildProtocol: () => null,
    });
    assert.equal(refusing.buildProtocol(addr), null);
    assert.match(f.logName(), /WrappingFactory \(Factory \(Echo\)\)/);
  });

  it("tracks live connections", () => {
    const f = new WrappingFactory(Factory.forProtocol(Echo, { noisy: false }));
    const p = f.buildProtocol(addr)!;
    assert.equal(f.protocols.size, 0);
    p.makeConnection(new StringTransport());
    assert.deepEqual([...f.protocols], [p]);
    p.connectionLost(new Failure(new ConnectionDone()));
    assert.equal(f.protocols.size, 0);
  });

  it("starts and stops the wrapped factory", () => {
    const inner = Factory.forProtocol(Echo, { noisy: false });
    const f = new WrappingFactory(inner);
    f.doStart();
    f.doStart();
    assert.equal(inner.numPorts, 2);
    f.doStop();
    f.doStop();
    assert.equal(inner.numPorts, 0);
    assert.equal(f.numPorts, 0);
  });

  it("forwards client events to a client factory, and ignores them for a server factory", () => {
    const seen: string[] = [];
    class Client extends ClientFactory {
      override startedConnecting(): void {
        seen.push("started");
      }
      override clientConnectionFailed(): void {
        seen.push("failed");
      }
      override clientConnectionLost(): void {
        seen.push("lost");
      }
    }
    const connector = {} as IConnector;
    const reason = new Failure(new ConnectionDone());
    const f = new WrappingFactory(new Client());
    f.startedConnecting(connector);
    f.clientConnectionFailed(connector, reason);
    f.clientConnectionLost(connector, reason);
    assert.deepEqual(seen, ["started", "failed", "lost"]);
    const s = new WrappingFactory(Factory.forProtocol(Echo));
    s.startedConnecting(connector);
    s.clientConnectionFailed(connector, reason);
    s.clientConnectionLost(connector, reason);
  });

  it("nests: each layer sees the events", () => {
    const outer = new WrappingFactory(
      new WrappingFactory(Factory.forProtocol(Echo, { noisy: false })),
    );
    const { client, pump, server } = connectedServerAndClient(outer, AccumulatingProtocol);
    assert.ok(server.wrappedProtocol instanceof ProtocolWrapper);
    client.transport!.write(enc.encode("twice wrapped"));
    pump.flush();
    assert.equal(client.dataText(), "twice wrapped");
  });
});
