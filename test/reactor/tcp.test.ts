/**
 * listenTCP / connectTCP on the real reactor, over loopback: ports, connectors and the factory
 * life cycle, failures, protocol exceptions, and a 10,000-connection loop that must leave
 * nothing behind.
 */

import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { createServer, connect as netConnect } from "node:net";
import { after, describe, it } from "node:test";
import {
  CannotListenError,
  ConnectionAborted,
  ConnectionDone,
  ConnectionRefusedError,
  ConnectTimeoutError,
  DNSLookupError,
  InvalidStateError,
  NoProtocolError,
  UserError,
} from "../../src/errors/errors.js";
import { collectEvents } from "../../src/logger/capture.js";
import { IPv4Address, IPv6Address } from "../../src/protocol/address.js";
import { Factory } from "../../src/protocol/factory.js";
import type { IListeningPort } from "../../src/reactor/interfaces.js";
import { Reactor } from "../../src/reactor/reactor.js";
import {
  defer,
  FakeResolver,
  portOf,
  Recorder,
  RecordingClientFactory,
  serverFactory,
  sleep,
  waitFor,
} from "../transports/helpers.js";

const reactor = new Reactor();
const ports: IListeningPort[] = [];
after(async () => {
  for (const p of ports) await p.stopListening();
});

async function echoPort(iface = "127.0.0.1"): Promise<{ port: IListeningPort; made: Recorder[] }> {
  const made: Recorder[] = [];
  const port = await reactor.listenTCP(
    0,
    serverFactory(() => {
      const r = new Recorder();
      r.onData = (d) => r.transport!.write(d);
      made.push(r);
      return r;
    }),
    50,
    iface,
  );
  ports.push(port);
  return { port, made };
}

/** A port number nothing listens on. */
async function closedPort(): Promise<number> {
  const port = await reactor.listenTCP(
    0,
    serverFactory(() => null),
    50,
    "127.0.0.1",
  );
  const n = portOf(port);
  await port.stopListening();
  return n;
}

describe("listenTCP", () => {
  it("binds a free port for port 0 and reports it; the default interface is every IPv4 one", async () => {
    const port = await reactor.listenTCP(
      0,
      serverFactory(() => new Recorder()),
    );
    try {
      const host = port.getHost();
      assert.ok(host instanceof IPv4Address);
      assert.equal(host.host, "0.0.0.0");
      assert.ok(host.port > 0);
    } finally {
      await port.stopListening();
    }
  });

  it("listens and connects over IPv6 loopback", async () => {
    const { port } = await echoPort("::1");
    assert.ok(port.getHost() instanceof IPv6Address);
    const client = new Recorder();
    const cf = new RecordingClientFactory(() => client);
    reactor.connectTCP("::1", portOf(port), cf);
    await client.made;
    assert.equal(client.transport!.getPeer().family, "IPv6");
    client.transport!.write(Buffer.from("v6"));
    await waitFor(() => client.receivedBytes() === 2);
    client.transport!.loseConnection();
    await cf.done;
  });

  it("fails with CannotListenError, cause EADDRINUSE, when the port is taken", async () => {
    const { port } = await echoPort();
    await assert.rejects(
      async () => reactor.listenTCP(portOf(port), new Factory(), 50, "127.0.0.1"),
      (e: unknown) =>
        e instanceof CannotListenError && (e.cause as { code?: string }).code === "EADDRINUSE",
    );
  });

  it("stopListening keeps accepted connections up, refuses new ones, and stops the factory", async () => {
    const events: string[] = [];
    const f = new (class extends Factory {
      override startFactory() {
        events.push("start");
      }
      override stopFactory() {
        events.push("stop");
      }
    })();
    f.noisy = false;
    const server = new Recorder();
    server.onData = (d) => server.transport!.write(d);
    f.buildProtocol = () => server;
    const port = await reactor.listenTCP(0, f, 50, "127.0.0.1");
    assert.deepEqual(events, ["start"]);
    const client = new Recorder();
    const cf = new RecordingClientFactory(() => client);
    reactor.connectTCP("127.0.0.1", portOf(port), cf);
    await Promise.all([server.made, client.made]);
    await port.stopListening();
    await port.stopListening(); // twice is harmless
    assert.deepEqual(events, ["start", "stop"]);
    client.transport!.write(Buffer.from("still here"));
    await waitFor(() => client.receivedBytes() === 10, 5000, "echo after stopListening");
    const refused = new RecordingClientFactory(() => new Recorder());
    reactor.connectTCP("127.0.0.1", portOf(port), refused);
    await refused.done;
    assert.ok(refused.failure?.check(ConnectionRefusedError));
    client.transport!.loseConnection();
    await server.lost;
  });

  it("starts a factory once for two ports and stops it after the last", async () => {
    let starts = 0;
    let stops = 0;
    const f = new Factory();
    f.noisy = false;
    f.startFactory = () => void starts++;
    f.stopFactory = () => void stops++;
    const a = await reactor.listenTCP(0, f, 50, "127.0.0.1");
    const b = await reactor.listenTCP(0, f, 50, "127.0.0.1");
    assert.equal(starts, 1);
    await a.stopListening();
    assert.equal(stops, 0);
    await b.stopListening();
    assert.equal(stops, 1);
    assert.equal(f.numPorts, 0);
  });

  it("a server factory returning null refuses the connection", async () => {
    const port = await reactor.listenTCP(
      0,
      serverFactory(() => null),
      50,
      "127.0.0.1",
    );
    ports.push(port);
    const client = new Recorder();
    const cf = new RecordingClientFactory(() => client);
    reactor.connectTCP("127.0.0.1", portOf(port), cf);
    await cf.done;
    assert.ok(cf.events.includes("clientConnectionLost"));
    assert.equal(client.lostCount, 1);
  });
});

