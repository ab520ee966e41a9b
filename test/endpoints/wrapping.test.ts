import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TCP4ClientEndpoint } from "../../src/endpoints/tcp.js";
import {
  connectProtocol,
  WrappingFactory,
  WrappingProtocol,
} from "../../src/endpoints/wrapping.js";
import {
  CancelledError,
  ConnectingCancelledError,
  ConnectionRefusedError,
  NoProtocolError,
} from "../../src/errors/errors.js";
import type { Failure } from "../../src/errors/failure.js";
import { IPv4Address } from "../../src/protocol/address.js";
import { Factory } from "../../src/protocol/factory.js";
import type { IProtocol } from "../../src/protocol/interfaces.js";
import { Protocol } from "../../src/protocol/protocol.js";
import { MemoryReactorClock } from "../../src/testing/index.js";
import {
  assertNoResult,
  completeConnection,
  failureResultOf,
  Recorder,
  successResultOf,
} from "./fakes.js";

function setup() {
  const reactor = new MemoryReactorClock();
  const endpoint = new TCP4ClientEndpoint(reactor, "10.0.0.1", 80);
  const factory = Factory.forProtocol(Recorder);
  const d = endpoint.connect(factory);
  const record = reactor.tcpClients[0]!;
  return { reactor, factory, d, record, connector: record.connector };
}

