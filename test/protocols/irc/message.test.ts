import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { IRCBadMessage } from "../../../src/errors/irc.js";
import {
  byteLength,
  formatMessage,
  ircEquals,
  ircLower,
  lowDequote,
  lowQuote,
  nickOf,
  parseMessage,
  splitText,
} from "../../../src/protocols/irc/message.js";

describe("parseMessage", () => {
  it("splits prefix, command, middle and trailing parameters", () => {
    assert.deepEqual(parseMessage(":alice!a@host PRIVMSG #braid :hello there"), {
      prefix: "alice!a@host",
      command: "PRIVMSG",
      params: ["#braid", "hello there"],
    });
  });

  it("handles no prefix, no parameters, and runs of spaces", () => {
    assert.deepEqual(parseMessage("PING"), { prefix: "", command: "PING", params: [] });
    assert.deepEqual(parseMessage("PING  irc.example  "), {
      prefix: "",
      command: "PING",
      params: ["irc.example"],
    });
  });

  it("keeps colons and spaces in the trailing parameter, and an empty trailing one", () => {
    assert.deepEqual(parseMessage("TOPIC #c :a :b  c").params, ["#c", "a :b  c"]);
    assert.deepEqual(parseMessage("TOPIC #c :").params, ["#c", ""]);
    assert.deepEqual(parseMessage("MODE #c +k a:b").params, ["#c", "+k", "a:b"]);
  });

  it("parses numerics and upper-cases commands", () => {
    const m = parseMessage(":irc.test 001 bob :Welcome to IRC\r");
    assert.equal(m.command, "001");
    assert.deepEqual(m.params, ["bob", "Welcome to IRC"]);
    assert.equal(parseMessage("privmsg x :y").command, "PRIVMSG");
  });

  it("rejects empty lines and lines without a command", () => {
    for (const bad of ["", ":prefixonly", ":prefix ", ":p :trailing", "   "]) {
      assert.throws(() => parseMessage(bad), IRCBadMessage, JSON.stringify(bad));
    }
  });

  it("round-trips formatMessage (property)", () => {
    const middle = fc.stringMatching(/^[^\s:\0\r\n][^\s\0\r\n]{0,10}$/);
    const trailing = fc.string({ maxLength: 30 }).filter((s) => !/[\0\r\n]/.test(s));
    const command = fc.stringMatching(/^[A-Z]{1,8}$/);
    fc.assert(
      fc.property(command, fc.array(middle, { maxLength: 5 }), trailing, (cmd, mids, last) => {
        const m = parseMessage(formatMessage(cmd, ...mids, last));
        assert.equal(m.command, cmd);
        assert.deepEqual(m.params, [...mids, last]);
      }),
    );
  });

  it("never throws anything but IRCBadMessage on garbage (property)", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 100 }), (s) => {
        try {
          const m = parseMessage(s);
          assert.ok(m.command.length > 0 && !m.command.includes(" "));
          for (const p of m.params.slice(0, -1)) assert.ok(!p.includes(" ") && p !== "");
        } catch (e) {
          assert.ok(e instanceof IRCBadMessage);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe("formatMessage", () => {
  it("adds a colon to a last parameter that needs one", () => {
    assert.equal(formatMessage("PRIVMSG", "#c", "hi there"), "PRIVMSG #c :hi there");
    assert.equal(formatMessage("PONG", "irc.test"), "PONG irc.test");
    assert.equal(formatMessage("PONG", ":x"), "PONG ::x");
    assert.equal(formatMessage("AWAY", ""), "AWAY :");
  });

  it("rejects line breaks and middle parameters with spaces", () => {
    assert.throws(() => formatMessage("PRIVMSG", "a b", "x"), RangeError);
    assert.throws(() => formatMessage("PRIVMSG", "#c", "x\r\nQUIT"), RangeError);
  });
});

describe("nicknames", () => {
  it("takes the nickname out of a prefix", () => {
    assert.equal(nickOf("alice!a@host"), "alice");
    assert.equal(nickOf("irc.server"), "irc.server");
  });

  it("folds with the rfc1459 case mapping", () => {
    assert.equal(ircLower("Nick[A]\\~"), "nick{a}|^");
    assert.ok(ircEquals("FOO[]", "foo{}"));
    assert.ok(!ircEquals("foo", "fob"));
  });
});

describe("low-level quoting", () => {
  it("escapes NUL, CR, LF and the quote itself", () => {
    assert.equal(lowQuote("a\0b\rc\nd\x10e"), "a\x100b\x10rc\x10nd\x10\x10e");
    assert.equal(lowQuote("plain"), "plain");
  });

  it("round-trips (property)", () => {
    fc.assert(fc.property(fc.string(), (s) => assert.equal(lowDequote(lowQuote(s)), s)));
    assert.ok(!/[\0\r\n]/.test(lowQuote("\0\r\n")));
  });
});

describe("splitText", () => {
  it("splits at spaces near the limit and at newlines", () => {
    assert.deepEqual(splitText("the quick brown fox", 10), ["the quick", "brown fox"]);
    assert.deepEqual(splitText("one\ntwo\n\nthree", 80), ["one", "two", "three"]);
    assert.deepEqual(splitText("abcdefghij", 4), ["abcd", "efgh", "ij"]);
    assert.deepEqual(splitText("", 10), []);
  });

  it("never cuts inside a character", () => {
    assert.deepEqual(splitText("ééééé", 4), ["éé", "éé", "é"]);
    assert.deepEqual(splitText("😀😀", 5), ["😀", "😀"]);
  });

  it("keeps every word, in order, with no line over the limit (property)", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.integer({ min: 4, max: 60 }), (s, n) => {
        const lines = splitText(s, n);
        for (const l of lines) {
          assert.ok(byteLength(l) <= n, `${JSON.stringify(l)} > ${n}`);
          assert.ok(l.length > 0 && !l.startsWith(" ") && !l.endsWith(" "));
        }
        const words = (x: string) => x.split(/[\s]+/).filter((w) => w !== "");
        const short = words(s).every((w) => byteLength(w) <= n);
        if (short) assert.deepEqual(words(lines.join(" ")), words(s.replace(/[\t\v\f\r]/g, " ")));
      }),
    );
  });
});
