import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  TCP4ClientEndpoint,
  TCP4ServerEndpoint,
  TCP6ClientEndpoint,
  TCP6ServerEndpoint,
} from "../../src/endpoints/tcp.js";
import {
  CannotListenError,
  ConnectingCancelledError,
  DNSLookupError,
} from "../../src/errors/errors.js";
import { Factory } from "../../src/protocol/factory.js";
import { type FakeListeningPort, MemoryReactorClock } from "../../src/testing/index.js";
import {
  addr,
  assertNoResult,
  ControlledResolver,
  completeConnection,
  failureResultOf,
  Recorder,
  successResultOf,
} from "./fakes.js";

const factory = () => Factory.forProtocol(Recorder, { noisy: false });

describe("TCP4ServerEndpoint / TCP6ServerEndpoint", () => {
  it("listens with the defaults: backlog 50, every IPv4 interface", () => {
    const reactor = new MemoryReactorClock();
    const ep = new TCP4ServerEndpoint(reactor, 8080);
    assert.deepEqual([ep.port, ep.backlog, ep.interface], [8080, 50, ""]);
    const f = factory();
    const port = successResultOf(ep.listen(f)) as FakeListeningPort;
    const rec = reactor.tcpServers[0]!;
    assert.deepEqual([rec.port, rec.backlog, rec.factory], [8080, 50, f]);
    assert.equal(port, rec.listeningPort);
  });

  it("passes backlog and interface on", () => {
    const reactor = new MemoryReactorClock();
    new TCP4ServerEndpoint(reactor, 0, { backlog: 7, interface: "127.0.0.1" }).listen(factory());
    const rec = reactor.tcpServers[0]!;
    assert.deepEqual([rec.port, rec.backlog, rec.interface], [0, 7, "127.0.0.1"]);
  });

  it("TCP6 defaults to every IPv6 interface", () => {
    const reactor = new MemoryReactorClock();
    const ep = new TCP6ServerEndpoint(reactor, 80);
    assert.equal(ep.interface, "::");
    ep.listen(factory());
    assert.equal(reactor.tcpServers[0]!.interface, "::");
    assert.equal(new TCP6ServerEndpoint(reactor, 80, { interface: "::1" }).interface, "::1");
  });

  it("reports a failure to listen through the Deferred, thrown or not", () => {
    const reactor = new MemoryReactorClock();
    const err = new CannotListenError("", 80);
    reactor.listenTCP = () => {
      throw err;
    };
    assert.equal(failureResultOf(new TCP4ServerEndpoint(reactor, 80).listen(factory())), err);
  });
});

describe("TCP4ClientEndpoint", () => {
  it("connects with timeout 30 and no bind address by default", () => {
    const reactor = new MemoryReactorClock();
    new TCP4ClientEndpoint(reactor, "example.com", 80).connect(factory());
    const rec = reactor.tcpClients[0]!;
    assert.deepEqual(
      [rec.host, rec.port, rec.timeout, rec.bindAddress],
      ["example.com", 80, 30, undefined],
    );
  });

  it("passes timeout and bindAddress on", () => {
    const reactor = new MemoryReactorClock();
    const ep = new TCP4ClientEndpoint(reactor, "10.0.0.1", 25, {
      timeout: 5,
      bindAddress: { host: "10.0.0.2", port: 0 },
    });
    ep.connect(factory());
    const rec = reactor.tcpClients[0]!;
    assert.equal(rec.timeout, 5);
    assert.deepEqual(rec.bindAddress, { host: "10.0.0.2", port: 0 });
  });
});

describe("TCP6ClientEndpoint", () => {
  it("connects to an IPv6 literal without resolving", () => {
    const reactor = new MemoryReactorClock();
    const resolver = new ControlledResolver();
    reactor.installResolver(resolver);
    const d = new TCP6ClientEndpoint(reactor, "::1", 80, { timeout: 3 }).connect(factory());
    assert.equal(resolver.lookups.length, 0);
    const rec = reactor.tcpClients[0]!;
    assert.deepEqual([rec.host, rec.port, rec.timeout], ["::1", 80, 3]);
    completeConnection(rec.connector);
    assert.ok(successResultOf(d) instanceof Recorder);
  });

  it("resolves a name and connects to its first IPv6 address", () => {
    const reactor = new MemoryReactorClock();
    const resolver = new ControlledResolver();
    reactor.installResolver(resolver);
    const d = new TCP6ClientEndpoint(reactor, "example.com", 443).connect(factory());
    assert.equal(reactor.tcpClients.length, 0);
    resolver.lookups[0]!.d.callback([
      addr("93.184.215.14"),
      addr("2606:2800::1"),
      addr("2606:2800::2"),
    ]);
    assert.equal(reactor.tcpClients[0]!.host, "2606:2800::1");
    assertNoResult(d);
    completeConnection(reactor.connectors[0]!);
    assert.ok(successResultOf(d) instanceof Recorder);
  });

  it("fails with DNSLookupError when the name has no IPv6 address", () => {
    const reactor = new MemoryReactorClock({ hosts: { "v4only.test": "10.1.1.1" } });
    const d = new TCP6ClientEndpoint(reactor, "v4only.test", 80).connect(factory());
    const err = failureResultOf(d);
    assert.ok(err instanceof DNSLookupError);
    assert.match(err.message, /no IPv6 address for v4only\.test/);
  });

  it("cancelling during resolution cancels the lookup", () => {
    const reactor = new MemoryReactorClock();
    const resolver = new ControlledResolver();
    reactor.installResolver(resolver);
    const d = new TCP6ClientEndpoint(reactor, "example.com", 443).connect(factory());
    d.cancel();
    assert.ok(failureResultOf(d) instanceof ConnectingCancelledError);
    assert.equal(resolver.lookups[0]!.cancelled, true);
    assert.equal(reactor.tcpClients.length, 0);
  });

  it("cancelling during the attempt stops the connector", () => {
    const reactor = new MemoryReactorClock({ hosts: { "v6.test": "::5" } });
    const d = new TCP6ClientEndpoint(reactor, "v6.test", 80).connect(factory());
    d.cancel();
    assert.ok(failureResultOf(d) instanceof ConnectingCancelledError);
    assert.equal(reactor.connectors[0]!.stoppedConnecting, true);
  });
});
