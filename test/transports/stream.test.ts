/**
 * StreamTransport: the conformance suite over TCP, UNIX and TLS, and flow control in both
 * directions against raw `node:net` peers on loopback.
 */

import assert from "node:assert/strict";
import { connect as netConnect, type Socket } from "node:net";
import { after, describe, it } from "node:test";
import { ConnectionDone, ConnectionLost, ConnectionResetError } from "../../src/errors/errors.js";
import type { IPushProducer } from "../../src/producers/interfaces.js";
import type { IListeningPort } from "../../src/reactor/interfaces.js";
import { LINGER_SECONDS, type StreamTransport } from "../../src/transports/stream.js";
import { describeTransportConformance } from "./conformance.js";
import {
  digest,
  HalfCloseRecorder,
  newReactor,
  patterned,
  portOf,
  Recorder,
  realPair,
  serverFactory,
  sleep,
  waitFor,
} from "./helpers.js";

const reactor = newReactor();

describeTransportConformance("TCP", (c, s) => realPair(reactor, "TCP", c, s));
describeTransportConformance("UNIX", (c, s) => realPair(reactor, "UNIX", c, s));
describeTransportConformance("TLS", (c, s) => realPair(reactor, "TLS", c, s));

/** Listens with a fresh protocol per connection; returns the port and the protocols made. */
async function listen<P extends Recorder>(
  make: () => P,
): Promise<{ port: IListeningPort; made: P[] }> {
  const made: P[] = [];
  const port = await reactor.listenTCP(
    0,
    serverFactory(() => {
      const p = make();
      made.push(p);
      return p;
    }),
    50,
    "127.0.0.1",
  );
  return { port, made };
}

function rawClient(port: IListeningPort): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = netConnect({ port: portOf(port), host: "127.0.0.1", allowHalfOpen: true }, () =>
      resolve(s),
    );
    s.once("error", reject);
  });
}

