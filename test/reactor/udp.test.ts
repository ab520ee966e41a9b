/**
 * Tests of UDP and multicast ports, on loopback: `listenUDP`, `listenMulticast`, and the
 * `DatagramProtocol` base class.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import {
  CannotListenError,
  InvalidAddressError,
  InvalidStateError,
  MessageLengthError,
  MulticastJoinError,
} from "../../src/errors/errors.js";
import { collectEvents } from "../../src/logger/capture.js";
import type { IPv4Address, IPv6Address } from "../../src/protocol/address.js";
import { DatagramProtocol } from "../../src/reactor/datagram.js";
import type {
  IListeningPort,
  IMulticastTransport,
  IUDPTransport,
} from "../../src/reactor/interfaces.js";
import { listenMulticast, listenUDP } from "../../src/reactor/udp.js";
import { TestReactor } from "./fixtures/test-reactor.js";

const reactor = new TestReactor();
const open: IListeningPort[] = [];

after(async () => {
  for (const port of open) await port.stopListening();
});

type Datagram = [data: Buffer, addr: IPv4Address | IPv6Address];

/** Records datagrams; `next()` waits (at most 2 s) for the next one. */
class Recorder extends DatagramProtocol {
  received: Datagram[] = [];
  refused = 0;
  events: string[] = [];
  private waiters: Array<() => void> = [];

  override startProtocol(): void {
    this.events.push("start");
  }
  override stopProtocol(): void {
    this.events.push("stop");
  }
  override datagramReceived(data: Uint8Array, addr: IPv4Address | IPv6Address): void {
    this.received.push([Buffer.from(data), addr]);
    this.wake();
  }
  override connectionRefused(): void {
    this.refused++;
    this.wake();
  }
  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
  /** Resolves once `count` datagrams (or refusals) have been seen in total. */
  until(check: () => boolean, what = "a datagram"): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = reactor.callLater(2, () => reject(new Error(`timed out waiting for ${what}`)));
      const test = (): void => {
        if (check()) {
          timer.cancel();
          resolve();
        } else {
          this.waiters.push(test);
        }
      };
      test();
    });
  }
  next(count = this.received.length + 1): Promise<void> {
    return this.until(() => this.received.length >= count);
  }
}

/** Waits `seconds` on the reactor's clock. */
function sleep(seconds: number): Promise<void> {
  return new Promise((resolve) => reactor.callLater(seconds, resolve));
}

async function udp(protocol: DatagramProtocol, iface = "127.0.0.1", maxPacketSize?: number) {
  const port = await listenUDP(reactor, 0, protocol, iface, maxPacketSize);
  open.push(port);
  return port;
}

function to(port: IUDPTransport): { host: string; port: number } {
  const host = port.getHost();
  return { host: host.host, port: host.port };
}

