/**
 * Node stream bridges against real `Readable` / `Writable` / `Duplex` streams: backpressure both
 * ways, completion, and errors.
 */

import assert from "node:assert/strict";
import { PassThrough, Readable, Writable } from "node:stream";
import { pipeline as streamPipeline } from "node:stream/promises";
import { describe, it } from "node:test";
import { PipelineError, PipelineStoppedError } from "../../../src/errors/pipeline.js";
import { fromIterable } from "../../../src/producers/bridges/iterable.js";
import {
  fromDuplex,
  fromReadable,
  toReadable,
  toWritable,
  WritableSink,
} from "../../../src/producers/bridges/node.js";
import { pipeline } from "../../../src/producers/pipeline.js";
import { collect, map, splitLines } from "../../../src/producers/stages.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const enc = new TextEncoder();
const dec = new TextDecoder();

/** A Writable that takes one chunk per `delay` ms, with a small buffer. */
function slowWritable(got: Buffer[], delay = 1): Writable {
  return new Writable({
    highWaterMark: 1024,
    write(chunk: Buffer, _e, cb) {
      got.push(chunk);
      setTimeout(cb, delay);
    },
  });
}

describe("node bridges", () => {
  it("fromReadable → stages → WritableSink, pausing the Readable while the Writable drains", {
    timeout: 10_000,
  }, async () => {
    const lines = Array.from({ length: 300 }, (_, i) => `line ${i}\n`).join("");
    let reads = 0;
    const bytes = enc.encode(lines);
    let pos = 0;
    const r = new Readable({
      highWaterMark: 256,
      read() {
        reads++;
        this.push(pos < bytes.length ? bytes.subarray(pos, (pos += 97)) : null);
      },
    });
    const got: Buffer[] = [];
    const w = slowWritable(got);
    let maxBuffered = 0;
    const p = pipeline(fromReadable<Uint8Array>(r))
      .through(splitLines())
      .through(
        map((l: Uint8Array) => {
          maxBuffered = Math.max(maxBuffered, w.writableLength);
          return enc.encode(`${dec.decode(l).toUpperCase()}\n`);
        }),
      )
      .into(new WritableSink(w));
    const s = await p.done;
    assert.equal(Buffer.concat(got).toString(), lines.toUpperCase());
    assert.equal(s.items, 300);
    assert.ok(w.writableFinished, "the Writable was ended and finished");
    assert.ok(maxBuffered < 8 * 1024, `Writable buffered ${maxBuffered} bytes`);
    assert.ok(reads > 1);
  });

  it("a Readable's error fails the pipeline at the source", async () => {
    const r = new Readable({ read() {} });
    const p = pipeline(fromReadable<Uint8Array>(r, "file")).into(collect<Uint8Array>());
    r.push(enc.encode("x"));
    r.destroy(new Error("EIO"));
    await assert.rejects(p.done.asPromise(), (e: unknown) => {
      assert.ok(e instanceof PipelineError);
      assert.equal(e.stage, "file");
      assert.match((e.cause as Error).message, /EIO/);
      return true;
    });
  });

  it("a Writable's error stops the pipeline, with the error as the cause", async () => {
    const w = new Writable({
      write(_c, _e, cb) {
        cb(new Error("EPIPE"));
      },
    });
    async function* gen() {
      for (;;) yield enc.encode("data");
    }
    const p = pipeline(fromIterable(gen())).into(new WritableSink(w));
    await assert.rejects(p.done.asPromise(), (e: unknown) => {
      assert.ok(e instanceof PipelineError);
      assert.equal(e.stage, "writable");
      assert.ok(e.cause instanceof PipelineStoppedError);
      assert.match(String((e.cause.cause as Error).message), /EPIPE/);
      return true;
    });
  });

  it("toReadable pauses the source while the Readable is not read", async () => {
    let pulled = 0;
    async function* gen() {
      for (let i = 0; i < 1000; i++) {
        pulled++;
        yield `${i},`;
      }
    }
    const readable = toReadable(fromIterable(gen()), { highWaterMark: 64, encoding: "utf8" });
    await sleep(30);
    assert.ok(pulled < 100, `pulled ${pulled} items with nobody reading`);
    let text = "";
    for await (const s of readable) text += s;
    assert.equal(text, Array.from({ length: 1000 }, (_, i) => `${i},`).join(""));
  });

  it("toReadable: a source failure destroys the Readable; destroying it stops the source", async () => {
    function* bad() {
      yield "a";
      throw new Error("nope");
    }
    const r = toReadable(fromIterable(bad()), { objectMode: true });
    await assert.rejects(
      (async () => {
        for await (const _ of r) {
          /* drain */
        }
      })(),
      /nope/,
    );

    const src = fromIterable(
      (function* () {
        for (;;) yield 1;
      })(),
    );
    const r2 = toReadable(src, { objectMode: true, highWaterMark: 4 });
    r2.destroy();
    await sleep(5);
    assert.equal(src.done, true);
  });

  it("toWritable feeds a pipeline with backpressure, and ending it finishes the pipeline", {
    timeout: 10_000,
  }, async () => {
    const got: Buffer[] = [];
    const sinkStream = slowWritable(got, 0);
    const p = pipeline<Uint8Array>()
      .through(splitLines())
      .through(map((l: Uint8Array) => enc.encode(`<${dec.decode(l)}>`)))
      .into(new WritableSink(sinkStream));
    const w = toWritable(p.input, { highWaterMark: 16 });
    const input = Array.from({ length: 2000 }, (_, i) => `${i}\n`).join("");
    await streamPipeline(Readable.from([Buffer.from(input)]), w);
    const s = await p.done;
    assert.equal(s.items, 2000);
    assert.equal(
      Buffer.concat(got).toString(),
      Array.from({ length: 2000 }, (_, i) => `<${i}>`).join(""),
    );
  });

  it("toWritable: the consumer stopping the stream destroys the Writable", async () => {
    const p = pipeline<Uint8Array>().into(collect<Uint8Array>());
    const w = toWritable(p.input);
    p.stop();
    await p.done.asPromise().catch(() => undefined);
    await assert.rejects(
      new Promise((resolve, reject) => {
        w.on("error", reject);
        w.on("close", resolve);
      }),
      PipelineStoppedError,
    );
  });

  it("fromDuplex bridges both sides of a Duplex", async () => {
    const d = new PassThrough();
    const { source, sink } = fromDuplex<Uint8Array, Uint8Array>(d);
    const out = collect<Uint8Array>();
    const reading = pipeline(source).into(out);
    const writing = pipeline([enc.encode("a"), enc.encode("b")]).into(sink);
    await writing.done;
    await reading.done;
    assert.equal(dec.decode(Buffer.concat(out.items)), "ab");
  });
});
