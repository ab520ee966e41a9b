/**
 * `IRCClient` against a real IRC server: Debian's ngircd on loopback, with Braid clients on the
 * real reactor registering, joining, talking, renaming and quitting.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { TCP4ClientEndpoint } from "../../../src/endpoints/tcp.js";
import { connectProtocol } from "../../../src/endpoints/wrapping.js";
import type { Failure } from "../../../src/errors/failure.js";
import { IRCClient } from "../../../src/protocols/irc/client.js";
import { reactor } from "../../../src/reactor/reactor.js";
import { haveNgircd, type Ngircd, startNgircd } from "./ngircd.js";

/** A client that records its callbacks and lets a test wait for one. */
class Bot extends IRCClient {
  events: unknown[][] = [];
  lost = false;
  #waiters: { pred: (e: unknown[]) => boolean; resolve: (e: unknown[]) => void }[] = [];

  constructor(nickname: string) {
    super();
    this.nickname = nickname;
  }

  record(...event: unknown[]): void {
    this.events.push(event);
    this.#waiters = this.#waiters.filter((w) => {
      if (!w.pred(event)) return true;
      w.resolve(event);
      return false;
    });
  }

  /** The first event (past or future) named `name` that `pred` accepts. */
  waitFor(name: string, pred: (e: unknown[]) => boolean = () => true): Promise<unknown[]> {
    const p = (e: unknown[]) => e[0] === name && pred(e);
    const seen = this.events.find(p);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${this.nickname}: no ${name} in ${JSON.stringify(this.events)}`)),
        8000,
      );
      this.#waiters.push({
        pred: p,
        resolve: (e) => {
          clearTimeout(timer);
          resolve(e);
        },
      });
    });
  }

  override signedOn(): void {
    this.record("signedOn", this.nickname);
  }
  override joined(channel: string): void {
    this.record("joined", channel);
  }
  override userJoined(user: string, channel: string): void {
    this.record("userJoined", user, channel);
  }
  override privmsg(user: string, channel: string, message: string): void {
    this.record("privmsg", user, channel, message);
  }
  override action(user: string, channel: string, data: string): void {
    this.record("action", user, channel, data);
  }
  override userRenamed(oldName: string, newName: string): void {
    this.record("userRenamed", oldName, newName);
  }
  override nickChanged(nick: string): void {
    super.nickChanged(nick);
    this.record("nickChanged", nick);
  }
  override userQuit(user: string, message: string): void {
    this.record("userQuit", user, message);
  }
  override userLeft(user: string, channel: string): void {
    this.record("userLeft", user, channel);
  }
  override topicUpdated(user: string, channel: string, topic: string): void {
    this.record("topicUpdated", user, channel, topic);
  }
  override modeChanged(
    user: string,
    channel: string,
    set: boolean,
    modes: string,
    args: readonly (string | null)[],
  ): void {
    this.record("modeChanged", user, channel, set, modes, [...args]);
  }
  override ctcpUnknownReply(
    user: string,
    _channel: string,
    tag: string,
    data: string | null,
  ): void {
    this.record("ctcpReply", user, tag, data);
  }
  override receivedMOTD(motd: string[]): void {
    this.record("motd", motd);
  }
  override connectionLost(reason: Failure): void {
    super.connectionLost(reason);
    this.lost = true;
    this.record("lost");
  }
}

describe("IRCClient against ngircd", { skip: !haveNgircd && "ngircd is not installed" }, () => {
  let server: Ngircd;
  const bots: Bot[] = [];

  before(async () => {
    server = await startNgircd();
  });

  after(async () => {
    for (const b of bots) b.transport?.abortConnection();
    await server?.dispose();
  });

  async function connect(nickname: string): Promise<Bot> {
    const bot = new Bot(nickname);
    bots.push(bot);
    await connectProtocol(new TCP4ClientEndpoint(reactor, "127.0.0.1", server.port), bot);
    await bot.waitFor("signedOn");
    return bot;
  }

  it("registers, talks in a channel, renames and quits", async () => {
    const alice = await connect("alice");
    const bob = await connect("bob");
    assert.ok(alice.registered);
    assert.equal(alice.hostname, "irc.braid.test");
    assert.ok(alice.supported.getInt("NICKLEN", 9) >= 9);
    const [, motd] = await alice.waitFor("motd");
    assert.ok((motd as string[]).some((l) => l.includes("Welcome to the Braid test server")));

    alice.join("braid");
    await alice.waitFor("joined", (e) => e[1] === "#braid");
    bob.join("#braid");
    await bob.waitFor("joined", (e) => e[1] === "#braid");
    await alice.waitFor("userJoined", (e) => e[1] === "bob" && e[2] === "#braid");

    alice.say("#braid", "hello bob");
    const [, from, channel] = await bob.waitFor("privmsg", (e) => e[3] === "hello bob");
    assert.match(from as string, /^alice!/);
    assert.equal(channel, "#braid");

    bob.msg("alice", "a private word");
    const [, , to] = await alice.waitFor("privmsg", (e) => e[3] === "a private word");
    assert.equal(to, "alice");

    alice.describe("#braid", "waves at everyone");
    const [, actor, where] = await bob.waitFor("action", (e) => e[3] === "waves at everyone");
    assert.match(actor as string, /^alice!/);
    assert.equal(where, "#braid");

    alice.topic("#braid", "Braid tests");
    await bob.waitFor("topicUpdated", (e) => e[1] === "alice" && e[3] === "Braid tests");

    bob.setNick("robert");
    await bob.waitFor("nickChanged", (e) => e[1] === "robert");
    assert.equal(bob.nickname, "robert");
    await alice.waitFor("userRenamed", (e) => e[1] === "bob" && e[2] === "robert");

    bob.quit("see you");
    await alice.waitFor("userQuit", (e) => e[1] === "robert" && String(e[2]).includes("see you"));
    await bob.waitFor("lost");
  });

  it("sets and reads channel modes, with the parameters the server's CHANMODES call for", async () => {
    const hank = await connect("hank");
    const iris = await connect("iris");
    hank.join("#modes"); // the first to join is the channel's operator
    await hank.waitFor("joined");
    iris.join("#modes");
    await hank.waitFor("userJoined", (e) => e[1] === "iris");
    hank.mode("#modes", true, "l", 12);
    const [, by, channel, , modes, args] = await iris.waitFor("modeChanged", (e) => e[4] === "l");
    assert.match(by as string, /^hank!/);
    assert.equal(channel, "#modes");
    assert.deepEqual([modes, args], ["l", ["12"]]);
    hank.mode("#modes", true, "v", undefined, "iris");
    const voiced = await iris.waitFor("modeChanged", (e) => e[3] === true && e[4] === "v");
    assert.deepEqual(voiced.slice(4), ["v", ["iris"]]);
    hank.mode("#modes", false, "l");
    const unlimited = await iris.waitFor("modeChanged", (e) => e[3] === false && e[4] === "l");
    assert.deepEqual(unlimited.slice(4), ["l", [null]]);
  });

  it("picks another nickname when its own is taken", async () => {
    const first = await connect("carol");
    const second = await connect("carol");
    assert.equal(first.nickname, "carol");
    assert.equal(second.nickname, "carol_");
  });

  it("splits a long message into lines the server relays whole", async () => {
    const dave = await connect("dave");
    const erin = await connect("erin");
    dave.join("#long");
    await dave.waitFor("joined");
    erin.join("#long");
    await dave.waitFor("userJoined", (e) => e[1] === "erin");
    const words = Array.from({ length: 180 }, (_, i) => `w${i}`);
    dave.say("#long", words.join(" "));
    await erin.waitFor("privmsg", (e) => String(e[3]).endsWith("w179"));
    const received = erin.events
      .filter((e) => e[0] === "privmsg" && e[2] === "#long")
      .map((e) => e[3] as string);
    assert.ok(received.length >= 2, `${received.length} lines`);
    assert.deepEqual(received.join(" ").split(" "), words);
  });

  it("answers CTCP VERSION and PING from another client", async () => {
    const frank = await connect("frank");
    frank.versionName = "braid-test";
    frank.versionNum = "0.1";
    const gina = await connect("gina");
    gina.ctcpMakeQuery("frank", [["VERSION", null]]);
    const [, , , version] = await gina.waitFor("ctcpReply", (e) => e[2] === "VERSION");
    assert.equal(version, "braid-test:0.1:");
    gina.ctcpMakeQuery("frank", [["PING", "1234"]]);
    const [, , , echo] = await gina.waitFor("ctcpReply", (e) => e[2] === "PING");
    assert.equal(echo, "1234");
  });
});
