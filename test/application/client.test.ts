/**
 * ClientService: whenConnected semantics and retries on a Clock with a scripted endpoint, and a
 * reconnection after the server restarts on real loopback sockets.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { backoffPolicy, ClientService } from "../../src/application/client.js";
import { StreamServerEndpointService } from "../../src/application/internet.js";
import { Deferred } from "../../src/defer/deferred.js";
import type { IStreamClientEndpoint } from "../../src/endpoints/interfaces.js";
import { TCP4ClientEndpoint, TCP4ServerEndpoint } from "../../src/endpoints/tcp.js";
import { CancelledError, ConnectionRefusedError } from "../../src/errors/errors.js";
import { IPv4Address } from "../../src/protocol/address.js";
import { Factory } from "../../src/protocol/factory.js";
import type { IProtocol, IProtocolFactory } from "../../src/protocol/interfaces.js";
import { Protocol } from "../../src/protocol/protocol.js";
import { Reactor } from "../../src/reactor/reactor.js";
import {
  Clock,
  captureLogEvents,
  MemoryReactorClock,
  StringTransportWithDisconnection,
} from "../../src/testing/index.js";

/** An endpoint whose attempts the test settles by hand. */
class ScriptedEndpoint implements IStreamClientEndpoint {
  readonly attempts: { factory: IProtocolFactory; d: Deferred<IProtocol> }[] = [];
  cancelled = 0;
  connect(factory: IProtocolFactory): Deferred<IProtocol> {
    const d = new Deferred<IProtocol>(() => {
      this.cancelled++;
    });
    this.attempts.push({ factory, d });
    return d;
  }
  /** Connects the last attempt to a fresh transport; returns the transport. */
  succeed(): StringTransportWithDisconnection {
    const { factory, d } = this.attempts[this.attempts.length - 1]!;
    const proto = factory.buildProtocol(new IPv4Address("TCP", "127.0.0.1", 1))!;
    const transport = new StringTransportWithDisconnection();
    transport.protocol = proto;
    proto.makeConnection(transport);
    d.callback(proto);
    return transport;
  }
  fail(): void {
    this.attempts[this.attempts.length - 1]!.d.errback(new ConnectionRefusedError());
  }
}

class Client extends Protocol {}

function setup(prepare?: (p: Client) => unknown) {
  const clock = new Clock();
  const endpoint = new ScriptedEndpoint();
  const service = new ClientService<Client>(
    endpoint,
    Factory.forProtocol(Client, { noisy: false }),
    {
      clock,
      retryPolicy: backoffPolicy({ initialDelay: 1, factor: 2, maxDelay: 8, jitter: 0 }),
      ...(prepare === undefined ? {} : { prepareConnection: prepare }),
    },
  );
  return { clock, endpoint, service };
}

function state<T>(d: Deferred<T>) {
  const s: { value?: T; error?: unknown; done: boolean } = { done: false };
  d.addCallbacks(
    (v) => {
      s.done = true;
      s.value = v;
    },
    (f) => {
      s.done = true;
      s.error = f.value;
    },
  );
  return s;
}

describe("backoffPolicy", () => {
  it("grows exponentially up to the maximum, plus jitter", () => {
    const p = backoffPolicy({ initialDelay: 1, factor: 2, maxDelay: 10, jitter: 0 });
    assert.deepEqual([1, 2, 3, 4, 5, 6].map(p), [1, 2, 4, 8, 10, 10]);
    const j = backoffPolicy({
      initialDelay: 1,
      factor: 2,
      maxDelay: 10,
      jitter: 0.5,
      random: () => 0.5,
    });
    assert.equal(j(2), 2.25);
    const f = backoffPolicy({ jitter: () => 0.1 });
    assert.equal(f(1), 1.1);
  });
});

