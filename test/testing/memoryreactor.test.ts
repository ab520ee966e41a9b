import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Deferred } from "../../src/defer/deferred.js";
import {
  ConnectionRefusedError,
  DNSLookupError,
  ReactorAlreadyRunning,
  ReactorNotRunning,
  UserError,
} from "../../src/errors/errors.js";
import type { Failure } from "../../src/errors/failure.js";
import { collectEvents } from "../../src/logger/capture.js";
import { IPv4Address, IPv6Address, UNIXAddress } from "../../src/protocol/address.js";
import { ClientFactory, Factory, ReconnectingClientFactory } from "../../src/protocol/factory.js";
import type { IConnector } from "../../src/protocol/interfaces.js";
import { Protocol } from "../../src/protocol/protocol.js";
import type { IDatagramProtocol, IUDPTransport } from "../../src/reactor/interfaces.js";
import {
  type FakeConnector,
  type FakeListeningPort,
  type FakeUDPTransport,
  MemoryResolver,
} from "../../src/testing/memoryports.js";
import { MemoryReactor, MemoryReactorClock } from "../../src/testing/memoryreactor.js";
import { StringTransport } from "../../src/testing/stringtransport.js";

const enc = new TextEncoder();

class Greeter extends Protocol {
  override connectionMade(): void {
    this.transport!.write(enc.encode("hi"));
  }
}

class RecordingClientFactory extends ClientFactory<Greeter> {
  events: string[] = [];
  reasons: Failure[] = [];
  override noisy = false;
  override startedConnecting(_c: IConnector): void {
    this.events.push("started");
  }
  override clientConnectionFailed(_c: IConnector, reason: Failure): void {
    this.events.push("failed");
    this.reasons.push(reason);
  }
  override clientConnectionLost(_c: IConnector, reason: Failure): void {
    this.events.push("lost");
    this.reasons.push(reason);
  }
}

function clientFactory(): RecordingClientFactory {
  const f = new RecordingClientFactory();
  f.protocol = Greeter;
  return f;
}

describe("MemoryReactor ports", () => {
  it("records listenTCP and returns a fired Deferred of a fake port", async () => {
    const reactor = new MemoryReactor();
    const factory = Factory.forProtocol(Greeter);
    const d = reactor.listenTCP(8080, factory, 10, "127.0.0.1");
    assert.equal(d.called, true);
    const port = await d;
    assert.ok(port.getHost().equals(new IPv4Address("TCP", "127.0.0.1", 8080)));
    const rec = reactor.tcpServers[0]!;
    assert.equal(rec.port, 8080);
    assert.equal(rec.factory, factory);
    assert.equal(rec.backlog, 10);
    assert.equal(rec.interface, "127.0.0.1");
    assert.equal(rec.listeningPort, port);
    const stopped = port.stopListening();
    assert.equal(stopped.called, true);
    assert.equal((port as FakeListeningPort).listening, false);
    assert.equal((port as FakeListeningPort).stopListeningCalls, 1);
  });

  it("applies defaults and assigns ephemeral ports for port 0", async () => {
    const reactor = new MemoryReactor({ firstEphemeralPort: 50000 });
    const factory = Factory.forProtocol(Greeter);
    const a = await reactor.listenTCP(0, factory);
    const b = await reactor.listenTCP(0, factory, undefined, "::1");
    assert.ok(a.getHost().equals(new IPv4Address("TCP", "0.0.0.0", 50000)));
    assert.ok(b.getHost().equals(new IPv6Address("TCP", "::1", 50001)));
    assert.equal(reactor.tcpServers[0]!.backlog, 50);
    assert.equal(reactor.tcpServers[0]!.interface, "0.0.0.0");
    assert.equal(reactor.tcpServers[0]!.port, 0);
  });

  it("records listenSSL and listenUNIX", async () => {
    const reactor = new MemoryReactor();
    const factory = Factory.forProtocol(Greeter);
    const options = { key: "KEY", cert: "CERT" };
    const ssl = await reactor.listenSSL(443, factory, options);
    assert.equal(reactor.sslServers[0]!.options, options);
    assert.equal((ssl.getHost() as IPv4Address).port, 443);
    const unix = await reactor.listenUNIX("/tmp/sock", factory, 5, 0o600, true);
    assert.ok(unix.getHost().equals(new UNIXAddress("/tmp/sock")));
    assert.deepEqual(
      { ...reactor.unixServers[0]!, listeningPort: null },
      { path: "/tmp/sock", factory, backlog: 5, mode: 0o600, wantPID: true, listeningPort: null },
    );
  });

  it("listenUDP connects the protocol to a recording transport", async () => {
    const reactor = new MemoryReactor();
    const events: string[] = [];
    let transport: IUDPTransport | null = null;
    const proto: IDatagramProtocol = {
      makeConnection(t) {
        transport = t;
        events.push("made");
      },
      datagramReceived(data, addr) {
        transport!.write(data, addr);
      },
      connectionRefused() {},
      doStop() {
        events.push("stop");
      },
    };
    const t = (await reactor.listenUDP(0, proto, "127.0.0.1")) as FakeUDPTransport;
    assert.equal(transport, t);
    assert.equal(reactor.udpPorts[0]!.maxPacketSize, 8192);
    assert.equal(t.getHost().type, "UDP");
    proto.datagramReceived(enc.encode("ping"), new IPv4Address("UDP", "10.0.0.2", 53));
    assert.deepEqual(t.written[0]!.data, enc.encode("ping"));
    assert.throws(() => t.write(enc.encode("x")));
    await t.connect("10.0.0.2", 53);
    assert.deepEqual(t.connectedTo, { host: "10.0.0.2", port: 53 });
    t.write(enc.encode("y"));
    assert.throws(() => t.write(enc.encode("z"), { host: "10.0.0.3", port: 1 }));
    t.pauseProducing();
    assert.equal(t.paused, true);
    t.resumeProducing();
    assert.equal(t.paused, false);
    t.stopListening();
    t.stopListening();
    assert.deepEqual(events, ["made", "stop"]);
  });
});

