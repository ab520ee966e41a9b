/**
 * Tests for `ThrottlingFactory`: the connection limit, read throttling (transports paused and
 * resumed), write throttling (writes cut, queued and released at the limit's rate, producers
 * paused), on a `Clock` with `StringTransport`; and one loopback test of an echo server over
 * real TCP, read-limited, whose rate is measured roughly.
 */
import assert from "node:assert/strict";
import net from "node:net";
import { after, describe, it } from "node:test";
import { ConnectionDone } from "../../../src/errors/errors.js";
import { Failure } from "../../../src/errors/failure.js";
import type { IPushProducer } from "../../../src/producers/interfaces.js";
import { IPv4Address } from "../../../src/protocol/address.js";
import { Factory } from "../../../src/protocol/factory.js";
import { Protocol } from "../../../src/protocol/protocol.js";
import {
  ThrottlingFactory,
  ThrottlingProtocol,
} from "../../../src/protocols/policies/throttling.js";
import type { IListeningPort } from "../../../src/reactor/interfaces.js";
import { reactor } from "../../../src/reactor/reactor.js";
import { AccumulatingProtocol } from "../../../src/testing/accumulating.js";
import { StringTransportWithDisconnection } from "../../../src/testing/stringtransport.js";
import { Clock } from "../../../src/time/clock.js";

const addr = new IPv4Address("TCP", "127.0.0.1", 5555);

class Echo extends Protocol {
  override dataReceived(data: Uint8Array): void {
    this.transport!.write(data);
  }
}

function connect(f: ThrottlingFactory): [ThrottlingProtocol, StringTransportWithDisconnection] {
  const p = f.buildProtocol(addr) as ThrottlingProtocol;
  const t = new StringTransportWithDisconnection();
  t.protocol = p;
  p.makeConnection(t);
  return [p, t];
}

function bytes(n: number, fill = 120): Uint8Array {
  return new Uint8Array(n).fill(fill);
}

class RecordingProducer implements IPushProducer {
  calls: string[] = [];
  pauseProducing(): void {
    this.calls.push("pause");
  }
  resumeProducing(): void {
    this.calls.push("resume");
  }
  stopProducing(): void {
    this.calls.push("stop");
  }
}

describe("ThrottlingFactory: connections", () => {
  it("refuses connections over maxConnectionCount, and counts only live ones", () => {
    const clock = new Clock();
    const f = new ThrottlingFactory(Factory.forProtocol(Echo, { noisy: false }), {
      clock,
      maxConnectionCount: 2,
    });
    const [a] = connect(f);
    connect(f);
    assert.equal(f.connectionCount, 2);
    assert.equal(f.buildProtocol(addr), null);
    a.connectionLost(new Failure(new ConnectionDone()));
    assert.equal(f.connectionCount, 1);
    assert.ok(f.buildProtocol(addr) instanceof ThrottlingProtocol);
  });

  it("passes data through untouched without limits", () => {
    const clock = new Clock();
    const f = new ThrottlingFactory(Factory.forProtocol(Echo, { noisy: false }), { clock });
    const [p, t] = connect(f);
    p.dataReceived(bytes(1_000_000));
    assert.equal(t.value().length, 1_000_000);
    assert.equal(t.producerState, "producing");
    assert.equal(clock.getDelayedCalls().length, 0);
  });

  it("rejects nonsense limits", () => {
    const clock = new Clock();
    const inner = Factory.forProtocol(Echo);
    assert.throws(() => new ThrottlingFactory(inner, { clock, readLimit: 0 }), RangeError);
    assert.throws(() => new ThrottlingFactory(inner, { clock, writeLimit: -5 }), RangeError);
    assert.throws(
      () => new ThrottlingFactory(inner, { clock, maxConnectionCount: -1 }),
      RangeError,
    );
  });
});

