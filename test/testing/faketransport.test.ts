import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConnectionDone, InvalidStateError } from "../../src/errors/errors.js";
import type { IPushProducer } from "../../src/producers/interfaces.js";
import { IPv4Address } from "../../src/protocol/address.js";
import { AccumulatingProtocol } from "../../src/testing/accumulating.js";
import { FakeTransport } from "../../src/testing/faketransport.js";

const enc = new TextEncoder();

function transport(): { proto: AccumulatingProtocol; t: FakeTransport } {
  const proto = new AccumulatingProtocol();
  const t = new FakeTransport(proto, false, {
    hostAddress: new IPv4Address("TCP", "127.0.0.1", 1),
    peerAddress: new IPv4Address("TCP", "127.0.0.1", 2),
  });
  proto.makeConnection(t);
  return { proto, t };
}

class Push implements IPushProducer {
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

describe("FakeTransport", () => {
  it("queues copies of writes, skipping empty ones, until taken", () => {
    const { t } = transport();
    const buf = enc.encode("ab");
    t.write(buf);
    buf[0] = 0;
    t.write(new Uint8Array(0));
    t.writeSequence([enc.encode("c")]);
    assert.equal(t.getWriteBufferSize(), 3);
    assert.deepEqual(t.takeOutgoing(), enc.encode("abc"));
    assert.equal(t.takeOutgoing(), null);
    t.putBack(enc.encode("z"));
    assert.equal(t.getWriteBufferSize(), 1);
    assert.throws(() => t.write("s" as unknown as Uint8Array), TypeError);
  });

  it("pauses a push producer above the high mark and resumes it at the low mark", () => {
    const { t } = transport();
    const p = new Push();
    t.setWriteBufferLimits(4, 2);
    t.registerProducer(p, true);
    t.write(enc.encode("abcd"));
    assert.deepEqual(p.calls, []);
    t.write(enc.encode("e"));
    assert.deepEqual(p.calls, ["pause"]);
    t.write(enc.encode("f"));
    assert.deepEqual(p.calls, ["pause"]);
    t.maybeResumeProducer();
    assert.deepEqual(p.calls, ["pause"]);
    t.takeOutgoing();
    t.maybeResumeProducer();
    assert.deepEqual(p.calls, ["pause", "resume"]);
    t.write(enc.encode("xxxxx"));
    t.setWriteBufferLimits(10, 5);
    assert.deepEqual(p.calls, ["pause", "resume", "pause", "resume"]);
    assert.throws(() => t.setWriteBufferLimits(1, 2), RangeError);
  });

  it("pauses a push producer registered over a full buffer", () => {
    const { t } = transport();
    t.setWriteBufferLimits(1);
    t.write(enc.encode("abc"));
    const p = new Push();
    t.registerProducer(p, true);
    assert.deepEqual(p.calls, ["pause"]);
    assert.throws(() => t.registerProducer(new Push(), true), InvalidStateError);
    t.unregisterProducer();
    assert.equal(t.producerPaused, false);
  });

  it("records pausing of its own reading, TCP options and addresses", () => {
    const { t } = transport();
    t.pauseProducing();
    assert.equal(t.readPaused, true);
    assert.equal(t.isReading(), false);
    t.resumeProducing();
    assert.equal(t.isReading(), true);
    assert.equal(t.getTcpNoDelay(), true);
    t.setTcpKeepAlive(true, 5);
    assert.equal(t.getTcpKeepAlive(), true);
    assert.equal((t.getPeer() as IPv4Address).port, 2);
    assert.equal((t.getHost() as IPv4Address).port, 1);
    assert.equal(String(t), "FakeTransport<C,AccumulatingProtocol>");
  });

  it("delivers connectionLost once, after stopping the producer, and drops later writes", () => {
    const { proto, t } = transport();
    const p = new Push();
    t.registerProducer(p, true);
    t.write(enc.encode("queued"));
    t.deliverConnectionLost(new ConnectionDone());
    t.deliverConnectionLost(new ConnectionDone());
    assert.deepEqual(p.calls, ["stop"]);
    assert.equal(proto.closed, true);
    assert.ok(proto.closedReason!.check(ConnectionDone));
    assert.equal(t.getWriteBufferSize(), 0);
    t.write(enc.encode("late"));
    assert.equal(t.getWriteBufferSize(), 0);
    assert.equal(t.disconnected, true);
  });

  it("abortConnection drops the queue and later writes", () => {
    const { t } = transport();
    t.write(enc.encode("x"));
    t.abortConnection();
    t.write(enc.encode("y"));
    assert.equal(t.getWriteBufferSize(), 0);
    assert.equal(t.aborted, true);
    assert.equal(t.disconnecting, true);
  });
});
