/**
 * A conformance suite for `ITransport` behaviour, run against every transport implementation:
 * TCP, UNIX and TLS on the real reactor here, and the memory doubles of `braid/testing`.
 *
 * `makePair(client, server)` must connect the two given protocols through a pair of transports
 * (calling `makeConnection` on each) and return them with a `cleanup` that releases everything.
 * Implementations that deliver data only when pumped pass `pump`, called while the suite waits.
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  ConnectionAborted,
  ConnectionDone,
  ConnectionError,
  InvalidStateError,
} from "../../src/errors/errors.js";
import { collectEvents } from "../../src/logger/capture.js";
import type { IPullProducer, IPushProducer } from "../../src/producers/interfaces.js";
import type { IProtocol, ITransport } from "../../src/protocol/interfaces.js";
import { digest, patterned, Recorder, sleep } from "./helpers.js";

/** Two connected protocols and how to release them. */
export interface TransportPair {
  /** The protocol of the connecting side. */
  client: IProtocol;
  /** The protocol of the accepting side. */
  server: IProtocol;
  /** Releases the pair (ports, sockets); safe after the connection is gone. */
  cleanup(): Promise<void> | void;
}

/** Connects `client` and `server` through a new pair of transports. */
export type MakePair = (client: IProtocol, server: IProtocol) => Promise<TransportPair>;

/** Options of {@link describeTransportConformance}. */
export interface ConformanceOptions {
  /** Called while waiting, for implementations that move data only when pumped. */
  pump?: () => void;
  /** Per-test time limit in ms (default 15000). */
  timeout?: number;
}

