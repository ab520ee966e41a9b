/**
 * Producer-consumer proxies: registration both ways, pause/resume/stop relayed or absorbed,
 * the bounded buffer, pull mode (outstandingPull), unregistering once drained, and property tests
 * that random chunk sizes and pause schedules never lose, duplicate or reorder bytes.
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { InvalidStateError } from "../../src/errors/errors.js";
import { captureLogEvents } from "../../src/logger/capture.js";
import type { IConsumer, IPullProducer, IPushProducer } from "../../src/producers/interfaces.js";
import { BasicProducerConsumerProxy, ProducerConsumerProxy } from "../../src/producers/pcp.js";
import { StringTransport } from "../../src/testing/stringtransport.js";

/** A push producer that records the calls it gets. */
class FakePush implements IPushProducer {
  paused = false;
  stopped = false;
  calls: string[] = [];
  pauseProducing(): void {
    this.paused = true;
    this.calls.push("pause");
  }
  resumeProducing(): void {
    this.paused = false;
    this.calls.push("resume");
  }
  stopProducing(): void {
    this.stopped = true;
    this.calls.push("stop");
  }
}

/** A pull producer that records how often it was asked. */
class FakePull implements IPullProducer {
  asked = 0;
  stopped = false;
  resumeProducing(): void {
    this.asked++;
  }
  stopProducing(): void {
    this.stopped = true;
  }
}

const text = (s: string) => new TextEncoder().encode(s);

describe("BasicProducerConsumerProxy", () => {
  it("registers with its consumer as a push producer, or as a pull producer", () => {
    const t = new StringTransport();
    const p = new BasicProducerConsumerProxy(t);
    assert.equal(t.producer, p);
    assert.equal(t.streaming, true);
    assert.equal(p.iAmStreaming, true);
    const t2 = new StringTransport();
    const q = new BasicProducerConsumerProxy(t2, { streaming: false });
    assert.equal(t2.streaming, false);
    assert.equal(q.iAmStreaming, false);
    const none = new BasicProducerConsumerProxy(null);
    assert.equal(none.consumer, null);
  });

  it("passes writes through while not paused", () => {
    const t = new StringTransport();
    const p = new BasicProducerConsumerProxy(t);
    p.write(text("ab"));
    p.write(text("c"));
    assert.equal(t.valueText(), "abc");
    assert.equal(p.bufferedBytes, 0);
  });

  it("relays a pause to its producer, buffers meanwhile, and flushes in one write on resume", () => {
    const t = new StringTransport();
    const p = new BasicProducerConsumerProxy(t);
    const up = new FakePush();
    p.registerProducer(up, true);
    p.pauseProducing();
    assert.equal(up.paused, true);
    p.write(text("x"));
    p.write(text("yz"));
    assert.equal(t.valueText(), "");
    assert.equal(p.bufferedBytes, 3);
    p.resumeProducing();
    assert.equal(t.io.length, 1);
    assert.equal(t.valueText(), "xyz");
    assert.deepEqual(up.calls, ["pause", "resume"]);
  });

  it("as a pull producer, writes only what was asked for (outstandingPull)", () => {
    const t = new StringTransport();
    const p = new BasicProducerConsumerProxy(t, { streaming: false });
    p.write(text("a"));
    assert.equal(t.valueText(), "", "nobody asked yet");
    p.resumeProducing();
    assert.equal(t.valueText(), "a");
    assert.equal(p.outstandingPull, false);
    p.resumeProducing(); // nothing buffered: the request is remembered
    assert.equal(p.outstandingPull, true);
    p.write(text("b"));
    assert.equal(t.valueText(), "ab");
    assert.equal(p.outstandingPull, false);
    p.write(text("c"));
    assert.equal(t.valueText(), "ab");
  });

  it("relays stopProducing, and lets go of the consumer", () => {
    const t = new StringTransport();
    const p = new BasicProducerConsumerProxy(t);
    const up = new FakePush();
    p.registerProducer(up, true);
    p.stopProducing();
    assert.equal(up.stopped, true);
    assert.equal(p.stopped, true);
    assert.equal(p.consumer, null);
    p.write(text("lost"));
    assert.equal(t.valueText(), "");
  });

  it("throws when a second producer registers; unregistering propagates downstream", () => {
    const t = new StringTransport();
    const p = new BasicProducerConsumerProxy(t);
    p.registerProducer(new FakePush(), true);
    assert.throws(() => p.registerProducer(new FakePush(), true), InvalidStateError);
    p.unregisterProducer();
    assert.equal(p.producer, null);
    assert.equal(t.producer, null);
    p.registerProducer(new FakePush(), true);
  });

  it("does not call pauseProducing on a pull producer upstream, and logs producer errors", () => {
    const t = new StringTransport();
    const p = new BasicProducerConsumerProxy(t);
    const pull = new FakePull();
    p.registerProducer(pull, false);
    p.pauseProducing();
    p.resumeProducing();
    assert.equal(pull.asked, 1);
    const q = new BasicProducerConsumerProxy(new StringTransport());
    q.registerProducer(
      {
        pauseProducing() {
          throw new Error("boom");
        },
        resumeProducing() {},
        stopProducing() {},
      },
      true,
    );
    const events = captureLogEvents(() => q.pauseProducing()); // logged, not thrown
    assert.equal(events.length, 1);
    assert.equal(events[0]?.level, "critical");
  });
});

