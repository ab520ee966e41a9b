import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  ConnectionAborted,
  ConnectionDone,
  ConnectionLost,
  InvalidStateError,
} from "../../src/errors/errors.js";
import type { Failure } from "../../src/errors/failure.js";
import type { IPullProducer, IPushProducer } from "../../src/producers/interfaces.js";
import { type Address, IPv4Address } from "../../src/protocol/address.js";
import { Factory } from "../../src/protocol/factory.js";
import type {
  IHalfCloseableProtocol,
  ITCPTransport,
  ITransport,
} from "../../src/protocol/interfaces.js";
import { Protocol } from "../../src/protocol/protocol.js";
import { AccumulatingProtocol } from "../../src/testing/accumulating.js";
import { FakeTransport } from "../../src/testing/faketransport.js";
import { connectedServerAndClient, IOPump } from "../../src/testing/iosim.js";
import { Clock } from "../../src/time/clock.js";

const enc = new TextEncoder();
const dec = new TextDecoder();

class Echo extends Protocol {
  override dataReceived(data: Uint8Array): void {
    this.transport!.write(data);
  }
}

/** Splits its input on "\n"; the unit whose results must not depend on chunking. */
class Lines extends Protocol {
  lines: string[] = [];
  chunks = 0;
  private buffer = "";
  override dataReceived(data: Uint8Array): void {
    this.chunks++;
    this.buffer += dec.decode(data);
    let i = this.buffer.indexOf("\n");
    while (i >= 0) {
      this.lines.push(this.buffer.slice(0, i));
      this.buffer = this.buffer.slice(i + 1);
      i = this.buffer.indexOf("\n");
    }
  }
}

class Greeter extends Protocol {
  override connectionMade(): void {
    this.transport!.write(enc.encode("hello\n"));
  }
}

/** Records every event, with a name, into a shared log. */
class Logged extends Protocol {
  constructor(
    readonly name: string,
    readonly log: string[],
  ) {
    super();
  }
  reason: Failure | null = null;
  override dataReceived(data: Uint8Array): void {
    this.log.push(`${this.name} data ${dec.decode(data)}`);
  }
  override connectionLost(reason: Failure): void {
    super.connectionLost(reason);
    this.reason = reason;
    this.log.push(`${this.name} lost ${(reason.value as Error).name}`);
  }
}

class HalfLogged extends Logged implements IHalfCloseableProtocol {
  readConnectionLost(): void {
    this.log.push(`${this.name} readLost`);
  }
  writeConnectionLost(): void {
    this.log.push(`${this.name} writeLost`);
  }
}

/** A push producer writing `chunk` until paused or `total` bytes are written. */
class Streamer implements IPushProducer {
  paused = false;
  stopped = false;
  sent = 0;
  pauses = 0;
  resumes = 0;
  constructor(
    readonly transport: ITransport,
    readonly total: number,
    readonly chunk: number,
  ) {}
  start(): void {
    this.transport.registerProducer(this, true);
    this.produce();
  }
  produce(): void {
    while (!this.paused && !this.stopped && this.sent < this.total) {
      const n = Math.min(this.chunk, this.total - this.sent);
      this.transport.write(new Uint8Array(n).fill(0x61));
      this.sent += n;
    }
    if (this.sent >= this.total && !this.stopped) {
      this.stopped = true;
      this.transport.unregisterProducer();
    }
  }
  pauseProducing(): void {
    this.paused = true;
    this.pauses++;
  }
  resumeProducing(): void {
    this.paused = false;
    this.resumes++;
    this.produce();
  }
  stopProducing(): void {
    this.stopped = true;
  }
}

const bytes = (s: string) => enc.encode(s);

