/**
 * `PipeWriter` and `PipeReader` against a fake socket: write coalescing, direct large writes,
 * closing after the producer, and a reader that stays paused when Node resumes its socket.
 */
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import type { Socket } from "node:net";
import { describe, it } from "node:test";
import { type PipeOwner, PipeReader, PipeWriter } from "../../src/process/pipes.js";

/** Just enough of `net.Socket` for the pipes. */
class FakeSocket extends EventEmitter {
  readonly writes: Buffer[] = [];
  readonly calls: string[] = [];
  writableLength = 0;
  readable: boolean;
  constructor(readable: boolean) {
    super();
    this.readable = readable;
  }
  write(data: Uint8Array, cb?: (err?: Error | null) => void): boolean {
    this.writes.push(Buffer.from(data));
    if (cb) queueMicrotask(() => cb(null));
    return true;
  }
  cork(): void {
    this.calls.push("cork");
  }
  uncork(): void {
    this.calls.push("uncork");
  }
  end(): void {
    this.calls.push("end");
    queueMicrotask(() => this.emit("finish"));
  }
  destroy(): void {
    this.calls.push("destroy");
    queueMicrotask(() => this.emit("close"));
  }
  pause(): void {
    this.calls.push("pause");
  }
  resume(): void {
    this.calls.push("resume");
  }
}

class Owner implements PipeOwner {
  readonly data: string[] = [];
  readonly lost: number[] = [];
  _pipeData(fd: number, data: Uint8Array): void {
    this.data.push(`${fd}:${Buffer.from(data).toString()}`);
  }
  _pipeLost(fd: number): void {
    this.lost.push(fd);
  }
}

const tick = () => new Promise<void>((r) => setImmediate(r));
const sock = (readable: boolean) => new FakeSocket(readable) as FakeSocket & Socket;

describe("PipeWriter", () => {
  it("coalesces the writes of one turn into one socket write", async () => {
    const s = sock(false);
    const w = new PipeWriter(new Owner(), 0, s);
    w.write(Buffer.from("a"));
    w.write(Buffer.from("b"));
    w.write(Buffer.from("c"));
    w.write(new Uint8Array(0));
    assert.equal(w.getWriteBufferSize(), 3);
    assert.equal(s.writes.length, 0);
    await tick();
    assert.deepEqual(s.writes.map(String), ["abc"]);
  });

  it("a large write with nothing pending goes straight to the socket", () => {
    const s = sock(false);
    const w = new PipeWriter(new Owner(), 0, s);
    w.write(Buffer.alloc(20_000));
    assert.equal(s.writes.length, 1);
  });

  it("more than 64 KiB pending is corked rather than concatenated", async () => {
    const s = sock(false);
    const w = new PipeWriter(new Owner(), 0, s);
    w.write(Buffer.from("x"));
    for (let i = 0; i < 5; i++) w.write(Buffer.alloc(16 * 1024));
    await tick();
    assert.equal(s.writes.length, 6);
    assert.deepEqual(s.calls, ["cork", "uncork"]);
  });

  it("loseConnection sends what is pending, ends, and reports the loss once", async () => {
    const owner = new Owner();
    const s = sock(false);
    const w = new PipeWriter(owner, 0, s);
    w.write(Buffer.from("last"));
    w.loseConnection();
    w.write(Buffer.from("dropped"));
    w.loseConnection();
    await tick();
    assert.deepEqual(s.writes.map(String), ["last"]);
    assert.deepEqual(s.calls, ["end", "destroy"]);
    assert.deepEqual(owner.lost, [0]);
    assert.ok(w.lost);
    assert.equal(w.getWriteBufferSize(), 0);
  });

  it("a readable pipe (fd >= 3) closes when the child closes its end", async () => {
    const owner = new Owner();
    const s = sock(true);
    new PipeWriter(owner, 3, s);
    s.emit("data", Buffer.from("ignored"));
    s.emit("end");
    await tick();
    assert.deepEqual(owner.lost, [3]);
  });

  it("a producer is stopped when the pipe is lost, and stopped at once on a lost pipe", async () => {
    const s = sock(false);
    const w = new PipeWriter(new Owner(), 0, s);
    const calls: string[] = [];
    const p = {
      pauseProducing: () => calls.push("pause"),
      resumeProducing: () => calls.push("resume"),
      stopProducing: () => calls.push("stop"),
    };
    w.registerProducer(p, true);
    w.abort();
    await tick();
    assert.deepEqual(calls, ["stop"]);
    w.registerProducer(p, true);
    assert.deepEqual(calls, ["stop", "stop"]);
  });
});

describe("PipeReader", () => {
  it("delivers data, closes on end, reports the loss once", async () => {
    const owner = new Owner();
    const s = sock(true);
    const r = new PipeReader(owner, 1, s);
    s.emit("data", Buffer.from("hi"));
    s.emit("end");
    await tick();
    assert.deepEqual(owner.data, ["1:hi"]);
    assert.deepEqual(owner.lost, [1]);
    assert.ok(r.lost);
  });

  it("a chunk that arrives while paused is held, and delivered before the close on resume", async () => {
    const owner = new Owner();
    const s = sock(true);
    const r = new PipeReader(owner, 1, s);
    r.pause();
    s.emit("data", Buffer.from("held")); // Node resumed the socket behind our back
    s.emit("close");
    assert.deepEqual(owner.data, []);
    assert.deepEqual(owner.lost, []);
    assert.deepEqual(s.calls, ["pause", "pause"]);
    r.resume();
    assert.deepEqual(owner.data, ["1:held"]);
    assert.deepEqual(owner.lost, [1]);
  });

  it("loseConnection discards what comes and closes", async () => {
    const owner = new Owner();
    const s = sock(true);
    const r = new PipeReader(owner, 2, s);
    r.loseConnection();
    s.emit("data", Buffer.from("late"));
    await tick();
    assert.deepEqual(owner.data, []);
    assert.deepEqual(owner.lost, [2]);
    r.pause();
    r.resume();
  });
});