describe("connectTCP", () => {
  it("tells the factory of each stage, in Twisted's order", async () => {
    const { port } = await echoPort();
    const client = new Recorder();
    const cf = new RecordingClientFactory(() => client);
    const connector = reactor.connectTCP("127.0.0.1", portOf(port), cf);
    assert.equal(connector.clock, reactor);
    assert.equal(connector.getDestination().toString(), `127.0.0.1:${portOf(port)}`);
    await client.made;
    assert.throws(() => connector.connect(), InvalidStateError);
    assert.throws(() => connector.stopConnecting(), InvalidStateError);
    connector.disconnect();
    await cf.done;
    assert.deepEqual(cf.events, [
      "startFactory",
      "startedConnecting",
      "buildProtocol",
      "clientConnectionLost",
      "stopFactory",
    ]);
    assert.ok(cf.lostReason?.check(ConnectionDone));
    assert.deepEqual(client.events, ["makeConnection", "connectionMade", "connectionLost"]);
  });

  it("fails with ConnectionRefusedError when nothing listens", async () => {
    const cf = new RecordingClientFactory(() => new Recorder());
    reactor.connectTCP("127.0.0.1", await closedPort(), cf);
    await cf.done;
    assert.ok(cf.failure?.check(ConnectionRefusedError), String(cf.failure?.value));
    assert.deepEqual(cf.events, [
      "startFactory",
      "startedConnecting",
      "clientConnectionFailed",
      "stopFactory",
    ]);
    assert.equal(reactor.getDelayedCalls().length, 0, "the timeout was cancelled");
  });

  it("resolves host names through the reactor's resolver, and fails with DNSLookupError", async () => {
    const { port } = await echoPort();
    const r = new Reactor();
    r.installResolver(new FakeResolver({ "braid.test": "127.0.0.1" }));
    const client = new Recorder();
    const cf = new RecordingClientFactory(() => client);
    r.connectTCP("braid.test", portOf(port), cf);
    await client.made;
    client.transport!.loseConnection();
    await cf.done;
    const bad = new RecordingClientFactory(() => new Recorder());
    r.connectTCP("nowhere.test", portOf(port), bad);
    await bad.done;
    assert.ok(bad.failure?.check(DNSLookupError));
  });

  it("times out with ConnectTimeoutError (resolution counts) and leaves no timer", async () => {
    const r = new Reactor();
    const resolver = new FakeResolver({}, true);
    r.installResolver(resolver);
    const cf = new RecordingClientFactory(() => new Recorder());
    const started = Date.now();
    r.connectTCP("slow.test", 1, cf, 0.05);
    await cf.done;
    assert.ok(cf.failure?.check(ConnectTimeoutError), String(cf.failure?.value));
    assert.ok(Date.now() - started >= 40);
    assert.equal(r.getDelayedCalls().length, 0);
    assert.equal(resolver.pending[0]?.called, true, "the lookup was cancelled");
  });

  it("stopConnecting fails the attempt with UserError; the connector can connect again", async () => {
    const r = new Reactor();
    const resolver = new FakeResolver({}, true);
    r.installResolver(resolver);
    const { port } = await echoPort();
    const cf = new RecordingClientFactory(() => new Recorder());
    const connector = r.connectTCP("slow.test", portOf(port), cf);
    connector.stopConnecting();
    await cf.done;
    assert.ok(cf.failure?.check(UserError));
    assert.equal(r.getDelayedCalls().length, 0);
    r.installResolver(new FakeResolver({ "slow.test": "127.0.0.1" }));
    const again = defer<void>();
    cf.buildProtocol = () => {
      const p = new Recorder();
      p.made.then(() => again.resolve());
      return p;
    };
    connector.connect();
    await again.promise;
    connector.disconnect();
  });

  it("reconnects after a refused attempt when the factory calls connect() again", async () => {
    const n = await closedPort();
    const client = new Recorder();
    const cf = new RecordingClientFactory(() => client);
    let failures = 0;
    cf.clientConnectionFailed = (connector) => {
      failures++;
      void reactor
        .listenTCP(
          n,
          serverFactory(() => new Recorder()),
          50,
          "127.0.0.1",
        )
        .then((p) => {
          ports.push(p);
          connector.connect();
        });
    };
    reactor.connectTCP("127.0.0.1", n, cf);
    await client.made;
    assert.equal(failures, 1);
    client.transport!.loseConnection();
    await client.lost;
  });

  it("a client factory returning null fails the attempt with NoProtocolError", async () => {
    const { port, made } = await echoPort();
    const cf = new RecordingClientFactory(() => null);
    reactor.connectTCP("127.0.0.1", portOf(port), cf);
    await cf.done;
    assert.ok(cf.failure?.check(NoProtocolError));
    await waitFor(() => made.length === 1 && made[0]!.lostCount === 1, 5000, "server side closed");
  });
});