describe("connectedServerAndClient", () => {
  it("round-trips through an echo server", () => {
    const { client, server, pump } = connectedServerAndClient(Echo, AccumulatingProtocol);
    assert.ok(server instanceof Echo);
    assert.equal(client.made, true);
    client.transport!.write(bytes("ping"));
    assert.equal(client.dataText(), "");
    assert.equal(pump.flush(), true);
    assert.equal(client.dataText(), "ping");
    assert.equal(pump.pump(), false);
    assert.equal(pump.flush(), false);
  });

  it("greets by default, and not with greet: false", () => {
    const greeted = connectedServerAndClient(Greeter, Lines);
    assert.deepEqual(greeted.client.lines, ["hello"]);
    const quiet = connectedServerAndClient(Greeter, Lines, { greet: false });
    assert.deepEqual(quiet.client.lines, []);
    assert.equal(quiet.serverTransport.getWriteBufferSize(), 6);
    quiet.pump.pump();
    assert.deepEqual(quiet.client.lines, ["hello"]);
  });

  it("accepts instances, classes, functions and factories, and addresses them", () => {
    let peerSeen: Address | null = null;
    const factory = new (class extends Factory<Echo> {
      override buildProtocol(addr: Address): Echo {
        peerSeen = addr;
        return new Echo();
      }
    })();
    const client = new Lines();
    const r = connectedServerAndClient(factory, () => client, {
      clientAddress: new IPv4Address("TCP", "10.0.0.2", 4000),
    });
    assert.equal(r.client, client);
    assert.ok(peerSeen!.equals(new IPv4Address("TCP", "10.0.0.2", 4000)));
    assert.ok(r.serverTransport.getPeer().equals(r.clientTransport.getHost()));
    assert.ok(r.clientTransport.getPeer().equals(r.serverTransport.getHost()));
    assert.equal(r.serverTransport.isServer, true);
    assert.equal(String(r.clientTransport), "FakeTransport<C,Lines>");
    const instance = new Echo();
    assert.equal(connectedServerAndClient(instance, Lines).server, instance);
  });

  it("throws when a factory refuses the connection", () => {
    const refusing = { buildProtocol: () => null };
    assert.throws(() => connectedServerAndClient(refusing, Lines), InvalidStateError);
  });

  it("runs the clock's due calls at each pump", () => {
    const clock = new Clock();
    const { server, client, pump } = connectedServerAndClient(Echo, Lines, { clock });
    clock.callLater(0, () => server.transport!.write(bytes("later\n")));
    pump.flush();
    assert.deepEqual(client.lines, ["later"]);
  });
});

describe("IOPump: chunk boundaries", () => {
  const text = "alpha\nbeta\n\ngamma delta\nepsilon\n";
  const expected = ["alpha", "beta", "", "gamma delta", "epsilon"];

  function run(options: Parameters<typeof connectedServerAndClient>[2]): Lines {
    const { client, server, pump } = connectedServerAndClient(Lines, AccumulatingProtocol, options);
    client.transport!.write(bytes(text));
    pump.flush();
    return server;
  }

  it("gives the same result for every chunk size 1..N", () => {
    for (let size = 1; size <= text.length; size++) {
      const server = run({ chunkSize: size });
      assert.deepEqual(server.lines, expected, `chunkSize ${size}`);
      assert.equal(server.chunks, Math.ceil(text.length / size));
    }
  });

  it("gives the same result for a cut at every offset", () => {
    for (let at = 0; at <= text.length; at++) {
      const server = run({ split: () => [at] });
      assert.deepEqual(server.lines, expected, `cut at ${at}`);
    }
  });

  it("delivers all messages of one chunk in one dataReceived without options", () => {
    const server = run({});
    assert.equal(server.chunks, 1);
    assert.deepEqual(server.lines, expected);
  });

  it("coalesces separate writes into one delivery, like TCP may", () => {
    const { client, server, pump } = connectedServerAndClient(
      AccumulatingProtocol,
      AccumulatingProtocol,
    );
    client.transport!.write(bytes("a"));
    client.transport!.writeSequence([bytes("b"), bytes("c")]);
    pump.pump();
    assert.equal(server.chunks.length, 1);
    assert.equal(server.dataText(), "abc");
  });

  it("never loses, duplicates or reorders bytes, however the stream is cut", () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 0, maxLength: 40 }), { maxLength: 8 }),
        fc.array(fc.integer({ min: -5, max: 400 }), { maxLength: 20 }),
        fc.option(fc.integer({ min: 1, max: 50 }), { nil: undefined }),
        (writes, cuts, chunkSize) => {
          const { client, server, pump, clientTransport } = connectedServerAndClient(
            Echo,
            AccumulatingProtocol,
            { split: () => cuts, chunkSize },
          );
          for (const w of writes) clientTransport.write(w);
          pump.flush();
          // client -> server -> client, cut the same way in both directions
          const sent = Buffer.concat(writes);
          assert.deepEqual(Buffer.from(client.data), sent);
          assert.ok(client.chunks.every((c) => c.length > 0));
          assert.ok(server instanceof Echo);
          assert.equal(clientTransport.getWriteBufferSize(), 0);
        },
      ),
    );
  });

  it("rejects a chunkSize below 1", () => {
    assert.throws(() => connectedServerAndClient(Echo, Echo, { chunkSize: 0 }), RangeError);
  });
});