describe("ClientService (scripted endpoint, Clock)", () => {
  it("whenConnected fires with the user's protocol once connected, and at once afterwards", () => {
    const { endpoint, service } = setup();
    captureLogEvents(() => {
      service.startService();
      const first = state(service.whenConnected());
      assert.equal(first.done, false);
      endpoint.succeed();
      assert.ok(first.value instanceof Client);
      const again = state(service.whenConnected());
      assert.equal(again.value, first.value);
      service.stopService();
    });
  });

  it("retries with the policy's delays after failures", () => {
    const { clock, endpoint, service } = setup();
    captureLogEvents(() => {
      service.startService();
      endpoint.fail();
      assert.equal(endpoint.attempts.length, 1);
      clock.advance(0.9);
      assert.equal(endpoint.attempts.length, 1);
      clock.advance(0.1); // 1 s after the first failure
      assert.equal(endpoint.attempts.length, 2);
      endpoint.fail();
      clock.advance(1.9);
      assert.equal(endpoint.attempts.length, 2);
      clock.advance(0.1); // 2 s after the second
      assert.equal(endpoint.attempts.length, 3);
      assert.equal(service.failedAttempts, 2);
      endpoint.succeed();
      assert.equal(service.failedAttempts, 0);
      service.stopService();
    });
  });

  it("whenConnected with failAfterFailures fails after that many failures", () => {
    const { clock, endpoint, service } = setup();
    captureLogEvents(() => {
      service.startService();
      const patient = state(service.whenConnected());
      const hasty = state(service.whenConnected({ failAfterFailures: 2 }));
      endpoint.fail();
      assert.equal(hasty.done, false);
      clock.advance(1);
      endpoint.fail();
      assert.ok(hasty.error instanceof ConnectionRefusedError);
      assert.equal(patient.done, false);
      clock.advance(2);
      endpoint.succeed();
      assert.ok(patient.value instanceof Client);
      service.stopService();
    });
  });

  it("reconnects after the connection is lost", () => {
    const { clock, endpoint, service } = setup();
    captureLogEvents(() => {
      service.startService();
      const transport = endpoint.succeed();
      transport.loseConnection(); // the peer went away
      const next = state(service.whenConnected());
      assert.equal(next.done, false);
      clock.advance(1);
      assert.equal(endpoint.attempts.length, 2);
      endpoint.succeed();
      assert.ok(next.value instanceof Client);
      service.stopService();
    });
  });

  it("stopService cancels the attempt and fails pending whenConnected with CancelledError", () => {
    const { clock, endpoint, service } = setup();
    service.startService();
    const waiting = state(service.whenConnected());
    const stopped = state(service.stopService());
    assert.equal(stopped.done, true);
    assert.equal(endpoint.cancelled, 1);
    assert.ok(waiting.error instanceof CancelledError);
    clock.advance(100);
    assert.equal(endpoint.attempts.length, 1);
    // Not running: whenConnected fails at once.
    assert.ok(state(service.whenConnected()).error instanceof CancelledError);
  });

  it("stopService cancels a scheduled retry", () => {
    const { clock, endpoint, service } = setup();
    captureLogEvents(() => {
      service.startService();
      endpoint.fail();
      service.stopService();
      clock.advance(100);
      assert.equal(endpoint.attempts.length, 1);
      assert.equal(clock.getDelayedCalls().length, 0);
    });
  });

  it("stopService closes the connection and waits until it is gone", () => {
    const { endpoint, service } = setup();
    service.startService();
    const transport = endpoint.succeed();
    const stopped = state(service.stopService());
    assert.equal(transport.connected, false); // StringTransportWithDisconnection loses at once
    assert.equal(stopped.done, true);
  });

  it("prepareConnection runs before the connection counts; its failure is a failed attempt", () => {
    let prepared: Deferred<void> | undefined;
    const { clock, endpoint, service } = setup(() => {
      prepared = new Deferred<void>();
      return prepared;
    });
    captureLogEvents(() => {
      service.startService();
      const waiting = state(service.whenConnected());
      const transport = endpoint.succeed();
      assert.equal(waiting.done, false);
      prepared!.errback(new Error("login refused"));
      assert.equal(transport.connected, false);
      assert.equal(service.failedAttempts, 1);
      clock.advance(1);
      endpoint.succeed();
      prepared!.callback(undefined);
      assert.ok(waiting.value instanceof Client);
      service.stopService();
    });
  });

  it("works with MemoryReactorClock as its clock", () => {
    const reactor = new MemoryReactorClock();
    const endpoint = new ScriptedEndpoint();
    const service = new ClientService(endpoint, Factory.forProtocol(Client), {
      clock: reactor,
      retryPolicy: () => 5,
    });
    captureLogEvents(() => {
      service.startService();
      endpoint.fail();
      reactor.advance(5);
      assert.equal(endpoint.attempts.length, 2);
      service.stopService();
    });
  });
});

describe("ClientService (loopback)", () => {
  it("reconnects after the server restarts", async () => {
    const reactor = new Reactor();
    const serverFactory = Factory.forProtocol(Protocol, { noisy: false });
    let server = new StreamServerEndpointService(
      new TCP4ServerEndpoint(reactor, 0, { interface: "127.0.0.1" }),
      serverFactory,
      { clock: reactor, grace: 0 },
    );
    const port = await server.startService();
    const portNumber = (port.getHost() as IPv4Address).port;
    const service = new ClientService<Client>(
      new TCP4ClientEndpoint(reactor, "127.0.0.1", portNumber),
      Factory.forProtocol(Client, { noisy: false }),
      { clock: reactor, retryPolicy: () => 0.05 },
    );
    await captureLogEvents(async () => {
      service.startService();
      const first = await service.whenConnected({ failAfterFailures: 20 });
      // The server goes away (dropping the connection) and comes back on the same port.
      await server.stopService();
      await new Promise((r) => setTimeout(r, 150));
      server = new StreamServerEndpointService(
        new TCP4ServerEndpoint(reactor, portNumber, { interface: "127.0.0.1" }),
        serverFactory,
        { clock: reactor, grace: 0 },
      );
      await server.startService();
      const second = await service.whenConnected({ failAfterFailures: 40 });
      assert.notEqual(second, first);
      assert.equal(second.connected, true);
      await service.stopService();
      assert.equal(second.connected, false);
      await server.stopService();
    });
  });
});
