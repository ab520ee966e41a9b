/**
 * The write path of StreamTransport: small writes are copied into a per-turn accumulation buffer
 * (but a lone one, handed over as it is), medium ones are queued by reference, large ones may go
 * straight to the socket. Whatever the mix and however the writes fall into turns of the event
 * loop, the peer must receive exactly the bytes written, in order.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { connect as netConnect, type Socket } from "node:net";
import { after, describe, it } from "node:test";
import fc from "fast-check";
import { Protocol } from "../../src/protocol/protocol.js";
import type { IListeningPort } from "../../src/reactor/interfaces.js";
import { newReactor, patterned, portOf, serverFactory, sleep, waitFor } from "./helpers.js";

const reactor = newReactor();

/** Writes `turns` (lists of chunk sizes) one turn of the event loop after another, then closes. */
class Writer extends Protocol {
  constructor(
    private readonly turns: number[][],
    private readonly source: Buffer,
  ) {
    super();
  }

  override connectionMade(): void {
    let offset = 0;
    let turn = 0;
    const next = () => {
      if (turn === this.turns.length) {
        this.transport!.loseConnection();
        return;
      }
      for (const size of this.turns[turn++]!) {
        this.transport!.write(this.source.subarray(offset, offset + size));
        offset += size;
      }
      setImmediate(next);
    };
    next();
  }
}

/**
 * Records every chunk `transport`'s socket is asked to write (the object itself), passing the
 * call on. Returns the record.
 */
function spyOnSocketWrites(transport: unknown): unknown[] {
  const socket = (transport as { socket: Socket }).socket;
  const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
  const handed: unknown[] = [];
  (socket as { write: unknown }).write = (...args: unknown[]) => {
    handed.push(args[0]);
    return write(...args);
  };
  return handed;
}

const size = fc.oneof(
  { weight: 5, arbitrary: fc.integer({ min: 1, max: 600 }) },
  { weight: 3, arbitrary: fc.integer({ min: 600, max: 20_000 }) },
  { weight: 1, arbitrary: fc.integer({ min: 20_000, max: 80_000 }) },
);