describe("client endpoint wrapping (WrappingFactory)", () => {
  it("fires with the user's protocol after its connectionMade ran", () => {
    const { d, connector } = setup();
    assertNoResult(d);
    let seenEvents: string[] = [];
    d.addCallback((p) => {
      seenEvents = [...(p as Recorder).events];
      return p;
    });
    const { proto, transport } = completeConnection(connector);
    assert.ok(proto instanceof WrappingProtocol);
    const user = successResultOf(d) as Recorder;
    assert.ok(user instanceof Recorder);
    assert.deepEqual(seenEvents, ["connectionMade"]);
    assert.equal(user.transport, transport);
    assert.equal(user.connected, true);
  });

  it("forwards data and connection loss to the user's protocol", () => {
    const { d, connector } = setup();
    const { transport } = completeConnection(connector);
    const user = successResultOf(d) as Recorder;
    const wrapper = transport.protocol!;
    wrapper.dataReceived(new TextEncoder().encode("hi"));
    transport.loseConnection();
    assert.deepEqual(user.events, ["connectionMade", "data:hi", "lost:ConnectionDone"]);
    assert.equal(user.connected, false);
  });

  it("fails with the reason of a failed attempt", () => {
    const { d, connector } = setup();
    const reason = new ConnectionRefusedError();
    connector.connectionFailed(reason);
    assert.equal(failureResultOf(d), reason);
  });

  it("fails with NoProtocolError when the factory refuses", () => {
    const reactor = new MemoryReactorClock();
    const factory = new (class extends Factory {
      override buildProtocol() {
        return null;
      }
    })();
    const d = new TCP4ClientEndpoint(reactor, "10.0.0.1", 80).connect(factory);
    const { proto } = completeConnection(reactor.connectors[0]!);
    assert.equal(proto, null);
    assert.ok(failureResultOf(d) instanceof NoProtocolError);
  });

  it("fails with the error buildProtocol throws", () => {
    const reactor = new MemoryReactorClock();
    const boom = new Error("boom");
    const factory = new (class extends Factory {
      override buildProtocol(): IProtocol {
        throw boom;
      }
    })();
    const d = new TCP4ClientEndpoint(reactor, "10.0.0.1", 80).connect(factory);
    completeConnection(reactor.connectors[0]!);
    assert.equal(failureResultOf(d), boom);
  });

  it("fails and drops the connection when connectionMade throws", () => {
    const reactor = new MemoryReactorClock();
    const boom = new Error("greeting failed");
    class Bad extends Protocol {
      override connectionMade(): void {
        throw boom;
      }
    }
    const d = new TCP4ClientEndpoint(reactor, "10.0.0.1", 80).connect(Factory.forProtocol(Bad));
    const { transport } = completeConnection(reactor.connectors[0]!);
    assert.equal(failureResultOf(d), boom);
    assert.equal(transport.aborted, true);
    assert.equal(transport.connected, false);
  });

  it("cancelling fails with ConnectingCancelledError and stops the connector", () => {
    const { d, connector } = setup();
    d.cancel();
    const err = failureResultOf(d);
    assert.ok(err instanceof ConnectingCancelledError);
    assert.ok(err instanceof CancelledError);
    assert.equal(err.code, "ERR_CONNECTING_CANCELLED");
    assert.ok((err.address as IPv4Address).equals(new IPv4Address("TCP", "10.0.0.1", 80)));
    assert.equal(connector.stoppedConnecting, true);
  });

  it("cancelling after the connection is up does nothing", () => {
    const { d, connector } = setup();
    completeConnection(connector);
    d.cancel();
    assert.ok(successResultOf(d) instanceof Recorder);
  });

  it("builds no protocol once cancelled", () => {
    const built: string[] = [];
    const w = new WrappingFactory(
      new (class extends Factory {
        override buildProtocol() {
          built.push("x");
          return new Recorder();
        }
      })(),
    );
    w.onConnection.cancel();
    failureResultOf(w.onConnection);
    assert.equal(w.buildProtocol(new IPv4Address("TCP", "1.2.3.4", 1)), null);
    assert.deepEqual(built, []);
  });

  it("forwards doStart and doStop to the user's factory", () => {
    const factory = Factory.forProtocol(Recorder, { noisy: false });
    const w = new WrappingFactory(factory);
    w.doStart();
    assert.equal(factory.numPorts, 1);
    w.doStop();
    assert.equal(factory.numPorts, 0);
  });

  it("offers the half-close methods only when the wrapped protocol has them", () => {
    const d = setup().d;
    const plain = new WrappingProtocol(d, new Recorder());
    assert.equal("readConnectionLost" in plain && plain.readConnectionLost !== undefined, false);
    const seen: string[] = [];
    class HalfCloser extends Recorder {
      readConnectionLost() {
        seen.push("read");
      }
      writeConnectionLost() {
        seen.push("write");
      }
    }
    const half = new WrappingProtocol(d, new HalfCloser());
    half.readConnectionLost!();
    half.writeConnectionLost!();
    assert.deepEqual(seen, ["read", "write"]);
    d.cancel();
    failureResultOf(d);
  });

  it("turns a synchronous throw of the reactor into a failed Deferred", () => {
    const reactor = new MemoryReactorClock();
    const boom = new Error("no sockets today");
    reactor.connectTCP = () => {
      throw boom;
    };
    const d = new TCP4ClientEndpoint(reactor, "10.0.0.1", 80).connect(
      Factory.forProtocol(Recorder),
    );
    assert.equal(failureResultOf(d), boom);
  });
});

describe("connectProtocol", () => {
  it("connects the given protocol instance", () => {
    const reactor = new MemoryReactorClock();
    const mine = new Recorder();
    const d = connectProtocol(new TCP4ClientEndpoint(reactor, "10.0.0.1", 80), mine);
    completeConnection(reactor.connectors[0]!);
    assert.equal(successResultOf(d), mine);
    assert.deepEqual(mine.events, ["connectionMade"]);
  });

  it("fails as the endpoint does", () => {
    const reactor = new MemoryReactorClock();
    const d = connectProtocol(new TCP4ClientEndpoint(reactor, "10.0.0.1", 80), new Recorder());
    reactor.connectors[0]!.connectionFailed();
    assert.ok(failureResultOf(d) instanceof ConnectionRefusedError);
  });

  it("its Deferred has the protocol's own type", () => {
    const reactor = new MemoryReactorClock();
    const d = connectProtocol(new TCP4ClientEndpoint(reactor, "10.0.0.1", 80), new Recorder());
    d.addCallback((p: Recorder) => p.events);
    d.addErrback((_f: Failure) => null);
    d.cancel();
  });
});
