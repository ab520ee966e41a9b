/**
 * CooperativeProducer: push registration, production in Cooperator ticks on a Clock, pause and
 * resume (also from inside `write`), stop / cancel / errors releasing the iterator, and on the
 * real reactor: a `callLater(0)` scheduled while a generator produces for seconds still runs on
 * time.
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CancelledError, InvalidStateError } from "../../src/errors/errors.js";
import { ProducerStopped } from "../../src/errors/producers.js";
import { CooperativeProducer } from "../../src/producers/cooperative.js";
import type { IConsumer, IPullProducer, IPushProducer } from "../../src/producers/interfaces.js";
import { Reactor } from "../../src/reactor/reactor.js";
import { StringTransport } from "../../src/testing/stringtransport.js";
import { Clock } from "../../src/time/clock.js";
import { Cooperator } from "../../src/time/cooperator.js";

/** A Cooperator on a Clock that runs `steps` steps per tick (one tick per `advance`). */
function stepper(clock: Clock, steps: number): Cooperator {
  return new Cooperator({
    clock,
    terminationPredicateFactory: () => {
      let n = 0;
      return () => ++n >= steps;
    },
  });
}

function* numbered(n: number): Generator<Uint8Array> {
  for (let i = 0; i < n; i++) yield new Uint8Array([i]);
}

/** A consumer that pauses its push producer once `limit` chunks are held. */
class LimitedConsumer implements IConsumer<Uint8Array> {
  producer: IPushProducer | null = null;
  held: number[] = [];
  unregistered = 0;
  constructor(private readonly limit: number) {}
  registerProducer(p: IPushProducer | IPullProducer, streaming: boolean): void {
    assert.equal(streaming, true);
    this.producer = p as IPushProducer;
  }
  unregisterProducer(): void {
    this.producer = null;
    this.unregistered++;
  }
  write(d: Uint8Array): void {
    this.held.push(d[0]!);
    if (this.held.length >= this.limit) this.producer?.pauseProducing();
  }
  drain(): number[] {
    const out = this.held;
    this.held = [];
    this.producer?.resumeProducing();
    return out;
  }
}

