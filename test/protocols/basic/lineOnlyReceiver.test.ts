import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { LineOnlyReceiver } from "../../../src/protocols/basic/lineOnlyReceiver.js";
import { b, cat, connect, cutAt, cutPoints, feed, standardChunkings, t } from "../helpers.js";

class Recorder extends LineOnlyReceiver {
  lines: Uint8Array[] = [];
  exceeded: Uint8Array[] = [];

  constructor(delimiter?: string, max?: number) {
    super();
    if (delimiter !== undefined) this.delimiter = delimiter;
    if (max !== undefined) this.MAX_LENGTH = max;
  }

  override lineReceived(line: Uint8Array): void {
    this.lines.push(line);
  }

  override lineLengthExceeded(line: Uint8Array): void {
    this.exceeded.push(line);
    super.lineLengthExceeded(line);
  }

  texts(): string[] {
    return this.lines.map(t);
  }
}

function reference(input: Uint8Array, delim: string): string[] {
  const buf = Buffer.from(input);
  const d = Buffer.from(delim, "latin1");
  const lines: string[] = [];
  let pos = 0;
  for (let i = buf.indexOf(d, pos); i >= 0; i = buf.indexOf(d, pos)) {
    lines.push(buf.subarray(pos, i).toString("latin1"));
    pos = i + d.length;
  }
  return lines;
}

function parse(chunks: readonly Uint8Array[], delimiter?: string, max?: number): Recorder {
  const p = new Recorder(delimiter, max);
  connect(p);
  feed(p, chunks);
  return p;
}

describe("LineOnlyReceiver", () => {
  for (const delim of ["\r\n", "\n", "\r\n\r\n", "aab"]) {
    const input = b(
      `${["foo", "", "bleakness", "aaa", "\r", "desolation", "a", "plastic forks"].join(delim)}${delim}part`,
    );
    const expected = reference(input, delim);

    it(`gives the same lines for every chunking, delimiter ${JSON.stringify(delim)}`, () => {
      for (const chunks of standardChunkings(input)) {
        assert.deepEqual(parse(chunks, delim).texts(), expected);
      }
    });

    it(`gives the same lines at random cut points, delimiter ${JSON.stringify(delim)}`, () => {
      fc.assert(
        fc.property(cutPoints(input.length), (points) => {
          assert.deepEqual(parse(cutAt(input, points), delim).texts(), expected);
        }),
      );
    });
  }

  it("matches a naive split for random input over a small alphabet", () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(..."aab\r\n"), { maxLength: 80 }).map((cs) => b(cs.join(""))),
        fc.constantFrom("aab", "\r\n", "\n", "abab"),
        fc.array(fc.integer({ min: 0, max: 80 }), { maxLength: 20 }),
        (input, delim, points) => {
          assert.deepEqual(parse(cutAt(input, points), delim).texts(), reference(input, delim));
        },
      ),
    );
  });

  it("delivers many lines from one chunk, as views that stay valid", () => {
    const lines = Array.from({ length: 500 }, (_, i) => `line ${i}`);
    const p = parse([b(`${lines.join("\n")}\n`), b("x".repeat(100)), b("\n")], "\n");
    assert.deepEqual(p.texts(), [...lines, "x".repeat(100)]);
  });

  it("delivers a line of exactly MAX_LENGTH and refuses MAX_LENGTH + 1, in any chunking", () => {
    for (const chunks of standardChunkings(b(`${"x".repeat(8)}\r\n`))) {
      const p = parse(chunks, "\r\n", 8);
      assert.deepEqual(p.texts(), ["x".repeat(8)]);
      assert.equal(p.transport!.disconnecting, false);
    }
    for (const chunks of standardChunkings(b(`${"x".repeat(9)}\r\nafter\r\n`))) {
      const p = parse(chunks, "\r\n", 8);
      assert.deepEqual(p.texts(), []);
      assert.equal(p.exceeded.length, 1);
      assert.equal(p.transport!.disconnecting, true);
    }
  });

  it("refuses MAX_LENGTH + delimiter bytes with no delimiter, but not one byte less", () => {
    const p = parse([b("x".repeat(8)), b("\r")], "\r\n", 8);
    assert.equal(p.exceeded.length, 0);
    p.dataReceived(b("\n"));
    assert.deepEqual(p.texts(), ["x".repeat(8)]);
    const q = parse([b("x".repeat(10))], "\r\n", 8);
    assert.equal(q.exceeded.length, 1);
    assert.equal(q.transport!.disconnecting, true);
  });

  it("the default lineLengthExceeded disconnects", () => {
    const p = new LineOnlyReceiver();
    const tr = connect(p);
    p.dataReceived(b(`${"x".repeat(p.MAX_LENGTH + 3)}\r\nr`));
    assert.equal(tr.disconnecting, true);
  });

  it("delivers no line after the one that called loseConnection", () => {
    class Quitter extends Recorder {
      override lineReceived(line: Uint8Array): void {
        super.lineReceived(line);
        if (t(line) === "QUIT") this.transport!.loseConnection();
      }
    }
    for (const chunks of standardChunkings(b("a\r\nQUIT\r\nb\r\nc\r\n"))) {
      const p = new Quitter();
      connect(p);
      feed(p, chunks);
      assert.deepEqual(p.texts(), ["a", "QUIT"]);
    }
  });

  it("random garbage never throws, lines stay within MAX_LENGTH, overflow disconnects", () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 30 }),
        fc.constantFrom("\r\n", "\n", "END"),
        (chunks, delim) => {
          const p = new Recorder(delim, 16);
          const tr = connect(p);
          feed(p, chunks);
          for (const line of p.lines) assert.ok(line.length <= 16);
          for (const x of p.exceeded) assert.ok(x.length > 16);
          assert.equal(tr.disconnecting, p.exceeded.length > 0);
        },
      ),
    );
  });

  it("with a large MAX_LENGTH, random input splits like a naive split", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 20 }), (chunks) => {
        assert.deepEqual(parse(chunks, "\n", 1 << 20).texts(), reference(cat(...chunks), "\n"));
      }),
    );
  });

  it("sendLine writes the line and the delimiter; strings are UTF-8", () => {
    const p = new Recorder("\n");
    const tr = connect(p);
    p.sendLine("héllo");
    p.sendLine(b("x"));
    assert.equal(tr.valueText(), "héllo\nx\n");
    assert.throws(() => new LineOnlyReceiver().sendLine("x"), { code: "ERR_INVALID_STATE" });
  });
});
