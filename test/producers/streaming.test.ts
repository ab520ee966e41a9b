/**
 * Flow control end to end over real loopback sockets: a server streams a deterministic byte
 * pattern without end (a CooperativeProducer on the transport) to a raw client that stops reading
 * (`socket.pause()`) for 10 s. The server's producer must be paused, memory must stay flat, and
 * when the client reads again every byte must arrive in order and the producer be resumed. The
 * same through the port-forwarding proxy. Both variants run concurrently to keep the file short.
 */

import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { after, describe, it } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { Failure } from "../../src/errors/failure.js";
import { CooperativeProducer } from "../../src/producers/cooperative.js";
import type { IPv4Address } from "../../src/protocol/address.js";
import { Factory } from "../../src/protocol/factory.js";
import { Protocol } from "../../src/protocol/protocol.js";
import { ProxyFactory } from "../../src/protocols/portforward.js";
import type { IListeningPort } from "../../src/reactor/interfaces.js";
import { Reactor } from "../../src/reactor/reactor.js";

const STALL_MS = 10_000;
const PERIOD = 251; // a prime: chunk boundaries never line up with the pattern
const CHUNK = 16 * 1024;
const MiB = 1024 * 1024;

/** The pattern, long enough that any 16 KiB window of it is a subarray. */
const PATTERN = new Uint8Array(CHUNK + PERIOD).map((_, i) => i % PERIOD);

let gc: () => void = () => {};
try {
  setFlagsFromString("--expose-gc");
  gc = runInNewContext("gc") as () => void;
} catch {
  // Without a collector to call, measurements only get noisier.
}

function memory(): { rss: number; arrayBuffers: number } {
  gc();
  const m = process.memoryUsage();
  return { rss: m.rss, arrayBuffers: m.arrayBuffers };
}

/** What the server's producer went through. */
class Stats {
  pauses = 0;
  resumes = 0;
  stopped = false;
  paused = false;
  chunks = 0;
}

/** Streams the pattern without end; records what its producer is told. */
class Streamer extends Protocol {
  stats = new Stats();

  override connectionMade(): void {
    const stats = this.stats;
    function* endless(): Generator<Uint8Array> {
      for (let offset = 0; ; offset += CHUNK) {
        stats.chunks++;
        const at = offset % PERIOD;
        yield PATTERN.subarray(at, at + CHUNK);
      }
    }
    const producer = new CooperativeProducer(endless(), { clock: reactor });
    const pause = producer.pauseProducing.bind(producer);
    const resume = producer.resumeProducing.bind(producer);
    const stop = producer.stopProducing.bind(producer);
    producer.pauseProducing = () => {
      stats.pauses++;
      stats.paused = true;
      pause();
    };
    producer.resumeProducing = () => {
      stats.resumes++;
      stats.paused = false;
      resume();
    };
    producer.stopProducing = () => {
      stats.stopped = true;
      stop();
    };
    producer.startProducing(this.transport!).addErrback(() => undefined);
  }

  override connectionLost(reason: Failure): void {
    super.connectionLost(reason);
  }
}

const reactor = new Reactor();
const streamers: Streamer[] = [];
const ports: IListeningPort[] = [];
const sockets: Socket[] = [];
after(async () => {
  for (const s of sockets) s.destroy();
  for (const p of ports) await p.stopListening();
});

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A raw client checking the pattern byte by byte; it can wait for a number of bytes. */
class Reader {
  readonly socket: Socket;
  received = 0;
  private _want = 0;
  private _wake: (() => void) | null = null;
  private _error: Error | null = null;

  constructor(port: number) {
    this.socket = connect(port, "127.0.0.1");
    sockets.push(this.socket);
    this.socket.on("data", (chunk: Buffer) => {
      let k = this.received % PERIOD;
      for (let i = 0; i < chunk.length; i++) {
        if (chunk[i] !== k) {
          this._error ??= new Error(`byte ${this.received + i} is ${chunk[i]}, expected ${k}`);
          break;
        }
        k = k + 1 === PERIOD ? 0 : k + 1;
      }
      this.received += chunk.length;
      if (this._wake !== null && (this.received >= this._want || this._error !== null)) {
        const w = this._wake;
        this._wake = null;
        w();
      }
    });
    this.socket.on("error", (e) => {
      this._error ??= e;
      this._wake?.();
    });
  }