describe("ThrottlingFactory: reads", () => {
  it("pauses every transport once the read budget is spent, and resumes after it refills", () => {
    const clock = new Clock();
    const f = new ThrottlingFactory(Factory.forProtocol(AccumulatingProtocol, { noisy: false }), {
      clock,
      readLimit: 1000,
    });
    const [p1, t1] = connect(f);
    const [p2, t2] = connect(f);
    p1.dataReceived(bytes(600));
    assert.equal(t1.producerState, "producing");
    p2.dataReceived(bytes(500)); // 1100 > 1000: over budget by 100
    assert.equal(f.readThrottled, true);
    assert.equal(t1.producerState, "paused");
    assert.equal(t2.producerState, "paused");
    // The data already read is delivered all the same.
    assert.equal((p2.wrappedProtocol as AccumulatingProtocol).data.length, 500);
    // A connection made meanwhile starts paused.
    const [, t3] = connect(f);
    assert.equal(t3.producerState, "paused");
    // Back in business once a tenth of a second's worth is there again: (100 + 100) / 1000 s.
    clock.advance(0.19);
    assert.equal(t1.producerState, "paused");
    clock.advance(0.02);
    assert.equal(f.readThrottled, false);
    assert.deepEqual(
      [t1.producerState, t2.producerState, t3.producerState],
      ["producing", "producing", "producing"],
    );
  });

  it("keeps a transport the protocol paused itself paused after throttling ends", () => {
    const clock = new Clock();
    const f = new ThrottlingFactory(Factory.forProtocol(AccumulatingProtocol, { noisy: false }), {
      clock,
      readLimit: 100,
    });
    const [p, t] = connect(f);
    const inner = (p.wrappedProtocol as Protocol).transport!;
    p.dataReceived(bytes(150));
    assert.equal(t.producerState, "paused");
    inner.pauseProducing();
    inner.resumeProducing(); // the protocol resumes, but reads are still throttled
    assert.equal(t.producerState, "paused");
    inner.pauseProducing();
    clock.advance(1);
    assert.equal(f.readThrottled, false);
    assert.equal(t.producerState, "paused");
    inner.resumeProducing();
    assert.equal(t.producerState, "producing");
  });

  it("limits the long-run read rate to the limit", () => {
    const clock = new Clock();
    const f = new ThrottlingFactory(Factory.forProtocol(AccumulatingProtocol, { noisy: false }), {
      clock,
      readLimit: 10_000,
    });
    const [p, t] = connect(f);
    let read = 0;
    // A peer that always has 1000 bytes ready whenever the transport reads.
    for (let step = 0; step < 10_000; step++) {
      while (t.producerState === "producing" && clock.seconds() < 10) {
        p.dataReceived(bytes(1000));
        read += 1000;
      }
      if (clock.seconds() >= 10) break;
      clock.advance(0.001);
    }
    // A first second's burst plus ten seconds at the limit, give or take a chunk.
    assert.ok(read >= 100_000 && read <= 112_000, `read ${read} bytes in 10 s`);
  });
});

