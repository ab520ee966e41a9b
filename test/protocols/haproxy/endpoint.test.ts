import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { serverFromString } from "../../../src/endpoints/parser.js";
import { parseDescription } from "../../../src/endpoints/syntax.js";
import { EndpointParseError } from "../../../src/errors/errors.js";
import { Factory } from "../../../src/protocol/factory.js";
import { Protocol } from "../../../src/protocol/protocol.js";
import {
  HAProxyServerEndpoint,
  proxyEndpoint,
  registerHAProxyEndpoint,
} from "../../../src/protocols/haproxy/endpoint.js";
import { HAProxyWrappingFactory } from "../../../src/protocols/haproxy/wrapper.js";
import { MemoryReactorClock } from "../../../src/testing/memoryreactor.js";

describe("haproxy: endpoint", () => {
  it("is registered on import, and registering again does nothing", () => {
    registerHAProxyEndpoint();
    registerHAProxyEndpoint();
    const reactor = new MemoryReactorClock();
    assert.ok(serverFromString(reactor, "haproxy:tcp:8080") instanceof HAProxyServerEndpoint);
    assert.equal(parseDescription("haproxy:tcp:8080").rest, "tcp:8080");
  });

  it("listens with the inner endpoint, the factory wrapped", async () => {
    const reactor = new MemoryReactorClock();
    const factory = Factory.forProtocol(Protocol);
    const port = await serverFromString(reactor, "haproxy:tcp:8080:interface=127.0.0.1").listen(
      factory,
    );
    assert.ok(port);
    const record = reactor.tcpServers[0]!;
    assert.equal(record.port, 8080);
    assert.equal(record.interface, "127.0.0.1");
    assert.ok(record.factory instanceof HAProxyWrappingFactory);
    assert.equal((record.factory as HAProxyWrappingFactory).wrappedFactory, factory);
  });

  it("reports errors in the inner description", () => {
    const reactor = new MemoryReactorClock();
    assert.throws(() => serverFromString(reactor, "haproxy:nope:1"), EndpointParseError);
    assert.throws(() => serverFromString(reactor, "haproxy:tcp:notaport"), EndpointParseError);
  });

  it("wraps any endpoint with proxyEndpoint", async () => {
    let given: unknown = null;
    const inner = {
      listen: (f: unknown) => {
        given = f;
        return null as never;
      },
    };
    proxyEndpoint(inner).listen(Factory.forProtocol(Protocol));
    assert.ok(given instanceof HAProxyWrappingFactory);
  });
});
