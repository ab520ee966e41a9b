/**
 * Port forwarding: in memory (MemoryReactor records the outgoing connection, IOPumps play both
 * networks) for pausing until connected, relaying, flow control both ways, early data, failed
 * and abandoned connections and closes in each direction; then on loopback, a raw client through
 * a Braid proxy to a Braid echo server.
 */

import assert from "node:assert/strict";
import { connect } from "node:net";
import { after, describe, it } from "node:test";
import { ConnectionRefusedError } from "../../src/errors/errors.js";
import { Failure } from "../../src/errors/failure.js";
import { captureLogEvents } from "../../src/logger/capture.js";
import type { IPv4Address } from "../../src/protocol/address.js";
import { Factory } from "../../src/protocol/factory.js";
import { Protocol } from "../../src/protocol/protocol.js";
import {
  type ProxyClient,
  ProxyClientFactory,
  ProxyFactory,
  ProxyServer,
} from "../../src/protocols/portforward.js";
import type { IListeningPort } from "../../src/reactor/interfaces.js";
import { Reactor } from "../../src/reactor/reactor.js";
import { AccumulatingProtocol } from "../../src/testing/accumulating.js";
import { connectedServerAndClient } from "../../src/testing/iosim.js";
import type { FakeConnector } from "../../src/testing/memoryports.js";
import { MemoryReactor } from "../../src/testing/memoryreactor.js";

const enc = (s: string) => new TextEncoder().encode(s);

class Echo extends Protocol {
  override dataReceived(data: Uint8Array): void {
    this.transport!.write(data);
  }
}

/** The user ↔ proxy connection, with the proxy's outgoing attempt recorded. */
function front(reactor = new MemoryReactor(), host = "upstream.test", port = 7) {
  const factory = new ProxyFactory(host, port, reactor);
  factory.noisy = false;
  const f = connectedServerAndClient<ProxyServer, AccumulatingProtocol>(
    factory,
    AccumulatingProtocol,
    { chunkSize: 400 },
  );
  f.server.noisy = false;
  return { ...f, reactor, factory };
}

/** Completes the proxy's outgoing connection to `upstream` (in memory). */
function back<S extends Protocol>(reactor: MemoryReactor, upstream: S | (new () => S)) {
  const rec = reactor.tcpClients.at(-1)!;
  const connector = rec.connector as FakeConnector;
  return {
    ...connectedServerAndClient<S, ProxyClient>(
      upstream,
      () => {
        return connector.buildProtocol() as ProxyClient;
      },
      { chunkSize: 400 },
    ),
    rec,
    connector,
  };
}

function flushAll(...pumps: { flush(): boolean }[]): void {
  for (let i = 0; i < 50; i++) {
    let moved = false;
    for (const p of pumps) moved = p.flush() || moved;
    if (!moved) return;
  }
}

