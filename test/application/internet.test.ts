/**
 * StreamServerEndpointService on a real loopback port (start, start failure, grace at stop),
 * strports.service, and TimerService on a Clock.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import net from "node:net";
import { after, describe, it } from "node:test";
import { StreamServerEndpointService, TimerService } from "../../src/application/internet.js";
import * as strports from "../../src/application/strports.js";
import { Deferred } from "../../src/defer/deferred.js";
import { TCP4ServerEndpoint } from "../../src/endpoints/tcp.js";
import { CannotListenError, EndpointParseError } from "../../src/errors/errors.js";
import type { IPv4Address } from "../../src/protocol/address.js";
import { Factory } from "../../src/protocol/factory.js";
import { Protocol } from "../../src/protocol/protocol.js";
import { Reactor } from "../../src/reactor/reactor.js";
import { Clock, captureLogEvents } from "../../src/testing/index.js";

const reactor = new Reactor();
const sockets = new Set<net.Socket>();
after(() => {
  for (const s of sockets) s.destroy();
});

/** Answers each chunk with "got:<chunk>" after `delay` seconds. */
class SlowEcho extends Protocol {
  static delay = 0.3;
  override dataReceived(data: Uint8Array): void {
    const text = new TextDecoder().decode(data);
    reactor.callLater(SlowEcho.delay, () => {
      this.transport?.write(new TextEncoder().encode(`got:${text}`));
    });
  }
}

async function client(
  port: number,
): Promise<{ socket: net.Socket; read: () => Promise<string>; closed: Promise<unknown> }> {
  const socket = net.connect(port, "127.0.0.1");
  sockets.add(socket);
  await once(socket, "connect");
  socket.setEncoding("utf8");
  const closed = once(socket, "close");
  return {
    socket,
    closed,
    read: async () => String((await once(socket, "data"))[0]),
  };
}

function portOf(service: StreamServerEndpointService): number {
  return (service.port!.getHost() as IPv4Address).port;
}

