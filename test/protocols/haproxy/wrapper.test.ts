import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { ConnectionDone } from "../../../src/errors/errors.js";
import { Failure } from "../../../src/errors/failure.js";
import { captureLogEvents } from "../../../src/logger/capture.js";
import { type Address, IPv4Address } from "../../../src/protocol/address.js";
import { Factory } from "../../../src/protocol/factory.js";
import { Protocol } from "../../../src/protocol/protocol.js";
import { V2_SIGNATURE } from "../../../src/protocols/haproxy/v2parser.js";
import {
  HAProxyProtocolWrapper,
  HAProxyWrappingFactory,
} from "../../../src/protocols/haproxy/wrapper.js";
import { StringTransportWithDisconnection } from "../../../src/testing/stringtransport.js";
import { b, cat, cutAt, cutPoints, t } from "../helpers.js";
import { ipv4Block, v2Header } from "./helpers.js";

/** Records what the server protocol sees. */
class Server extends Protocol {
  peer: Address | null = null;
  host: Address | null = null;
  received = "";
  lost = false;
  override connectionMade(): void {
    this.peer = this.transport!.getPeer();
    this.host = this.transport!.getHost();
    this.transport!.write(b("hello\r\n"));
  }
  override dataReceived(data: Uint8Array): void {
    this.received += t(data);
  }
  override connectionLost(reason: Failure): void {
    super.connectionLost(reason);
    this.lost = true;
  }
}

function setUp() {
  const factory = new HAProxyWrappingFactory(Factory.forProtocol(Server));
  const balancer = new IPv4Address("TCP", "10.0.0.9", 40000);
  const wrapper = factory.buildProtocol(balancer)!;
  const tr = new StringTransportWithDisconnection({ peerAddress: balancer });
  tr.protocol = wrapper;
  wrapper.makeConnection(tr);
  return { wrapper, tr, server: wrapper.wrapped as Server };
}

const v1 = "PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\n";
const v2 = v2Header({
  family: 1,
  protocol: 1,
  addresses: ipv4Block([192, 0, 2, 1], [198, 51, 100, 2], 56324, 443),
});

