import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fail } from "../../src/defer/deferred.js";
import {
  HostnameAddress,
  HostnameEndpoint,
  interleaveAddresses,
} from "../../src/endpoints/hostname.js";
import {
  ConnectingCancelledError,
  ConnectionRefusedError,
  ConnectTimeoutError,
  DNSLookupError,
} from "../../src/errors/errors.js";
import { Factory } from "../../src/protocol/factory.js";
import { MemoryReactorClock } from "../../src/testing/index.js";
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
const MIXED = ["2001:db8::1", "2001:db8::2", "192.0.2.1", "192.0.2.2"];

function race(addresses: string[], options = {}) {
  const reactor = new MemoryReactorClock({ hosts: { "multi.test": addresses } });
  const d = new HostnameEndpoint(reactor, "multi.test", 443, options).connect(factory());
  const hosts = () => reactor.tcpClients.map((c) => c.host);
  return { reactor, d, hosts };
}

describe("interleaveAddresses", () => {
  it("alternates families, starting with the resolver's first", () => {
    const v6first = interleaveAddresses(MIXED.map(addr)).map((a) => a.address);
    assert.deepEqual(v6first, ["2001:db8::1", "192.0.2.1", "2001:db8::2", "192.0.2.2"]);
    const v4first = interleaveAddresses(
      ["192.0.2.1", "192.0.2.2", "192.0.2.3", "2001:db8::1"].map(addr),
    ).map((a) => a.address);
    assert.deepEqual(v4first, ["192.0.2.1", "2001:db8::1", "192.0.2.2", "192.0.2.3"]);
  });

  it("keeps a single family in order, and an empty list empty", () => {
    const one = ["10.0.0.1", "10.0.0.2"].map(addr);
    assert.deepEqual(interleaveAddresses(one), one);
    assert.deepEqual(interleaveAddresses([]), []);
  });
});