describe("portforward in memory", () => {
  it("pauses the accepted connection and connects to the destination through the reactor", () => {
    const f = front();
    assert.equal(f.reactor.tcpClients.length, 1);
    const rec = f.reactor.tcpClients[0]!;
    assert.equal(rec.host, "upstream.test");
    assert.equal(rec.port, 7);
    assert.ok(
      rec.factory instanceof ProxyClientFactory,
      "rec.factory instanceof ProxyClientFactory",
    );
    assert.equal(f.serverTransport.readPaused, true);
    // The user's bytes wait (in the "kernel") while the proxy is not connected.
    f.client.transport!.write(enc("early"));
    f.pump.flush();
    assert.equal(f.server.pendingBytes, 0);
    assert.equal(f.clientTransport.getWriteBufferSize(), 5);
  });

  it("relays both ways once connected, wiring each transport as the other's producer", () => {
    const f = front();
    f.client.transport!.write(enc("hello "));
    f.pump.flush();
    const b = back(f.reactor, Echo);
    assert.equal(f.serverTransport.readPaused, false);
    assert.equal(b.clientTransport.producer, f.serverTransport);
    assert.equal(b.clientTransport.streaming, true);
    assert.equal(f.serverTransport.producer, b.clientTransport);
    assert.equal(f.serverTransport.streaming, true);
    f.client.transport!.write(enc("world"));
    flushAll(f.pump, b.pump);
    assert.equal(f.client.dataText(), "hello world");
  });

  it("sends data a transport delivered before the connection was up, first", () => {
    const f = front();
    f.server.dataReceived(enc("ab"));
    f.server.dataReceived(enc("c"));
    assert.equal(f.server.pendingBytes, 3);
    const up = new AccumulatingProtocol();
    const b = back(f.reactor, up);
    f.client.transport!.write(enc("d"));
    flushAll(f.pump, b.pump);
    assert.equal(up.dataText(), "abcd");
    assert.equal(f.server.pendingBytes, 0);
  });

  it("aborts an accepted connection that delivers too much before the connection is up", () => {
    const f = front();
    f.factory.maxPendingBytes = 10;
    const events = captureLogEvents(() => {
      f.server.dataReceived(new Uint8Array(8));
      f.server.dataReceived(new Uint8Array(8));
    });
    assert.equal(f.serverTransport.aborted, true);
    assert.match(String(events[0]?.fields?.error), /10 bytes/);
    f.pump.flush();
    assert.equal(f.client.closed, true);
    assert.equal((f.reactor.tcpClients[0]!.connector as FakeConnector).disconnected, true);
  });

  it("stops reading from a fast side when the slow side's buffer is full", () => {
    const f = front();
    const up = new AccumulatingProtocol();
    const b = back(f.reactor, up);
    b.serverTransport.pauseProducing(); // the destination stops reading
    b.clientTransport.setWriteBufferLimits(1000, 250);
    for (let i = 0; i < 10; i++) f.client.transport!.write(new Uint8Array(400));
    flushAll(f.pump, b.pump);
    // The proxy's outgoing buffer passed its high mark: it paused reading from the user...
    assert.equal(f.serverTransport.readPaused, true);
    assert.ok(
      b.clientTransport.getWriteBufferSize() <= 1000 + 400,
      "b.clientTransport.getWriteBufferSize() <= 1000 + 400",
    );
    // ...whose bytes wait on the user's side.
    assert.ok(
      f.clientTransport.getWriteBufferSize() >= 4000 - 1400,
      "f.clientTransport.getWriteBufferSize() >= 4000 - 1400",
    );
    b.serverTransport.resumeProducing();
    flushAll(f.pump, b.pump);
    assert.equal(up.data.byteLength, 4000);
    assert.equal(f.serverTransport.readPaused, false);
  });

  it("the same the other way: a slow user pauses reading from the destination", () => {
    const f = front();
    const up = new AccumulatingProtocol();
    const b = back(f.reactor, up);
    f.clientTransport.pauseProducing(); // the user stops reading
    f.serverTransport.setWriteBufferLimits(1000, 250);
    for (let i = 0; i < 10; i++) up.transport!.write(new Uint8Array(400));
    flushAll(f.pump, b.pump);
    assert.equal(b.clientTransport.readPaused, true);
    assert.ok(
      f.serverTransport.getWriteBufferSize() <= 1400,
      "f.serverTransport.getWriteBufferSize() <= 1400",
    );
    f.clientTransport.resumeProducing();
    flushAll(f.pump, b.pump);
    assert.equal(f.client.data.byteLength, 4000);
  });

  it("closes the destination side after the user closes, and the other way round", () => {
    const f = front();
    const up = new AccumulatingProtocol();
    const b = back(f.reactor, up);
    f.client.transport!.write(enc("last words"));
    f.client.transport!.loseConnection();
    flushAll(f.pump, b.pump);
    assert.equal(f.client.closed, true);
    assert.equal(up.dataText(), "last words");
    assert.equal(up.closed, true);

    const f2 = front();
    const up2 = new AccumulatingProtocol();
    const b2 = back(f2.reactor, up2);
    up2.transport!.write(enc("bye"));
    up2.transport!.loseConnection();
    flushAll(f2.pump, b2.pump);
    assert.equal(f2.client.dataText(), "bye");
    assert.equal(f2.client.closed, true);
  });

  it("closes the accepted connection when the outgoing one fails", () => {
    const f = front();
    const connector = f.reactor.tcpClients[0]!.connector as FakeConnector;
    connector.connectionFailed(new ConnectionRefusedError());
    f.pump.flush();
    assert.equal(f.client.closed, true);
    assert.equal(f.serverTransport.disconnecting, true);
  });

  it("stops the outgoing attempt when the user goes away first", () => {
    const f = front();
    const connector = f.reactor.tcpClients[0]!.connector as FakeConnector;
    // Its FIN is not seen while reading is paused (as on a real socket): an abort is.
    f.client.transport!.abortConnection();
    f.pump.flush();
    assert.equal(connector.disconnected, true);
    assert.equal(connector.stoppedConnecting, true);
  });

  it("a ProxyClient whose server side is gone closes at once", () => {
    const client = new ProxyClientFactory();
    client.setServer(new ProxyServer());
    const { clientTransport } = connectedServerAndClient(Echo, () => client.buildProtocol(null!)!);
    assert.equal(clientTransport.disconnecting || clientTransport.disconnected, true);
  });

  it("clientConnectionFailed without a server is harmless", () => {
    new ProxyClientFactory().clientConnectionFailed(
      null!,
      new Failure(new ConnectionRefusedError()),
    );
  });
});

