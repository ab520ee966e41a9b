import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  IRCBadMessage,
  IRCMessageLengthError,
  IRCPasswordMismatch,
} from "../../../src/errors/irc.js";
import { captureLogEvents } from "../../../src/logger/capture.js";
import { IRCClient } from "../../../src/protocols/irc/client.js";
import { StringTransport } from "../../../src/testing/stringtransport.js";
import { b, chunksOf, cutAt, cutPoints } from "../helpers.js";

/** Records every callback as a tuple. */
class Recorder extends IRCClient {
  events: unknown[][] = [];
  override nickname = "bob";

  override signedOn(): void {
    this.events.push(["signedOn"]);
  }
  override joined(channel: string): void {
    this.events.push(["joined", channel]);
  }
  override left(channel: string): void {
    this.events.push(["left", channel]);
  }
  override privmsg(user: string, channel: string, message: string): void {
    this.events.push(["privmsg", user, channel, message]);
  }
  override action(user: string, channel: string, data: string): void {
    this.events.push(["action", user, channel, data]);
  }
  override noticed(user: string, channel: string, message: string): void {
    this.events.push(["noticed", user, channel, message]);
  }
  override userJoined(user: string, channel: string): void {
    this.events.push(["userJoined", user, channel]);
  }
  override userLeft(user: string, channel: string): void {
    this.events.push(["userLeft", user, channel]);
  }
  override userQuit(user: string, message: string): void {
    this.events.push(["userQuit", user, message]);
  }
  override userRenamed(oldName: string, newName: string): void {
    this.events.push(["userRenamed", oldName, newName]);
  }
  override nickChanged(nick: string): void {
    super.nickChanged(nick);
    this.events.push(["nickChanged", nick]);
  }
  override kickedFrom(channel: string, kicker: string, message: string): void {
    this.events.push(["kickedFrom", channel, kicker, message]);
  }
  override userKicked(kicked: string, channel: string, kicker: string, message: string): void {
    this.events.push(["userKicked", kicked, channel, kicker, message]);
  }
  override topicUpdated(user: string, channel: string, topic: string): void {
    this.events.push(["topicUpdated", user, channel, topic]);
  }
  override receivedMOTD(motd: string[]): void {
    this.events.push(["motd", motd]);
  }
  override badMessage(line: string, error: IRCBadMessage): void {
    this.events.push(["badMessage", line, error.code]);
  }
  irc_FOO(prefix: string, params: string[]): void {
    this.events.push(["irc_FOO", prefix, params]);
  }
  override irc_unknown(prefix: string, command: string, params: string[]): void {
    this.events.push(["unknown", prefix, command, params]);
  }
}

function setUp(configure?: (c: Recorder) => void): { client: Recorder; tr: StringTransport } {
  const client = new Recorder();
  configure?.(client);
  const tr = new StringTransport();
  client.makeConnection(tr);
  return { client, tr };
}

/** Feeds server lines (CR LF added) and returns what the client wrote meanwhile. */
function serve(client: IRCClient, tr: StringTransport, ...lines: string[]): string[] {
  tr.clear();
  client.dataReceived(b(lines.map((l) => `${l}\r\n`).join("")));
  return sent(tr);
}

function sent(tr: StringTransport): string[] {
  const text = tr.valueText();
  assert.ok(text === "" || text.endsWith("\r\n"), `unterminated output ${JSON.stringify(text)}`);
  return text === "" ? [] : text.slice(0, -2).split("\r\n");
}