describe("HostnameEndpoint", () => {
  it("starts one attempt every attemptDelay seconds, in interleaved order", () => {
    const { reactor, d, hosts } = race(MIXED);
    assert.deepEqual(hosts(), ["2001:db8::1"]);
    reactor.advance(0.29);
    assert.equal(hosts().length, 1);
    reactor.advance(0.01);
    assert.deepEqual(hosts(), ["2001:db8::1", "192.0.2.1"]);
    reactor.advance(0.3);
    reactor.advance(0.3);
    assert.deepEqual(hosts(), ["2001:db8::1", "192.0.2.1", "2001:db8::2", "192.0.2.2"]);
    assert.equal(reactor.getDelayedCalls().length, 0, "no timer once every attempt started");
    assertNoResult(d);
    d.cancel();
    failureResultOf(d);
  });

  it("honours a custom attemptDelay", () => {
    const { reactor, d, hosts } = race(MIXED, { attemptDelay: 2 });
    reactor.advance(1.9);
    assert.equal(hosts().length, 1);
    reactor.advance(0.1);
    assert.equal(hosts().length, 2);
    d.cancel();
    failureResultOf(d);
  });

  it("starts the next attempt at once when one fails, and restarts the delay from there", () => {
    const { reactor, d, hosts } = race(MIXED);
    reactor.advance(0.1);
    reactor.connectors[0]!.connectionFailed(new ConnectionRefusedError());
    assert.deepEqual(hosts(), ["2001:db8::1", "192.0.2.1"]);
    reactor.advance(0.29);
    assert.equal(hosts().length, 2);
    reactor.advance(0.01);
    assert.equal(hosts().length, 3);
    assertNoResult(d);
    d.cancel();
    failureResultOf(d);
  });

  it("the first connection wins; the other attempts are stopped and no more start", () => {
    const { reactor, d, hosts } = race(MIXED);
    reactor.advance(0.3);
    reactor.advance(0.3);
    assert.equal(hosts().length, 3);
    const [first, second, third] = reactor.connectors;
    completeConnection(second!);
    const proto = successResultOf(d);
    assert.ok(proto instanceof Recorder);
    assert.deepEqual(proto.events, ["connectionMade"]);
    assert.equal(first!.stoppedConnecting, true);
    assert.equal(third!.stoppedConnecting, true);
    assert.equal(second!.state, "connected");
    reactor.advance(10);
    assert.equal(hosts().length, 3);
    assert.equal(reactor.getDelayedCalls().length, 0);
  });

  it("when every attempt fails, fails with the last failure, only after all have failed", () => {
    const { reactor, d } = race(["10.0.0.1", "10.0.0.2", "10.0.0.3"]);
    reactor.advance(0.3);
    reactor.advance(0.3);
    const [a, b, c] = reactor.connectors;
    const last = new ConnectTimeoutError();
    c!.connectionFailed(new ConnectionRefusedError("c"));
    b!.connectionFailed(new ConnectionRefusedError("b"));
    assertNoResult(d);
    a!.connectionFailed(last);
    assert.equal(failureResultOf(d), last);
  });

  it("fails at once when every attempt fails synchronously", () => {
    const reactor = new MemoryReactorClock({ hosts: { "multi.test": MIXED } });
    const errors = MIXED.map((h) => new Error(`no route to ${h}`));
    let i = 0;
    reactor.connectTCP = () => {
      throw errors[i++];
    };
    const d = new HostnameEndpoint(reactor, "multi.test", 80).connect(factory());
    assert.equal(failureResultOf(d), errors[3]);
    assert.equal(reactor.getDelayedCalls().length, 0);
  });

  it("fails with DNSLookupError for an unknown name", () => {
    const reactor = new MemoryReactorClock();
    const d = new HostnameEndpoint(reactor, "nowhere.test", 80).connect(factory());
    assert.ok(failureResultOf(d) instanceof DNSLookupError);
    assert.equal(reactor.tcpClients.length, 0);
  });

  it("turns any other resolver failure into DNSLookupError, keeping the cause", () => {
    const reactor = new MemoryReactorClock();
    const cause = new Error("resolver exploded");
    reactor.installResolver({
      resolveHostName: () => fail(cause),
      getHostByName: () => fail(cause),
    });
    const err = failureResultOf(new HostnameEndpoint(reactor, "x.test", 80).connect(factory()));
    assert.ok(err instanceof DNSLookupError);
    assert.equal(err.cause, cause);
    assert.match(err.message, /x\.test/);
  });

  it("fails with DNSLookupError when the name resolves to nothing", () => {
    const reactor = new MemoryReactorClock();
    const resolver = new ControlledResolver();
    reactor.installResolver(resolver);
    const d = new HostnameEndpoint(reactor, "empty.test", 80).connect(factory());
    resolver.lookups[0]!.d.callback([]);
    const err = failureResultOf(d);
    assert.ok(err instanceof DNSLookupError);
    assert.match(err.message, /no results for hostname lookup: empty\.test/);
  });

  it("cancelling mid-race fails with ConnectingCancelledError and stops everything", () => {
    const { reactor, d, hosts } = race(MIXED);
    reactor.advance(0.3);
    d.cancel();
    const err = failureResultOf(d);
    assert.ok(err instanceof ConnectingCancelledError);
    assert.ok(err.address instanceof HostnameAddress);
    assert.equal(String(err.address), "multi.test:443");
    assert.ok(reactor.connectors.every((c) => c.stoppedConnecting));
    assert.equal(reactor.getDelayedCalls().length, 0);
    reactor.advance(5);
    assert.equal(hosts().length, 2);
  });

  it("cancelling during resolution cancels the lookup and never connects", () => {
    const reactor = new MemoryReactorClock();
    const resolver = new ControlledResolver();
    reactor.installResolver(resolver);
    const d = new HostnameEndpoint(reactor, "slow.test", 80).connect(factory());
    assert.deepEqual(
      resolver.lookups.map((l) => l.name),
      ["slow.test"],
    );
    d.cancel();
    assert.ok(failureResultOf(d) instanceof ConnectingCancelledError);
    assert.equal(resolver.lookups[0]!.cancelled, true);
    assert.equal(reactor.tcpClients.length, 0);
  });

  it("uses an IP literal without resolving it", () => {
    const reactor = new MemoryReactorClock();
    const resolver = new ControlledResolver();
    reactor.installResolver(resolver);
    const d = new HostnameEndpoint(reactor, "::1", 80).connect(factory());
    assert.equal(resolver.lookups.length, 0);
    assert.equal(reactor.tcpClients[0]!.host, "::1");
    completeConnection(reactor.connectors[0]!);
    successResultOf(d);
  });

  it("gives each attempt the timeout and bind address", () => {
    const { reactor, d } = race(["10.0.0.1"], {
      timeout: 4,
      bindAddress: { host: "10.0.0.9" },
    });
    const rec = reactor.tcpClients[0]!;
    assert.deepEqual([rec.port, rec.timeout, rec.bindAddress], [443, 4, { host: "10.0.0.9" }]);
    d.cancel();
    failureResultOf(d);
  });

  it("has the documented defaults and rejects a bad attemptDelay", () => {
    const reactor = new MemoryReactorClock();
    const ep = new HostnameEndpoint(reactor, "a.test", 1);
    assert.deepEqual([ep.timeout, ep.attemptDelay, ep.bindAddress], [30, 0.3, undefined]);
    assert.throws(
      () => new HostnameEndpoint(reactor, "a.test", 1, { attemptDelay: -1 }),
      RangeError,
    );
    assert.throws(
      () => new HostnameEndpoint(reactor, "a.test", 1, { attemptDelay: Number.NaN }),
      RangeError,
    );
  });

  it("HostnameAddress prints IPv6 literals in brackets", () => {
    assert.equal(String(new HostnameAddress("::1", 80)), "[::1]:80");
    assert.equal(String(new HostnameAddress("example.com", 80)), "example.com:80");
  });
});