/** Runs the transport conformance checks against `makePair`. */
export function describeTransportConformance(
  name: string,
  makePair: MakePair,
  options: ConformanceOptions = {},
): void {
  const timeout = options.timeout ?? 15_000;
  const pump = options.pump;

  async function until(cond: () => boolean, what: string, ms = 8000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!cond()) {
      if (Date.now() > deadline) throw new Error(`${name}: timed out waiting for ${what}`);
      pump?.();
      await sleep(1);
    }
  }

  async function connected(): Promise<{
    c: Recorder;
    s: Recorder;
    pair: TransportPair;
    ct: ITransport;
    st: ITransport;
  }> {
    const c = new Recorder();
    const s = new Recorder();
    const pair = await makePair(c, s);
    await until(() => c.connected && s.connected, "both connectionMade");
    return { c, s, pair, ct: c.transport as ITransport, st: s.transport as ITransport };
  }

  describe(`${name}: ITransport conformance`, () => {
    it("delivers makeConnection, connectionMade, data, connectionLost once, in order", {
      timeout,
    }, async () => {
      const { c, s, pair } = await connected();
      try {
        c.transport!.write(Buffer.from("ping"));
        await until(() => s.receivedBytes() === 4, "ping");
        c.transport!.loseConnection();
        await until(() => c.lostCount > 0 && s.lostCount > 0, "connectionLost");
        await sleep(20);
        assert.deepEqual(c.events, ["makeConnection", "connectionMade", "connectionLost"]);
        assert.deepEqual(s.events, ["makeConnection", "connectionMade", "data", "connectionLost"]);
        assert.equal(s.received().toString(), "ping");
        assert.ok(c.reason?.check(ConnectionDone), String(c.reason?.value));
        assert.ok(s.reason?.check(ConnectionDone), String(s.reason?.value));
      } finally {
        await pair.cleanup();
      }
    });

    it("keeps order across small writes, writeSequence and large writes, within and across turns", {
      timeout,
    }, async () => {
      const { c, s, pair } = await connected();
      try {
        const sent: Buffer[] = [];
        const send = (b: Buffer): void => {
          sent.push(b);
          c.transport!.write(b);
        };
        for (let i = 0; i < 500; i++) send(Buffer.from(`${i},`));
        const seq = [patterned(10, 2), patterned(70_000, 3), patterned(5, 4)];
        sent.push(...seq);
        c.transport!.writeSequence(seq);
        send(patterned(200_000, 5));
        for (let i = 0; i < 50; i++) send(Buffer.from(`tail${i};`));
        for (let turn = 0; turn < 5; turn++) {
          await sleep(0);
          send(patterned(100_000 * (turn % 2), 6 + turn).subarray(0));
          send(Buffer.from(`turn${turn}`));
        }
        c.transport!.write(new Uint8Array(0));
        const total = sent.reduce((n, b) => n + b.length, 0);
        await until(() => s.receivedBytes() >= total, "all bytes");
        assert.equal(s.receivedBytes(), total);
        assert.equal(digest(s.chunks), digest(sent));
      } finally {
        await pair.cleanup();
      }
    });

    it("loseConnection sends everything queued before closing", { timeout }, async () => {
      const { c, s, pair } = await connected();
      try {
        const sent: Buffer[] = [];
        for (let i = 0; i < 64; i++) sent.push(patterned(16_384, i + 1));
        for (const b of sent) c.transport!.write(b);
        c.transport!.loseConnection();
        assert.equal(c.transport!.disconnecting, true);
        c.transport!.loseConnection(); // harmless twice
        await until(() => s.lostCount > 0 && c.lostCount > 0, "connectionLost");
        assert.equal(digest(s.chunks), digest(sent));
        assert.ok(s.reason?.check(ConnectionDone), String(s.reason?.value));
        assert.equal(c.lostCount, 1);
        assert.equal(s.lostCount, 1);
      } finally {
        await pair.cleanup();
      }
    });

    it("abortConnection closes at once with ConnectionAborted", { timeout }, async () => {
      const { c, s, pair } = await connected();
      try {
        c.transport!.write(patterned(1 << 20));
        c.transport!.abortConnection();
        c.transport!.abortConnection();
        await until(() => s.lostCount > 0 && c.lostCount > 0, "connectionLost");
        assert.ok(c.reason?.check(ConnectionAborted), String(c.reason?.value));
        assert.ok(s.reason?.check(ConnectionError), String(s.reason?.value));
        await sleep(10);
        assert.equal(c.lostCount, 1);
        assert.equal(s.lostCount, 1);
        // Writes after the connection is gone are dropped without error.
        c.transport!.write(Buffer.from("late"));
        c.transport!.loseConnection();
        assert.equal(c.transport!.getWriteBufferSize(), 0);
      } finally {
        await pair.cleanup();
      }
    });

    it("enforces the producer registration rules", { timeout }, async () => {
      const { c, s, pair } = await connected();
      try {
        const calls: string[] = [];
        const push: IPushProducer = {
          pauseProducing: () => calls.push("pause"),
          resumeProducing: () => calls.push("resume"),
          stopProducing: () => calls.push("stop"),
        };
        const t = c.transport!;
        t.registerProducer(push, true);
        assert.throws(() => t.registerProducer(push, true), InvalidStateError);
        t.unregisterProducer();
        t.unregisterProducer();
        t.registerProducer(push, true);
        assert.throws(() => t.setWriteBufferLimits(10, 20), RangeError);
        assert.throws(() => t.setWriteBufferLimits(-1), RangeError);
        // A low mark alone raises the high one to four times it, as in the test doubles.
        t.setWriteBufferLimits(undefined, 256 * 1024);
        t.setWriteBufferLimits(1024 * 1024);
        s.transport!.loseConnection();
        await until(() => c.lostCount > 0, "client connectionLost");
        assert.deepEqual(
          calls,
          ["stop"],
          "a registered producer is stopped when the connection is lost",
        );
        const late: string[] = [];
        t.registerProducer(
          { resumeProducing: () => late.push("resume"), stopProducing: () => late.push("stop") },
          false,
        );
        assert.deepEqual(late, ["stop"], "registering on a lost connection stops the producer");
      } finally {
        await pair.cleanup();
      }
    });

    it("exceptions thrown by producer callbacks are not propagated", { timeout }, async () => {
      const { c, s, pair } = await connected();
      const collector = collectEvents();
      try {
        const boom = (): never => {
          throw new Error("producer failure (expected by the test)");
        };
        c.transport!.registerProducer({ resumeProducing: boom, stopProducing: boom }, false);
        c.transport!.write(Buffer.from("x"));
        await until(() => s.receivedBytes() === 1, "one byte");
        c.transport!.abortConnection();
        await until(() => c.lostCount > 0, "connectionLost");
        const logged = collector.events.filter((e) => e.failure !== undefined);
        assert.ok(logged.length >= 2, "resumeProducing and stopProducing failures were logged");
      } finally {
        collector.stop();
        await pair.cleanup();
      }
    });

    it("drives a pull producer to completion", { timeout }, async () => {
      const { c, s, pair } = await connected();
      try {
        const chunks = Array.from({ length: 40 }, (_, i) => patterned(32_768, 100 + i));
        let next = 0;
        let resumes = 0;
        const t = c.transport!;
        const producer: IPullProducer = {
          resumeProducing() {
            resumes++;
            const chunk = chunks[next++];
            if (chunk === undefined) {
              t.unregisterProducer();
              t.loseConnection();
            } else {
              t.write(chunk);
            }
          },
          stopProducing() {},
        };
        t.registerProducer(producer, false);
        assert.equal(resumes, 1, "resumeProducing is called at registration");
        await until(() => s.lostCount > 0, "server connectionLost");
        assert.equal(digest(s.chunks), digest(chunks));
        assert.ok(s.reason?.check(ConnectionDone));
      } finally {
        await pair.cleanup();
      }
    });

    it("loseConnection waits for the registered producer to unregister", { timeout }, async () => {
      const { c, s, pair } = await connected();
      try {
        const t = c.transport!;
        t.registerProducer({ pauseProducing() {}, resumeProducing() {}, stopProducing() {} }, true);
        t.write(Buffer.from("head;"));
        t.loseConnection();
        await until(() => s.receivedBytes() === 5, "head");
        await sleep(50);
        assert.equal(s.lostCount, 0);
        assert.equal(c.lostCount, 0);
        assert.equal(t.disconnecting, true);
        t.write(Buffer.from("tail"));
        t.unregisterProducer();
        await until(() => s.lostCount > 0 && c.lostCount > 0, "connectionLost");
        assert.equal(s.received().toString(), "head;tail");
      } finally {
        await pair.cleanup();
      }
    });

    it("pauseProducing stops delivery; resumeProducing delivers every byte in order", {
      timeout,
    }, async () => {
      const { c, s, pair } = await connected();
      try {
        s.transport!.pauseProducing();
        s.transport!.pauseProducing();
        const sent = [patterned(100_000, 7), patterned(3, 8)];
        for (const b of sent) c.transport!.write(b);
        await sleep(60);
        pump?.();
        assert.equal(s.receivedBytes(), 0, "nothing delivered while paused");
        s.transport!.resumeProducing();
        s.transport!.resumeProducing();
        await until(() => s.receivedBytes() === 100_003, "all bytes after resume");
        assert.equal(digest(s.chunks), digest(sent));
      } finally {
        await pair.cleanup();
      }
    });

    it("reports addresses and a write buffer size", { timeout }, async () => {
      const { c, s, pair } = await connected();
      try {
        for (const t of [c.transport!, s.transport!]) {
          assert.ok(["IPv4", "IPv6", "UNIX"].includes(t.getPeer().family));
          assert.ok(["IPv4", "IPv6", "UNIX"].includes(t.getHost().family));
          assert.equal(typeof t.getWriteBufferSize(), "number");
          assert.equal(t.disconnecting, false);
        }
        assert.equal(c.transport!.getPeer().family, s.transport!.getHost().family);
      } finally {
        await pair.cleanup();
      }
    });
  });
}