describe("CooperativeProducer", () => {
  it("registers as a push producer and writes a few chunks per tick until done", async () => {
    const clock = new Clock();
    const t = new StringTransport();
    const p = new CooperativeProducer(numbered(10), { cooperator: stepper(clock, 3) });
    let done = false;
    p.startProducing(t).addCallback(() => {
      done = true;
    });
    assert.equal(t.producer, p);
    assert.equal(t.streaming, true);
    assert.equal(t.io.length, 0, "nothing is written synchronously");
    clock.advance(1);
    assert.equal(t.io.length, 3);
    clock.advance(1);
    clock.advance(1);
    clock.advance(1);
    assert.equal(t.io.length, 10);
    clock.advance(1);
    assert.equal(done, true);
    assert.equal(t.producer, null);
    assert.equal(p.done, true);
    assert.equal(p.produced, 10);
    assert.deepEqual([...t.value()], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it("takes an iterable or an iterator, and a clock's shared Cooperator", () => {
    const clock = new Clock();
    const t = new StringTransport();
    new CooperativeProducer([new Uint8Array([1]), new Uint8Array([2])], { clock }).startProducing(
      t,
    );
    for (let i = 0; i < 5; i++) clock.advance(1);
    assert.deepEqual([...t.value()], [1, 2]);
    const t2 = new StringTransport();
    new CooperativeProducer(numbered(2), { clock }).startProducing(t2);
    for (let i = 0; i < 5; i++) clock.advance(1);
    assert.deepEqual([...t2.value()], [0, 1]);
    assert.throws(() => new CooperativeProducer([], {}), TypeError);
  });

  it("pauses at once when paused from inside write, and resumes in order", () => {
    const clock = new Clock();
    const c = new LimitedConsumer(4);
    const p = new CooperativeProducer(numbered(10), { cooperator: stepper(clock, 100) });
    const d = p.startProducing(c);
    clock.advance(1);
    assert.deepEqual(c.held, [0, 1, 2, 3]);
    assert.equal(p.paused, true);
    clock.advance(1);
    clock.advance(1);
    assert.equal(c.held.length, 4, "nothing while paused");
    p.pauseProducing(); // idempotent
    assert.deepEqual(c.drain(), [0, 1, 2, 3]);
    p.resumeProducing(); // idempotent
    clock.advance(1);
    assert.deepEqual(c.drain(), [4, 5, 6, 7]);
    clock.advance(1);
    assert.deepEqual(c.held, [8, 9]);
    clock.advance(1);
    assert.equal(c.unregistered, 1);
    assert.equal(d.called, true);
  });

  it("stopProducing closes the iterator and fails with ProducerStopped", async () => {
    const clock = new Clock();
    let closed = false;
    function* endless() {
      try {
        for (let i = 0; ; i++) yield new Uint8Array([i & 0xff]);
      } finally {
        closed = true;
      }
    }
    const t = new StringTransport();
    const p = new CooperativeProducer(endless(), { cooperator: stepper(clock, 2) });
    const d = p.startProducing(t);
    clock.advance(1);
    p.stopProducing();
    assert.equal(closed, true);
    await assert.rejects(async () => d, ProducerStopped);
    clock.advance(1);
    clock.advance(1);
    assert.equal(t.io.length, 2, "nothing after stopProducing");
    p.stopProducing();
    p.pauseProducing();
    p.resumeProducing();
  });

  it("can be stopped while paused, and from inside write", async () => {
    const clock = new Clock();
    const c = new LimitedConsumer(1);
    const p = new CooperativeProducer(numbered(5), { cooperator: stepper(clock, 10) });
    const d = p.startProducing(c);
    clock.advance(1);
    assert.equal(p.paused, true);
    p.stopProducing();
    await assert.rejects(async () => d, ProducerStopped);

    const t = new StringTransport();
    let p2: CooperativeProducer | null = null;
    const stopper: IConsumer<Uint8Array> = {
      registerProducer: (prod) => t.registerProducer(prod, true),
      unregisterProducer: () => t.unregisterProducer(),
      write: (data) => {
        t.write(data);
        p2!.stopProducing();
      },
    };
    p2 = new CooperativeProducer(numbered(5), { cooperator: stepper(clock, 10) });
    const d2 = p2.startProducing(stopper);
    clock.advance(1);
    await assert.rejects(async () => d2, ProducerStopped);
    assert.equal(t.io.length, 1);
  });

  it("fails with the iterator's error and unregisters", async () => {
    const clock = new Clock();
    function* broken() {
      yield new Uint8Array([1]);
      throw new RangeError("generator broke");
    }
    const t = new StringTransport();
    const d = new CooperativeProducer(broken(), { clock }).startProducing(t);
    for (let i = 0; i < 3; i++) clock.advance(1);
    await assert.rejects(async () => d, RangeError);
    assert.equal(t.producer, null);
    assert.equal(t.io.length, 1);
  });

  it("cancelling the Deferred stops production and unregisters", async () => {
    const clock = new Clock();
    const t = new StringTransport();
    const p = new CooperativeProducer(numbered(100), { cooperator: stepper(clock, 1) });
    const d = p.startProducing(t);
    clock.advance(1);
    d.cancel();
    await assert.rejects(async () => d, CancelledError);
    assert.equal(t.producer, null);
    clock.advance(1);
    assert.equal(t.io.length, 1);
  });

  it("is stopped by a consumer that stops it while registering (a lost connection)", async () => {
    const clock = new Clock();
    let closed = false;
    function* gen() {
      try {
        yield new Uint8Array([1]);
      } finally {
        closed = true;
      }
    }
    const lost: IConsumer<Uint8Array> = {
      registerProducer: (prod) => prod.stopProducing(),
      unregisterProducer: () => {},
      write: () => assert.fail("nothing may be written"),
    };
    const g = gen();
    g.next(); // started, so return() runs its finally block
    const d = new CooperativeProducer(g, { clock }).startProducing(lost);
    await assert.rejects(async () => d, ProducerStopped);
    assert.equal(closed, true);
    clock.advance(1);
  });

  it("rethrows what registerProducer throws; starts only once", () => {
    const clock = new Clock();
    const t = new StringTransport();
    t.registerProducer({ pauseProducing() {}, resumeProducing() {}, stopProducing() {} }, true);
    assert.throws(
      () => new CooperativeProducer(numbered(1), { clock }).startProducing(t),
      InvalidStateError,
    );
    const p = new CooperativeProducer(numbered(1), { clock });
    p.startProducing(new StringTransport());
    assert.throws(() => p.startProducing(new StringTransport()), InvalidStateError);
    for (let i = 0; i < 3; i++) clock.advance(1);
  });

  it("keeps the real reactor responsive while a generator produces for seconds", async (t) => {
    const reactor = new Reactor();
    const lateness: number[] = [];
    const WORK_MS = 0.5;
    const CHUNKS = 3000; // about 1.5 s of CPU-bound production
    function* heavy(): Generator<Uint8Array> {
      for (let i = 0; i < CHUNKS; i++) {
        const end = performance.now() + WORK_MS;
        while (performance.now() < end) {
          // CPU-bound work for this chunk
        }
        if (i % 25 === 0) {
          const scheduled = performance.now();
          reactor.callLater(0, () => lateness.push(performance.now() - scheduled));
        }
        yield new Uint8Array(1024);
      }
    }
    let bytes = 0;
    const sink: IConsumer<Uint8Array> = {
      registerProducer() {},
      unregisterProducer() {},
      write(d) {
        bytes += d.byteLength;
      },
    };
    const started = performance.now();
    await new CooperativeProducer(heavy(), { clock: reactor }).startProducing(sink);
    const elapsed = performance.now() - started;
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(bytes, CHUNKS * 1024);
    const sorted = [...lateness].sort((a, b) => a - b);
    const median = sorted[sorted.length >> 1]!;
    const p95 = sorted[Math.floor(sorted.length * 0.95)]!;
    t.diagnostic(
      `production ${elapsed.toFixed(0)} ms; callLater(0) lateness over ${sorted.length} probes: ` +
        `median ${median.toFixed(2)} ms, p95 ${p95.toFixed(2)} ms, max ${sorted.at(-1)!.toFixed(2)} ms`,
    );
    assert.equal(sorted.length, CHUNKS / 25);
    assert.ok(median < 50, `median lateness ${median} ms`);
  });
});