describe("protocol exceptions", () => {
  it("an exception in dataReceived is logged and aborts only that connection", async () => {
    const made: Recorder[] = [];
    const port = await reactor.listenTCP(
      0,
      serverFactory(() => {
        const r = new Recorder();
        r.onData = (d) => {
          if (d.toString().includes("boom")) throw new Error("boom (expected by the test)");
          r.transport!.write(d);
        };
        made.push(r);
        return r;
      }),
      50,
      "127.0.0.1",
    );
    ports.push(port);
    const collector = collectEvents();
    try {
      const good = new Recorder();
      const bad = new Recorder();
      reactor.connectTCP("127.0.0.1", portOf(port), new RecordingClientFactory(() => good));
      reactor.connectTCP("127.0.0.1", portOf(port), new RecordingClientFactory(() => bad));
      await Promise.all([good.made, bad.made]);
      bad.transport!.write(Buffer.from("boom"));
      await bad.lost;
      const victim = made.find((m) => m.lostCount === 1);
      assert.ok(victim?.reason?.check(ConnectionAborted));
      good.transport!.write(Buffer.from("still fine"));
      await waitFor(() => good.receivedBytes() === 10, 5000, "echo on the other connection");
      const event = collector.events.find((e) => e.failure !== undefined);
      assert.equal(event?.namespace, "braid.tcp");
      assert.match(String(event?.failure?.stack), /boom \(expected by the test\)/);
      good.transport!.loseConnection();
      await good.lost;
    } finally {
      collector.stop();
    }
  });

  it("an exception in connectionMade is logged and aborts the connection", async () => {
    const collector = collectEvents();
    try {
      const { port } = await echoPort();
      const client = new (class extends Recorder {
        override connectionMade(): void {
          super.connectionMade();
          throw new Error("connectionMade failed (expected by the test)");
        }
      })();
      reactor.connectTCP("127.0.0.1", portOf(port), new RecordingClientFactory(() => client));
      const reason = await client.lost;
      assert.ok(reason.check(ConnectionAborted));
      assert.ok(
        collector.events.some((e) => e.failure !== undefined && e.namespace === "braid.tcp"),
      );
    } finally {
      collector.stop();
    }
  });
});