describe("IRCClient: registration", () => {
  it("sends NICK and USER on connection", () => {
    const { tr } = setUp();
    assert.deepEqual(sent(tr), ["NICK bob", "USER bob foo bar :bob"]);
  });

  it("sends PASS first and uses username and realname", () => {
    const { tr } = setUp((c) => {
      c.password = "secret";
      c.username = "bobby";
      c.realname = "Bob the Bot";
    });
    assert.deepEqual(sent(tr), ["PASS secret", "NICK bob", "USER bobby foo bar :Bob the Bot"]);
  });

  it("does not register when performLogin is false", () => {
    const { tr } = setUp((c) => {
      c.performLogin = false;
    });
    assert.deepEqual(sent(tr), []);
  });

  it("signs on at RPL_WELCOME, taking the nickname the server confirms", () => {
    const { client, tr } = setUp();
    serve(client, tr, ":irc.test 001 bob :Welcome to the network");
    assert.deepEqual(client.events, [["signedOn"]]);
    assert.equal(client.registered, true);
    assert.equal(client.hostname, "irc.test");
  });

  it("retries with an altered nickname when it is in use", () => {
    const { client, tr } = setUp();
    assert.deepEqual(serve(client, tr, ":irc.test 433 * bob :Nickname is already in use"), [
      "NICK bob_",
    ]);
    assert.deepEqual(serve(client, tr, ":irc.test 433 * bob_ :Nickname is already in use"), [
      "NICK bob__",
    ]);
    serve(client, tr, ":irc.test 001 bob__ :Welcome");
    assert.equal(client.nickname, "bob__");
  });

  it("uses an overridden alterCollidedNick", () => {
    class Caret extends Recorder {
      override alterCollidedNick(nickname: string): string {
        return `${nickname}^`;
      }
    }
    const client = new Caret();
    const tr = new StringTransport();
    client.makeConnection(tr);
    assert.deepEqual(serve(client, tr, ":irc.test 433 * bob :in use"), ["NICK bob^"]);
  });

  it("falls back to erroneousNickFallback before registration only", () => {
    const { client, tr } = setUp();
    assert.deepEqual(serve(client, tr, ":irc.test 432 * b@d :Erroneous nickname"), [
      "NICK defaultnick",
    ]);
    serve(client, tr, ":irc.test 001 defaultnick :Welcome");
    assert.deepEqual(serve(client, tr, ":irc.test 432 defaultnick b@d :Erroneous"), []);
  });

  it("throws IRCPasswordMismatch when the password is refused", () => {
    const { client, tr } = setUp();
    assert.throws(
      () => serve(client, tr, ":irc.test 464 * :Password incorrect"),
      (e) => {
        assert.ok(e instanceof IRCPasswordMismatch);
        assert.equal(e.code, "ERR_IRC_PASSWORD_MISMATCH");
        return true;
      },
    );
  });

  it("records RPL_ISUPPORT and the MOTD", () => {
    const { client, tr } = setUp();
    serve(
      client,
      tr,
      ":irc.test 005 bob NICKLEN=30 CHANTYPES=# :are supported by this server",
      ":irc.test 375 bob :- irc.test Message of the day -",
      ":irc.test 372 bob :- hello",
      ":irc.test 376 bob :End of MOTD command",
    );
    assert.equal(client.supported.getInt("NICKLEN", 9), 30);
    assert.deepEqual(client.events, [["motd", ["- irc.test Message of the day -", "- hello"]]]);
  });
});

