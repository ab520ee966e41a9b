/**
 * FileSender: pull semantics (one write per resumeProducing, nothing unasked), chunk sizes,
 * every kind of source, transforms, stop / cancel / read errors releasing the source, and a real
 * loopback transfer through the TCP transport.
 */

import assert from "node:assert/strict";
import { createReadStream } from "node:fs";
import { mkdtemp, open, rm, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { after, before, describe, it } from "node:test";
import { CancelledError, InvalidStateError } from "../../src/errors/errors.js";
import { ProducerStopped } from "../../src/errors/producers.js";
import { DEFAULT_CHUNK_SIZE, FileSender } from "../../src/producers/filesender.js";
import type { IConsumer, IPullProducer, IPushProducer } from "../../src/producers/interfaces.js";
import type { IPv4Address } from "../../src/protocol/address.js";
import { Factory } from "../../src/protocol/factory.js";
import { Protocol } from "../../src/protocol/protocol.js";
import type { IListeningPort } from "../../src/reactor/interfaces.js";
import { Reactor } from "../../src/reactor/reactor.js";
import { StringTransport } from "../../src/testing/stringtransport.js";

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "braid-filesender-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function pattern(n: number, seed = 7): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

let fileNo = 0;
async function tempFile(data: Uint8Array): Promise<string> {
  const p = join(dir, `f${fileNo++}`);
  await writeFile(p, data);
  return p;
}

const tick = () => new Promise<void>((r) => setImmediate(r));

/** Waits until `cond()` holds, checking each turn; fails after `ms`. */
async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise<void>((r) => setTimeout(r, 1));
  }
}

/**
 * A pull consumer that asks for the next chunk a turn after each write, checking that the
 * producer writes at most once per request.
 */
class PullConsumer implements IConsumer<Uint8Array> {
  producer: IPullProducer | null = null;
  chunks: Uint8Array[] = [];
  requests = 0;
  unregistered = 0;
  auto = true;

  registerProducer(producer: IPushProducer | IPullProducer, streaming: boolean): void {
    assert.equal(streaming, false, "FileSender registers as a pull producer");
    assert.equal(this.producer, null);
    this.producer = producer;
    this.ask();
  }

  unregisterProducer(): void {
    this.producer = null;
    this.unregistered++;
  }

  write(data: Uint8Array): void {
    this.chunks.push(data);
    assert.ok(this.chunks.length <= this.requests, "wrote more chunks than were asked for");
    if (this.auto) setImmediate(() => this.ask());
  }

  ask(): void {
    if (this.producer === null) return;
    this.requests++;
    this.producer.resumeProducing();
  }

