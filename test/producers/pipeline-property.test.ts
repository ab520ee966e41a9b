/**
 * Property tests of pipelines: random stage chains, random pause/resume schedules, random
 * completion orders of async stages, failures injected at random stages and items — nothing
 * lost, duplicated or reordered, every failure reported once with its stage and item.
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { Deferred } from "../../src/defer/deferred.js";
import type { Failure } from "../../src/errors/failure.js";
import { PipelineError } from "../../src/errors/pipeline.js";
import type { IPullProducer, IPushProducer } from "../../src/producers/interfaces.js";
import {
  type IFinishableConsumer,
  type ISource,
  type PipelineSummary,
  pipeline,
  type Stage,
} from "../../src/producers/pipeline.js";
import {
  batch,
  filter,
  flatMap,
  map,
  mapAsync,
  splitLines,
  stage,
} from "../../src/producers/stages.js";

type Spec =
  | { kind: "map" }
  | { kind: "filter" }
  | { kind: "flatMap" }
  | { kind: "batchSum"; size: number }
  | { kind: "async"; concurrency: number };

const specArb: fc.Arbitrary<Spec> = fc.oneof(
  fc.constant({ kind: "map" as const }),
  fc.constant({ kind: "filter" as const }),
  fc.constant({ kind: "flatMap" as const }),
  fc.record({ kind: fc.constant("batchSum" as const), size: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ kind: fc.constant("async" as const), concurrency: fc.integer({ min: 1, max: 4 }) }),
);

/** The reference model of a stage: what it makes of its whole input. */
function model(spec: Spec, xs: number[]): number[] {
  switch (spec.kind) {
    case "map":
      return xs.map((x) => x * 3 + 1);
    case "filter":
      return xs.filter((x) => x % 3 !== 0);
    case "flatMap":
      return xs.flatMap((x) => Array.from({ length: x % 3 }, (_, k) => x + k));
    case "batchSum": {
      const out: number[] = [];
      for (let i = 0; i < xs.length; i += spec.size) {
        out.push(xs.slice(i, i + spec.size).reduce((a, b) => a + b, 0));
      }
      return out;
    }
    case "async":
      return xs.map((x) => x * 2);
  }
}

/** The stages of a spec (two for batchSum), and the Deferreds its async stage leaves pending. */
function build(spec: Spec, pending: Deferred<number>[]): Stage<number, number>[] {
  switch (spec.kind) {
    case "map":
      return [map((x: number) => x * 3 + 1)];
    case "filter":
      return [filter((x: number) => x % 3 !== 0)];
    case "flatMap":
      return [flatMap((x: number) => Array.from({ length: x % 3 }, (_, k) => x + k))];
    case "batchSum":
      return [
        batch<number>(spec.size),
        map((b: number[]) => b.reduce((a, c) => a + c, 0)),
      ] as unknown as Stage<number, number>[];
    case "async":
      return [
        mapAsync(
          (x: number) => {
            const d = new Deferred<number>();
            pending.push(d);
            return d.addCallback(() => x * 2);
          },
          { concurrency: spec.concurrency },
        ),
      ];
  }
}

/** Wraps a stage so that it throws at input item `at`. */
function failing<I, O>(s: Stage<I, O>, at: number, name: string): Stage<I, O> {
  return stage<I, O>(
    name,
    (item, push, i) => {
      if (i === at) throw new Error(`injected at ${name}#${at}`);
      return s.transform(item, push, i);
    },
    {
      ...(s.flush ? { flush: s.flush } : {}),
      ...(s.concurrency ? { concurrency: s.concurrency } : {}),
    },
  );
}

class Source implements ISource<number>, IPushProducer {
  readonly name = "src";
  paused = false;
  stops = 0;
  c: IFinishableConsumer<number> | null = null;
  constructor(readonly items: number[]) {}
  start(c: IFinishableConsumer<number>): void {
    this.c = c;
    c.registerProducer(this, true);
  }
  pauseProducing(): void {
    this.paused = true;
  }
  resumeProducing(): void {
    this.paused = false;
  }
  stopProducing(): void {
    this.stops++;
  }
}

class Sink implements IFinishableConsumer<number> {
  readonly name = "sink";
  items: number[] = [];
  p: IPushProducer | null = null;
  ends = 0;
  failure: Failure | null = null;
  registerProducer(p: IPushProducer | IPullProducer): void {
    this.p = p as IPushProducer;
  }
  unregisterProducer(): void {}
  write(x: number): void {
    this.items.push(x);
  }
  finish(): void {
    this.ends++;
  }
  fail(f: Failure): void {
    this.ends++;
    this.failure = f;
  }
}