describe("IOPump: flow control", () => {
  it("pauses a push producer above the high mark and resumes it once drained", () => {
    const { server, client, serverTransport, pump } = connectedServerAndClient(
      Protocol,
      AccumulatingProtocol,
    );
    serverTransport.setWriteBufferLimits(1000, 100);
    const streamer = new Streamer(server.transport!, 5000, 300);
    streamer.start();
    assert.equal(streamer.paused, true);
    assert.equal(serverTransport.producerPaused, true);
    assert.equal(serverTransport.getWriteBufferSize(), 1200);
    assert.equal(pump.pump(), true);
    assert.equal(client.data.length, 1200);
    assert.equal(streamer.resumes, 1);
    pump.flush();
    assert.equal(client.data.length, 5000);
    assert.equal(streamer.pauses, streamer.resumes);
    assert.ok(streamer.pauses >= 4);
    assert.equal(serverTransport.producer, null);
  });

  it("asks a pull producer for a chunk at registration and whenever drained", () => {
    const { server, client, serverTransport, pump } = connectedServerAndClient(
      Protocol,
      AccumulatingProtocol,
    );
    let n = 0;
    const pull: IPullProducer = {
      resumeProducing() {
        n++;
        server.transport!.write(bytes(`${n};`));
        if (n === 3) server.transport!.unregisterProducer();
      },
      stopProducing() {},
    };
    serverTransport.registerProducer(pull, false);
    assert.equal(n, 1);
    pump.flush();
    assert.equal(client.dataText(), "1;2;3;");
    assert.equal(serverTransport.producer, null);
  });

  it("holds back data for a receiver that paused reading", () => {
    const { server, client, clientTransport, serverTransport, pump } = connectedServerAndClient(
      Protocol,
      AccumulatingProtocol,
    );
    clientTransport.pauseProducing();
    server.transport!.write(bytes("held"));
    assert.equal(pump.flush(), false);
    assert.equal(client.dataText(), "");
    assert.equal(serverTransport.getWriteBufferSize(), 4);
    clientTransport.resumeProducing();
    assert.equal(pump.flush(), true);
    assert.equal(client.dataText(), "held");
  });

  it("backs up into the sender's producer when the receiver stops reading", () => {
    const { server, client, clientTransport, serverTransport, pump } = connectedServerAndClient(
      Protocol,
      AccumulatingProtocol,
    );
    serverTransport.setWriteBufferLimits(1000);
    clientTransport.pauseProducing();
    const streamer = new Streamer(server.transport!, 10_000, 100);
    streamer.start();
    pump.flush();
    assert.equal(streamer.paused, true);
    assert.equal(streamer.sent, 1100);
    assert.equal(client.data.length, 0);
    clientTransport.resumeProducing();
    pump.flush();
    assert.equal(client.data.length, 10_000);
  });

  it("stops delivering mid-chunk when the receiver pauses, and keeps the rest", () => {
    class PauseAfterOne extends AccumulatingProtocol {
      override dataReceived(data: Uint8Array): void {
        super.dataReceived(data);
        this.transport!.pauseProducing();
      }
    }
    const { server, client, serverTransport, pump } = connectedServerAndClient(
      Protocol,
      PauseAfterOne,
      { chunkSize: 2 },
    );
    server.transport!.write(bytes("abcdef"));
    pump.flush();
    assert.equal(client.dataText(), "ab");
    assert.equal(serverTransport.getWriteBufferSize(), 4);
    client.transport!.resumeProducing();
    pump.pump();
    assert.equal(client.dataText(), "abcd");
  });

  it("stops the producer before connectionLost", () => {
    const log: string[] = [];
    const { server, serverTransport, pump } = connectedServerAndClient(
      () => new Logged("server", log),
      () => new Logged("client", log),
    );
    const producer: IPushProducer = {
      pauseProducing() {},
      resumeProducing() {},
      stopProducing: () => log.push("stop"),
    };
    server.transport!.registerProducer(producer, true);
    assert.throws(() => server.transport!.registerProducer(producer, true), InvalidStateError);
    serverTransport.abortConnection();
    pump.flush();
    assert.deepEqual(log, ["client lost ConnectionLost", "stop", "server lost ConnectionAborted"]);
    const late: string[] = [];
    serverTransport.registerProducer(
      { stopProducing: () => late.push("stopped"), resumeProducing() {} },
      false,
    );
    assert.deepEqual(late, ["stopped"]);
  });

  it("throws TypeError for a non-Uint8Array write", () => {
    const { clientTransport } = connectedServerAndClient(Echo, Echo);
    assert.throws(() => clientTransport.write("x" as unknown as Uint8Array), TypeError);
  });
});