describe("IRCClient: server messages", () => {
  function registered() {
    const s = setUp();
    serve(s.client, s.tr, ":irc.test 001 bob :Welcome");
    s.client.events = [];
    return s;
  }

  it("answers PING with PONG", () => {
    const { client, tr } = registered();
    assert.deepEqual(serve(client, tr, "PING :irc.test"), ["PONG irc.test"]);
    assert.deepEqual(serve(client, tr, "PING :two words"), ["PONG :two words"]);
  });

  it("reports joins, parts, quits, nick changes and kicks", () => {
    const { client, tr } = registered();
    serve(
      client,
      tr,
      ":bob!b@h JOIN #braid",
      ":alice!a@h JOIN :#braid",
      ":alice!a@h PART #braid :bye",
      ":carol!c@h QUIT :Quit: gone",
      ":dave!d@h NICK :eve",
      ":BOB!b@h NICK bobby",
      ":op!o@h KICK #braid eve :behave",
      ":op!o@h KICK #braid bobby :you too",
      ":bobby!b@h PART #braid",
    );
    assert.deepEqual(client.events, [
      ["joined", "#braid"],
      ["userJoined", "alice", "#braid"],
      ["userLeft", "alice", "#braid"],
      ["userQuit", "carol", "Quit: gone"],
      ["userRenamed", "dave", "eve"],
      ["nickChanged", "bobby"],
      ["userKicked", "eve", "#braid", "op", "behave"],
      ["kickedFrom", "#braid", "op", "you too"],
      ["left", "#braid"],
    ]);
    assert.equal(client.nickname, "bobby");
  });

  it("reports topics", () => {
    const { client, tr } = registered();
    serve(
      client,
      tr,
      ":alice!a@h TOPIC #braid :new topic",
      ":irc.test 332 bob #braid :the topic",
      ":irc.test 331 bob #other :No topic is set",
    );
    assert.deepEqual(client.events, [
      ["topicUpdated", "alice", "#braid", "new topic"],
      ["topicUpdated", "irc.test", "#braid", "the topic"],
      ["topicUpdated", "irc.test", "#other", ""],
    ]);
  });

  it("reports messages, notices and actions", () => {
    const { client, tr } = registered();
    serve(
      client,
      tr,
      ":alice!a@h PRIVMSG #braid :hello: there",
      ":alice!a@h PRIVMSG bob :psst",
      ":alice!a@h PRIVMSG #braid :\x01ACTION waves\x01",
      ":alice!a@h PRIVMSG #braid :before \x01ACTION mixes\x01 after",
      ":irc.test NOTICE bob :*** notice",
      ":alice!a@h PRIVMSG #braid :",
    );
    assert.deepEqual(client.events, [
      ["privmsg", "alice!a@h", "#braid", "hello: there"],
      ["privmsg", "alice!a@h", "bob", "psst"],
      ["action", "alice!a@h", "#braid", "waves"],
      ["action", "alice!a@h", "#braid", "mixes"],
      ["privmsg", "alice!a@h", "#braid", "before   after"],
      ["noticed", "irc.test", "bob", "*** notice"],
    ]);
  });

  it("answers CTCP VERSION and PING, not other CTCP queries", () => {
    const { client, tr } = registered();
    assert.deepEqual(serve(client, tr, ":alice!a@h PRIVMSG bob :\x01VERSION\x01"), []);
    client.versionName = "braidbot";
    client.versionNum = "1.0";
    client.versionEnv = "node";
    assert.deepEqual(serve(client, tr, ":alice!a@h PRIVMSG bob :\x01VERSION\x01"), [
      "NOTICE alice :\x01VERSION braidbot:1.0:node\x01",
    ]);
    assert.deepEqual(serve(client, tr, ":alice!a@h PRIVMSG bob :\x01PING 12345\x01"), [
      "NOTICE alice :\x01PING 12345\x01",
    ]);
    assert.deepEqual(serve(client, tr, ":alice!a@h PRIVMSG bob :\x01FINGER\x01"), []);
    const [info] = serve(client, tr, ":alice!a@h PRIVMSG bob :\x01CLIENTINFO\x01");
    assert.equal(info, "NOTICE alice :\x01CLIENTINFO ACTION CLIENTINFO PING VERSION\x01");
  });

  it("dispatches to irc_<COMMAND> methods, on() handlers and irc_unknown", () => {
    const { client, tr } = registered();
    const seen: unknown[] = [];
    const off = client.on("332", (prefix, params) => seen.push([prefix, params]));
    client.on("foo", (_p, params) => seen.push(["foo", params]));
    serve(
      client,
      tr,
      ":x FOO a :b c",
      ":x 999 bob :odd",
      ":irc.test 332 bob #c :t",
      "constructor x",
    );
    off();
    serve(client, tr, ":irc.test RPL_TOPIC bob #c :t2");
    assert.deepEqual(seen, [
      ["foo", ["a", "b c"]],
      ["irc.test", ["bob", "#c", "t"]],
    ]);
    assert.deepEqual(client.events.slice(0, 2), [
      ["irc_FOO", "x", ["a", "b c"]],
      ["unknown", "x", "999", ["bob", "odd"]],
    ]);
    assert.deepEqual(client.events[3], ["unknown", "", "CONSTRUCTOR", ["x"]]);
  });

  it("reports malformed lines and keeps going", () => {
    const { client, tr } = registered();
    serve(client, tr, ":lonelyprefix", "", ":alice!a@h PRIVMSG #c :ok");
    assert.deepEqual(client.events, [
      ["badMessage", ":lonelyprefix", "ERR_IRC_BAD_MESSAGE"],
      ["privmsg", "alice!a@h", "#c", "ok"],
    ]);
  });

  it("accepts bare LF line endings and Latin-1 text", () => {
    const { client } = registered();
    client.dataReceived(b(":alice!a@h PRIVMSG #c :one\n:alice!a@h PRIVMSG #c :caf\xe9\n", true));
    assert.deepEqual(client.events, [
      ["privmsg", "alice!a@h", "#c", "one"],
      ["privmsg", "alice!a@h", "#c", "café"],
    ]);
  });

  it("drops lines over 512 bytes and keeps the connection", () => {
    const { client, tr } = registered();
    const long = `:alice!a@h PRIVMSG #c :${"x".repeat(600)}\r\n`;
    const ok = ":alice!a@h PRIVMSG #c :ok\r\n";
    const input = b(long + ok + long + ok);
    for (const size of [1, 7, 100, 511, 512, 513, input.length]) {
      client.events = [];
      captureLogEvents(() => {
        for (const chunk of chunksOf(input, size)) client.dataReceived(chunk);
      });
      assert.deepEqual(client.events, [
        ["privmsg", "alice!a@h", "#c", "ok"],
        ["privmsg", "alice!a@h", "#c", "ok"],
      ]);
    }
    assert.equal(tr.disconnecting, false);
  });

  it("delivers the same messages however the stream is cut (property)", () => {
    const lines = [
      ":irc.test 001 bob :Welcome",
      "PING :irc.test",
      ":alice!a@h JOIN #c",
      ":alice!a@h PRIVMSG #c :hi \x01ACTION x\x01",
      ":alice!a@h NICK al",
    ];
    const input = b(`${lines.join("\r\n")}\r\n`);
    const reference = setUp();
    serve(reference.client, reference.tr, ...lines);
    fc.assert(
      fc.property(cutPoints(input.length), (points) => {
        const { client, tr } = setUp();
        tr.clear();
        for (const chunk of cutAt(input, points)) client.dataReceived(chunk);
        assert.deepEqual(client.events, reference.client.events);
        assert.deepEqual(sent(tr), ["PONG irc.test"]);
      }),
    );
  });

  it("never throws on random bytes and only writes whole lines (property)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), cutPoints(600), (bytes, points) => {
        const { client, tr } = setUp();
        captureLogEvents(() => {
          for (const chunk of cutAt(bytes, points)) client.dataReceived(chunk);
        });
        sent(tr);
      }),
      { numRuns: 300 },
    );
  });
});

describe("IRCBadMessage", () => {
  it("has a stable code", () => {
    assert.equal(new IRCBadMessage().code, "ERR_IRC_BAD_MESSAGE");
    assert.equal(new IRCMessageLengthError().code, "ERR_IRC_MESSAGE_LENGTH");
  });
});