  value(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

describe("FileSender", () => {
  it("sends a file by path in chunks of at most 64 KiB and fires with the last byte", async () => {
    const data = pattern(5 * DEFAULT_CHUNK_SIZE + 123);
    const path = await tempFile(data);
    const consumer = new PullConsumer();
    const last = await new FileSender().beginFileTransfer(path, consumer);
    assert.deepEqual(consumer.value(), data);
    assert.equal(last, data[data.length - 1]);
    assert.equal(consumer.unregistered, 1);
    assert.equal(consumer.chunks.length, 6);
    for (const c of consumer.chunks)
      assert.ok(c.byteLength <= DEFAULT_CHUNK_SIZE, "c.byteLength <= DEFAULT_CHUNK_SIZE");
  });

  it("fires with undefined for an empty file, after unregistering", async () => {
    const path = await tempFile(new Uint8Array(0));
    const consumer = new PullConsumer();
    const last = await new FileSender().beginFileTransfer(path, consumer);
    assert.equal(last, undefined);
    assert.equal(consumer.chunks.length, 0);
    assert.equal(consumer.unregistered, 1);
  });

  it("honours a smaller chunk size", async () => {
    const data = pattern(10_000);
    const consumer = new PullConsumer();
    await new FileSender({ chunkSize: 1000 }).beginFileTransfer(await tempFile(data), consumer);
    assert.equal(consumer.chunks.length, 10);
    assert.deepEqual(consumer.value(), data);
  });

  it("rejects a chunk size that is not a positive integer", () => {
    assert.throws(() => new FileSender({ chunkSize: 0 }), RangeError);
    assert.throws(() => new FileSender({ chunkSize: 1.5 }), RangeError);
  });

  it("writes nothing until asked, and exactly one chunk per resumeProducing", async () => {
    const data = pattern(4 * 1024);
    const transport = new StringTransport();
    const sender = new FileSender({ chunkSize: 1024 });
    const d = sender.beginFileTransfer(await tempFile(data), transport);
    assert.equal(transport.producer, sender);
    assert.equal(transport.streaming, false);
    // Reading ahead happens, but nothing is written unasked.
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(transport.io.length, 0);
    for (let i = 1; i <= 4; i++) {
      sender.resumeProducing();
      await until(() => transport.io.length === i);
      await new Promise((r) => setTimeout(r, 10));
      assert.equal(transport.io.length, i, "one write per request");
    }
    let fired = false;
    d.addCallback(() => {
      fired = true;
    });
    assert.equal(fired, false, "the end is reported when the consumer asks past it");
    sender.resumeProducing();
    await until(() => fired);
    assert.equal(transport.producer, null);
    assert.deepEqual(Buffer.from(transport.value()), data);
  });

  it("pauseProducing is harmless", async () => {
    const data = pattern(3000);
    const consumer = new PullConsumer();
    const sender = new FileSender({ chunkSize: 1000 });
    const d = sender.beginFileTransfer(await tempFile(data), consumer);
    sender.pauseProducing();
    await d;
    assert.deepEqual(consumer.value(), data);
  });

  it("sends from an open FileHandle, from its current position, and closes it", async () => {
    const data = pattern(70_000);
    const fh = await open(await tempFile(data), "r");
    await fh.read(Buffer.alloc(100), 0, 100, null);
    const consumer = new PullConsumer();
    await new FileSender().beginFileTransfer(fh, consumer);
    assert.deepEqual(consumer.value(), data.subarray(100));
    await until(() => fh.fd === -1);
  });

  it("sends a Node Readable, cutting chunks larger than the chunk size", async () => {
    const data = pattern(300_000);
    const stream = createReadStream(await tempFile(data), { highWaterMark: 200_000 });
    const consumer = new PullConsumer();
    await new FileSender({ chunkSize: 50_000 }).beginFileTransfer(stream, consumer);
    assert.deepEqual(consumer.value(), data);
    for (const c of consumer.chunks) assert.ok(c.byteLength <= 50_000, "c.byteLength <= 50_000");
  });

  it("sends an async iterable of bytes and skips empty chunks", async () => {
    async function* gen() {
      yield new Uint8Array([1, 2]);
      yield new Uint8Array(0);
      yield new Uint8Array([3]);
    }
    const consumer = new PullConsumer();
    const last = await new FileSender().beginFileTransfer(gen(), consumer);
    assert.deepEqual([...consumer.value()], [1, 2, 3]);
    assert.equal(last, 3);
    assert.equal(consumer.chunks.length, 2);
  });

  it("fails when an iterable yields something that is not bytes", async () => {
    const consumer = new PullConsumer();
    const stream = Readable.from(["text"], { objectMode: true });
    const d = new FileSender().beginFileTransfer(stream as AsyncIterable<Uint8Array>, consumer);
    await assert.rejects(async () => d, TypeError);
    assert.equal(consumer.unregistered, 1);
  });

  it("applies the transform to each chunk; the last byte is the transformed one", async () => {
    const data = pattern(2500);
    const consumer = new PullConsumer();
    const last = await new FileSender({ chunkSize: 1000 }).beginFileTransfer(
      await tempFile(data),
      consumer,
      (chunk) => {
        const out = new Uint8Array(chunk.byteLength + 1);
        out.set(chunk);
        out[chunk.byteLength] = 0xee;
        return out;
      },
    );
    assert.equal(last, 0xee);
    assert.equal(consumer.chunks.length, 3);
    for (const c of consumer.chunks) assert.equal(c[c.byteLength - 1], 0xee);
    const stripped = Buffer.concat(consumer.chunks.map((c) => c.subarray(0, c.byteLength - 1)));
    assert.deepEqual(stripped, data);
  });

  it("fails with the error a transform throws and unregisters", async () => {
    const consumer = new PullConsumer();
    const d = new FileSender().beginFileTransfer(await tempFile(pattern(10)), consumer, () => {
      throw new RangeError("bad chunk");
    });
    await assert.rejects(async () => d, RangeError);
    assert.equal(consumer.unregistered, 1);
  });

  it("stopProducing closes the file and fails with ProducerStopped", async () => {
    const data = pattern(200_000);
    const fh = await open(await tempFile(data), "r");
    const consumer = new PullConsumer();
    consumer.auto = false;
    const sender = new FileSender();
    const d = sender.beginFileTransfer(fh, consumer);
    await until(() => consumer.chunks.length === 1);
    sender.stopProducing();
    await assert.rejects(
      async () => d,
      (e: unknown) => {
        assert.ok(e instanceof ProducerStopped, "e instanceof ProducerStopped");
        assert.equal(e.code, "ERR_PRODUCER_STOPPED");
        assert.equal(e.message, "Consumer asked us to stop producing");
        return true;
      },
    );
    await until(() => fh.fd === -1);
    sender.resumeProducing();
    sender.stopProducing();
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(consumer.chunks.length, 1, "nothing written after stopProducing");
  });

  it("stopProducing closes an async iterator (its finally block runs)", async () => {
    let closed = false;
    async function* gen() {
      try {
        for (;;) yield new Uint8Array(16);
      } finally {
        closed = true;
      }
    }
    const consumer = new PullConsumer();
    consumer.auto = false;
    const sender = new FileSender();
    const d = sender.beginFileTransfer(gen(), consumer);
    d.addErrback(() => undefined);
    await until(() => consumer.chunks.length === 1);
    sender.stopProducing();
    await until(() => closed);
  });

  it("cancelling the Deferred unregisters, closes the file and fails with CancelledError", async () => {
    const fh = await open(await tempFile(pattern(200_000)), "r");
    const consumer = new PullConsumer();
    consumer.auto = false;
    const d = new FileSender().beginFileTransfer(fh, consumer);
    await until(() => consumer.chunks.length === 1);
    d.cancel();
    await assert.rejects(async () => d, CancelledError);
    assert.equal(consumer.unregistered, 1);
    await until(() => fh.fd === -1);
  });

  it("fails with the read error (a missing file) and unregisters", async () => {
    const consumer = new PullConsumer();
    const d = new FileSender().beginFileTransfer(join(dir, "missing"), consumer);
    await assert.rejects(async () => d, { code: "ENOENT" });
    assert.equal(consumer.unregistered, 1);
  });

  it("runs one transfer at a time, and may start another after", async () => {
    const sender = new FileSender();
    const path = await tempFile(pattern(10));
    const c1 = new PullConsumer();
    const d = sender.beginFileTransfer(path, c1);
    assert.throws(() => sender.beginFileTransfer(path, new PullConsumer()), InvalidStateError);
    await d;
    const c2 = new PullConsumer();
    await sender.beginFileTransfer(path, c2);
    assert.deepEqual(c2.value(), pattern(10));
  });

  it("rethrows what registerProducer throws and closes the source", async () => {
    const transport = new StringTransport();
    transport.registerProducer({ resumeProducing() {}, stopProducing() {} }, false);
    const fh = await open(await tempFile(pattern(10)), "r");
    assert.throws(() => new FileSender().beginFileTransfer(fh, transport), InvalidStateError);
    await until(() => fh.fd === -1);
  });

  it("streams a file over a real loopback connection", async () => {
    const data = pattern(3 * 1024 * 1024 + 17, 3);
    const path = await tempFile(data);
    const reactor = new Reactor();
    let result: number | undefined | null = null;
    class Serve extends Protocol {
      override connectionMade(): void {
        new FileSender().beginFileTransfer(path, this.transport!).addCallback((last) => {
          result = last;
          this.transport!.loseConnection();
        });
      }
    }
    const port: IListeningPort = await reactor.listenTCP(
      0,
      Factory.forProtocol(Serve, { noisy: false }),
      50,
      "127.0.0.1",
    );
    try {
      const socket = connect((port.getHost() as IPv4Address).port, "127.0.0.1");
      const chunks: Buffer[] = [];
      socket.on("data", (c: Buffer) => chunks.push(c));
      await new Promise<void>((resolve, reject) => {
        socket.on("end", resolve);
        socket.on("error", reject);
        setTimeout(() => reject(new Error("transfer timed out")), 10_000).unref();
      });
      socket.destroy();
      assert.deepEqual(Buffer.concat(chunks), data);
      assert.equal(result, data[data.length - 1]);
    } finally {
      await port.stopListening();
    }
    await tick();
  });
});