describe("ThrottlingFactory: writes", () => {
  it("writes what the budget allows, queues the rest and releases it at the limit's rate", () => {
    const clock = new Clock();
    const f = new ThrottlingFactory(Factory.forProtocol(Echo, { noisy: false }), {
      clock,
      writeLimit: 1000,
    });
    const [p, t] = connect(f);
    p.dataReceived(bytes(2500));
    assert.equal(t.value().length, 1000);
    assert.equal(f.writeThrottled, true);
    assert.equal(p.getWriteBufferSize(), 1500);
    assert.equal((p.wrappedProtocol as Protocol).transport!.getWriteBufferSize(), 1500);
    clock.pump(Array.from({ length: 10 }, () => 0.1));
    const afterOne = t.value().length;
    assert.ok(afterOne >= 1900 && afterOne <= 2000, `after 1 s: ${afterOne}`);
    clock.pump(Array.from({ length: 6 }, () => 0.1));
    assert.equal(t.value().length, 2500);
    // Order is kept across cuts.
    assert.deepEqual(t.value(), bytes(2500));
  });

  it("keeps writes in order while a queue waits, and closes only once it is flushed", () => {
    const clock = new Clock();
    const f = new ThrottlingFactory(Factory.forProtocol(Protocol, { noisy: false }), {
      clock,
      writeLimit: 100,
    });
    const [p, t] = connect(f);
    const inner = (p.wrappedProtocol as Protocol).transport!;
    inner.write(bytes(150, 97));
    inner.writeSequence([bytes(10, 98), bytes(10, 99)]);
    inner.loseConnection();
    assert.equal(inner.disconnecting, true);
    assert.equal(t.disconnecting, false);
    clock.pump(Array.from({ length: 20 }, () => 0.1));
    assert.equal(t.valueText(), `${"a".repeat(150)}${"b".repeat(10)}${"c".repeat(10)}`);
    assert.equal(t.disconnecting, true);
  });

  it("abortConnection drops the queue", () => {
    const clock = new Clock();
    const f = new ThrottlingFactory(Factory.forProtocol(Protocol, { noisy: false }), {
      clock,
      writeLimit: 100,
    });
    const [p, t] = connect(f);
    (p.wrappedProtocol as Protocol).transport!.write(bytes(300));
    (p.wrappedProtocol as Protocol).transport!.abortConnection();
    assert.equal(t.aborted, true);
    assert.equal(p.getWriteBufferSize(), 0);
    clock.advance(5);
    assert.equal(t.value().length, 100);
  });

  it("pauses a push producer while writes are throttled, combined with the transport's pausing", () => {
    const clock = new Clock();
    const f = new ThrottlingFactory(Factory.forProtocol(Protocol, { noisy: false }), {
      clock,
      writeLimit: 100,
    });
    const [p, t] = connect(f);
    const inner = (p.wrappedProtocol as Protocol).transport!;
    const producer = new RecordingProducer();
    inner.registerProducer(producer, true);
    const gate = t.producer as IPushProducer;
    assert.notEqual(gate, producer);
    inner.write(bytes(150));
    assert.deepEqual(producer.calls, ["pause"]);
    // The transport's buffer fills up meanwhile: no resume while either reason holds.
    gate.pauseProducing();
    clock.advance(3);
    assert.equal(t.value().length, 150);
    assert.deepEqual(producer.calls, ["pause"]);
    gate.resumeProducing();
    assert.deepEqual(producer.calls, ["pause", "resume"]);
    gate.stopProducing();
    assert.deepEqual(producer.calls, ["pause", "resume", "stop"]);
    inner.unregisterProducer();
    assert.equal(t.producer, null);
  });

  it("asks a pull producer for more only while writes are allowed", () => {
    const clock = new Clock();
    const f = new ThrottlingFactory(Factory.forProtocol(Protocol, { noisy: false }), {
      clock,
      writeLimit: 100,
    });
    const [p, t] = connect(f);
    const inner = (p.wrappedProtocol as Protocol).transport!;
    let asked = 0;
    inner.registerProducer(
      {
        resumeProducing: () => {
          asked++;
          inner.write(bytes(80));
        },
        stopProducing() {},
      },
      false,
    );
    const gate = t.producer as { resumeProducing(): void };
    gate.resumeProducing(); // 80 of 100
    gate.resumeProducing(); // 160: 20 queued, throttled
    assert.equal(asked, 2);
    gate.resumeProducing(); // held until the queue is out
    assert.equal(asked, 2);
    clock.pump(Array.from({ length: 10 }, () => 0.1));
    assert.equal(asked, 3);
  });

  it("shares the budget among connections, round robin", () => {
    const clock = new Clock();
    const f = new ThrottlingFactory(Factory.forProtocol(Protocol, { noisy: false }), {
      clock,
      writeLimit: 1000,
    });
    const conns = [connect(f), connect(f), connect(f)];
    for (const [p] of conns) (p.wrappedProtocol as Protocol).transport!.write(bytes(2000));
    clock.pump(Array.from({ length: 50 }, () => 0.1));
    const sent = conns.map(([, t]) => t.value().length);
    const total = sent.reduce((x, y) => x + y, 0);
    assert.ok(total >= 5800 && total <= 6000, `total ${total}`);
    for (const s of sent) assert.ok(s >= 1500, `unfair share: ${sent.join(", ")}`);
    f.doStart();
    f.doStop(); // stopFactory cancels pending timers
    assert.equal(clock.getDelayedCalls().length, 0);
  });
});

describe("ThrottlingFactory over real TCP", { timeout: 20_000 }, () => {
  let port: IListeningPort | null = null;
  after(async () => {
    await port?.stopListening();
  });

  it("an echo server read-limited to 256 KiB/s echoes 1 MiB in about 3 s", async () => {
    const limit = 256 * 1024;
    const total = 1024 * 1024;
    const f = new ThrottlingFactory(Factory.forProtocol(Echo, { noisy: false }), {
      clock: reactor,
      readLimit: limit,
    });
    port = await reactor.listenTCP(0, f, 50, "127.0.0.1");
    const portNumber = (port.getHost() as IPv4Address).port;
    const started = performance.now();
    const elapsed = await new Promise<number>((resolve, reject) => {
      const s = net.connect(portNumber, "127.0.0.1");
      let got = 0;
      s.on("error", reject);
      s.on("connect", () => {
        s.write(Buffer.alloc(total, 1));
      });
      s.on("data", (d) => {
        got += d.length;
        if (got >= total) {
          s.destroy();
          resolve((performance.now() - started) / 1000);
        }
      });
    });
    // One second's burst, then (1 MiB - 256 KiB) at 256 KiB/s: 3 s. Generous bounds.
    const rate = total / elapsed;
    assert.ok(elapsed > 1.5 && elapsed < 12, `took ${elapsed.toFixed(2)} s`);
    assert.ok(rate < 2.5 * limit, `rate ${(rate / 1024).toFixed(0)} KiB/s`);
  });
});