describe("MemoryReactor connectors", () => {
  it("records connectTCP and tells the factory it started", () => {
    const reactor = new MemoryReactor();
    const factory = clientFactory();
    const connector = reactor.connectTCP("example.com", 80, factory, 5, { host: "10.0.0.1" });
    assert.deepEqual(factory.events, ["started"]);
    const rec = reactor.tcpClients[0]!;
    assert.equal(rec.host, "example.com");
    assert.equal(rec.port, 80);
    assert.equal(rec.factory, factory);
    assert.equal(rec.timeout, 5);
    assert.deepEqual(rec.bindAddress, { host: "10.0.0.1" });
    assert.equal(rec.connector, connector);
    assert.equal(reactor.connectors[0], connector);
    assert.equal(connector.getDestination().toString(), "example.com:80");
    assert.equal(connector.clock, reactor.clock);
    assert.equal(reactor.connectTCP("h", 1, clientFactory()) !== connector, true);
    assert.equal(reactor.tcpClients[1]!.timeout, 30);
  });

  it("stopConnecting fails the attempt with UserError, and only while connecting", () => {
    const reactor = new MemoryReactor();
    const factory = clientFactory();
    const connector = reactor.connectTCP("h", 1, factory) as FakeConnector;
    connector.stopConnecting();
    assert.equal(connector.stoppedConnecting, true);
    assert.equal(connector.state, "disconnected");
    assert.deepEqual(factory.events, ["started", "failed"]);
    assert.ok(factory.reasons[0]!.check(UserError));
    assert.throws(() => connector.stopConnecting(), /not|disconnected/);
  });

  it("disconnect stops an attempt, or closes an established connection", () => {
    const reactor = new MemoryReactor();
    const factory = clientFactory();
    const c1 = reactor.connectTCP("h", 1, factory) as FakeConnector;
    c1.disconnect();
    assert.equal(c1.disconnected, true);
    assert.deepEqual(factory.events, ["started", "failed"]);

    const c2 = reactor.connectSSL("h", 2, factory, { hostname: "h" }) as FakeConnector;
    const proto = c2.buildProtocol()!;
    const transport = new StringTransport();
    proto.makeConnection(transport);
    assert.equal(transport.valueText(), "hi");
    c2.disconnect();
    assert.equal(transport.disconnecting, true);
    c2.connectionLost();
    assert.deepEqual(factory.events, ["started", "failed", "started", "lost"]);
    assert.deepEqual(reactor.sslClients[0]!.options, { hostname: "h" });
  });

  it("plays failed attempts and reconnection", () => {
    const reactor = new MemoryReactorClock();
    const factory = new ReconnectingClientFactory({ random: () => 0.5, jitter: 0 });
    factory.noisy = false;
    factory.protocol = Greeter;
    const connector = reactor.connectUNIX("/tmp/s", factory) as FakeConnector;
    assert.ok(connector.getDestination().equals(new UNIXAddress("/tmp/s")));
    assert.equal(reactor.unixClients[0]!.timeout, 30);
    connector.connectionFailed(new ConnectionRefusedError());
    assert.equal(connector.state, "disconnected");
    assert.equal(reactor.getDelayedCalls().length, 1);
    reactor.advance(factory.delay);
    assert.equal(connector.state, "connecting");
    assert.equal(connector.connectCalls, 2);
    assert.throws(() => connector.connect());
    factory.stopTrying();
    assert.equal(connector.stoppedConnecting, true);
  });

  it("refuses impossible transitions", () => {
    const reactor = new MemoryReactor();
    const connector = reactor.connectTCP("h", 1, clientFactory()) as FakeConnector;
    assert.throws(() => connector.connectionLost());
    connector.connectionFailed();
    assert.throws(() => connector.connectionFailed());
    assert.throws(() => connector.buildProtocol());
  });
});