describe("StreamServerEndpointService", () => {
  it("listens while running; its start Deferred gives the port", async () => {
    const service = new StreamServerEndpointService(
      new TCP4ServerEndpoint(reactor, 0, { interface: "127.0.0.1" }),
      Factory.forProtocol(SlowEcho, { noisy: false }),
      { clock: reactor },
    );
    const port = await service.startService();
    assert.equal(service.port, port);
    const c = await client(portOf(service));
    c.socket.write("hi");
    assert.equal(await c.read(), "got:hi");
    assert.equal(service.connectionCount, 1);
    c.socket.end();
    await c.closed;
    await service.stopService();
    assert.equal(service.port, null);
    assert.equal(service.running, false);
  });

  it("fails startService with CannotListenError when the port is in use", async () => {
    const first = strports.service("tcp:0:interface=127.0.0.1", new Factory(), reactor);
    await first.startService();
    const taken = portOf(first);
    const second = strports.service(`tcp:${taken}:interface=127.0.0.1`, new Factory(), reactor);
    await assert.rejects(async () => second.startService(), CannotListenError);
    await second.stopService(); // nothing to stop: fine
    await first.stopService();
  });

  it("at stop, an open connection finishes its exchange within the grace period", async () => {
    const service = strports.service(
      "tcp:0:interface=127.0.0.1",
      Factory.forProtocol(SlowEcho, { noisy: false }),
      reactor,
      { grace: 5 },
    );
    await service.startService();
    const port = portOf(service);
    const c = await client(port);
    c.socket.write("work");
    await new Promise((r) => setTimeout(r, 50)); // the request is in flight
    let stopped = false;
    const stopping = service.stopService().addCallback(() => {
      stopped = true;
    });
    // No new connections once stopping has begun.
    await new Promise((r) => setTimeout(r, 50));
    const refused = net.connect(port, "127.0.0.1");
    sockets.add(refused);
    const [err] = (await once(refused, "error")) as [NodeJS.ErrnoException];
    assert.equal(err.code, "ECONNREFUSED");
    // The in-flight answer still arrives.
    assert.equal(await c.read(), "got:work");
    assert.equal(stopped, false);
    c.socket.end();
    await stopping;
    assert.equal(stopped, true);
  });

  it("drops connections still open when the grace period is over", async () => {
    const service = strports.service(
      "tcp:0:interface=127.0.0.1",
      Factory.forProtocol(SlowEcho, { noisy: false }),
      reactor,
      { grace: 0.3 },
    );
    await service.startService();
    const c = await client(portOf(service));
    c.socket.on("error", () => {});
    const t0 = Date.now();
    await service.stopService();
    const elapsed = Date.now() - t0;
    assert.ok(elapsed >= 250, `stopped after ${elapsed} ms`);
    assert.ok(elapsed < 3000, `stopped after ${elapsed} ms`);
    await c.closed;
    assert.equal(service.connectionCount, 0);
  });

  it("stopping while the listen is in progress waits for it, then closes the port", async () => {
    const service = strports.service("tcp:0:interface=127.0.0.1", new Factory(), reactor);
    const started = service.startService();
    await service.stopService();
    const port = await started;
    const c = net.connect((port.getHost() as IPv4Address).port, "127.0.0.1");
    sockets.add(c);
    const [err] = (await once(c, "error")) as [NodeJS.ErrnoException];
    assert.equal(err.code, "ECONNREFUSED");
  });

  it("defers the factory's doStop until its connections are gone", async () => {
    const events: string[] = [];
    class Tracked extends Factory {
      override startFactory() {
        events.push("start");
      }
      override stopFactory() {
        events.push("stop");
      }
    }
    const factory = Tracked.forProtocol(SlowEcho, { noisy: false });
    const service = strports.service("tcp:0:interface=127.0.0.1", factory, reactor, { grace: 5 });
    await service.startService();
    const c = await client(portOf(service));
    const stopping = service.stopService();
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(events, ["start"]);
    c.socket.end();
    await stopping;
    assert.deepEqual(events, ["start", "stop"]);
  });
});

describe("strports.service", () => {
  it("throws EndpointParseError for a malformed description", () => {
    assert.throws(() => strports.service("tcp:nope", new Factory(), reactor), EndpointParseError);
  });
});

describe("TimerService", () => {
  it("calls its function at start and every interval while running", () => {
    const clock = new Clock();
    const calls: string[] = [];
    const timer = new TimerService(10, (x: string) => calls.push(x), "tick");
    timer.clock = clock;
    timer.startService();
    assert.deepEqual(calls, ["tick"]);
    clock.advance(10);
    clock.advance(10);
    assert.equal(calls.length, 3);
    const state = { done: false };
    timer.stopService().addCallback(() => {
      state.done = true;
    });
    assert.equal(state.done, true);
    clock.advance(100);
    assert.equal(calls.length, 3);
    timer.startService(); // restartable
    assert.equal(calls.length, 4);
    timer.stopService();
  });

  it("stopService waits for a call in progress", () => {
    const clock = new Clock();
    let pending: Deferred<void> | undefined;
    const timer = new TimerService(1, () => {
      pending = new Deferred<void>();
      return pending;
    });
    timer.clock = clock;
    timer.startService();
    let done = false;
    timer.stopService().addCallback(() => {
      done = true;
    });
    assert.equal(done, false);
    pending!.callback(undefined);
    assert.equal(done, true);
  });

  it("a failing function stops the calls; the failure is logged, not thrown", () => {
    const clock = new Clock();
    let calls = 0;
    const timer = new TimerService(1, () => {
      calls++;
      throw new Error("boom");
    });
    timer.clock = clock;
    const events = captureLogEvents(() => {
      timer.startService();
      clock.advance(5);
    });
    assert.equal(calls, 1);
    assert.ok(events.some((e) => e.level === "error" && e.failure !== undefined));
    timer.stopService();
  });
});