describe("IOPump: closing", () => {
  function pair() {
    const log: string[] = [];
    const r = connectedServerAndClient(
      () => new Logged("server", log),
      () => new Logged("client", log),
    );
    return { ...r, log };
  }

  it("delivers data, then ConnectionDone to the peer, then to the closing side", () => {
    const { server, serverTransport, pump, log } = pair();
    server.transport!.write(bytes("bye"));
    server.transport!.loseConnection();
    server.transport!.write(bytes("!")); // still queued: the close waits for the buffer
    assert.equal(serverTransport.disconnecting, true);
    pump.flush();
    assert.deepEqual(log, [
      "client data bye!",
      "client lost ConnectionDone",
      "server lost ConnectionDone",
    ]);
    assert.equal(serverTransport.disconnected, true);
    server.transport!.write(bytes("dropped"));
    assert.equal(serverTransport.getWriteBufferSize(), 0);
    assert.equal(pump.flush(), false);
  });

  it("works the same way from the client side", () => {
    const { client, pump, log } = pair();
    client.transport!.loseConnection();
    assert.equal(pump.pump(), true);
    assert.deepEqual(log, ["server lost ConnectionDone", "client lost ConnectionDone"]);
    assert.ok(client.reason!.check(ConnectionDone));
    assert.equal(pump.pump(), false);
  });

  it("closes once when both sides close", () => {
    const { client, server, pump, log } = pair();
    client.transport!.loseConnection();
    server.transport!.loseConnection();
    pump.flush();
    assert.deepEqual(log, ["client lost ConnectionDone", "server lost ConnectionDone"]);
  });

  it("waits for the producer to unregister before closing", () => {
    const { server, pump, log } = pair();
    const streamer = new Streamer(server.transport!, 10, 10);
    server.transport!.registerProducer(streamer, true);
    server.transport!.loseConnection();
    pump.flush();
    assert.deepEqual(log, []);
    server.transport!.unregisterProducer();
    pump.flush();
    assert.deepEqual(log, ["client lost ConnectionDone", "server lost ConnectionDone"]);
  });

  it("waits while the peer has paused reading", () => {
    const { server, clientTransport, pump, log } = pair();
    clientTransport.pauseProducing();
    server.transport!.loseConnection();
    assert.equal(pump.flush(), false);
    clientTransport.resumeProducing();
    pump.flush();
    assert.equal(log.length, 2);
  });

  it("abortConnection drops queued data and ends with ConnectionLost / ConnectionAborted", () => {
    const { client, server, clientTransport, pump, log } = pair();
    client.transport!.write(bytes("lost"));
    clientTransport.pauseProducing();
    server.transport!.write(bytes("also lost"));
    client.transport!.abortConnection();
    assert.equal(clientTransport.getWriteBufferSize(), 0);
    pump.flush();
    assert.deepEqual(log, ["server lost ConnectionLost", "client lost ConnectionAborted"]);
    assert.ok(server.reason!.check(ConnectionLost));
    assert.ok(client.reason!.check(ConnectionAborted));
  });

  it("drops what arrives for a side that is closing", () => {
    class CloseOnData extends AccumulatingProtocol {
      override dataReceived(data: Uint8Array): void {
        super.dataReceived(data);
        this.transport!.loseConnection();
      }
    }
    const { client, server, pump } = connectedServerAndClient(CloseOnData, Echo, { chunkSize: 1 });
    client.transport!.write(bytes("abc"));
    pump.flush();
    assert.equal(server.dataText(), "a");
    assert.equal(server.closed, true);
    assert.equal(client.connected, false);
  });

  it("stopProducing on a transport closes the connection", () => {
    const { serverTransport, pump, log } = pair();
    serverTransport.stopProducing();
    pump.flush();
    assert.equal(log.length, 2);
  });
});