describe("StreamTransport against raw node:net peers", () => {
  const ports: IListeningPort[] = [];
  const sockets: Socket[] = [];
  after(async () => {
    for (const s of sockets) s.destroy();
    for (const p of ports) await p.stopListening();
  });

  it("pauses a push producer while the peer does not read, and resumes it when it does", {
    timeout: 20_000,
  }, async () => {
    const total = 16 * 1024 * 1024;
    const sent: Buffer[] = [];
    let pauses = 0;
    let resumes = 0;
    let maxBuffered = 0;
    const { port, made } = await listen(() => new Recorder());
    ports.push(port);
    const peer = await rawClient(port);
    sockets.push(peer);
    peer.pause();
    await waitFor(() => made.length === 1 && made[0]!.connected, 5000, "server protocol");
    const t = made[0]!.transport!;
    let produced = 0;
    let paused = false;
    let seed = 1;
    const produce = (): void => {
      while (!paused && produced < total) {
        const chunk = patterned(16_384, seed++);
        sent.push(chunk);
        produced += chunk.length;
        t.write(chunk);
        maxBuffered = Math.max(maxBuffered, t.getWriteBufferSize());
      }
      if (produced >= total) {
        t.unregisterProducer();
        t.loseConnection();
      }
    };
    const producer: IPushProducer = {
      pauseProducing() {
        pauses++;
        paused = true;
      },
      resumeProducing() {
        resumes++;
        paused = false;
        setImmediate(produce);
      },
      stopProducing() {},
    };
    t.registerProducer(producer, true);
    produce();
    await sleep(100);
    assert.ok(pauses >= 1, "the producer was paused");
    assert.ok(produced < total, "it stopped producing while the peer did not read");
    const stalledAt = produced;
    await sleep(100);
    assert.equal(produced, stalledAt, "nothing produced while paused");
    const got: Buffer[] = [];
    const ended = new Promise<void>((r) => peer.on("end", r));
    peer.on("data", (d: Buffer) => got.push(d));
    peer.resume();
    await ended;
    assert.ok(resumes >= 1);
    assert.ok(maxBuffered <= 64 * 1024 + 16_384, `buffer stayed bounded (max ${maxBuffered})`);
    assert.equal(digest(got), digest(sent));
  });

  it("pauseProducing makes the peer's writes back up; resumeProducing delivers them all in order", {
    timeout: 20_000,
  }, async () => {
    const { port, made } = await listen(() => new Recorder());
    ports.push(port);
    const peer = await rawClient(port);
    sockets.push(peer);
    await waitFor(() => made.length === 1 && made[0]!.connected, 5000, "server protocol");
    const server = made[0]!;
    server.transport!.pauseProducing();
    const sent: Buffer[] = [];
    let seed = 1;
    // Write until the kernel buffers and the socket's own buffer are full.
    while (peer.writableLength < 4 * 1024 * 1024) {
      const b = patterned(65_536, seed++);
      sent.push(b);
      peer.write(b);
      if (peer.writableNeedDrain) await sleep(5);
      if (seed > 400) break;
    }
    await sleep(100);
    assert.ok(peer.writableLength > 0, "the peer's writes backed up");
    const before = server.receivedBytes();
    await sleep(50);
    assert.equal(server.receivedBytes(), before, "nothing more delivered while paused");
    server.transport!.resumeProducing();
    const total = sent.reduce((n, b) => n + b.length, 0);
    await waitFor(() => server.receivedBytes() === total, 10_000, "every byte");
    assert.equal(digest(server.chunks), digest(sent));
    peer.end();
    await server.lost;
  });

  it("a peer that resets mid-stream gives ConnectionResetError", { timeout: 10_000 }, async () => {
    const { port, made } = await listen(() => new Recorder());
    ports.push(port);
    const peer = await rawClient(port);
    peer.write(patterned(1000));
    await waitFor(() => made.length === 1 && made[0]!.receivedBytes() === 1000, 5000, "data");
    peer.resetAndDestroy();
    const reason = await made[0]!.lost;
    assert.ok(reason.check(ConnectionResetError), String(reason.value));
    assert.ok(reason.check(ConnectionLost));
  });

  it("a peer's half-close: readConnectionLost for a half-closeable protocol, which can still write", {
    timeout: 10_000,
  }, async () => {
    const { port, made } = await listen(() => new HalfCloseRecorder());
    ports.push(port);
    const peer = await rawClient(port);
    const got: Buffer[] = [];
    peer.on("data", (d: Buffer) => got.push(d));
    const peerEnded = new Promise<void>((r) => peer.on("end", r));
    peer.end("request");
    await waitFor(
      () => made[0]?.events.includes("readConnectionLost") ?? false,
      5000,
      "readConnectionLost",
    );
    const server = made[0]!;
    server.transport!.write(Buffer.from("response"));
    server.transport!.loseConnection();
    await peerEnded;
    const reason = await server.lost;
    assert.equal(Buffer.concat(got).toString(), "response");
    assert.equal(server.received().toString(), "request");
    assert.ok(reason.check(ConnectionDone));
    assert.deepEqual(server.events, [
      "makeConnection",
      "connectionMade",
      "data",
      "readConnectionLost",
      "connectionLost",
    ]);
  });

  it("a peer's half-close closes a plain protocol's connection cleanly, after sending what it queued", {
    timeout: 10_000,
  }, async () => {
    const { port, made } = await listen(() => {
      const r = new Recorder();
      r.onData = (d) => r.transport!.write(d);
      return r;
    });
    ports.push(port);
    const peer = await rawClient(port);
    const got: Buffer[] = [];
    peer.on("data", (d: Buffer) => got.push(d));
    const peerEnded = new Promise<void>((r) => peer.on("end", r));
    peer.end("echo me");
    const reason = await made[0]!.lost;
    await peerEnded;
    assert.ok(reason.check(ConnectionDone));
    assert.equal(Buffer.concat(got).toString(), "echo me");
  });

  it("loseWriteConnection half-closes: writeConnectionLost, then reading goes on", {
    timeout: 10_000,
  }, async () => {
    const { port, made } = await listen(() => new HalfCloseRecorder());
    ports.push(port);
    const peer = await rawClient(port);
    await waitFor(() => made[0]?.connected ?? false, 5000, "server");
    const server = made[0]!;
    const peerEnded = new Promise<void>((r) => peer.on("end", r));
    peer.resume();
    server.transport!.write(Buffer.from("last words"));
    (server.transport as StreamTransport).loseWriteConnection();
    await peerEnded;
    await waitFor(() => server.events.includes("writeConnectionLost"), 5000, "writeConnectionLost");
    peer.end("still listening?");
    const reason = await server.lost;
    assert.ok(reason.check(ConnectionDone));
    assert.equal(server.received().toString(), "still listening?");
    assert.deepEqual(server.events, [
      "makeConnection",
      "connectionMade",
      "writeConnectionLost",
      "data",
      "readConnectionLost",
      "connectionLost",
    ]);
  });

  it("loseWriteConnection on a plain protocol: connectionLost(ConnectionDone) once the peer closes", {
    timeout: 10_000,
  }, async () => {
    const { port, made } = await listen(() => new Recorder());
    ports.push(port);
    const peer = await rawClient(port);
    await waitFor(() => made[0]?.connected ?? false, 5000, "server");
    const server = made[0]!;
    peer.on("end", () => peer.end());
    peer.resume();
    (server.transport as StreamTransport).loseWriteConnection();
    const reason = await server.lost;
    assert.ok(reason.check(ConnectionDone));
  });

  it("loseConnection closes the socket after the linger time when the peer never closes", {
    timeout: 10_000,
  }, async () => {
    const { port, made } = await listen(() => new Recorder());
    ports.push(port);
    const peer = await rawClient(port); // half-open allowed, and never ends
    sockets.push(peer);
    const peerEnded = new Promise<void>((r) => peer.on("end", r));
    peer.resume();
    await waitFor(() => made[0]?.connected ?? false, 5000, "server");
    const started = Date.now();
    made[0]!.transport!.write(Buffer.from("bye"));
    made[0]!.transport!.loseConnection();
    await peerEnded;
    peer.write("ignored after loseConnection");
    const reason = await made[0]!.lost;
    assert.ok(reason.check(ConnectionDone));
    assert.ok(Date.now() - started >= LINGER_SECONDS * 1000 - 50);
    assert.equal(made[0]!.receivedBytes(), 0);
    assert.equal(reactor.getDelayedCalls().length, 0);
  });

  it("TCP options: no-delay on by default, keep-alive off until set", {
    timeout: 10_000,
  }, async () => {
    const { port, made } = await listen(() => new Recorder());
    ports.push(port);
    const peer = await rawClient(port);
    peer.on("end", () => peer.end());
    peer.resume();
    await waitFor(() => made[0]?.connected ?? false, 5000, "server");
    const t = made[0]!.transport as StreamTransport;
    assert.equal(t.getTcpNoDelay(), true);
    t.setTcpNoDelay(false);
    assert.equal(t.getTcpNoDelay(), false);
    assert.equal(t.getTcpKeepAlive(), false);
    t.setTcpKeepAlive(true, 30);
    assert.equal(t.getTcpKeepAlive(), true);
    assert.equal(t.secure, false);
    const peerPort = peer.localPort;
    assert.equal(t.getPeer().toString(), `127.0.0.1:${peerPort}`);
    assert.equal(t.getHost().toString(), `127.0.0.1:${portOf(port)}`);
    t.loseConnection();
    await made[0]!.lost;
    assert.equal(t.getPeer().toString(), `127.0.0.1:${peerPort}`, "addresses survive the close");
  });
});
