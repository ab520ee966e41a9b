/**
 * Tests for the chat protocol: several in-memory clients through `connectedServerAndClient`, and
 * `StringTransport` for single steps.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConnectionDone } from "../../src/errors/errors.js";
import { Failure } from "../../src/errors/failure.js";
import { IPv4Address } from "../../src/protocol/address.js";
import { ChatFactory, type ChatProtocol } from "../../src/protocols/chat.js";
import { AccumulatingProtocol } from "../../src/testing/accumulating.js";
import { connectedServerAndClient } from "../../src/testing/iosim.js";
import { StringTransportWithDisconnection } from "../../src/testing/stringtransport.js";

const enc = new TextEncoder();
/** Every connection's pump: a line from one client reaches the others through theirs. */
const pumps: { flush(): boolean }[] = [];

function join(factory: ChatFactory, port: number, chunkSize?: number) {
  const c = connectedServerAndClient(factory, AccumulatingProtocol, {
    clientAddress: new IPv4Address("TCP", "127.0.0.1", port),
    ...(chunkSize === undefined ? {} : { chunkSize }),
  });
  pumps.push(c.pump);
  const lines = () => c.client.dataText().split("\r\n").slice(0, -1);
  const send = (text: string) => {
    c.client.transport!.write(enc.encode(text));
    for (let i = 0; i < 3; i++) for (const p of pumps) p.flush();
  };
  return { ...c, lines, send };
}

describe("ChatProtocol", () => {
  it("asks for a name, refuses a taken or empty one, and relays lines to the others", () => {
    const factory = new ChatFactory();
    const alice = join(factory, 1);
    const bob = join(factory, 2);
    const carol = join(factory, 3);
    assert.deepEqual(alice.lines(), ["What's your name?"]);
    alice.send("alice\n");
    bob.send("alice\r\n");
    bob.send("\r\n");
    bob.send("bob\r\n");
    carol.send("carol\n");
    assert.deepEqual(bob.lines(), [
      "What's your name?",
      "Name taken, please choose another.",
      "Name taken, please choose another.",
      "Welcome, bob!",
    ]);
    alice.send("hi all\r\n");
    // Relayed to the others, not echoed back.
    assert.equal(bob.lines().at(-1), "<alice> hi all");
    assert.equal(carol.lines().at(-1), "<alice> hi all");
    assert.equal(alice.lines().at(-1), "Welcome, alice!");
    assert.deepEqual([...factory.users.keys()], ["alice", "bob", "carol"]);
  });

  it("frees the name of a participant who leaves; no announcements by default", () => {
    const factory = new ChatFactory();
    const alice = join(factory, 1);
    const bob = join(factory, 2);
    alice.send("alice\n");
    bob.send("bob\n");
    alice.clientTransport.loseConnection();
    alice.send("");
    assert.deepEqual([...factory.users.keys()], ["bob"]);
    assert.equal(bob.lines().at(-1), "Welcome, bob!");
    const again = join(factory, 3);
    again.send("alice\n");
    assert.equal(again.lines().at(-1), "Welcome, alice!");
  });

  it("announces joins and leaves when asked to", () => {
    const factory = new ChatFactory({ announce: true });
    const alice = join(factory, 1);
    const bob = join(factory, 2);
    alice.send("alice\n");
    bob.send("bob\n");
    assert.equal(alice.lines().at(-1), "* bob has joined");
    assert.equal(bob.lines().at(-1), "Welcome, bob!");
    bob.clientTransport.loseConnection();
    alice.send("");
    assert.equal(alice.lines().at(-1), "* bob has left");
  });

  it("works whatever way the bytes are cut", () => {
    const factory = new ChatFactory();
    const alice = join(factory, 1, 1);
    const bob = join(factory, 2, 3);
    alice.send("alice\r\n");
    bob.send("bob\r\nhello there\r\nsecond\n");
    assert.deepEqual(alice.lines().slice(-2), ["<bob> hello there", "<bob> second"]);
  });

  it("a participant without a name neither relays nor leaves a trace", () => {
    const factory = new ChatFactory();
    const p = factory.buildProtocol(new IPv4Address("TCP", "127.0.0.1", 1)) as ChatProtocol;
    const t = new StringTransportWithDisconnection();
    t.protocol = p;
    p.makeConnection(t);
    factory.broadcast(p, "ignored");
    p.connectionLost(new Failure(new ConnectionDone()));
    assert.equal(factory.users.size, 0);
    assert.equal(t.valueText(), "What's your name?\r\n");
  });

  it("texts can be changed on the factory", () => {
    const factory = new ChatFactory();
    factory.prompt = "Nom ?";
    factory.format = (name, message) => `${name}: ${message}`;
    const a = join(factory, 1);
    const b = join(factory, 2);
    assert.deepEqual(a.lines(), ["Nom ?"]);
    a.send("a\n");
    b.send("b\n");
    a.send("salut\n");
    assert.equal(b.lines().at(-1), "a: salut");
  });
});
