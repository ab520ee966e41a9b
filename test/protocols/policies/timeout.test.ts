/**
 * Tests for the idle timeouts: `IdleTimeout`, the `withTimeout` mixin and `TimeoutFactory`, all
 * on a `Clock`.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConnectionDone, InvalidStateError } from "../../../src/errors/errors.js";
import { Failure } from "../../../src/errors/failure.js";
import { IPv4Address } from "../../../src/protocol/address.js";
import { Factory } from "../../../src/protocol/factory.js";
import { Protocol } from "../../../src/protocol/protocol.js";
import { LineReceiver } from "../../../src/protocols/basic/lineReceiver.js";
import {
  IdleTimeout,
  TimeoutFactory,
  TimeoutProtocol,
  withTimeout,
} from "../../../src/protocols/policies/timeout.js";
import { StringTransportWithDisconnection } from "../../../src/testing/stringtransport.js";
import { Clock } from "../../../src/time/clock.js";

const enc = new TextEncoder();
const addr = new IPv4Address("TCP", "127.0.0.1", 5555);

describe("IdleTimeout", () => {
  it("fires after the period, and reset() pushes it back", () => {
    const clock = new Clock();
    let fired = 0;
    const t = new IdleTimeout(clock, () => fired++);
    assert.equal(t.set(5), null);
    assert.equal(t.pending, true);
    clock.advance(4);
    t.reset();
    clock.advance(4);
    assert.equal(fired, 0);
    clock.advance(1);
    assert.equal(fired, 1);
    assert.equal(t.pending, false);
    t.reset(); // after it ran out: nothing to reset
    clock.advance(10);
    assert.equal(fired, 1);
  });

  it("set() changes the period from now, returns the previous one, and null cancels", () => {
    const clock = new Clock();
    let fired = 0;
    const t = new IdleTimeout(clock, () => fired++);
    t.set(5);
    clock.advance(3);
    assert.equal(t.set(10), 5);
    clock.advance(9);
    assert.equal(fired, 0);
    assert.equal(t.set(null), 10);
    assert.equal(t.period, null);
    assert.equal(clock.getDelayedCalls().length, 0);
    clock.advance(100);
    assert.equal(fired, 0);
    assert.throws(() => t.set(-1), RangeError);
    assert.throws(() => t.set(Number.NaN), RangeError);
  });
});

class Session extends withTimeout(LineReceiver) {
  lines: string[] = [];
  override lineReceived(line: Uint8Array): void {
    this.resetTimeout();
    this.lines.push(Buffer.from(line).toString());
  }
}

function connect<P extends Protocol>(p: P): StringTransportWithDisconnection {
  const t = new StringTransportWithDisconnection();
  t.protocol = p;
  p.makeConnection(t);
  return t;
}

describe("withTimeout", () => {
  it("keeps the base class's behaviour and closes the connection when idle", () => {
    const clock = new Clock();
    const s = new Session();
    s.clock = clock;
    const t = connect(s);
    assert.equal(s.setTimeout(10), null);
    assert.equal(s.timeOut, 10);
    clock.advance(9);
    s.dataReceived(enc.encode("hello\r\n"));
    clock.advance(9);
    assert.deepEqual(s.lines, ["hello"]);
    assert.equal(t.disconnecting, false);
    clock.advance(1);
    assert.equal(t.disconnecting, true);
    assert.equal(s.connected, false);
  });

  it("setTimeout(null) cancels and returns the previous period", () => {
    const clock = new Clock();
    const s = new Session();
    s.clock = clock;
    connect(s);
    s.setTimeout(10);
    assert.equal(s.setTimeout(null), 10);
    clock.advance(100);
    assert.equal(s.connected, true);
    assert.equal(s.setTimeout(null), null);
  });

  it("timeoutConnection can be overridden, and connectionLost cancels the timer", () => {
    const clock = new Clock();
    class Aborting extends withTimeout(Protocol) {
      override timeoutConnection(): void {
        this.transport!.abortConnection();
      }
    }
    const p = new Aborting();
    p.clock = clock;
    const t = connect(p);
    p.setTimeout(1);
    clock.advance(1);
    assert.equal(t.aborted, true);

    const q = new Aborting();
    q.clock = clock;
    connect(q);
    q.setTimeout(1);
    q.connectionLost(new Failure(new ConnectionDone()));
    assert.equal(clock.getDelayedCalls().length, 0);
  });

  it("needs a clock", () => {
    const s = new Session();
    connect(s);
    assert.throws(() => s.setTimeout(1), InvalidStateError);
    assert.equal(s.setTimeout(null), null);
  });
});

describe("TimeoutFactory", () => {
  class Echo extends Protocol {
    override dataReceived(data: Uint8Array): void {
      this.transport!.write(data);
    }
  }

  it("disconnects a connection idle for the period; reads and writes count as activity", () => {
    const clock = new Clock();
    const f = new TimeoutFactory(Factory.forProtocol(Echo, { noisy: false }), 3, clock);
    const p = f.buildProtocol(addr) as TimeoutProtocol;
    assert.ok(p instanceof TimeoutProtocol);
    const t = connect(p);
    clock.advance(2);
    p.dataReceived(enc.encode("x")); // read and write
    clock.advance(2);
    (p.wrappedProtocol as Protocol).transport!.writeSequence([enc.encode("y")]);
    clock.advance(2);
    assert.equal(t.disconnecting, false);
    assert.equal(t.valueText(), "xy");
    clock.advance(1);
    assert.equal(t.disconnecting, true);
    assert.equal(f.protocols.size, 0);
    assert.equal(clock.getDelayedCalls().length, 0);
  });

  it("cancels the timer when the connection is lost first", () => {
    const clock = new Clock();
    const f = new TimeoutFactory(Factory.forProtocol(Echo, { noisy: false }), 3, clock);
    const p = f.buildProtocol(addr)!;
    connect(p);
    p.connectionLost(new Failure(new ConnectionDone()));
    assert.equal(clock.getDelayedCalls().length, 0);
    assert.throws(() => new TimeoutFactory(f, -1, clock), RangeError);
  });
});
