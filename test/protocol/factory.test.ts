import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConnectionRefusedError, InvalidStateError } from "../../src/errors/errors.js";
import { Failure } from "../../src/errors/failure.js";
import { collectEvents } from "../../src/logger/capture.js";
import { IPv4Address } from "../../src/protocol/address.js";
import {
  ClientFactory,
  Factory,
  ReconnectingClientFactory,
  ServerFactory,
} from "../../src/protocol/factory.js";
import type { IConnector } from "../../src/protocol/interfaces.js";
import { Protocol } from "../../src/protocol/protocol.js";
import { Clock } from "../../src/time/clock.js";

const addr = new IPv4Address("TCP", "127.0.0.1", 1234);

class Echo extends Protocol {}

class FakeConnector implements IConnector {
  connects = 0;
  stops = 0;
  connecting = true;
  constructor(readonly clock: Clock) {}
  connect(): void {
    this.connects++;
    this.connecting = true;
  }
  disconnect(): void {}
  stopConnecting(): void {
    if (!this.connecting) throw new InvalidStateError("not connecting");
    this.connecting = false;
    this.stops++;
  }
  getDestination() {
    return addr;
  }
}

const refused = () => new Failure(new ConnectionRefusedError());

describe("Factory", () => {
  it("builds the protocol class and sets its factory", () => {
    const f = Factory.forProtocol(Echo);
    const p = f.buildProtocol(addr);
    assert.ok(p instanceof Echo);
    assert.equal(p.factory, f);
  });

  it("forProtocol assigns properties and keeps the subclass", () => {
    class Greeting extends ServerFactory<Echo> {
      greeting = "hello";
    }
    const f = Greeting.forProtocol(Echo, { greeting: "hi", noisy: false });
    assert.ok(f instanceof Greeting);
    assert.equal(f.greeting, "hi");
  });

  it("fails clearly without a protocol class", () => {
    assert.throws(() => new Factory().buildProtocol(addr), /has no protocol class/);
  });

  it("reference-counts start and stop", () => {
    const events: string[] = [];
    class Counting extends Factory {
      override startFactory() {
        events.push("start");
      }
      override stopFactory() {
        events.push("stop");
      }
    }
    const f = new Counting();
    f.noisy = false;
    f.doStart();
    f.doStart();
    f.doStop();
    assert.deepEqual(events, ["start"]);
    f.doStop();
    f.doStop();
    assert.deepEqual(events, ["start", "stop"]);
    assert.equal(f.numPorts, 0);
  });

  it("logs starting and stopping when noisy", () => {
    const c = collectEvents();
    const f = Factory.forProtocol(Echo);
    f.doStart();
    f.doStop();
    c.stop();
    assert.deepEqual(
      c.events.filter((e) => e.namespace === "braid.factory").map((e) => e.format),
      ["Starting factory {factory}", "Stopping factory {factory}"],
    );
  });

  it("ClientFactory's hooks are no-ops by default", () => {
    const f = new ClientFactory();
    const c = new FakeConnector(new Clock());
    f.startedConnecting(c);
    f.clientConnectionFailed(c, refused());
    f.clientConnectionLost(c, refused());
    assert.equal(c.connects, 0);
  });
});

describe("ReconnectingClientFactory", () => {
  function make(options = {}) {
    const clock = new Clock();
    const f = new ReconnectingClientFactory({ jitter: 0, ...options });
    f.noisy = false;
    return { clock, f, connector: new FakeConnector(clock) };
  }

  it("retries with exponentially growing delays on the connector's clock", () => {
    const { clock, f, connector } = make({ initialDelay: 1, factor: 2 });
    f.clientConnectionFailed(connector, refused());
    assert.equal(f.delay, 2);
    clock.advance(1.9);
    assert.equal(connector.connects, 0);
    clock.advance(0.1);
    assert.equal(connector.connects, 1);
    f.clientConnectionLost(connector, refused());
    assert.equal(f.delay, 4);
    clock.advance(4);
    assert.equal(connector.connects, 2);
  });

  it("caps the delay at maxDelay", () => {
    const { f, connector } = make({ initialDelay: 10, factor: 10, maxDelay: 50 });
    f.clientConnectionFailed(connector, refused());
    assert.equal(f.delay, 50);
  });

  it("gives up after maxRetries", () => {
    const { clock, f, connector } = make({ maxRetries: 2, factor: 1 });
    for (let i = 0; i < 3; i++) {
      f.clientConnectionFailed(connector, refused());
      clock.advance(10);
    }
    assert.equal(connector.connects, 2);
    assert.equal(clock.getDelayedCalls().length, 0);
  });

  it("applies jitter as a normal deviate from the injected randomness", () => {
    const clock = new Clock();
    const values = [0.5, 0.25];
    const f = new ReconnectingClientFactory({
      initialDelay: 1,
      factor: 2,
      jitter: 0.1,
      random: () => values.shift() ?? 0.5,
    });
    f.noisy = false;
    f.clientConnectionFailed(new FakeConnector(clock), refused());
    // Box–Muller with u=0.5, v=0.25: cos(pi/2) = 0, so the delay is the mean.
    assert.ok(Math.abs(f.delay - 2) < 1e-9);
  });

  it("uses an explicit clock over the connector's", () => {
    const own = new Clock();
    const { f, connector } = make({ clock: own, initialDelay: 1, factor: 1 });
    f.clientConnectionFailed(connector, refused());
    assert.equal(own.getDelayedCalls().length, 1);
    assert.equal(connector.clock.getDelayedCalls().length, 0);
  });

  it("stopTrying cancels the pending retry and stops the attempt in progress", () => {
    const { clock, f, connector } = make();
    f.clientConnectionFailed(connector, refused());
    f.stopTrying();
    assert.equal(clock.getDelayedCalls().length, 0);
    assert.equal(connector.stops, 1);
    f.clientConnectionLost(connector, refused());
    assert.equal(clock.getDelayedCalls().length, 0);
    connector.connecting = false;
    assert.doesNotThrow(() => f.stopTrying());
  });

  it("resetDelay starts over", () => {
    const { f, connector } = make({ initialDelay: 1, factor: 2 });
    f.clientConnectionFailed(connector, refused());
    f.clientConnectionFailed(connector, refused());
    assert.equal(f.retries, 2);
    f.resetDelay();
    assert.equal(f.delay, 1);
    assert.equal(f.retries, 0);
    assert.equal(f.continueTrying, true);
  });

  it("retry() without any connector is an error", () => {
    const { f } = make();
    assert.throws(() => f.retry(), InvalidStateError);
  });
});
