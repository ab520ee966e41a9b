/**
 * Tests of the assembled `Reactor`: time delegation, `callFromThread`, the pluggable resolver,
 * UDP through its methods, and its life cycle. Each test uses its own `Reactor`, not the shared
 * one.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Deferred, succeed } from "../../src/defer/deferred.js";
import type { Failure } from "../../src/errors/failure.js";
import type { IPv4Address, IPv6Address } from "../../src/protocol/address.js";
import { ClientFactory, Factory } from "../../src/protocol/factory.js";
import { Protocol } from "../../src/protocol/protocol.js";
import { DatagramProtocol } from "../../src/reactor/datagram.js";
import * as area from "../../src/reactor/index.js";
import type { IResolver, ResolvedAddress } from "../../src/reactor/interfaces.js";
import { Reactor, reactor as shared } from "../../src/reactor/reactor.js";
import { SystemResolver } from "../../src/reactor/resolver.js";

function quiet(): Reactor {
  const r = new Reactor();
  r.installSignalHandlers = false;
  return r;
}

/** A resolver double answering from a table. */
class TableResolver implements IResolver {
  asked: string[] = [];
  constructor(private readonly table: Record<string, string>) {}
  getHostByName(name: string): Deferred<string> {
    this.asked.push(name);
    const d = new Deferred<string>();
    const address = this.table[name];
    if (address === undefined) d.errback(new Error(`unknown ${name}`));
    else d.callback(address);
    return d;
  }
  resolveHostName(name: string): Deferred<ResolvedAddress[]> {
    return this.getHostByName(name).addCallback((address) => [
      { address, family: address.includes(":") ? 6 : 4 } as ResolvedAddress,
    ]);
  }
}

describe("Reactor", () => {
  it("is exported with the shared instance from the area's index", () => {
    assert.equal(area.Reactor, Reactor);
    assert.equal(area.reactor, shared);
    assert.ok(shared instanceof area.ReactorCore);
    assert.equal(typeof area.react, "function");
    assert.equal(area.DatagramProtocol, DatagramProtocol);
    assert.equal(area.SystemResolver, SystemResolver);
  });

  it("delegates time: seconds, callLater, getDelayedCalls", async () => {
    const r = quiet();
    const now = Date.now() / 1000;
    assert.ok(Math.abs(r.seconds() - now) < 1);
    const seen: number[] = [];
    const done = new Deferred<void>();
    const call = r.callLater(
      0.02,
      (a: number, b: number) => {
        seen.push(a, b);
        done.callback(undefined);
      },
      1,
      2,
    );
    assert.deepEqual(r.getDelayedCalls(), [call]);
    assert.ok(call.getTime() >= r.seconds());
    await done;
    assert.deepEqual(seen, [1, 2]);
    assert.deepEqual(r.getDelayedCalls(), []);
  });

  it("runs callFromThread calls soon, after the current code, in order", async () => {
    const r = quiet();
    const seen: string[] = [];
    const done = new Deferred<void>();
    r.callFromThread((x: string) => seen.push(x), "first");
    r.callFromThread(() => {
      seen.push("second");
      done.callback(undefined);
    });
    assert.deepEqual(seen, []);
    await done;
    assert.deepEqual(seen, ["first", "second"]);
  });

  it("uses the SystemResolver by default and lets installResolver replace it", async () => {
    const r = quiet();
    assert.ok(r.resolver instanceof SystemResolver);
    assert.equal(await r.resolve("127.0.0.1"), "127.0.0.1");
    const table = new TableResolver({ "db.test": "192.0.2.5" });
    const old = r.installResolver(table);
    assert.ok(old instanceof SystemResolver);
    assert.equal(r.resolver, table);
    assert.equal(await r.resolve("db.test"), "192.0.2.5");
    assert.deepEqual(table.asked, ["db.test"]);
    assert.equal(r.installResolver(old), table);
  });

  it("listens for UDP through its methods; multicast group names go through its resolver", async () => {
    const r = quiet();
    r.installResolver(new TableResolver({ "group.test": "239.255.77.13" }));
    const got = new Deferred<string>();
    const port = await r.listenUDP(
      0,
      new (class extends DatagramProtocol {
        override datagramReceived(data: Uint8Array, _addr: IPv4Address | IPv6Address): void {
          got.callback(Buffer.from(data).toString());
        }
      })(),
      "127.0.0.1",
    );
    const mc = await r.listenMulticast(0, new DatagramProtocol(), "", 8192, false);
    await mc.joinGroup("group.test", "127.0.0.1");
    await mc.leaveGroup("group.test", "127.0.0.1");
    mc.write(Buffer.from("hi"), { host: "127.0.0.1", port: port.getHost().port });
    assert.equal(await got, "hi");
    await port.stopListening();
    await mc.stopListening();
  });

  it("runs, stops its UDP ports at shutdown, and runs again", async () => {
    const r = quiet();
    const events: string[] = [];
    const protocol = new (class extends DatagramProtocol {
      override stopProtocol(): void {
        events.push("udp stopped");
      }
    })();
    r.addSystemEventTrigger("after", "shutdown", () => events.push("after shutdown"));
    const stopped = r.run();
    await r.listenUDP(0, protocol, "127.0.0.1");
    r.callWhenRunning(() => r.stop());
    await stopped;
    assert.deepEqual(events, ["udp stopped", "after shutdown"]);
    const again = r.run();
    r.addSystemEventTrigger("before", "shutdown", () => succeed(undefined));
    r.stop();
    await again;
    assert.equal(r.running, false);
  });

  it("closes TCP listeners and connections at shutdown, before 'after shutdown' triggers", async () => {
    const r = quiet();
    const events: string[] = [];
    const connected = new Deferred<void>();
    class Server extends Protocol {
      override connectionMade(): void {
        connected.callback(undefined);
      }
      override connectionLost(reason: Failure): void {
        super.connectionLost(reason);
        events.push("server connection lost");
      }
    }
    class Client extends Protocol {
      override connectionLost(reason: Failure): void {
        super.connectionLost(reason);
        events.push("client connection lost");
      }
    }
    r.addSystemEventTrigger("after", "shutdown", () => events.push("after shutdown"));
    const stopped = r.run();
    const port = await r.listenTCP(0, Factory.forProtocol(Server), 50, "127.0.0.1");
    const address = port.getHost() as IPv4Address;
    const clients = new ClientFactory<Client>();
    clients.protocol = Client;
    r.connectTCP("127.0.0.1", address.port, clients);
    await connected;
    r.stop();
    await stopped;
    assert.equal(events.at(-1), "after shutdown");
    assert.deepEqual(events.slice(0, 2).sort(), [
      "client connection lost",
      "server connection lost",
    ]);
  });
});
