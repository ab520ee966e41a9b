/**
 * MODE: reading mode strings (unit and property tests), the client's `modeChanged` callback
 * with the parameters the server's `CHANMODES` / `PREFIX` call for, and the `mode` command.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { IRCBadModes } from "../../../src/errors/irc.js";
import { captureLogEvents } from "../../../src/logger/capture.js";
import { IRCClient } from "../../../src/protocols/irc/client.js";
import { type ModeChange, parseModes } from "../../../src/protocols/irc/modes.js";
import { ServerSupportedFeatures } from "../../../src/protocols/irc/support.js";
import { StringTransport } from "../../../src/testing/stringtransport.js";
import { b } from "../helpers.js";

describe("parseModes", () => {
  const chan = { add: "ovbkl", remove: "ovbk" };

  it("reads set and unset runs, giving parameters to the modes that take one", () => {
    assert.deepEqual(parseModes("+o-v", ["alice", "bob"], chan), {
      added: [["o", "alice"]],
      removed: [["v", "bob"]],
    });
    assert.deepEqual(parseModes("+lnt-l", ["10"], chan), {
      added: [
        ["l", "10"],
        ["n", null],
        ["t", null],
      ],
      removed: [["l", null]], // l takes a parameter only when set
    });
    assert.deepEqual(parseModes("+i", []), { added: [["i", null]], removed: [] });
  });

  it("refuses what cannot be read", () => {
    for (const [modes, params] of [
      ["", []],
      ["o", ["alice"]],
      ["+", []],
      ["+o-", ["alice"]],
      ["+-o", ["alice"]],
      ["+o", []],
      ["+n", ["extra"]],
    ] as const) {
      assert.throws(() => parseModes(modes, params, chan), IRCBadModes, modes);
    }
  });

  it("reads back any list of changes written as a mode string (property)", () => {
    const letter = fc.constantFrom(..."ovbklimnpst");
    const change = fc.tuple(fc.boolean(), letter, fc.stringMatching(/^[a-z0-9]{1,8}$/));
    fc.assert(
      fc.property(fc.array(change, { minLength: 1, maxLength: 12 }), (changes) => {
        let modes = "";
        let dir: boolean | null = null;
        const params: string[] = [];
        const want = { added: [] as ModeChange[], removed: [] as ModeChange[] };
        for (const [set, m, p] of changes) {
          if (dir !== set) modes += set ? "+" : "-";
          dir = set;
          modes += m;
          const takes = (set ? chan.add : chan.remove).includes(m);
          if (takes) params.push(p);
          (set ? want.added : want.removed).push([m, takes ? p : null]);
        }
        assert.deepEqual(parseModes(modes, params, chan), want);
      }),
    );
  });
});

describe("ServerSupportedFeatures: modes", () => {
  it("reads CHANMODES and PREFIX, with Twisted's defaults when not announced", () => {
    const s = new ServerSupportedFeatures();
    assert.deepEqual(s.channelModes(), {
      addressModes: "b",
      param: "k",
      setParam: "l",
      noParam: "imnpst",
    });
    assert.equal(s.prefixModes(), "ovh");
    s.parse(["CHANMODES=beI,k,lL,imnst", "PREFIX=(qaohv)~&@%+"]);
    assert.deepEqual(s.channelModes(), {
      addressModes: "beI",
      param: "k",
      setParam: "lL",
      noParam: "imnst",
    });
    assert.equal(s.prefixModes(), "qaohv");
    s.parse(["PREFIX="]);
    assert.equal(s.prefixModes(), "");
  });
});

class ModeRecorder extends IRCClient {
  override nickname = "bob";
  changes: unknown[][] = [];
  override modeChanged(
    user: string,
    channel: string,
    set: boolean,
    modes: string,
    args: readonly (string | null)[],
  ): void {
    this.changes.push([user, channel, set, modes, [...args]]);
  }
}

function connected(): { client: ModeRecorder; tr: StringTransport } {
  const client = new ModeRecorder();
  const tr = new StringTransport();
  client.makeConnection(tr);
  tr.clear();
  return { client, tr };
}

describe("IRCClient: MODE", () => {
  it("calls modeChanged once for the modes set and once for those unset", () => {
    const { client } = connected();
    client.dataReceived(b(":alice!a@h MODE #braid +o-v+l carol dave 25\r\n"));
    assert.deepEqual(client.changes, [
      ["alice!a@h", "#braid", true, "ol", ["carol", "25"]],
      ["alice!a@h", "#braid", false, "v", ["dave"]],
    ]);
  });

  it("follows the server's CHANMODES and PREFIX", () => {
    const { client } = connected();
    client.dataReceived(
      b(":irc.test 005 bob CHANMODES=b,k,lj,imnpst PREFIX=(qov)~@+ :are supported\r\n"),
    );
    client.dataReceived(b(":alice!a@h MODE #braid +qj carol 3:5\r\n"));
    assert.deepEqual(client.changes, [["alice!a@h", "#braid", true, "qj", ["carol", "3:5"]]]);
  });

  it("reads modes on ourselves as user modes, without parameters", () => {
    const { client } = connected();
    client.dataReceived(b(":bob MODE bob :+iw\r\n"));
    assert.deepEqual(client.changes, [["bob", "bob", true, "iw", [null, null]]]);
  });

  it("logs a mode string it cannot read, and stays connected", () => {
    const { client, tr } = connected();
    const events = captureLogEvents(() =>
      client.dataReceived(b(":alice!a@h MODE #braid +o\r\n:alice!a@h MODE #braid +n\r\n")),
    );
    assert.equal(events.length, 1);
    assert.equal(events[0]?.level, "warn");
    assert.deepEqual(client.changes, [["alice!a@h", "#braid", true, "n", [null]]]);
    assert.equal(tr.disconnecting, false);
  });

  it("sends MODE with at most one parameter, as Twisted's mode()", () => {
    const { client, tr } = connected();
    client.mode("#braid", true, "o", undefined, "alice");
    client.mode("#braid", false, "v", undefined, "bob");
    client.mode("#braid", true, "l", 25);
    client.mode("#braid", true, "b", undefined, undefined, "*!*@spam.example");
    client.mode("bob", true, "i");
    assert.equal(
      tr.valueText(),
      [
        "MODE #braid +o alice",
        "MODE #braid -v bob",
        "MODE #braid +l 25",
        "MODE #braid +b *!*@spam.example",
        "MODE bob +i",
        "",
      ].join("\r\n"),
    );
  });
});