describe("HAProxyWrappingFactory", () => {
  for (const [name, header] of [
    ["v1", b(v1)],
    ["v2", v2],
  ] as const) {
    it(`connects the server protocol after a ${name} header, with the real addresses`, () => {
      const { wrapper, tr, server } = setUp();
      assert.equal(server.connected, false);
      wrapper.dataReceived(cat(header, b("GET /")));
      assert.equal(server.connected, true);
      assert.equal(server.peer?.toString(), "192.0.2.1:56324");
      assert.equal(server.host?.toString(), "198.51.100.2:443");
      assert.equal(server.received, "GET /");
      wrapper.dataReceived(b(" HTTP/1.0"));
      assert.equal(server.received, "GET / HTTP/1.0");
      assert.equal(tr.valueText(), "hello\r\n");
      tr.loseConnection();
      assert.equal(server.lost, true);
    });
  }

  it("keeps the real addresses when the header has none", () => {
    const { wrapper, server } = setUp();
    wrapper.dataReceived(b("PROXY UNKNOWN\r\n"));
    assert.equal(server.peer?.toString(), "10.0.0.9:40000");
    assert.equal(server.host?.toString(), "127.0.0.1:8000");
  });

  it("drops a connection without a valid header, logged, unseen by the server", () => {
    for (const bad of [
      b("GET / HTTP/1.0\r\n"),
      b("PROXY TCP4 nope\r\n"),
      cat(V2_SIGNATURE, new Uint8Array([0x31, 0x11, 0, 0])),
    ]) {
      const { wrapper, tr, server } = setUp();
      const events = captureLogEvents(() => wrapper.dataReceived(bad));
      assert.equal(tr.disconnecting, true);
      assert.equal(tr.aborted, false);
      assert.equal(server.connected, false);
      assert.equal(server.lost, false);
      assert.equal(events.length, 1);
      assert.equal(events[0]?.level, "warn");
      assert.match(
        String(events[0]?.fields.code),
        /^ERR_(INVALID_PROXY_HEADER|INVALID_NETWORK_PROTOCOL|MISSING_ADDRESS_DATA)$/,
      );
      wrapper.dataReceived(b("more"));
      assert.equal(server.received, "");
    }
  });

  it("does not tell the server about a connection lost before the header", () => {
    const { wrapper, server } = setUp();
    wrapper.dataReceived(b("PROXY TCP4"));
    wrapper.connectionLost(new Failure(new ConnectionDone()));
    assert.equal(server.lost, false);
  });

  it("returns null when the wrapped factory refuses", () => {
    const f = new HAProxyWrappingFactory({ doStart() {}, doStop() {}, buildProtocol: () => null });
    assert.equal(f.buildProtocol(new IPv4Address("TCP", "1.1.1.1", 1)), null);
  });

  it("passes start and stop on to the wrapped factory", () => {
    const inner = Factory.forProtocol(Server, { noisy: false });
    const f = new HAProxyWrappingFactory(inner);
    f.doStart();
    assert.equal(inner.numPorts, 1);
    f.doStop();
    assert.equal(inner.numPorts, 0);
  });

  it("offers half-close methods only when the server protocol has them", () => {
    class Half extends Server {
      events: string[] = [];
      readConnectionLost(): void {
        this.events.push("read");
      }
      writeConnectionLost(): void {
        this.events.push("write");
      }
    }
    assert.equal(new HAProxyProtocolWrapper(new Server()).readConnectionLost, undefined);
    const half = new Half();
    const wrapper = new HAProxyProtocolWrapper(half);
    const tr = new StringTransportWithDisconnection();
    wrapper.makeConnection(tr);
    wrapper.dataReceived(b(v1));
    wrapper.readConnectionLost!();
    wrapper.writeConnectionLost!();
    assert.deepEqual(half.events, ["read", "write"]);
  });

  it("passes the transport's other methods through", () => {
    const { wrapper, tr } = setUp();
    wrapper.dataReceived(b(v1));
    const pt = wrapper.proxyTransport!;
    pt.writeSequence([b("a"), b("b")]);
    pt.setTcpNoDelay(false);
    assert.equal(pt.getTcpNoDelay(), false);
    pt.setTcpKeepAlive(true, 5);
    assert.equal(pt.getTcpKeepAlive(), true);
    pt.pauseProducing();
    assert.equal(tr.producerState, "paused");
    pt.resumeProducing();
    assert.equal(pt.getWriteBufferSize(), 0);
    pt.loseWriteConnection();
    assert.equal(tr.writeClosed, true);
    assert.equal(tr.valueText(), "hello\r\nab");
    pt.abortConnection();
    assert.equal(tr.aborted, true);
  });

  it("delivers the same bytes however header and payload are cut (property)", () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.uint8Array({ maxLength: 200 }),
        cutPoints(300),
        (useV1, payload, points) => {
          const { wrapper, server } = setUp();
          const input = cat(useV1 ? b(v1) : v2, payload);
          for (const c of cutAt(input, points)) wrapper.dataReceived(c);
          assert.equal(server.peer?.toString(), "192.0.2.1:56324");
          assert.equal(server.received, t(payload));
        },
      ),
    );
  });

  it("never throws on garbage, and ends in a clean disconnect unless it may still be a header (property)", () => {
    const garbage = fc.oneof(
      fc.uint8Array({ minLength: 1, maxLength: 300 }),
      fc.string({ maxLength: 200 }).map((s) => b(`PROXY ${s}`)),
      fc.uint8Array({ maxLength: 300 }).map((x) => cat(V2_SIGNATURE, x)),
    );
    fc.assert(
      fc.property(garbage, cutPoints(300), (bytes, points) => {
        const { wrapper, tr, server } = setUp();
        captureLogEvents(() => {
          for (const c of cutAt(bytes, points)) wrapper.dataReceived(c);
        });
        if (server.connected || tr.disconnecting) {
          assert.equal(tr.aborted, false);
          return;
        }
        // Still waiting: the bytes must be the start of a header within the limits.
        const text = t(bytes);
        const v1Prefix =
          "PROXY ".startsWith(text.slice(0, 6)) && bytes.length < 107 && !text.includes("\n");
        const v2Prefix = t(V2_SIGNATURE).startsWith(text.slice(0, 12));
        assert.ok(v1Prefix || v2Prefix, JSON.stringify(text));
      }),
      { numRuns: 1000 },
    );
  });
});
