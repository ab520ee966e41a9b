import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConnectionDone } from "../../../src/errors/errors.js";
import { Failure } from "../../../src/errors/failure.js";
import { IRCMessageLengthError } from "../../../src/errors/irc.js";
import { IRCClient } from "../../../src/protocols/irc/client.js";
import { StringTransport } from "../../../src/testing/stringtransport.js";
import { Clock } from "../../../src/time/clock.js";
import { b } from "../helpers.js";

class Bob extends IRCClient {
  override nickname = "bob";
}

function setUp(configure?: (c: Bob) => void): { client: Bob; tr: StringTransport } {
  const client = new Bob();
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

describe("IRCConnection: commands", () => {
  function fresh() {
    const s = setUp();
    s.tr.clear();
    return s;
  }

  it("joins and leaves, adding # when needed", () => {
    const { client, tr } = fresh();
    client.join("braid");
    client.join("&local", "key");
    client.leave("braid");
    client.leave("#braid", "see you");
    client.quit("bye now");
    client.setNick("robert");
    assert.deepEqual(sent(tr), [
      "JOIN #braid",
      "JOIN &local key",
      "PART #braid",
      "PART #braid :see you",
      "QUIT :bye now",
      "NICK robert",
    ]);
  });

  it("sends messages, notices and actions", () => {
    const { client, tr } = fresh();
    client.say("braid", "hello");
    client.msg("alice", "hi\nthere");
    client.notice("alice", "note");
    client.describe("#braid", "waves");
    assert.deepEqual(sent(tr), [
      "PRIVMSG #braid :hello",
      "PRIVMSG alice :hi",
      "PRIVMSG alice :there",
      "NOTICE alice :note",
      "PRIVMSG #braid :\x01ACTION waves\x01",
    ]);
  });

  it("splits long messages at the safe length Twisted computes", () => {
    const { client, tr } = fresh();
    const fmt = "PRIVMSG #braid :";
    // 512 - (1 + 9 + 1 + 10 + 1 + 63 + 1 + len(fmt)) - 10, minus len(fmt) + 2 for the text.
    const safe = 512 - (86 + fmt.length) - 10;
    assert.equal(client.safeMaximumLineLength(fmt), safe);
    const text = `${"word ".repeat(200)}end`;
    client.say("#braid", text);
    const lines = sent(tr);
    assert.ok(lines.length > 1);
    for (const line of lines) {
      assert.ok(line.startsWith(fmt));
      assert.ok(line.length - fmt.length <= safe - (fmt.length + 2));
    }
    assert.equal(lines.map((l) => l.slice(fmt.length)).join(" "), text);
  });

  it("splits at an explicit length and rejects one too small", () => {
    const { client, tr } = fresh();
    const fmt = "PRIVMSG alice :";
    client.msg("alice", "aaaa bbbb cccc", fmt.length + 2 + 9);
    assert.deepEqual(sent(tr), ["PRIVMSG alice :aaaa bbbb", "PRIVMSG alice :cccc"]);
    assert.throws(() => client.msg("alice", "x", fmt.length + 2), IRCMessageLengthError);
  });

  it("honours a larger NICKLEN", () => {
    const { client } = fresh();
    const before = client.safeMaximumLineLength("PRIVMSG x :");
    client.dataReceived(b(":irc.test 005 bob NICKLEN=30 :are supported\r\n"));
    assert.equal(client.safeMaximumLineLength("PRIVMSG x :"), before - 21);
  });

  it("quotes NUL, CR and LF in raw lines", () => {
    const { client, tr } = fresh();
    client.sendLine("PRIVMSG x :a\rb");
    assert.equal(tr.valueText(), "PRIVMSG x :a\x10rb\r\n");
  });
});

describe("IRCConnection: time", () => {
  it("sends a heartbeat PING on its clock once registered, until the connection is lost", () => {
    const clock = new Clock();
    const { client, tr } = setUp((c) => {
      c.clock = clock;
      c.heartbeatInterval = 60;
    });
    serve(client, tr, ":irc.test 001 bob :Welcome");
    tr.clear();
    clock.advance(59);
    assert.deepEqual(sent(tr), []);
    clock.advance(1);
    clock.advance(60);
    assert.deepEqual(sent(tr), ["PING irc.test", "PING irc.test"]);
    client.connectionLost(new Failure(new ConnectionDone()));
    assert.equal(clock.getDelayedCalls().length, 0);
  });

  it("spaces lines lineRate seconds apart", () => {
    const clock = new Clock();
    const { client, tr } = setUp((c) => {
      c.clock = clock;
      c.lineRate = 2;
    });
    assert.deepEqual(sent(tr), ["NICK bob"]);
    clock.advance(2);
    assert.deepEqual(sent(tr), ["NICK bob", "USER bob foo bar :bob"]);
    client.say("#c", "one");
    client.say("#c", "two");
    clock.advance(2);
    assert.equal(sent(tr).length, 3);
    clock.advance(2);
    assert.deepEqual(sent(tr).slice(2), ["PRIVMSG #c :one", "PRIVMSG #c :two"]);
  });
});
