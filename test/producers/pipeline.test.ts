/**
 * Pipelines: flow, completion, backpressure and failure reporting, with fake producers and
 * consumers; types checked with expect-type.
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { expectTypeOf } from "expect-type";
import { Deferred } from "../../src/defer/deferred.js";
import { CancelledError, InvalidStateError } from "../../src/errors/errors.js";
import { Failure } from "../../src/errors/failure.js";
import { PipelineError, PipelineStoppedError } from "../../src/errors/pipeline.js";
import type { IConsumer, IPullProducer, IPushProducer } from "../../src/producers/interfaces.js";
import {
  type IFinishableConsumer,
  type ISource,
  type Pipeline,
  type PipelineSummary,
  pipe,
  pipeline,
  type Stage,
} from "../../src/producers/pipeline.js";
import { collect, filter, map, mapAsync, stage } from "../../src/producers/stages.js";

/** A sink that pauses its producer on demand and records everything. */
class PausingSink<T> implements IFinishableConsumer<T> {
  items: T[] = [];
  producer: IPushProducer | IPullProducer | null = null;
  finished = 0;
  failures: Failure[] = [];
  constructor(readonly name = "pausing") {}
  registerProducer(p: IPushProducer | IPullProducer, _streaming: boolean): void {
    if (this.producer !== null) throw new InvalidStateError("already");
    this.producer = p;
  }
  unregisterProducer(): void {
    this.producer = null;
  }
  write(item: T): void {
    this.items.push(item);
  }
  finish(): void {
    this.finished++;
  }
  fail(f: Failure): void {
    this.failures.push(f);
  }
  pause(): void {
    (this.producer as IPushProducer).pauseProducing();
  }
  resume(): void {
    (this.producer as IPushProducer).resumeProducing();
  }
}

/** A push producer writing from a list when told, recording its state. */
class ListProducer<T> implements ISource<T>, IPushProducer {
  readonly name = "list";
  paused = false;
  stopped = 0;
  consumer: IFinishableConsumer<T> | null = null;
  constructor(private readonly items: T[]) {}
  start(c: IFinishableConsumer<T>): void {
    this.consumer = c;
    c.registerProducer(this, true);
  }
  /** Writes up to `n` items while not paused; finishes when all are out. */
  pump(n = Number.POSITIVE_INFINITY): void {
    const c = this.consumer as IFinishableConsumer<T>;
    while (n-- > 0 && !this.paused && this.items.length > 0) c.write(this.items.shift() as T);
    if (this.items.length === 0) c.finish();
  }
  pauseProducing(): void {
    this.paused = true;
  }
  resumeProducing(): void {
    this.paused = false;
  }
  stopProducing(): void {
    this.stopped++;
  }
}

function failureOf(p: Pipeline<unknown>): PipelineError {
  let err: unknown;
  p.done.addErrback((f) => {
    err = f.value;
  });
  assert.ok(err instanceof PipelineError, `expected a PipelineError, got ${String(err)}`);
  return err;
}

