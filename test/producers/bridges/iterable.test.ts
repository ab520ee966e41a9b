/**
 * Iterable bridges: a producer over (async) iterables that pulls only when not paused, the
 * `for await` sink with bounded queue, and `IterableProtocol` over StringTransport and a real
 * loopback connection.
 */

import assert from "node:assert/strict";
import { connect as netConnect, type Socket } from "node:net";
import { describe, it } from "node:test";
import { ConnectionDone, ConnectionLost } from "../../../src/errors/errors.js";
import { Failure } from "../../../src/errors/failure.js";
import { PipelineError, PipelineStoppedError } from "../../../src/errors/pipeline.js";
import {
  AsyncIterableSink,
  fromIterable,
  IterableProtocol,
} from "../../../src/producers/bridges/iterable.js";
import type { IPushProducer } from "../../../src/producers/interfaces.js";
import { pipeline } from "../../../src/producers/pipeline.js";
import { collect, map } from "../../../src/producers/stages.js";
import type { IPv4Address } from "../../../src/protocol/address.js";
import { Factory } from "../../../src/protocol/factory.js";
import { Reactor } from "../../../src/reactor/reactor.js";
import { StringTransport } from "../../../src/testing/stringtransport.js";
import { Clock } from "../../../src/time/clock.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("fromIterable", () => {
  it("runs an async generator into a pipeline and finishes", async () => {
    async function* gen() {
      for (let i = 0; i < 5; i++) yield i;
    }
    const sink = collect<number>();
    const s = await pipeline(fromIterable(gen()))
      .through(map((n: number) => n * n))
      .into(sink).done;
    assert.deepEqual(sink.items, [0, 1, 4, 9, 16]);
    assert.equal(s.items, 5);
  });

  it("calls next() only while not paused", async () => {
    let pulled = 0;
    async function* gen() {
      for (;;) {
        pulled++;
        yield pulled;
      }
    }
    const src = fromIterable(gen());
    const sink = new AsyncIterableSink<number>({ highWater: 3, lowWater: 1 });
    src.start(sink);
    await sleep(20);
    assert.equal(src.paused, true);
    const atPause = pulled;
    await sleep(20);
    assert.ok(pulled <= atPause + 1, "no pulls while paused");
    const first = await sink.next();
    assert.deepEqual(first, { value: 1, done: false });
    await sink.return();
    assert.equal(src.done, true);
  });

  it("a throwing iterator fails the consumer with its error, at the source", async () => {
    function* gen() {
      yield 1;
      throw new RangeError("broken");
    }
    const p = pipeline(fromIterable(gen(), { name: "gen" })).into(collect<number>());
    await assert.rejects(p.done.asPromise(), (e: unknown) => {
      assert.ok(e instanceof PipelineError);
      assert.equal(e.stage, "gen");
      assert.equal(e.item, 1);
      assert.ok(e.cause instanceof RangeError);
      return true;
    });
  });

  it("yields to the clock after maxPerTurn items", () => {
    const clock = new Clock();
    const src = fromIterable([1, 2, 3, 4, 5], { clock, maxPerTurn: 2 });
    const sink = collect<number>();
    src.start(sink);
    assert.deepEqual(sink.items, [1, 2]);
    assert.equal(clock.getDelayedCalls().length, 1, "the rest waits for the clock");
    clock.advance(0);
    clock.advance(0);
    assert.deepEqual(sink.items, [1, 2, 3, 4, 5]);
    assert.equal(sink.finished, true);
  });

  it("stopProducing calls the iterator's return()", () => {
    let returned = false;
    const it: Iterable<number> = {
      [Symbol.iterator]: () => ({
        next: () => ({ value: 1, done: false }),
        return: () => {
          returned = true;
          return { value: undefined, done: true };
        },
      }),
    };
    const src = fromIterable(it);
    const c = new AsyncIterableSink<number>({ highWater: 2 });
    src.start(c);
    src.stopProducing();
    assert.equal(returned, true);
  });
});