describe("MemoryReactor life cycle", () => {
  it("runs startup triggers in phase order and callWhenRunning after them", () => {
    const reactor = new MemoryReactor();
    const seen: string[] = [];
    reactor.callWhenRunning((x: string) => seen.push(x), "running");
    reactor.addSystemEventTrigger("after", "startup", () => seen.push("after"));
    reactor.addSystemEventTrigger("during", "startup", () => seen.push("during"));
    reactor.addSystemEventTrigger("before", "startup", () => seen.push("before"));
    assert.equal(reactor.triggers.length, 4);
    const done = reactor.run();
    assert.deepEqual(seen, ["before", "during", "running", "after"]);
    assert.equal(reactor.running, true);
    assert.equal(reactor.hasRun, true);
    assert.equal(done.called, false);
    assert.equal(
      reactor.callWhenRunning(() => seen.push("now")),
      undefined,
    );
    assert.equal(seen.at(-1), "now");
    assert.throws(() => reactor.run(), ReactorAlreadyRunning);
  });

  it("stop runs shutdown phases, stops listening ports, and fires run's Deferred", async () => {
    const reactor = new MemoryReactor();
    const seen: string[] = [];
    const port = (await reactor.listenTCP(0, Factory.forProtocol(Greeter))) as FakeListeningPort;
    const before = new Deferred<void>();
    reactor.addSystemEventTrigger("before", "shutdown", () => {
      seen.push("before");
      return before;
    });
    reactor.addSystemEventTrigger("during", "shutdown", () =>
      seen.push(`during ${port.listening}`),
    );
    reactor.addSystemEventTrigger("after", "shutdown", () => seen.push(`after ${port.listening}`));
    assert.throws(() => reactor.stop(), ReactorNotRunning);
    const done = reactor.run();
    reactor.stop();
    assert.equal(reactor.hasStopped, true);
    assert.deepEqual(seen, ["before"]);
    assert.equal(reactor.running, true);
    assert.throws(() => reactor.stop(), ReactorNotRunning);
    before.callback(undefined);
    assert.deepEqual(seen, ["before", "during true", "after false"]);
    assert.equal(reactor.running, false);
    assert.equal(done.called, true);
    assert.equal(reactor.triggers.length, 0);
  });

  it("waits for Promises returned by triggers", async () => {
    const reactor = new MemoryReactor();
    const seen: string[] = [];
    reactor.addSystemEventTrigger("before", "shutdown", async () => {
      await Promise.resolve();
      seen.push("async");
    });
    reactor.addSystemEventTrigger("after", "shutdown", () => seen.push("after"));
    const done = reactor.run();
    reactor.stop();
    assert.deepEqual(seen, []);
    await done;
    assert.deepEqual(seen, ["async", "after"]);
  });

  it("logs failing triggers and goes on", () => {
    const reactor = new MemoryReactor();
    const seen: string[] = [];
    reactor.addSystemEventTrigger("before", "startup", () => {
      throw new Error("sync");
    });
    reactor.addSystemEventTrigger("before", "startup", () => {
      const d = new Deferred<void>();
      d.errback(new Error("deferred"));
      return d;
    });
    reactor.addSystemEventTrigger("after", "startup", () => seen.push("after"));
    const collector = collectEvents();
    try {
      reactor.run();
    } finally {
      collector.stop();
    }
    assert.deepEqual(seen, ["after"]);
    assert.equal(collector.events.length, 2);
  });

  it("removes triggers, and refuses unknown ones", () => {
    const reactor = new MemoryReactor();
    const seen: string[] = [];
    const id = reactor.addSystemEventTrigger("during", "startup", () => seen.push("x"));
    reactor.removeSystemEventTrigger(id);
    assert.throws(() => reactor.removeSystemEventTrigger(id), RangeError);
    reactor.run();
    assert.deepEqual(seen, []);
  });

  it("fireSystemEvent runs an event's triggers on demand", () => {
    const reactor = new MemoryReactor();
    const seen: string[] = [];
    reactor.addSystemEventTrigger("during", "shutdown", () => seen.push("x"));
    assert.equal(reactor.fireSystemEvent("shutdown").called, true);
    assert.deepEqual(seen, ["x"]);
  });
});

