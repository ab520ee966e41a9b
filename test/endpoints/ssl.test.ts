import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SSL4ClientEndpoint, SSL4ServerEndpoint } from "../../src/endpoints/ssl.js";
import { ConnectingCancelledError } from "../../src/errors/errors.js";
import { Factory } from "../../src/protocol/factory.js";
import { MemoryReactorClock } from "../../src/testing/index.js";
import { completeConnection, failureResultOf, Recorder, successResultOf } from "./fakes.js";

const factory = () => Factory.forProtocol(Recorder, { noisy: false });
const tls = { key: "KEY", cert: "CERT" };

describe("SSL4ServerEndpoint", () => {
  it("listens with the TLS options, backlog 50 and every interface by default", () => {
    const reactor = new MemoryReactorClock();
    const ep = new SSL4ServerEndpoint(reactor, 8443, tls);
    assert.deepEqual([ep.port, ep.backlog, ep.interface, ep.tlsOptions], [8443, 50, "", tls]);
    successResultOf(ep.listen(factory()));
    const rec = reactor.sslServers[0]!;
    assert.deepEqual([rec.port, rec.backlog, rec.options], [8443, 50, tls]);
  });

  it("passes backlog and interface on", () => {
    const reactor = new MemoryReactorClock();
    new SSL4ServerEndpoint(reactor, 0, tls, { backlog: 3, interface: "127.0.0.1" }).listen(
      factory(),
    );
    const rec = reactor.sslServers[0]!;
    assert.deepEqual([rec.backlog, rec.interface], [3, "127.0.0.1"]);
  });

  it("reports a thrown error through the Deferred", () => {
    const reactor = new MemoryReactorClock();
    const boom = new Error("bad key");
    reactor.listenSSL = () => {
      throw boom;
    };
    assert.equal(failureResultOf(new SSL4ServerEndpoint(reactor, 1, tls).listen(factory())), boom);
  });
});

describe("SSL4ClientEndpoint", () => {
  it("connects with the TLS options, timeout and bind address", () => {
    const reactor = new MemoryReactorClock();
    const options = { hostname: "example.com", trustRoot: "CA" };
    const d = new SSL4ClientEndpoint(reactor, "10.0.0.1", 443, options, {
      timeout: 9,
      bindAddress: { host: "10.0.0.2" },
    }).connect(factory());
    const rec = reactor.sslClients[0]!;
    assert.deepEqual(
      [rec.host, rec.port, rec.options, rec.timeout, rec.bindAddress],
      ["10.0.0.1", 443, options, 9, { host: "10.0.0.2" }],
    );
    completeConnection(rec.connector);
    assert.ok(successResultOf(d) instanceof Recorder);
  });

  it("defaults to empty TLS options (system CAs) and timeout 30", () => {
    const reactor = new MemoryReactorClock();
    new SSL4ClientEndpoint(reactor, "example.com", 443).connect(factory());
    const rec = reactor.sslClients[0]!;
    assert.deepEqual([rec.options, rec.timeout], [{}, 30]);
  });

  it("can be cancelled", () => {
    const reactor = new MemoryReactorClock();
    const d = new SSL4ClientEndpoint(reactor, "example.com", 443).connect(factory());
    d.cancel();
    assert.ok(failureResultOf(d) instanceof ConnectingCancelledError);
    assert.equal(reactor.connectors[0]!.stoppedConnecting, true);
  });
});