describe("StreamTransport writes", () => {
  const ports: IListeningPort[] = [];
  after(async () => {
    for (const p of ports) await p.stopListening();
  });

  it("deliver every byte in order, whatever the mix of sizes and turns", {
    timeout: 60_000,
  }, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(size, { minLength: 1, maxLength: 40 }), { minLength: 1, maxLength: 6 }),
        async (turns) => {
          const total = turns.flat().reduce((a, b) => a + b, 0);
          const source = patterned(total, total);
          const port = await reactor.listenTCP(
            0,
            serverFactory(() => new Writer(turns, source)),
            50,
            "127.0.0.1",
          );
          ports.push(port);
          const socket = netConnect(portOf(port), "127.0.0.1");
          const received: Buffer[] = [];
          socket.on("data", (chunk: Buffer) => received.push(chunk));
          await once(socket, "end");
          socket.end();
          const got = Buffer.concat(received);
          assert.equal(got.length, total, "byte count");
          assert.ok(got.equals(source), "bytes differ");
        },
      ),
      { numRuns: 25 },
    );
  });

  it("delivers a burst of many small writes in one turn intact", async () => {
    const lines = Array.from({ length: 2000 }, (_, i) => Buffer.from(`line ${i}\r\n`));
    const expected = Buffer.concat(lines);
    class Burst extends Protocol {
      override connectionMade(): void {
        // About 20 KiB of small writes: several accumulation buffers in one turn.
        for (const l of lines) this.transport!.write(l);
        this.transport!.loseConnection();
      }
    }
    const port = await reactor.listenTCP(
      0,
      serverFactory(() => new Burst()),
      50,
      "127.0.0.1",
    );
    ports.push(port);
    const socket = netConnect(portOf(port), "127.0.0.1");
    const received: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => received.push(chunk));
    await once(socket, "end");
    socket.end();
    assert.ok(Buffer.concat(received).equals(expected), "the burst arrived intact");
  });

  it("hands the writes made inside dataReceived to the socket, in one write, when it returns", async () => {
    const writesAtReturn: number[] = [];
    let handed: unknown[] = [];
    class Reply extends Protocol {
      override connectionMade(): void {
        handed = spyOnSocketWrites(this.transport);
        const socket = (this.transport as unknown as { socket: Socket }).socket;
        // Listeners run in order: this one runs right after the transport's dataReceived.
        socket.on("data", () => writesAtReturn.push(handed.length));
      }

      override dataReceived(data: Uint8Array): void {
        const t = this.transport!;
        t.write(Buffer.from("re:"));
        t.write(data);
        t.write(Buffer.from(";"));
      }
    }
    const port = await reactor.listenTCP(
      0,
      serverFactory(() => new Reply()),
      50,
      "127.0.0.1",
    );
    ports.push(port);
    const socket = netConnect(portOf(port), "127.0.0.1");
    socket.write("ping");
    const [reply] = (await once(socket, "data")) as [Buffer];
    socket.end();
    assert.equal(reply.toString(), "re:ping;");
    assert.deepEqual(writesAtReturn, [1], "written before the event loop moved on");
    assert.deepEqual(
      handed.map((c) => Buffer.from(c as Uint8Array).toString()),
      ["re:ping;"],
      "one socket write",
    );
  });

  it("hands a lone small reply to the socket as it is, and copies once a second write follows", async () => {
    let handed: unknown[] = [];
    const given: Uint8Array[] = [];
    class Echo extends Protocol {
      override connectionMade(): void {
        handed = spyOnSocketWrites(this.transport);
      }

      override dataReceived(data: Uint8Array): void {
        given.push(data);
        this.transport!.write(data);
        if (data.includes(0x2b)) this.transport!.write(Buffer.from("!")); // "+": a second write
      }
    }
    const port = await reactor.listenTCP(
      0,
      serverFactory(() => new Echo()),
      50,
      "127.0.0.1",
    );
    ports.push(port);
    const socket = netConnect(portOf(port), "127.0.0.1");
    socket.write("one");
    const [first] = (await once(socket, "data")) as [Buffer];
    socket.write("two+");
    const [second] = (await once(socket, "data")) as [Buffer];
    socket.end();
    assert.equal(first.toString(), "one");
    assert.equal(second.toString(), "two+!");
    assert.equal(handed.length, 2, "one socket write per reply");
    assert.equal(handed[0], given[0], "the lone write went to the socket uncopied");
    assert.notEqual(handed[1], given[1], "two writes were joined into one buffer");
  });

  it("never lets a connection's writes overwrite bytes another socket still holds", {
    timeout: 30_000,
  }, async () => {
    // Small writes are copied into a scratch buffer shared by all connections. When a socket
    // cannot take a write at once it keeps referencing those bytes, and the buffer must not be
    // reused for the next connection's writes.
    const made: Protocol[] = [];
    const port = await reactor.listenTCP(
      0,
      serverFactory(() => {
        const p = new Protocol();
        made.push(p);
        return p;
      }),
      50,
      "127.0.0.1",
    );
    ports.push(port);
    const slow = netConnect(portOf(port), "127.0.0.1");
    slow.pause(); // reads nothing yet: the server's writes back up
    await waitFor(() => made.length === 1, 5000, "the first connection");
    const fast = netConnect(portOf(port), "127.0.0.1");
    await waitFor(() => made.length === 2, 5000, "the second connection");
    const [a, b] = made as [Protocol, Protocol];
    const bulk = patterned(8 * 2 ** 20, 7);
    a.transport!.write(bulk);
    await waitFor(() => a.transport!.getWriteBufferSize() > 0, 5000, "a backed-up socket");
    const tailA = [Buffer.alloc(100, "a"), Buffer.alloc(100, "A")];
    for (const chunk of tailA) a.transport!.write(chunk); // two small writes: copied
    await sleep(5); // flushed: the slow socket holds them
    const fastGot: Buffer[] = [];
    fast.on("data", (d: Buffer) => fastGot.push(d));
    for (const chunk of [Buffer.alloc(100, "b"), Buffer.alloc(100, "B")]) b.transport!.write(chunk);
    await waitFor(() => Buffer.concat(fastGot).length === 200, 5000, "the fast reply");
    const slowGot: Buffer[] = [];
    slow.on("data", (d: Buffer) => slowGot.push(d));
    slow.resume();
    const expected = Buffer.concat([bulk, ...tailA]);
    await waitFor(() => Buffer.concat(slowGot).length >= expected.length, 20_000, "the slow reply");
    slow.destroy();
    fast.destroy();
    assert.equal(Buffer.concat(fastGot).toString(), "b".repeat(100) + "B".repeat(100));
    const got = Buffer.concat(slowGot);
    assert.equal(got.subarray(bulk.length).toString(), "a".repeat(100) + "A".repeat(100));
    assert.ok(got.equals(expected), "the slow connection received every byte intact");
  });
});
