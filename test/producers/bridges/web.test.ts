/**
 * WHATWG stream bridges against Node's built-in `ReadableStream` / `WritableStream`:
 * backpressure through `desiredSize` / `ready` / `pull`, completion and errors.
 */

import assert from "node:assert/strict";
import { ReadableStream, WritableStream } from "node:stream/web";
import { describe, it } from "node:test";
import { PipelineError, PipelineStoppedError } from "../../../src/errors/pipeline.js";
import { fromIterable } from "../../../src/producers/bridges/iterable.js";
import {
  fromReadableStream,
  toReadableStream,
  toWritableStream,
  WritableStreamSink,
} from "../../../src/producers/bridges/web.js";
import { pipeline } from "../../../src/producers/pipeline.js";
import { collect, map } from "../../../src/producers/stages.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("web stream bridges", () => {
  it("ReadableStream → stage → WritableStream, reading only as fast as the sink writes", async () => {
    let pulls = 0;
    let n = 0;
    const rs = new ReadableStream<number>(
      {
        pull(c) {
          pulls++;
          if (n < 200) c.enqueue(n++);
          else c.close();
        },
      },
      { highWaterMark: 2 },
    );
    const got: number[] = [];
    let maxAhead = 0;
    const ws = new WritableStream<number>(
      {
        async write(x) {
          got.push(x);
          maxAhead = Math.max(maxAhead, n - got.length);
          await sleep(0);
        },
      },
      { highWaterMark: 4 },
    );
    const s = await pipeline(fromReadableStream(rs))
      .through(map((x: number) => x * 2))
      .into(new WritableStreamSink(ws)).done;
    assert.deepEqual(
      got,
      Array.from({ length: 200 }, (_, i) => i * 2),
    );
    assert.equal(s.items, 200);
    assert.ok(maxAhead <= 32, `the source ran ${maxAhead} items ahead of the sink`);
    assert.ok(pulls >= 200);
  });

  it("a ReadableStream error fails the pipeline at the source", async () => {
    const rs = new ReadableStream<number>({
      start(c) {
        c.enqueue(1);
        c.error(new Error("bad stream"));
      },
    });
    const p = pipeline(fromReadableStream(rs, "body")).into(collect<number>());
    await assert.rejects(p.done.asPromise(), (e: unknown) => {
      assert.ok(e instanceof PipelineError);
      assert.equal(e.stage, "body");
      return true;
    });
  });

  it("a rejected write stops the pipeline at the sink; stopping cancels the ReadableStream", async () => {
    let cancelled = false;
    const rs = new ReadableStream<number>({
      pull(c) {
        c.enqueue(1);
      },
      cancel() {
        cancelled = true;
      },
    });
    const ws = new WritableStream<number>({
      write() {
        throw new Error("disk full");
      },
    });
    const p = pipeline(fromReadableStream(rs)).into(new WritableStreamSink(ws));
    await assert.rejects(p.done.asPromise(), (e: unknown) => {
      assert.ok(e instanceof PipelineError);
      assert.equal(e.stage, "writableStream");
      assert.ok(e.cause instanceof PipelineStoppedError);
      return true;
    });
    await sleep(5);
    assert.equal(cancelled, true);
  });

  it("toReadableStream pulls from the source only as the reader reads", async () => {
    let pulled = 0;
    async function* gen() {
      for (let i = 0; i < 100; i++) {
        pulled++;
        yield i;
      }
    }
    const rs = toReadableStream(fromIterable(gen()), { highWaterMark: 4 });
    await sleep(20);
    assert.ok(pulled <= 8, `pulled ${pulled} with nobody reading`);
    const got: number[] = [];
    for await (const x of rs) got.push(x);
    assert.deepEqual(
      got,
      Array.from({ length: 100 }, (_, i) => i),
    );
  });

  it("toReadableStream: cancelling stops the source; a source failure errors the stream", async () => {
    const src = fromIterable(
      (function* () {
        for (;;) yield 1;
      })(),
    );
    const rs = toReadableStream(src, { highWaterMark: 2 });
    await rs.cancel("enough");
    assert.equal(src.done, true);

    const bad = toReadableStream(
      fromIterable(
        (function* () {
          yield 1;
          throw new Error("gen failed");
        })(),
      ),
    );
    await assert.rejects(
      (async () => {
        for await (const _ of bad) {
          /* drain */
        }
      })(),
      /gen failed/,
    );
  });

  it("toWritableStream feeds a pipeline; pipeTo completes when the pipeline's sink finished", async () => {
    const out = collect<string>();
    const p = pipeline<number>()
      .through(map((n: number) => `#${n}`))
      .into(out);
    const source = new ReadableStream<number>({
      start(c) {
        for (let i = 0; i < 50; i++) c.enqueue(i);
        c.close();
      },
    });
    await source.pipeTo(toWritableStream(p.input));
    const s = await p.done;
    assert.equal(s.items, 50);
    assert.equal(out.items[49], "#49");
    assert.equal(out.finished, true);
  });

  it("toWritableStream waits while the consumer pauses it, and aborting fails the pipeline", async () => {
    const p = pipeline<number>().into(collect<number>());
    const ws = toWritableStream(p.input);
    const w = ws.getWriter();
    // Pause as the consumer would: through the producer registered on the pipeline's input.
    const head = p.input as unknown as { pauseProducing(): void; resumeProducing(): void };
    head.pauseProducing();
    let written = false;
    const wp = w.write(1).then(() => {
      written = true;
    });
    await sleep(5);
    assert.equal(written, false);
    head.resumeProducing();
    await wp;
    assert.equal(written, true);
    await w.abort(new Error("caller gave up"));
    await assert.rejects(p.done.asPromise(), PipelineError);
  });
});