describe("ProducerConsumerProxy", () => {
  it("absorbs pauses in its buffer until it holds bufferSize bytes, then pauses upstream", () => {
    const t = new StringTransport();
    const p = new ProducerConsumerProxy(t, { bufferSize: 10 });
    const up = new FakePush();
    p.registerProducer(up, true);
    p.pauseProducing();
    assert.equal(up.paused, false, "a pause is not relayed");
    p.write(new Uint8Array(6));
    assert.equal(up.paused, false);
    p.write(new Uint8Array(4));
    assert.equal(up.paused, true);
    assert.equal(p.producerPaused, true);
    assert.equal(p.bufferedBytes, 10);
    p.resumeProducing();
    assert.equal(t.value().byteLength, 10);
    assert.equal(t.io.length, 1);
    assert.equal(up.paused, false);
    assert.deepEqual(up.calls, ["pause", "resume"]);
  });

  it("pulls a pull producer on registration and when asked for data it does not have", () => {
    const t = new StringTransport();
    const p = new ProducerConsumerProxy(t, { streaming: false });
    const up = new FakePull();
    p.registerProducer(up, false);
    assert.equal(up.asked, 1);
    p.write(text("a")); // not asked downstream yet: buffered
    assert.equal(t.valueText(), "");
    p.resumeProducing(); // sends the buffer; no pull needed
    assert.equal(t.valueText(), "a");
    assert.equal(up.asked, 1);
    p.resumeProducing(); // nothing buffered: pull upstream
    assert.equal(p.outstandingPull, true);
    assert.equal(up.asked, 2);
    p.write(text("b"));
    assert.equal(t.valueText(), "ab");
  });

  it("unregisters from its consumer only once its buffer is drained", () => {
    const t = new StringTransport();
    const p = new ProducerConsumerProxy(t);
    const up = new FakePush();
    p.registerProducer(up, true);
    p.pauseProducing();
    p.write(text("tail"));
    p.unregisterProducer();
    assert.equal(p.unregistered, true);
    assert.equal(t.producer, p, "still registered: data is buffered");
    p.resumeProducing();
    assert.equal(t.valueText(), "tail");
    assert.equal(t.producer, null);
  });

  it("unregisters at once when nothing is buffered", () => {
    const t = new StringTransport();
    const p = new ProducerConsumerProxy(t);
    p.registerProducer(new FakePush(), true);
    p.unregisterProducer();
    assert.equal(t.producer, null);
  });

  it("rejects a bufferSize that is not positive", () => {
    assert.throws(() => new ProducerConsumerProxy(null, { bufferSize: 0 }), RangeError);
  });
});

// --- properties ------------------------------------------------------------------------------

/** A downstream consumer recording bytes; it drives the proxy's pauses. */
class Sink implements IConsumer<Uint8Array> {
  chunks: Uint8Array[] = [];
  producer: IPushProducer | IPullProducer | null = null;
  registerProducer(p: IPushProducer | IPullProducer): void {
    this.producer = p;
  }
  unregisterProducer(): void {
    this.producer = null;
  }
  write(d: Uint8Array): void {
    this.chunks.push(d);
  }
  total(): Uint8Array {
    return new Uint8Array(Buffer.concat(this.chunks));
  }
}