describe("listenUDP", () => {
  for (const iface of ["127.0.0.1", "::1"]) {
    it(`ping-pongs between two ports on ${iface}`, async () => {
      const pinger = new Recorder();
      const ponger = new (class extends Recorder {
        override datagramReceived(data: Uint8Array, addr: IPv4Address | IPv6Address): void {
          super.datagramReceived(data, addr);
          this.transport!.write(Buffer.from("pong"), addr);
        }
      })();
      const a = await udp(pinger, iface);
      const b = await udp(ponger, iface);
      const host = a.getHost();
      assert.equal(host.type, "UDP");
      assert.equal(host.family, iface.includes(":") ? "IPv6" : "IPv4");
      assert.equal(host.host, iface);
      assert.ok(host.port > 0);
      assert.equal(pinger.transport, a);
      assert.deepEqual(pinger.events, ["start"]);

      a.write(Buffer.from("ping"), to(b));
      await pinger.next();
      assert.equal(ponger.received[0]![0].toString(), "ping");
      assert.equal(ponger.received[0]![1].port, host.port);
      assert.equal(pinger.received[0]![0].toString(), "pong");
      assert.equal(pinger.received[0]![1].port, b.getHost().port);
    });
  }

  it("checks write() addresses: IP only, right family, needed on an unconnected port", async () => {
    const v4 = await udp(new Recorder());
    const v6 = await udp(new Recorder(), "::1");
    const data = Buffer.from("x");
    assert.throws(() => v4.write(data, { host: "localhost", port: 9 }), InvalidAddressError);
    assert.throws(() => v4.write(data), InvalidAddressError);
    assert.throws(() => v4.write(data, { host: "::1", port: 9 }), InvalidAddressError);
    assert.throws(() => v6.write(data, { host: "127.0.0.1", port: 9 }), InvalidAddressError);
  });

  it("throws MessageLengthError for a datagram longer than UDP allows", async () => {
    const port = await udp(new Recorder());
    assert.throws(() => port.write(Buffer.alloc(65508), to(port)), MessageLengthError);
  });

  it("sends the largest IPv4 datagram and truncates what it receives to maxPacketSize", async () => {
    const receiver = new Recorder();
    const small = await udp(receiver, "127.0.0.1", 10);
    const sender = await udp(new Recorder());
    sender.write(Buffer.from("0123456789abcdefghij"), to(small));
    await receiver.next();
    assert.equal(receiver.received[0]![0].toString(), "0123456789");

    const big = new Recorder();
    const bigPort = await udp(big, "127.0.0.1", 65507);
    sender.write(Buffer.alloc(65507, 7), to(bigPort));
    await big.next();
    assert.equal(big.received[0]![0].length, 65507);
  });

  it("rejects a maxPacketSize that is not a positive integer", () => {
    assert.throws(() => listenUDP(reactor, 0, new Recorder(), "127.0.0.1", 0), RangeError);
  });

  it("logs an exception in datagramReceived and keeps listening", async () => {
    const receiver = new (class extends Recorder {
      override datagramReceived(data: Uint8Array, addr: IPv4Address | IPv6Address): void {
        super.datagramReceived(data, addr);
        if (Buffer.from(data).toString() === "bad") throw new Error("protocol bug");
      }
    })();
    const port = await udp(receiver);
    const sender = await udp(new Recorder());
    const collector = collectEvents();
    try {
      sender.write(Buffer.from("bad"), to(port));
      await receiver.next();
      sender.write(Buffer.from("good"), to(port));
      await receiver.next();
    } finally {
      collector.stop();
    }
    assert.equal(receiver.received[1]![0].toString(), "good");
    const logged = collector.events.find((e) => e.namespace === "braid.reactor");
    assert.equal((logged?.failure?.value as Error | undefined)?.message, "protocol bug");
  });

  it("holds datagrams while paused and delivers them in order after resumeProducing", async () => {
    const receiver = new Recorder();
    const port = await udp(receiver);
    const sender = await udp(new Recorder());
    port.pauseProducing();
    for (const word of ["one", "two", "three"]) sender.write(Buffer.from(word), to(port));
    await sleep(0.1);
    assert.equal(receiver.received.length, 0);
    port.resumeProducing();
    assert.equal(receiver.received.length, 0, "delivered on a later turn");
    await receiver.next(3);
    assert.deepEqual(
      receiver.received.map(([d]) => d.toString()),
      ["one", "two", "three"],
    );
    sender.write(Buffer.from("four"), to(port));
    await receiver.next(4);
  });

  it("stopListening closes the socket, calls doStop, and releases the port", async () => {
    const calls: string[] = [];
    const spy = new (class extends TestReactor {
      override trackPort(p: IListeningPort): void {
        calls.push("track");
        super.trackPort(p);
      }
      override untrackPort(p: IListeningPort): void {
        calls.push("untrack");
        super.untrackPort(p);
      }
    })();
    const protocol = new Recorder();
    const port = await listenUDP(spy, 0, protocol, "127.0.0.1");
    const number = port.getHost().port;
    const first = port.stopListening();
    const second = port.stopListening();
    await first;
    await second;
    await port.stopListening();
    assert.deepEqual(protocol.events, ["start", "stop"]);
    assert.equal(protocol.transport, null);
    assert.equal(protocol.numPorts, 0);
    assert.deepEqual(calls, ["track", "untrack"]);
    assert.throws(
      () => port.write(Buffer.from("x"), { host: "127.0.0.1", port: 9 }),
      InvalidStateError,
    );

    const again = await listenUDP(reactor, number, new Recorder(), "127.0.0.1");
    assert.equal(again.getHost().port, number);
    await again.stopListening();
  });

  it("fails with CannotListenError when the port is taken", async () => {
    const taken = await udp(new Recorder());
    await assert.rejects(
      Promise.resolve(listenUDP(reactor, taken.getHost().port, new Recorder(), "127.0.0.1")),
      (e: unknown) => e instanceof CannotListenError && e.cause instanceof Error,
    );
  });

  it("is stopped by the reactor's shutdown", async () => {
    const r = new TestReactor();
    r.installSignalHandlers = false;
    const protocol = new Recorder();
    const stopped = r.run();
    await listenUDP(r, 0, protocol, "127.0.0.1");
    r.stop();
    await stopped;
    assert.deepEqual(protocol.events, ["start", "stop"]);
  });
});