describe("pipeline", () => {
  it("runs an iterable through stages into a sink, and fires done with a summary", async () => {
    const sink = collect<string>();
    const p = pipeline([1, 2, 3, 4])
      .through(map((n: number) => n * 10))
      .through(filter((n: number) => n !== 20))
      .through(map((n: number) => `#${n}`))
      .into(sink);
    const summary = await p.done;
    assert.deepEqual(sink.items, ["#10", "#30", "#40"]);
    assert.equal(sink.finished, true);
    assert.equal(sink.ends, 1);
    assert.equal(summary.items, 3);
    assert.equal(summary.itemsIn, 4);
    assert.equal(summary.bytes, 9);
    assert.deepEqual(
      summary.stages.map((s) => [s.name, s.itemsIn, s.itemsOut]),
      [
        ["iterable", 4, 4],
        ["map", 4, 4],
        ["filter", 4, 3],
        ["map", 3, 3],
      ],
    );
    assert.deepEqual(p.path, ["iterable", "map", "filter", "map", "collect"]);
  });

  it("pipe() is the variadic form", async () => {
    const sink = collect<number>();
    const s = await pipe(
      [1, 2],
      map((n: number) => n + 1),
      sink,
    ).done;
    assert.deepEqual(sink.items, [2, 3]);
    assert.equal(s.items, 2);
  });

  it("counts bytes in and out", async () => {
    const sink = collect<Uint8Array>();
    const s = await pipeline([new Uint8Array(3), new Uint8Array(5)])
      .through(map((b: Uint8Array) => b.subarray(1)))
      .into(sink).done;
    assert.equal(s.bytesIn, 8);
    assert.equal(s.bytes, 6);
  });

  it("without a source, the caller feeds input and finishes it", () => {
    const sink = new PausingSink<number>();
    const p = pipeline<number>()
      .through(map((n: number) => n * 2))
      .into(sink);
    p.input.write(1);
    p.input.write(2);
    assert.equal(p.done.called, false);
    p.input.finish();
    assert.deepEqual(sink.items, [2, 4]);
    assert.equal(sink.finished, 1);
    assert.equal(p.done.called, true);
  });

  it("a producer unregistering ends the input, unless endOnUnregister is off", () => {
    const sink = collect<number>();
    const p = pipeline<number>().into(sink);
    const prod: IPushProducer = { pauseProducing() {}, resumeProducing() {}, stopProducing() {} };
    p.input.registerProducer(prod, true);
    p.input.write(1);
    p.input.unregisterProducer();
    assert.equal(sink.finished, true);

    const sink2 = collect<number>();
    const p2 = pipeline<number>(undefined, { endOnUnregister: false }).into(sink2);
    p2.input.registerProducer(prod, true);
    p2.input.write(1);
    p2.input.unregisterProducer();
    p2.input.registerProducer(prod, true);
    p2.input.write(2);
    p2.input.unregisterProducer();
    assert.equal(sink2.finished, false);
    p2.input.finish();
    assert.deepEqual(sink2.items, [1, 2]);
    assert.equal(sink2.finished, true);
  });

  it("a pause at the sink reaches the source synchronously, and resume releases it", () => {
    const src = new ListProducer([1, 2, 3, 4, 5, 6]);
    const sink = new PausingSink<number>();
    const p = pipeline(src)
      .through(map((n: number) => n + 1))
      .through(map((n: number) => n * 2))
      .into(sink);
    src.pump(2);
    assert.deepEqual(sink.items, [4, 6]);
    sink.pause();
    assert.equal(src.paused, true);
    sink.resume();
    assert.equal(src.paused, false);
    src.pump();
    assert.deepEqual(sink.items, [4, 6, 8, 10, 12, 14]);
    assert.equal(p.done.called, true);
  });

  it("buffers late writes while paused, in order, and finishes only after they are out", () => {
    const sink = new PausingSink<number>();
    const p = pipeline<number>()
      .through(map((n: number) => n))
      .into(sink);
    sink.pause();
    p.input.write(1);
    p.input.write(2);
    p.input.finish();
    assert.deepEqual(sink.items, []);
    assert.equal(sink.finished, 0);
    sink.resume();
    assert.deepEqual(sink.items, [1, 2]);
    assert.equal(sink.finished, 1);
    assert.equal(p.done.called, true);
  });

  it("pauses the source while an async stage has `concurrency` items in flight", () => {
    const src = new ListProducer([1, 2, 3, 4]);
    const ds: Deferred<number>[] = [];
    const sink = new PausingSink<number>();
    pipeline(src)
      .through(
        mapAsync(
          () => {
            const d = new Deferred<number>();
            ds.push(d);
            return d;
          },
          { concurrency: 2 },
        ),
      )
      .into(sink);
    src.pump();
    assert.equal(ds.length, 2);
    assert.equal(src.paused, true);
    ds[0]?.callback(1);
    assert.equal(src.paused, false);
    assert.deepEqual(sink.items, [1]);
  });

  it("pauses the source when a stage's buffer passes its high-water mark", () => {
    const src = new ListProducer([1, 2, 3]);
    const sink = new PausingSink<number>();
    const fan = stage<number, number>(
      "fan",
      (n, push) => {
        for (let k = 0; k < 5; k++) push(n);
      },
      { highWater: 4 },
    );
    pipeline(src).through(fan).into(sink);
    sink.pause();
    sink.resume();
    // A source that writes although paused is still bounded: the fan-out fills the buffer.
    sink.pause();
    src.paused = false;
    (src.consumer as IConsumer<number>).write(7);
    assert.equal(sink.items.length, 0);
    sink.resume();
    assert.deepEqual(sink.items, [7, 7, 7, 7, 7]);
  });

  it("drives a pull producer one chunk at a time", async () => {
    let n = 0;
    let consumer: IFinishableConsumer<number> | null = null;
    const pull: IPullProducer = {
      resumeProducing() {
        if (n < 5) consumer?.write(n++);
        else consumer?.unregisterProducer();
      },
      stopProducing() {},
    };
    const src: ISource<number> = {
      start(c) {
        consumer = c;
        c.registerProducer(pull, false);
      },
    };
    const sink = collect<number>();
    await pipeline(src).into(sink).done;
    assert.deepEqual(sink.items, [0, 1, 2, 3, 4]);
  });

  it("asks an asynchronous pull producer for the next chunk after it wrote", async () => {
    let n = 0;
    let calls = 0;
    let consumer: IFinishableConsumer<number> | null = null;
    const pull: IPullProducer = {
      resumeProducing() {
        calls++;
        queueMicrotask(() => {
          if (n < 3) consumer?.write(n++);
          else consumer?.finish();
        });
      },
      stopProducing() {},
    };
    const sink = collect<number>();
    await pipeline<number>({
      start(c) {
        consumer = c;
        c.registerProducer(pull, false);
      },
    }).into(sink).done;
    assert.deepEqual(sink.items, [0, 1, 2]);
    assert.equal(calls, 4);
  });

  it("runs async stages with bounded concurrency, keeping the order", async () => {
    const pending: Deferred<number>[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const sink = new PausingSink<number>();
    const src = new ListProducer([0, 1, 2, 3, 4, 5, 6, 7]);
    const p = pipeline(src)
      .through(
        mapAsync(
          (n: number) => {
            inFlight++;
            maxInFlight = Math.max(maxInFlight, inFlight);
            const d = new Deferred<number>();
            pending[n] = d;
            return d.addCallback((v) => {
              inFlight--;
              return v;
            });
          },
          { concurrency: 3 },
        ),
      )
      .into(sink);
    src.pump();
    assert.equal(maxInFlight, 3);
    // Complete out of order: nothing comes out before item 0.
    pending[2]?.callback(20);
    pending[1]?.callback(10);
    assert.deepEqual(sink.items, []);
    pending[0]?.callback(0);
    assert.deepEqual(sink.items, [0, 10, 20]);
    for (let i = 3; i < 8; i++) {
      src.pump(); // the source was paused while three items were in flight
      pending[i]?.callback(i * 10);
    }
    assert.deepEqual(sink.items, [0, 10, 20, 30, 40, 50, 60, 70]);
    assert.ok(maxInFlight <= 3);
    const s = await p.done;
    assert.equal(s.items, 8);
  });

  it("accepts Promises from async stages", async () => {
    const sink = collect<number>();
    await pipeline([1, 2, 3])
      .through(mapAsync(async (n: number) => n * 2, { concurrency: 2 }))
      .into(sink).done;
    assert.deepEqual(sink.items, [2, 4, 6]);
  });

  it("waits for an asynchronous flush and an asynchronous sink finish", async () => {
    const finishing = new Deferred<void>();
    const items: number[] = [];
    const sink: IFinishableConsumer<number> = {
      registerProducer() {},
      unregisterProducer() {},
      write: (n) => items.push(n),
      finish: () => finishing,
    };
    const late = stage<number, number>("late", (n, push) => push(n), {
      flush: (push) => Promise.resolve().then(() => push(99)),
    });
    const p = pipeline([1]).through(late).into(sink);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(items, [1, 99]);
    assert.equal(p.done.called, false);
    finishing.callback(undefined);
    assert.equal((await p.done).items, 2);
  });
});

describe("pipeline failures", () => {
  it("a throwing stage fails done once, with stage, item, path and cause; source stopped, sink failed", () => {
    const src = new ListProducer([1, 2, 3, 4]);
    const sink = new PausingSink<number>("out");
    const boom = new Error("bad item");
    const p = pipeline(src)
      .through(map((n: number) => n, "first"))
      .through(
        map((n: number) => {
          if (n === 3) throw boom;
          return n;
        }, "check"),
      )
      .into(sink);
    src.pump();
    const e = failureOf(p);
    assert.equal(e.stage, "check");
    assert.equal(e.stageIndex, 2);
    assert.equal(e.item, 2);
    assert.equal(e.input, 3);
    assert.deepEqual(e.path, ["list", "first", "check", "out"]);
    assert.equal(e.cause, boom);
    assert.equal(e.code, "ERR_PIPELINE");
    assert.match(e.message, /check.*item 2.*bad item/);
    assert.equal(src.stopped, 1);
    assert.deepEqual(sink.items, [1, 2]);
    assert.equal(sink.failures.length, 1);
    assert.equal(sink.failures[0]?.value, e);
    assert.equal(sink.finished, 0);
  });

  it("an async stage failing reports its item; Deferreds in flight are cancelled", () => {
    const src = new ListProducer([0, 1, 2]);
    const ds: Deferred<number>[] = [];
    let cancelled = 0;
    const p = pipeline(src)
      .through(
        mapAsync(
          () => {
            const d = new Deferred<number>(() => cancelled++);
            ds.push(d);
            return d;
          },
          { concurrency: 3, name: "lookup" },
        ),
      )
      .into(new PausingSink<number>());
    src.pump();
    ds[1]?.errback(new RangeError("nope"));
    const e = failureOf(p);
    assert.equal(e.stage, "lookup");
    assert.equal(e.item, 1);
    assert.ok(e.cause instanceof RangeError);
    assert.equal(cancelled, 2);
  });

  it("a failing source is reported at index 0 with the count written, and not stopped", () => {
    const src = new ListProducer([1, 2, 3]);
    const sink = new PausingSink<number>();
    const p = pipeline(src).into(sink);
    src.pump(2);
    src.consumer?.fail?.(new Failure(new Error("disk")));
    const e = failureOf(p);
    assert.equal(e.stageIndex, 0);
    assert.equal(e.stage, "list");
    assert.equal(e.item, 2);
    assert.equal(src.stopped, 0);
    assert.equal(sink.failures.length, 1);
  });

  it("a sink that throws fails at the sink, which is not told again", () => {
    const sink = new PausingSink<number>();
    sink.write = (n) => {
      if (n === 2) throw new Error("full");
    };
    const src = new ListProducer([1, 2, 3]);
    const p = pipeline(src)
      .through(map((n: number) => n))
      .into(sink);
    src.pump();
    const e = failureOf(p);
    assert.equal(e.stage, "pausing");
    assert.equal(e.stageIndex, 2);
    assert.equal(e.item, 1);
    assert.equal(sink.failures.length, 0);
    assert.equal(src.stopped, 1);
  });

  it("the sink stopping the pipeline fails it with PipelineStoppedError", () => {
    const src = new ListProducer([1]);
    const sink = new PausingSink<number>();
    const p = pipeline(src).into(sink);
    (sink.producer as IPushProducer).stopProducing();
    const e = failureOf(p);
    assert.ok(e.cause instanceof PipelineStoppedError);
    assert.equal(e.stageIndex, 1);
    assert.equal(src.stopped, 1);
    // Late writes and a second failure change nothing.
    src.consumer?.write(5);
    src.consumer?.fail?.(new Failure(new Error("late")));
    assert.deepEqual(sink.items, []);
  });

  it("a sink that refuses the producer fails the pipeline before the source starts", () => {
    const src = new ListProducer([1]);
    const sink = new PausingSink<number>();
    sink.registerProducer({ stopProducing() {} } as IPullProducer, false);
    const p = pipeline(src).into(sink);
    assert.ok(failureOf(p).cause instanceof InvalidStateError);
    assert.equal(src.consumer, null);
  });

  it("a throwing flush fails at that stage", () => {
    const s = stage<number, number>("flushy", (n, push) => push(n), {
      flush: () => {
        throw new Error("flush");
      },
    });
    const p = pipeline([1]).through(s).into(collect<number>());
    const e = failureOf(p);
    assert.equal(e.stage, "flushy");
    assert.equal(e.item, undefined);
  });

  it("cancelling done stops the source and fails the sink with CancelledError", async () => {
    const src = new ListProducer([1, 2]);
    const sink = new PausingSink<number>();
    const p = pipeline(src)
      .through(map((n: number) => n))
      .into(sink);
    p.stop();
    await assert.rejects(p.done.asPromise(), CancelledError);
    assert.equal(src.stopped, 1);
    assert.ok(sink.failures[0]?.value instanceof CancelledError);
  });
});

describe("pipeline types", () => {
  it("checks each stage's input against the previous output", () => {
    const toLen: Stage<string, number> = map((s: string) => s.length);
    const b = pipeline(["a", "bb"]).through(toLen);
    expectTypeOf(b.into).parameter(0).toEqualTypeOf<IConsumer<number>>();
    expectTypeOf(pipeline(["x"]).through(map((s) => s.toUpperCase()))).toEqualTypeOf<
      ReturnType<typeof pipeline<string>>
    >();
    // @ts-expect-error a stage taking numbers cannot follow one producing strings
    pipeline(["a"]).through(map((n: number) => n + 1));
    const numbers = pipeline([1]).through(map((n: number) => n));
    // @ts-expect-error the sink must accept the last stage's output
    numbers.into(collect<string>());
    const strings = map((s: string) => s);
    // @ts-expect-error pipe() checks every link too
    pipe([1], strings, collect<string>());
    expectTypeOf(
      pipe(
        [1],
        map((n: number) => `${n}`),
        collect<string>(),
      ),
    ).toEqualTypeOf<Pipeline<number>>();
    expectTypeOf(b.into(collect<number>()).done).toEqualTypeOf<Deferred<PipelineSummary>>();
    assert.ok(true);
  });
});