  /** Resolves once `n` bytes in all have arrived (in order), failing after `ms`. */
  async until(n: number, ms = 15_000): Promise<void> {
    if (this.received < n && this._error === null) {
      this._want = n;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`only ${this.received} of ${n} bytes`)),
          ms,
        );
        this._wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    if (this._error !== null) throw this._error;
  }
}

async function listen(factory: Factory | ProxyFactory): Promise<number> {
  const port = await reactor.listenTCP(0, factory, 50, "127.0.0.1");
  ports.push(port);
  return (port.getHost() as IPv4Address).port;
}

const streamFactory = Factory.forProtocol(Streamer, { noisy: false });
streamFactory.buildProtocol = function (addr) {
  const p = Factory.prototype.buildProtocol.call(this, addr) as Streamer;
  streamers.push(p);
  return p;
};

/** One variant: connect, read 1 MiB, stall 10 s, read 4 MiB more; returns what it saw. */
async function variant(port: number, label: string, log: (s: string) => void): Promise<void> {
  const before = streamers.length;
  const reader = new Reader(port);
  await reader.until(MiB);
  const server = streamers[before];
  assert.ok(server !== undefined, `${label}: the server got the connection`);
  const stats = server.stats;
  reader.socket.pause();
  await sleep(1000); // buffers fill up; production stops
  const m0 = memory();
  const chunks0 = stats.chunks;
  // Loopback buffers grow by autotuning for a while, more so with two hops: judge production on
  // the second half of the stall.
  await sleep(STALL_MS / 2 - 1000);
  const chunksMid = stats.chunks;
  await sleep(STALL_MS / 2);
  const m1 = memory();
  const produced = (stats.chunks - chunks0) * CHUNK;
  const late = (stats.chunks - chunksMid) * CHUNK;
  const grew = {
    rss: (m1.rss - m0.rss) / MiB,
    arrayBuffers: (m1.arrayBuffers - m0.arrayBuffers) / MiB,
  };
  log(
    `${label}: during the stall the producer wrote ${produced} B more (${late} B in its second ` +
      `half), pauses ${stats.pauses}, RSS ${grew.rss.toFixed(2)} MiB, arrayBuffers ` +
      `${grew.arrayBuffers.toFixed(2)} MiB; ${reader.received} B read before the stall`,
  );
  assert.equal(stats.paused, true, `${label}: the producer is paused`);
  assert.ok(stats.pauses >= 1, `${label}: pauseProducing was called`);
  assert.ok(late <= 2 * CHUNK, `${label}: production stopped (${late} B late in the stall)`);
  assert.ok(grew.rss < 16, `${label}: RSS grew ${grew.rss} MiB`);
  assert.ok(grew.arrayBuffers < 16, `${label}: arrayBuffers grew ${grew.arrayBuffers} MiB`);

  const resumes0 = stats.resumes;
  const t0 = Date.now();
  reader.socket.resume();
  // What the kernel and the proxy buffered arrives first (several MiB on loopback); the
  // producer is resumed once the buffers drain, and what it writes then must follow in order.
  const deadline = Date.now() + 15_000;
  while (stats.resumes === resumes0 && Date.now() < deadline) {
    await reader.until(reader.received + 256 * 1024);
  }
  assert.ok(stats.resumes > resumes0, `${label}: the producer was resumed`);
  await reader.until(reader.received + 4 * MiB);
  log(
    `${label}: resumed ${Date.now() - t0} ms after the client read again; ${reader.received} B in all`,
  );
  reader.socket.destroy();
  const end = Date.now() + 5000;
  while (!stats.stopped && Date.now() < end) await sleep(10);
  assert.equal(stats.stopped, true, `${label}: the producer was stopped when the client left`);
}

describe("streaming to a reader that stops for 10 s", () => {
  it("directly and through the port-forwarding proxy: paused, bounded, complete, resumed", async (t) => {
    const serverPort = await listen(streamFactory);
    const pf = new ProxyFactory("127.0.0.1", serverPort, reactor);
    pf.noisy = false;
    const proxyPort = await listen(pf);
    await Promise.all([
      variant(serverPort, "direct", (s) => t.diagnostic(s)),
      variant(proxyPort, "proxied", (s) => t.diagnostic(s)),
    ]);
  });
});