describe("connected UDP", () => {
  it("receives only the peer's datagrams and writes to it without an address", async () => {
    const client = new Recorder();
    const server = new Recorder();
    const c = await udp(client);
    const s = await udp(server);
    const stranger = await udp(new Recorder());
    await c.connect("127.0.0.1", s.getHost().port);

    stranger.write(Buffer.from("stranger"), to(c));
    s.write(Buffer.from("peer"), to(c));
    await client.next();
    await sleep(0.05);
    assert.deepEqual(
      client.received.map(([d]) => d.toString()),
      ["peer"],
    );

    c.write(Buffer.from("hello"));
    c.write(Buffer.from("again"), to(s));
    await server.next(2);
    assert.deepEqual(
      server.received.map(([d]) => d.toString()),
      ["hello", "again"],
    );
    assert.throws(() => c.write(Buffer.from("x"), to(stranger)), InvalidAddressError);
    assert.throws(() => c.connect("127.0.0.1", 9), InvalidStateError);
  });

  it("refuses host names", async () => {
    const c = await udp(new Recorder());
    assert.throws(() => c.connect("localhost", 9), InvalidAddressError);
  });

  it("calls connectionRefused when nothing listens at the peer's port", async () => {
    const gone = await listenUDP(reactor, 0, new Recorder(), "127.0.0.1");
    const closedPort = gone.getHost().port;
    await gone.stopListening();
    const client = new Recorder();
    const c = await udp(client);
    await c.connect("127.0.0.1", closedPort);
    c.write(Buffer.from("anyone?"));
    await client.until(() => client.refused > 0, "connectionRefused");
    // The port goes on.
    c.write(Buffer.from("still there?"));
    await client.until(() => client.refused > 1, "a second connectionRefused");
  });
});

describe("listenMulticast", () => {
  const group = "239.255.77.12";

  async function mcast(protocol: DatagramProtocol, listenMultiple = false, port = 0) {
    const p = await listenMulticast(reactor, port, protocol, "", undefined, listenMultiple);
    open.push(p);
    return p;
  }

  it("delivers a group's datagrams over loopback, and stops after leaveGroup", async () => {
    const receiver = new Recorder();
    const r = await mcast(receiver);
    await r.joinGroup(group, "127.0.0.1");
    const sender = await mcast(new Recorder());
    await sender.setOutgoingInterface("127.0.0.1");
    sender.setLoopbackMode(true);
    sender.setTTL(1);
    sender.write(Buffer.from("to the group"), { host: group, port: r.getHost().port });
    await receiver.next();
    assert.equal(receiver.received[0]![0].toString(), "to the group");

    await r.leaveGroup(group, "127.0.0.1");
    sender.write(Buffer.from("after leaving"), { host: group, port: r.getHost().port });
    await sleep(0.1);
    assert.equal(receiver.received.length, 1);
  });

  it("lets several sockets share a port with listenMultiple; each receives", async () => {
    const one = new Recorder();
    const two = new Recorder();
    const p1 = await mcast(one, true);
    const p2 = await mcast(two, true, p1.getHost().port);
    assert.equal(p2.getHost().port, p1.getHost().port);
    await p1.joinGroup(group, "127.0.0.1");
    await p2.joinGroup(group, "127.0.0.1");
    const sender: IMulticastTransport = await mcast(new Recorder());
    await sender.setOutgoingInterface("127.0.0.1");
    sender.write(Buffer.from("both"), { host: group, port: p1.getHost().port });
    await one.next();
    await two.next();
  });

  it("fails joinGroup / leaveGroup with MulticastJoinError", async () => {
    const p = await mcast(new Recorder());
    await assert.rejects(Promise.resolve(p.joinGroup("127.0.0.1")), MulticastJoinError);
    await assert.rejects(
      Promise.resolve(p.leaveGroup(group, "127.0.0.1")),
      (e: unknown) => e instanceof MulticastJoinError && e.group === group,
    );
  });

  it("validates the TTL", async () => {
    const p = await mcast(new Recorder());
    p.setTTL(0);
    p.setTTL(255);
    assert.throws(() => p.setTTL(256), RangeError);
    assert.throws(() => p.setTTL(-1), RangeError);
    assert.throws(() => p.setTTL(1.5), RangeError);
  });
});

describe("DatagramProtocol", () => {
  it("starts on the first port and stops after the last", () => {
    const p = new Recorder();
    p.doStart();
    p.doStart();
    assert.equal(p.numPorts, 2);
    p.doStop();
    assert.deepEqual(p.events, ["start"]);
    p.doStop();
    assert.deepEqual(p.events, ["start", "stop"]);
    assert.throws(() => p.doStop(), InvalidStateError);
  });

  it("refuses a second transport", async () => {
    const p = new Recorder();
    await udp(p);
    assert.throws(() => p.makeConnection(p.transport!), InvalidStateError);
  });
});