describe("portforward on loopback", () => {
  const reactor = new Reactor();
  const ports: IListeningPort[] = [];
  after(async () => {
    for (const p of ports) await p.stopListening();
  });

  async function listen(factory: Factory | ProxyFactory): Promise<number> {
    const port = await reactor.listenTCP(0, factory, 50, "127.0.0.1");
    ports.push(port);
    return (port.getHost() as IPv4Address).port;
  }

  it("relays 2 MiB each way between a raw client and an echo server, then closes", async () => {
    const echoPort = await listen(Factory.forProtocol(Echo, { noisy: false }));
    const pf = new ProxyFactory("127.0.0.1", echoPort, reactor);
    pf.noisy = false;
    const proxyPort = await listen(pf);
    const data = Buffer.alloc(2 * 1024 * 1024);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7 + (i >> 13)) & 0xff;
    const socket = connect(proxyPort, "127.0.0.1");
    const got: Buffer[] = [];
    let n = 0;
    const done = new Promise<void>((resolve, reject) => {
      socket.on("data", (c: Buffer) => {
        got.push(c);
        n += c.length;
        if (n >= data.length) socket.end();
      });
      socket.on("close", () => resolve());
      socket.on("error", reject);
      setTimeout(() => reject(new Error("proxy loopback timed out")), 15_000).unref();
    });
    socket.write(data);
    await done;
    assert.deepEqual(Buffer.concat(got), data);
  });

  it("closes the client when the destination refuses", async () => {
    // A port that was just closed: nothing listens there.
    const tmp = await reactor.listenTCP(
      0,
      Factory.forProtocol(Echo, { noisy: false }),
      5,
      "127.0.0.1",
    );
    const dead = (tmp.getHost() as IPv4Address).port;
    await tmp.stopListening();
    const pf = new ProxyFactory("127.0.0.1", dead, reactor);
    pf.noisy = false;
    const proxyPort = await listen(pf);
    const socket = connect(proxyPort, "127.0.0.1");
    socket.on("error", () => {});
    await new Promise<void>((resolve, reject) => {
      socket.on("close", () => resolve());
      setTimeout(() => reject(new Error("not closed")), 10_000).unref();
    });
  });
});