type Cmd = { op: "produce"; size: number } | { op: "pause" } | { op: "resume" };

const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.integer({ min: 0, max: 300 }).map((size) => ({ op: "produce" as const, size })),
  },
  { weight: 1, arbitrary: fc.constant({ op: "pause" as const }) },
  { weight: 1, arbitrary: fc.constant({ op: "resume" as const }) },
);

/**
 * Runs `cmds` through `proxy`: an obedient push producer upstream writes the next `size` bytes
 * of a counting sequence unless paused; the consumer pauses and resumes the proxy. Returns what
 * was produced and what arrived, after a final resume and a drain.
 */
function run(
  proxy: BasicProducerConsumerProxy,
  sink: Sink,
  cmds: readonly Cmd[],
  onStep: () => void,
): { produced: Uint8Array; received: Uint8Array } {
  const up = new FakePush();
  proxy.registerProducer(up, true);
  let next = 0;
  const produce = (size: number) => {
    if (up.paused) return;
    const c = new Uint8Array(size);
    for (let i = 0; i < size; i++) c[i] = (next + i) & 0xff;
    next += size;
    proxy.write(c);
  };
  for (const c of cmds) {
    if (c.op === "produce") produce(c.size);
    else if (c.op === "pause") proxy.pauseProducing();
    else proxy.resumeProducing();
    onStep();
  }
  proxy.resumeProducing();
  produce(17);
  proxy.unregisterProducer();
  proxy.resumeProducing();
  const produced = new Uint8Array(next);
  for (let i = 0; i < next; i++) produced[i] = i & 0xff;
  return { produced, received: sink.total() };
}

describe("producer-consumer proxies: properties", () => {
  it("BasicProducerConsumerProxy never loses, duplicates or reorders bytes", () => {
    fc.assert(
      fc.property(fc.array(cmdArb, { maxLength: 80 }), (cmds) => {
        const sink = new Sink();
        const proxy = new BasicProducerConsumerProxy(sink);
        const { produced, received } = run(proxy, sink, cmds, () => {
          // An obedient producer is paused with the proxy: nothing piles up.
          assert.equal(proxy.bufferedBytes, 0);
        });
        assert.deepEqual(received, produced);
        assert.equal(sink.producer, null);
      }),
      { numRuns: 300 },
    );
  });

  it("ProducerConsumerProxy keeps order and bounds its buffer at bufferSize + one chunk", () => {
    fc.assert(
      fc.property(
        fc.array(cmdArb, { maxLength: 80 }),
        fc.integer({ min: 1, max: 1000 }),
        (cmds, bufferSize) => {
          const sink = new Sink();
          const proxy = new ProducerConsumerProxy(sink, { bufferSize });
          const { produced, received } = run(proxy, sink, cmds, () => {
            assert.ok(
              proxy.bufferedBytes < bufferSize + 300,
              "proxy.bufferedBytes < bufferSize + 300",
            );
          });
          assert.deepEqual(received, produced);
          assert.equal(sink.producer, null);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("a pull-mode proxy writes one chunk per request and delivers everything in order", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 50 }), { maxLength: 40 }),
        fc.array(fc.boolean(), { maxLength: 60 }),
        (sizes, asks) => {
          const sink = new Sink();
          const proxy = new BasicProducerConsumerProxy(sink, { streaming: false });
          let next = 0;
          const expected: number[] = [];
          let writes = 0;
          let requests = 0;
          const sizesLeft = [...sizes];
          for (const ask of asks) {
            if (ask) {
              requests++;
              proxy.resumeProducing();
            } else if (sizesLeft.length > 0) {
              const n = sizesLeft.shift()!;
              const c = new Uint8Array(n).map((_, i) => (next + i) & 0xff);
              for (let i = 0; i < n; i++) expected.push((next + i) & 0xff);
              next += n;
              proxy.write(c);
            }
            writes = sink.chunks.length;
            assert.ok(writes <= requests, "more writes than requests");
          }
          proxy.resumeProducing();
          assert.deepEqual([...sink.total()], expected.slice(0, sink.total().length));
          // Everything written was eventually delivered once asked (the final resume flushes).
          assert.equal(sink.total().length, expected.length);
        },
      ),
      { numRuns: 300 },
    );
  });
});