describe("pipeline properties", () => {
  it("delivers exactly the model's output, in order, under random schedules and failures", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 40 }),
        fc.array(specArb, { minLength: 0, maxLength: 5 }),
        fc.array(fc.nat(99), { maxLength: 300 }),
        fc.option(fc.record({ stage: fc.nat(9), item: fc.nat(20) }), { nil: undefined }),
        (input, specs, actions, inject) => {
          const pending: Deferred<number>[] = [];
          // Element stage names are unique so that failures can be attributed.
          let stages: Stage<number, number>[] = [];
          specs.forEach((sp, i) => {
            for (const s of build(sp, pending)) stages.push({ ...s, name: `s${i}-${s.name}` });
          });
          if (inject !== undefined && stages.length > 0) {
            const k = inject.stage % stages.length;
            const s = stages[k] as Stage<number, number>;
            stages = stages.map((x, i) => (i === k ? failing(s, inject.item, `s${k}-fail`) : x));
          }
          const src = new Source([...input]);
          const sink = new Sink();
          let b = pipeline(src);
          for (const s of stages) b = b.through(s);
          const p = b.into(sink);
          let summary: PipelineSummary | null = null;
          let error: unknown = null;
          let fired = 0;
          p.done.addCallbacks(
            (s) => {
              fired++;
              summary = s;
            },
            (f) => {
              fired++;
              error = f.value;
            },
          );

          let finishedSource = false;
          const step = (a: number) => {
            const c = src.c as IFinishableConsumer<number>;
            if (a < 45) {
              if (!src.paused && src.items.length > 0) c.write(src.items.shift() as number);
              else if (src.items.length === 0 && !finishedSource && fired === 0) {
                finishedSource = true;
                c.finish();
              }
            } else if (a < 55) {
              sink.p?.pauseProducing();
            } else if (a < 70) {
              sink.p?.resumeProducing();
            } else if (a < 72) {
              // A late write from a source that was paused: still accepted, in order.
              if (src.items.length > 0) c.write(src.items.shift() as number);
            } else {
              const open = pending.filter((d) => !d.called);
              if (open.length > 0) (open[a % open.length] as Deferred<number>).callback(0);
            }
          };
          for (const a of actions) step(a);
          // Drain: resume, complete everything, write the rest.
          for (let guard = 0; guard < 10_000 && fired === 0; guard++) {
            sink.p?.resumeProducing();
            const open = pending.filter((d) => !d.called);
            for (const d of open) d.callback(0);
            step(0);
          }

          // The model, and where the injected failure would strike.
          let full = [...input];
          for (const sp of specs) full = model(sp, full);
          let expectFailAt: { stage: number; item: number } | null = null;
          let xs: number[];
          // Input lengths per physical stage.
          const inputs: number[] = [];
          xs = [...input];
          for (const sp of specs) {
            if (sp.kind === "batchSum") {
              inputs.push(xs.length);
              const batches = Math.ceil(xs.length / sp.size);
              inputs.push(batches);
              xs = model(sp, xs);
            } else {
              inputs.push(xs.length);
              xs = model(sp, xs);
            }
          }
          if (inject !== undefined && stages.length > 0) {
            const k = inject.stage % stages.length;
            if ((inputs[k] ?? 0) > inject.item) expectFailAt = { stage: k, item: inject.item };
          }

          assert.equal(fired, 1, "done fires exactly once");
          assert.equal(sink.ends, 1, "the sink is told the end exactly once");
          if (expectFailAt === null) {
            assert.equal(error, null, `unexpected failure ${String(error)}`);
            assert.deepEqual(sink.items, full);
            assert.ok(sink.failure === null);
            assert.equal((summary as PipelineSummary | null)?.items, full.length);
            assert.equal(src.stops, 0);
          } else {
            assert.ok(error instanceof PipelineError);
            assert.equal(error.stageIndex, expectFailAt.stage + 1);
            assert.equal(error.item, expectFailAt.item);
            assert.equal(error.stage, `s${expectFailAt.stage}-fail`);
            assert.match(String((error.cause as Error).message), /injected/);
            assert.equal(sink.failure?.value, error);
            assert.deepEqual(sink.items, full.slice(0, sink.items.length), "a prefix, in order");
            // The source is stopped once, unless it had already finished (a failure while flushing).
            assert.equal(src.stops, finishedSource ? 0 : 1);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("splitLines yields the same lines whatever the chunking", () => {
    const text = fc
      .array(fc.constantFrom("a", "b", "\n", "\r", "é", "\r\n"), { maxLength: 60 })
      .map((xs) => new TextEncoder().encode(xs.join("")));
    fc.assert(
      fc.property(text, fc.array(fc.nat(60), { maxLength: 10 }), (bytes, cuts) => {
        const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        const chunks: Uint8Array[] = [];
        let prev = 0;
        for (const pt of [...points, bytes.length]) {
          chunks.push(bytes.slice(prev, pt));
          prev = pt;
        }
        const out: string[] = [];
        const dec = new TextDecoder();
        const p = pipeline(chunks)
          .through(splitLines())
          .into({
            registerProducer() {},
            unregisterProducer() {},
            write: (l: Uint8Array) => out.push(dec.decode(l)),
          });
        assert.equal(p.done.called, true);
        const whole = dec.decode(bytes);
        const parts = whole.split("\n");
        const last = parts.pop() as string;
        const expected = parts.map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l));
        if (last !== "") expected.push(last); // no delimiter: passed on as it is
        assert.deepEqual(out, expected);
      }),
      { numRuns: 300 },
    );
  });
});