describe("AsyncIterableSink", () => {
  it("pauses above highWater and resumes at lowWater; ends after the queue", async () => {
    const sink = new AsyncIterableSink<number>({ highWater: 3, lowWater: 1 });
    let paused = 0;
    let resumed = 0;
    const prod: IPushProducer = {
      pauseProducing: () => paused++,
      resumeProducing: () => resumed++,
      stopProducing() {},
    };
    sink.registerProducer(prod, true);
    for (let i = 0; i < 4; i++) sink.write(i);
    assert.equal(paused, 1);
    await sink.next();
    await sink.next();
    assert.equal(resumed, 0);
    await sink.next();
    assert.equal(resumed, 1);
    sink.finish();
    assert.deepEqual(await sink.next(), { value: 3, done: false });
    assert.deepEqual(await sink.next(), { value: undefined, done: true });
  });

  it("throws the failure after the queued items", async () => {
    const sink = new AsyncIterableSink<string>();
    sink.write("a");
    sink.fail(new Failure(new Error("bad")));
    const got: string[] = [];
    await assert.rejects(
      (async () => {
        for await (const s of sink) got.push(s);
      })(),
      /bad/,
    );
    assert.deepEqual(got, ["a"]);
  });

  it("breaking out of the loop stops a pipeline feeding it", async () => {
    async function* gen() {
      for (let i = 0; ; i++) yield i;
    }
    const sink = new AsyncIterableSink<number>({ highWater: 4 });
    const p = pipeline(fromIterable(gen())).into(sink);
    for await (const n of sink) if (n === 10) break;
    await assert.rejects(p.done.asPromise(), (e: unknown) => {
      assert.ok(e instanceof PipelineError);
      assert.ok(e.cause instanceof PipelineStoppedError);
      return true;
    });
  });
});

describe("IterableProtocol", () => {
  it("pauses the transport when the loop falls behind, ends on a clean close", async () => {
    const proto = new IterableProtocol({ highWater: 10, lowWater: 4 });
    const t = new StringTransport();
    proto.makeConnection(t);
    proto.dataReceived(new Uint8Array(6));
    assert.equal(t.producerState, "producing");
    proto.dataReceived(new Uint8Array(6));
    assert.equal(t.producerState, "paused");
    const it = proto[Symbol.asyncIterator]();
    await it.next();
    assert.equal(t.producerState, "paused");
    await it.next();
    assert.equal(t.producerState, "producing");
    proto.dataReceived(new Uint8Array([1]));
    proto.connectionLost(new Failure(new ConnectionDone()));
    assert.deepEqual((await it.next()).value, new Uint8Array([1]));
    assert.equal((await it.next()).done, true);
  });

  it("throws on a non-clean close", async () => {
    const proto = new IterableProtocol();
    proto.makeConnection(new StringTransport());
    proto.connectionLost(new Failure(new ConnectionLost()));
    await assert.rejects(proto[Symbol.asyncIterator]().next(), ConnectionLost);
  });

  it("reads a real loopback connection with for await, with backpressure", {
    timeout: 15_000,
  }, async () => {
    const reactor = new Reactor();
    const protos: IterableProtocol[] = [];
    const f = new Factory();
    f.noisy = false;
    f.buildProtocol = () => {
      const p = new IterableProtocol({ highWater: 64 * 1024 });
      protos.push(p);
      return p;
    };
    const port = await reactor.listenTCP(0, f, 50, "127.0.0.1");
    let peer: Socket | null = null;
    try {
      const total = 8 * 1024 * 1024;
      const data = Buffer.alloc(total);
      for (let i = 0; i < total; i++) data[i] = (i * 7) & 0xff;
      peer = await new Promise<Socket>((resolve, reject) => {
        const s = netConnect(
          { port: (port.getHost() as IPv4Address).port, host: "127.0.0.1" },
          () => resolve(s),
        );
        s.once("error", reject);
      });
      const sent = new Promise<void>((r) => (peer as Socket).end(data, () => r()));
      while (protos.length === 0) await sleep(2);
      const proto = protos[0] as IterableProtocol;
      const got: Buffer[] = [];
      let n = 0;
      let maxQueued = 0;
      for await (const chunk of proto) {
        got.push(Buffer.from(chunk));
        n += chunk.length;
        maxQueued = Math.max(maxQueued, proto.sink.queuedSize);
        if (got.length % 16 === 0) await sleep(1); // a slow reader
      }
      await sent;
      assert.equal(n, total);
      assert.ok(Buffer.concat(got).equals(data));
      assert.ok(maxQueued < 2 * 1024 * 1024, `queue reached ${maxQueued} bytes`);
    } finally {
      peer?.destroy();
      await port.stopListening();
    }
  });
});