describe("resources", () => {
  function fdCount(): number {
    return readdirSync("/proc/self/fd").length;
  }
  function resources(): string {
    return process
      .getActiveResourcesInfo()
      .filter((r) => r !== "TTYWrap" && r !== "Timeout")
      .sort()
      .join(",");
  }

  it("10,000 connections made and closed in waves leave no descriptor, timer or listener", {
    timeout: 60_000,
  }, async () => {
    const r = new Reactor();
    let accepted = 0;
    const port = await r.listenTCP(
      0,
      serverFactory(() => {
        accepted++;
        return new Recorder();
      }),
      511,
      "127.0.0.1",
    );
    const n = portOf(port);
    await sleep(10);
    const fdsBefore = fdCount();
    const resBefore = resources();
    const started = Date.now();
    const total = 10_000;
    const wave = 200;
    for (let done = 0; done < total; done += wave) {
      const lost: Promise<unknown>[] = [];
      for (let i = 0; i < wave; i++) {
        const client = new Recorder();
        client.onData = () => client.transport!.loseConnection();
        const cf = new RecordingClientFactory(() => client);
        lost.push(cf.done);
        r.connectTCP("127.0.0.1", n, cf);
        client.made.then(() => client.transport!.write(Buffer.from("x")));
        client.onData = null;
        client.made.then(() => client.transport!.loseConnection());
      }
      await Promise.all(lost);
    }
    await waitFor(
      () => accepted === total && fdCount() <= fdsBefore,
      10_000,
      "server sides closed",
    );
    const elapsed = Date.now() - started;
    assert.equal(fdCount(), fdsBefore, "no file descriptor left behind");
    assert.equal(r.getDelayedCalls().length, 0, "no delayed call left behind");
    assert.equal(resources(), resBefore, "no active resource left behind");
    assert.ok(elapsed < 30_000, `took ${elapsed} ms`);
    await port.stopListening();
  });

  it("a raw node client sees a clean close from a Braid server (interop)", async () => {
    const { port } = await echoPort();
    const data = await new Promise<string>((resolve, reject) => {
      const s = netConnect(portOf(port), "127.0.0.1", () => s.end("hello"));
      let got = "";
      s.on("data", (d) => (got += d));
      s.on("close", () => resolve(got));
      s.on("error", reject);
    });
    assert.equal(data, "hello");
    const raw = createServer((s) => s.pipe(s));
    await new Promise<void>((r) => raw.listen(0, "127.0.0.1", r));
    const client = new Recorder();
    const cf = new RecordingClientFactory(() => client);
    reactor.connectTCP("127.0.0.1", (raw.address() as { port: number }).port, cf);
    await client.made;
    client.transport!.write(Buffer.from("ping"));
    await waitFor(() => client.receivedBytes() === 4);
    client.transport!.loseConnection();
    await cf.done;
    assert.ok(cf.lostReason?.check(ConnectionDone));
    await new Promise((r) => raw.close(r));
  });
});