describe("MemoryReactor resolver", () => {
  it("resolves names from its hosts table, literals, and localhost", async () => {
    const reactor = new MemoryReactor({ hosts: { "Example.com": ["192.0.2.1", "2001:db8::1"] } });
    assert.equal(await reactor.resolve("example.com"), "192.0.2.1");
    assert.equal(await reactor.resolve("10.1.2.3"), "10.1.2.3");
    assert.equal(await reactor.resolve("localhost"), "127.0.0.1");
    assert.deepEqual(await reactor.resolver.resolveHostName("example.com"), [
      { address: "192.0.2.1", family: 4 },
      { address: "2001:db8::1", family: 6 },
    ]);
    await assert.rejects(reactor.resolve("nowhere.invalid").asPromise(), DNSLookupError);
    assert.deepEqual((reactor.resolver as MemoryResolver).lookups.length, 5);
  });

  it("installResolver replaces the resolver and returns the old one", async () => {
    const reactor = new MemoryReactor();
    const first = reactor.resolver;
    const other = new MemoryResolver({ db: "10.9.9.9" });
    assert.equal(reactor.installResolver(other), first);
    assert.equal(reactor.resolver, other);
    assert.equal(await reactor.resolve("db"), "10.9.9.9");
  });
});

describe("MemoryReactorClock", () => {
  it("is a deterministic clock", () => {
    const reactor = new MemoryReactorClock();
    const seen: number[] = [];
    reactor.callLater(2, () => seen.push(reactor.seconds()));
    const call = reactor.callLater(5, () => seen.push(-1));
    assert.equal(reactor.getDelayedCalls().length, 2);
    reactor.advance(1);
    assert.equal(seen.length, 0);
    reactor.pump([0.5, 0.5]);
    assert.deepEqual(seen, [2]);
    assert.equal(reactor.rightNow, 2);
    call.cancel();
    reactor.advance(10);
    assert.deepEqual(seen, [2]);
    reactor.callFromThread((x: number) => seen.push(x), 7);
    assert.deepEqual(seen, [2]);
    reactor.advance(0);
    assert.deepEqual(seen, [2, 7]);
  });

  it("gives connectors its clock, and still records like a MemoryReactor", () => {
    const reactor = new MemoryReactorClock();
    const connector = reactor.connectTCP("h", 1, new ClientFactory());
    assert.equal(connector.clock, reactor.clock);
    reactor.clock.callLater(1, () => {});
    assert.equal(reactor.getDelayedCalls().length, 1);
    assert.equal(reactor.tcpClients.length, 1);
  });
});
