/**
 * AMP's StartTLS over real loopback connections with the test CA's certificates: the switch,
 * boxes sent while it is under way, a peer that does not serve TLS, a certificate the client
 * does not trust, and transports that cannot switch.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { TCP4ClientEndpoint } from "../../../src/endpoints/tcp.js";
import { connectProtocol } from "../../../src/endpoints/wrapping.js";
import { UnhandledCommand } from "../../../src/errors/amp.js";
import { InvalidStateError, TLSError } from "../../../src/errors/errors.js";
import type { Failure } from "../../../src/errors/failure.js";
import { AMP } from "../../../src/protocols/amp/protocol.js";
import type { IListeningPort, ITLSTransport } from "../../../src/reactor/interfaces.js";
import { StringTransport } from "../../../src/testing/stringtransport.js";
import { fixture, newReactor, portOf, serverFactory } from "../../transports/helpers.js";
import { Sum } from "./commands.js";

const reactor = newReactor();
const serverTLS = { key: fixture("server.key"), cert: fixture("server.pem") };
const trusted = { trustRoot: fixture("ca.pem"), hostname: "localhost" };

/** An AMP peer that adds, records how its connection ended, and may serve TLS. */
class Peer extends AMP {
  lost: Failure | null = null;
  constructor(tls: boolean) {
    super();
    this.responder(Sum, ({ a, b }) => ({ total: a + b }));
    if (tls) this.serveTLS(() => serverTLS);
  }
  override connectionLost(reason: Failure): void {
    super.connectionLost(reason);
    this.lost = reason;
  }
  get secure(): boolean {
    return (this.transport as ITLSTransport | null)?.secure === true;
  }
}

describe("AMP StartTLS", { timeout: 20_000 }, () => {
  const ports: IListeningPort[] = [];
  const clients: AMP[] = [];
  after(async () => {
    for (const c of clients) c.transport?.abortConnection();
    for (const p of ports) await p.stopListening();
  });

  /** A server (serving TLS or not) and a client connected to it. */
  async function pair(tls: boolean): Promise<{ client: Peer; server: () => Peer }> {
    let server: Peer | null = null;
    const port = await reactor.listenTCP(
      0,
      serverFactory(() => (server = new Peer(tls))),
      50,
      "127.0.0.1",
    );
    ports.push(port);
    const client = new Peer(false);
    clients.push(client);
    await connectProtocol(new TCP4ClientEndpoint(reactor, "127.0.0.1", portOf(port)), client);
    return { client, server: () => server as unknown as Peer };
  }

  it("switches both ends to TLS; calls go on over it, both ways", async () => {
    const { client, server } = await pair(true);
    assert.deepEqual(await client.callRemote(Sum, { a: 1, b: 2 }), { total: 3 }); // in clear
    await client.startTLS(trusted);
    assert.ok(client.secure && server().secure);
    assert.deepEqual(await client.callRemote(Sum, { a: 20, b: 22 }), { total: 42 });
    assert.deepEqual(await server().callRemote(Sum, { a: 5, b: 6 }), { total: 11 });
  });

  it("holds the calls made while the switch is under way, and sends them encrypted", async () => {
    const { client, server } = await pair(true);
    // The client reads nothing for a while: the server has answered and switched long before
    // the client learns of it, and calls made meanwhile must not reach it in clear.
    client.transport!.pauseProducing();
    const switched = client.startTLS(trusted);
    await new Promise((r) => setTimeout(r, 50));
    assert.ok(server().secure, "the server switched as soon as it answered");
    const during = [1, 2, 3].map((a) => client.callRemote(Sum, { a, b: 10 }));
    client.transport!.resumeProducing();
    await switched;
    assert.deepEqual(await Promise.all(during), [{ total: 11 }, { total: 12 }, { total: 13 }]);
    assert.ok(server().secure);
  });

  it("fails with UnhandledCommand when the peer does not serve TLS, and goes on in clear", async () => {
    const { client, server } = await pair(false);
    const switched = client.startTLS(trusted);
    const during = client.callRemote(Sum, { a: 2, b: 2 });
    await assert.rejects(switched.asPromise(), UnhandledCommand);
    assert.deepEqual(await during, { total: 4 });
    assert.ok(!client.secure && !server().secure);
  });

  it("drops the connection with a TLSError when the peer's certificate is not trusted", async () => {
    const { client } = await pair(true);
    await client.startTLS({ trustRoot: fixture("selfsigned.pem"), hostname: "localhost" });
    const call = client.callRemote(Sum, { a: 1, b: 1 });
    await assert.rejects(call.asPromise(), TLSError);
    assert.ok(client.lost?.value instanceof TLSError);
  });

  it("takes the server's options from a Promise", async () => {
    const { client, server } = await pair(false);
    server().serveTLS(() => new Promise((r) => setTimeout(() => r(serverTLS), 20)));
    await client.startTLS(trusted);
    assert.deepEqual(await client.callRemote(Sum, { a: 3, b: 4 }), { total: 7 });
    assert.ok(server().secure);
  });

  it("refuses a second switch, and a transport that cannot switch", async () => {
    const { client } = await pair(true);
    const first = client.startTLS(trusted);
    await assert.rejects(client.startTLS(trusted).asPromise(), InvalidStateError);
    await first;
    await assert.rejects(client.startTLS(trusted).asPromise(), InvalidStateError);
    const inMemory = new AMP();
    inMemory.makeConnection(new StringTransport());
    await assert.rejects(inMemory.startTLS(trusted).asPromise(), InvalidStateError);
  });
});
