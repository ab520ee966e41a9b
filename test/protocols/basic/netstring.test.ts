import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { NetstringParseError } from "../../../src/errors/errors.js";
import { NetstringReceiver } from "../../../src/protocols/basic/netstring.js";
import { b, connect, cutAt, cutPoints, feed, standardChunkings, t } from "../helpers.js";

class Recorder extends NetstringReceiver {
  received: Uint8Array[] = [];
  errors: NetstringParseError[] = [];

  constructor(max?: number) {
    super();
    if (max !== undefined) this.MAX_LENGTH = max;
  }

  override stringReceived(s: Uint8Array): void {
    this.received.push(s);
  }

  override netstringParseError(error: NetstringParseError): void {
    this.errors.push(error);
    super.netstringParseError(error);
  }

  texts(): string[] {
    return this.received.map(t);
  }
}

function parse(chunks: readonly Uint8Array[], max = 50): Recorder {
  const p = new Recorder(max);
  connect(p);
  feed(p, chunks);
  return p;
}

function encode(strings: readonly string[]): Uint8Array {
  const sender = new NetstringReceiver();
  const tr = connect(sender);
  for (const s of strings) sender.sendString(b(s));
  return tr.value();
}

describe("NetstringReceiver", () => {
  const strings = ["hello", "world", "how", "are", "you123", ":today", "", "1:a,", "a".repeat(515)];
  const wire = encode(strings);

  it("sendString frames as <length>:<bytes>,", () => {
    assert.equal(t(encode(["hello", ""])), "5:hello,0:,");
  });

  it("gives the same strings for every chunking", () => {
    for (const chunks of standardChunkings(wire)) {
      const p = parse(chunks, 699);
      assert.deepEqual(p.texts(), strings);
      assert.equal(p.brokenPeer, false);
    }
  });

  it("gives the same strings at random cut points", () => {
    fc.assert(
      fc.property(cutPoints(wire.length), (points) => {
        assert.deepEqual(parse(cutAt(wire, points), 699).texts(), strings);
      }),
    );
  });

  it("round-trips random payloads at random cut points", () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 30 }), { maxLength: 10 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (payloads, points) => {
          const sender = new NetstringReceiver();
          const tr = connect(sender);
          for (const s of payloads) sender.sendString(s);
          const data = tr.value();
          const p = parse(
            cutAt(
              data,
              points.map((x) => x % (data.length + 1)),
            ),
          );
          assert.deepEqual(
            p.received.map((x) => [...x]),
            payloads.map((x) => [...x]),
          );
        },
      ),
    );
  });

  it("receives empty, one- and two-byte, and nested netstrings", () => {
    assert.deepEqual(parse([b("0:,")]).texts(), [""]);
    assert.deepEqual(parse([b("1:a,")]).texts(), ["a"]);
    assert.deepEqual(parse([b("2:ab,")]).texts(), ["ab"]);
    assert.deepEqual(parse([b("4:1:a,,")]).texts(), ["1:a,"]);
  });

  it("receives netstrings in portions, the length split too", () => {
    assert.deepEqual(parse([b("4:aa"), b("aa,")]).texts(), ["aaaa"]);
    assert.deepEqual(parse([b("1"), b("0:01234"), b("56789"), b(",")]).texts(), ["0123456789"]);
    assert.deepEqual(parse(["2", ":", "a", "b", ","].map((s) => b(s))).texts(), ["ab"]);
    const p = parse([b("1:a,1")]);
    assert.deepEqual(p.texts(), ["a"]);
    p.dataReceived(b(":b,"));
    assert.deepEqual(p.texts(), ["a", "b"]);
  });

  it("accepts a length of exactly MAX_LENGTH", () => {
    const p = parse([b(`12:${"x".repeat(12)},`)], 12);
    assert.deepEqual(p.texts(), ["x".repeat(12)]);
    assert.equal(p.brokenPeer, false);
  });

  const illegal: Record<string, string> = {
    "a huge length": "9999999999999999999999",
    "a length of MAX_LENGTH + 1": `51:${"a".repeat(51)},`,
    "MAX_LENGTH + 1 before any payload": "51:",
    letters: "abc",
    "more data than announced": "4:abcde",
    "more data than announced (2)": "2:aaa,",
    "data in an empty netstring": "0:a,",
    "no length": ":aaa,",
    "no colon": "3aaa,",
    "no length nor colon": "aaa,",
    "only data": "aaa",
    "a leading zero": "01:a,",
    "a zero-padded length": "007:abcdefg,",
    "a sign": "+1:a,",
    "a space": "1 :a,",
    "a missing comma": "3:abc;",
    "a second string without comma": "1:a,1:bc",
  };
  for (const [what, input] of Object.entries(illegal)) {
    it(`refuses ${what} and disconnects, in any chunking`, () => {
      for (const chunks of standardChunkings(b(input))) {
        const p = parse(chunks);
        assert.equal(p.brokenPeer, true, JSON.stringify(input));
        assert.equal(p.transport!.disconnecting, true);
        assert.equal(p.errors.length, 1);
        assert.ok(p.errors[0] instanceof NetstringParseError);
        assert.equal(p.errors[0]?.code, "ERR_NETSTRING_PARSE");
      }
    });
  }

  it("ignores everything after a parse error", () => {
    const p = parse([b("1:a,x"), b("1:b,")]);
    assert.deepEqual(p.texts(), ["a"]);
    assert.equal(p.errors.length, 1);
  });

  it("delivers nothing after the string that called loseConnection", () => {
    class Quitter extends Recorder {
      override stringReceived(s: Uint8Array): void {
        super.stringReceived(s);
        this.transport!.loseConnection();
      }
    }
    for (const chunks of standardChunkings(b("1:a,1:b,"))) {
      const p = new Quitter();
      connect(p);
      feed(p, chunks);
      assert.deepEqual(p.texts(), ["a"]);
    }
  });

  it("random garbage never throws and ends either parsed or in a clean disconnect", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.uint8Array({ maxLength: 20 }),
            fc
              .array(fc.constantFrom(..."0123456789:,ab"), { maxLength: 20 })
              .map((cs) => b(cs.join(""))),
          ),
          { maxLength: 20 },
        ),
        (chunks) => {
          const p = parse(chunks, 10);
          for (const s of p.received) assert.ok(s.length <= 10);
          assert.equal(p.transport!.disconnecting, p.brokenPeer);
          assert.equal(p.errors.length, p.brokenPeer ? 1 : 0);
        },
      ),
    );
  });

  it("sendString before makeConnection throws InvalidStateError", () => {
    assert.throws(() => new NetstringReceiver().sendString(b("x")), {
      code: "ERR_INVALID_STATE",
    });
  });
});
