import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConnectionAborted, ConnectionDone, InvalidStateError } from "../../src/errors/errors.js";
import type { Failure } from "../../src/errors/failure.js";
import { collectEvents } from "../../src/logger/capture.js";
import type { IPullProducer, IPushProducer } from "../../src/producers/interfaces.js";
import { IPv4Address, UNIXAddress } from "../../src/protocol/address.js";
import { Protocol } from "../../src/protocol/protocol.js";
import {
  StringTransport,
  StringTransportWithDisconnection,
} from "../../src/testing/stringtransport.js";

const enc = new TextEncoder();

class Echo extends Protocol {
  override dataReceived(data: Uint8Array): void {
    this.transport!.write(data);
  }
}

class Recorder implements IPushProducer {
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

describe("StringTransport", () => {
  it("records what an echo protocol writes", () => {
    const proto = new Echo();
    const transport = new StringTransport();
    proto.makeConnection(transport);
    proto.dataReceived(enc.encode("hello "));
    proto.dataReceived(enc.encode("world"));
    assert.equal(transport.valueText(), "hello world");
    assert.deepEqual(transport.value(), enc.encode("hello world"));
    assert.equal(transport.io.length, 2);
  });

  it("copies written chunks, so reused buffers do not change the record", () => {
    const transport = new StringTransport();
    const buf = enc.encode("abc");
    transport.write(buf);
    buf[0] = 0x7a;
    assert.equal(transport.valueText(), "abc");
  });

  it("clear() forgets what was written", () => {
    const transport = new StringTransport();
    transport.write(enc.encode("one"));
    assert.equal(transport.valueText(), "one");
    transport.clear();
    assert.equal(transport.value().length, 0);
    assert.equal(transport.io.length, 0);
    transport.writeSequence([enc.encode("t"), enc.encode("wo")]);
    assert.equal(transport.valueText(), "two");
  });

  it("decodes with another encoding", () => {
    const transport = new StringTransport();
    transport.write(new Uint8Array([0xe9]));
    assert.equal(transport.valueText("latin1"), "é");
  });

  it("throws TypeError for a non-Uint8Array write", () => {
    const transport = new StringTransport();
    assert.throws(() => transport.write("text" as unknown as Uint8Array), TypeError);
    assert.throws(
      () => transport.writeSequence([enc.encode("a"), "b" as unknown as Uint8Array]),
      TypeError,
    );
    assert.equal(transport.valueText(), "a");
  });

  it("loseConnection only records, and keeps recording writes", () => {
    const proto = new Echo();
    const transport = new StringTransport();
    proto.makeConnection(transport);
    transport.loseConnection();
    assert.equal(transport.disconnecting, true);
    assert.equal(transport.aborted, false);
    assert.equal(proto.connected, true);
    transport.write(enc.encode("late"));
    assert.equal(transport.valueText(), "late");
  });

  it("abortConnection records aborted and disconnecting", () => {
    const transport = new StringTransport();
    transport.abortConnection();
    assert.equal(transport.aborted, true);
    assert.equal(transport.disconnecting, true);
  });

  it("has loopback-looking default addresses, and takes others", () => {
    const t = new StringTransport();
    assert.ok(t.getHost().equals(new IPv4Address("TCP", "127.0.0.1", 8000)));
    assert.ok(t.getPeer().equals(new IPv4Address("TCP", "127.0.0.2", 54321)));
    const unix = new StringTransport({
      hostAddress: new UNIXAddress("/tmp/s"),
      peerAddress: new UNIXAddress(null),
    });
    assert.equal(unix.getHost().toString(), "/tmp/s");
    assert.equal(unix.getPeer().toString(), "<unnamed>");
  });

  it("registers one producer at a time and does not drive it", () => {
    const transport = new StringTransport();
    const p = new Recorder();
    transport.registerProducer(p, true);
    assert.equal(transport.producer, p);
    assert.equal(transport.streaming, true);
    assert.throws(() => transport.registerProducer(new Recorder(), true), InvalidStateError);
    transport.unregisterProducer();
    assert.equal(transport.producer, null);
    assert.equal(transport.streaming, null);
    transport.unregisterProducer(); // no-op
    const pull: IPullProducer = {
      resumeProducing: () => assert.fail("not driven"),
      stopProducing() {},
    };
    transport.registerProducer(pull, false);
    assert.equal(transport.streaming, false);
    assert.deepEqual(p.calls, []);
  });

  it("records its own producer state, and refuses to pause or resume once stopped", () => {
    const transport = new StringTransport();
    assert.equal(transport.producerState, "producing");
    transport.pauseProducing();
    assert.equal(transport.producerState, "paused");
    transport.resumeProducing();
    assert.equal(transport.producerState, "producing");
    transport.stopProducing();
    assert.equal(transport.producerState, "stopped");
    assert.throws(() => transport.pauseProducing(), InvalidStateError);
    assert.throws(() => transport.resumeProducing(), InvalidStateError);
    transport.stopProducing(); // repeats are fine
  });

  it("records TCP options", () => {
    const t = new StringTransport();
    assert.equal(t.getTcpNoDelay(), true);
    t.setTcpNoDelay(false);
    assert.equal(t.getTcpNoDelay(), false);
    assert.equal(t.getTcpKeepAlive(), false);
    t.setTcpKeepAlive(true, 30);
    assert.equal(t.getTcpKeepAlive(), true);
    assert.equal(t.keepAliveDelay, 30);
    t.loseWriteConnection();
    assert.equal(t.writeClosed, true);
  });

  it("has an empty write buffer and validated limits", () => {
    const t = new StringTransport();
    t.write(enc.encode("x".repeat(100_000)));
    assert.equal(t.getWriteBufferSize(), 0);
    assert.deepEqual(t.writeBufferLimits, { high: 65536, low: 16384 });
    t.setWriteBufferLimits(1000);
    assert.deepEqual(t.writeBufferLimits, { high: 1000, low: 250 });
    t.setWriteBufferLimits(1000, 1000);
    assert.deepEqual(t.writeBufferLimits, { high: 1000, low: 1000 });
    t.setWriteBufferLimits(0, 0);
    assert.deepEqual(t.writeBufferLimits, { high: 0, low: 0 });
    assert.throws(() => t.setWriteBufferLimits(10, 20), RangeError);
    assert.throws(() => t.setWriteBufferLimits(-1), RangeError);
    assert.throws(() => t.setWriteBufferLimits(10, -1), RangeError);
    assert.throws(() => t.setWriteBufferLimits(Number.NaN), RangeError);
  });
});

describe("StringTransportWithDisconnection", () => {
  class Closing extends Protocol {
    reasons: Failure[] = [];
    override connectionLost(reason: Failure): void {
      super.connectionLost(reason);
      this.reasons.push(reason);
    }
  }

  it("delivers connectionLost(ConnectionDone) once on loseConnection", () => {
    const proto = new Closing();
    const t = new StringTransportWithDisconnection();
    t.protocol = proto;
    proto.makeConnection(t);
    t.loseConnection();
    t.loseConnection();
    t.abortConnection();
    assert.equal(proto.reasons.length, 1);
    assert.ok(proto.reasons[0]!.check(ConnectionDone));
    assert.equal(t.connected, false);
    assert.equal(t.disconnecting, true);
    assert.equal(proto.connected, false);
  });

  it("delivers ConnectionAborted on abortConnection, after stopping the producer", () => {
    const order: string[] = [];
    const proto = new (class extends Closing {
      override connectionLost(reason: Failure): void {
        order.push("lost");
        super.connectionLost(reason);
      }
    })();
    const t = new StringTransportWithDisconnection();
    t.protocol = proto;
    proto.makeConnection(t);
    t.registerProducer(
      {
        pauseProducing() {},
        resumeProducing() {},
        stopProducing: () => order.push("stop"),
      },
      true,
    );
    t.abortConnection();
    assert.deepEqual(order, ["stop", "lost"]);
    assert.ok(proto.reasons[0]!.check(ConnectionAborted));
    assert.equal(t.aborted, true);
    assert.equal(t.producer, null);
  });

  it("logs an error thrown by stopProducing and still delivers connectionLost", () => {
    const proto = new Closing();
    const t = new StringTransportWithDisconnection();
    t.protocol = proto;
    t.registerProducer(
      {
        pauseProducing() {},
        resumeProducing() {},
        stopProducing() {
          throw new Error("boom");
        },
      },
      true,
    );
    const collector = collectEvents();
    try {
      t.loseConnection();
    } finally {
      collector.stop();
    }
    assert.equal(proto.reasons.length, 1);
    assert.equal(collector.events.length, 1);
    assert.equal(collector.events[0]?.level, "error");
  });

  it("works without a protocol", () => {
    const t = new StringTransportWithDisconnection();
    t.loseConnection();
    assert.equal(t.connected, false);
  });
});