describe("IOPump: half-close", () => {
  function pair() {
    const log: string[] = [];
    const r = connectedServerAndClient(
      () => new HalfLogged("server", log),
      () => new HalfLogged("client", log),
    );
    return { ...r, log };
  }

  it("tells each side about its direction, and keeps the other direction open", () => {
    const { client, server, clientTransport, pump, log } = pair();
    client.transport!.write(bytes("req"));
    (client.transport as ITCPTransport).loseWriteConnection();
    client.transport!.write(bytes("!"));
    pump.flush();
    assert.deepEqual(log, ["server data req!", "client writeLost", "server readLost"]);
    assert.equal(clientTransport.writeDisconnected, true);
    client.transport!.write(bytes("dropped"));
    assert.equal(clientTransport.getWriteBufferSize(), 0);
    server.transport!.write(bytes("resp"));
    server.transport!.loseConnection();
    pump.flush();
    assert.deepEqual(log.slice(3), [
      "client data resp",
      "client lost ConnectionDone",
      "server lost ConnectionDone",
    ]);
  });

  it("closes the connection once both directions are closed", () => {
    const { client, server, pump, log } = pair();
    (client.transport as ITCPTransport).loseWriteConnection();
    pump.flush();
    (server.transport as ITCPTransport).loseWriteConnection();
    pump.flush();
    assert.deepEqual(log, [
      "client writeLost",
      "server readLost",
      "server writeLost",
      "client lost ConnectionDone",
      "server lost ConnectionDone",
    ]);
  });

  it("closes fully when the peer is not half-closeable", () => {
    const log: string[] = [];
    const { client, pump } = connectedServerAndClient(
      () => new Logged("server", log),
      () => new HalfLogged("client", log),
    );
    (client.transport as ITCPTransport).loseWriteConnection();
    pump.flush();
    assert.deepEqual(log, [
      "client writeLost",
      "server lost ConnectionDone",
      "client lost ConnectionDone",
    ]);
  });
});

describe("IOPump: flush bound", () => {
  it("throws when the protocols never stop talking", () => {
    class PingPong extends Protocol {
      override connectionMade(): void {
        this.transport!.write(bytes("x"));
      }
      override dataReceived(data: Uint8Array): void {
        this.transport!.write(data);
      }
    }
    assert.throws(
      () => connectedServerAndClient(PingPong, Echo, { maxRounds: 50 }),
      (e: unknown) => e instanceof InvalidStateError && /50 pumps/.test(e.message),
    );
  });

  it("can be built by hand around two FakeTransports", () => {
    const a = new AccumulatingProtocol();
    const b = new Echo();
    const ta = new FakeTransport(a, false, {
      hostAddress: new IPv4Address("TCP", "127.0.0.1", 1),
      peerAddress: new IPv4Address("TCP", "127.0.0.1", 2),
    });
    const tb = new FakeTransport(b, true, {
      hostAddress: ta.peerAddress,
      peerAddress: ta.hostAddress,
    });
    const pump = new IOPump(a, b, ta, tb);
    b.makeConnection(tb);
    a.makeConnection(ta);
    ta.write(bytes("x"));
    pump.flush();
    assert.equal(a.dataText(), "x");
    assert.equal(ta.getTcpNoDelay(), true);
    ta.setTcpNoDelay(false);
    ta.setTcpKeepAlive(true);
    assert.equal(ta.getTcpNoDelay(), false);
    assert.equal(ta.getTcpKeepAlive(), true);
    assert.deepEqual(ta.writeBufferLimits, { high: 65536, low: 16384 });
  });
});
