/**
 * A pipeline over real loopback sockets: a server streams without end through two stages (a byte
 * transform and a counter) to a client that stops reading for 10 s. The source must be paused,
 * the server's memory must stay flat, and when the client reads again every byte arrives in order
 * and the source is resumed.
 */

import assert from "node:assert/strict";
import { connect as netConnect, type Socket } from "node:net";
import { describe, it } from "node:test";
import type { Failure } from "../../src/errors/failure.js";
import { PipelineError, PipelineStoppedError } from "../../src/errors/pipeline.js";
import { fromIterable, type IterableSource } from "../../src/producers/bridges/iterable.js";
import { TransportSink } from "../../src/producers/bridges/transport.js";
import { type Pipeline, pipeline } from "../../src/producers/pipeline.js";
import { map, tap } from "../../src/producers/stages.js";
import type { IPv4Address } from "../../src/protocol/address.js";
import { Factory } from "../../src/protocol/factory.js";
import type { ITransport } from "../../src/protocol/interfaces.js";
import { Protocol } from "../../src/protocol/protocol.js";
import { Reactor } from "../../src/reactor/reactor.js";

const CHUNK = 16 * 1024;
const KEY = 0x5a;

/** Endless bytes: the byte at stream offset k is k & 0xff. */
function* endless(): Generator<Uint8Array> {
  let offset = 0;
  for (;;) {
    const b = new Uint8Array(CHUNK);
    for (let i = 0; i < CHUNK; i++) b[i] = (offset + i) & 0xff;
    offset += CHUNK;
    yield b;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("pipeline streaming over loopback", () => {
  it("pauses the source while the client does not read, with flat memory, then resumes in order", {
    timeout: 24_000,
  }, async () => {
    const reactor = new Reactor();
    let source: IterableSource<Uint8Array> | null = null;
    let running: Pipeline<Uint8Array> | null = null;
    let counted = 0;
    let pauses = 0;

    class Streamer extends Protocol {
      override connectionMade(): void {
        const t = this.transport as ITransport;
        const src = fromIterable(endless(), { name: "endless", clock: reactor });
        const pause = src.pauseProducing.bind(src);
        src.pauseProducing = () => {
          if (!src.paused) pauses++;
          pause();
        };
        source = src;
        running = pipeline(src)
          .through(
            map((b: Uint8Array) => {
              for (let i = 0; i < b.length; i++) b[i] = (b[i] as number) ^ KEY;
              return b;
            }, "xor"),
          )
          .through(
            tap((b: Uint8Array) => {
              counted += b.length;
            }, "count"),
          )
          .into(new TransportSink(t));
      }
    }
    const port = await reactor.listenTCP(0, Factory.forProtocol(Streamer), 50, "127.0.0.1");
    const portNumber = (port.getHost() as IPv4Address).port;
    let client: Socket | null = null;
    try {
      // The client checks every byte in order.
      let offset = 0;
      let bad = -1;
      const c = await new Promise<Socket>((resolve, reject) => {
        const s = netConnect({ port: portNumber, host: "127.0.0.1" }, () => resolve(s));
        s.once("error", reject);
      });
      client = c;
      c.on("data", (d: Buffer) => {
        for (let i = 0; i < d.length; i++) {
          if (bad < 0 && d[i] !== (((offset + i) & 0xff) ^ KEY)) bad = offset + i;
        }
        offset += d.length;
      });
      while (offset < 4 * 1024 * 1024) await sleep(5);
      c.pause();

      // Wait for the source to stop (the kernel buffers fill first).
      const settleDeadline = Date.now() + 5000;
      let last = -1;
      while (Date.now() < settleDeadline) {
        await sleep(100);
        const p = (source as IterableSource<Uint8Array> | null)?.produced ?? 0;
        if (source !== null && (source as IterableSource<Uint8Array>).paused && p === last) break;
        last = p;
      }
      const src = source as unknown as IterableSource<Uint8Array>;
      assert.equal(src.paused, true, "the source is paused");
      const producedAtPause = src.produced;
      const before = process.memoryUsage();
      let maxRss = before.rss;
      let maxBuffers = before.arrayBuffers;
      const stallEnd = Date.now() + 10_000;
      while (Date.now() < stallEnd) {
        await sleep(250);
        const m = process.memoryUsage();
        maxRss = Math.max(maxRss, m.rss);
        maxBuffers = Math.max(maxBuffers, m.arrayBuffers);
        assert.equal(src.paused, true, "the source stays paused while the client does not read");
      }
      const grew = src.produced - producedAtPause;
      assert.ok(grew <= 4, `the source produced ${grew} chunks while paused`);
      const MiB = 1024 * 1024;
      assert.ok(maxRss - before.rss < 16 * MiB, `RSS grew by ${(maxRss - before.rss) / MiB} MiB`);
      assert.ok(
        maxBuffers - before.arrayBuffers < 16 * MiB,
        `buffers grew by ${(maxBuffers - before.arrayBuffers) / MiB} MiB`,
      );

      // The client reads again: the source resumes and every byte arrives in order.
      const pausesBefore = pauses;
      const target = offset + 16 * MiB;
      c.resume();
      const readDeadline = Date.now() + 8000;
      while (offset < target && Date.now() < readDeadline) await sleep(5);
      assert.ok(offset >= target, `read ${offset} of ${target} bytes after resuming`);
      assert.equal(bad, -1, `byte ${bad} out of order`);
      assert.ok(src.produced > producedAtPause + 16, "the source was resumed");
      assert.ok(pauses > pausesBefore || !src.paused, "flow control keeps working");
      assert.ok(counted >= offset, "the counter stage saw every byte the client read");
    } finally {
      client?.destroy();
      const p = running as Pipeline<Uint8Array> | null;
      if (p !== null) {
        const failure = await new Promise<Failure | null>((resolve) => {
          p.done.addCallbacks(
            () => resolve(null),
            (f) => resolve(f),
          );
        });
        // The client went away: the pipeline fails once, at the sink, stopped by the transport.
        assert.ok(failure?.value instanceof PipelineError);
        assert.equal(failure.value.stage, "transport");
        assert.ok(failure.value.cause instanceof PipelineStoppedError);
      }
      await port.stopListening();
    }
  });
});
