import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { LineReceiver } from "../../../src/protocols/basic/lineReceiver.js";
import { Clock } from "../../../src/time/clock.js";
import {
  b,
  cat,
  chunksOf,
  connect,
  cutAt,
  cutPoints,
  feed,
  standardChunkings,
  t,
} from "../helpers.js";

/** Records lines, raw data and length-exceeded events. */
class Recorder extends LineReceiver {
  lines: Uint8Array[] = [];
  raw: Uint8Array[] = [];
  exceeded: Uint8Array[] = [];

  constructor(delimiter?: string, max?: number) {
    super();
    if (delimiter !== undefined) this.delimiter = delimiter;
    if (max !== undefined) this.MAX_LENGTH = max;
  }

  override lineReceived(line: Uint8Array): void {
    this.lines.push(line);
  }

  override rawDataReceived(data: Uint8Array): void {
    this.raw.push(data);
  }

  override lineLengthExceeded(line: Uint8Array): void {
    this.exceeded.push(line);
    super.lineLengthExceeded(line);
  }

  texts(): string[] {
    return this.lines.map(t);
  }
}

/** Splits all of `input` by `delim` the naive way: the expected lines and the leftover. */
function reference(input: Uint8Array, delim: string): { lines: string[]; rest: string } {
  const buf = Buffer.from(input);
  const d = Buffer.from(delim, "latin1");
  const lines: string[] = [];
  let pos = 0;
  for (;;) {
    const i = buf.indexOf(d, pos);
    if (i < 0) break;
    lines.push(buf.subarray(pos, i).toString("latin1"));
    pos = i + d.length;
  }
  return { lines, rest: buf.subarray(pos).toString("latin1") };
}

function parse(chunks: readonly Uint8Array[], delimiter?: string, max?: number): Recorder {
  const p = new Recorder(delimiter, max);
  connect(p);
  feed(p, chunks);
  return p;
}

describe("LineReceiver: splitting", () => {
  it("delivers CRLF lines without the delimiter, including empty ones", () => {
    const p = parse([b("hello\r\n\r\nworld\r\npart")]);
    assert.deepEqual(p.texts(), ["hello", "", "world"]);
    assert.equal(t(p.clearLineBuffer()), "part");
  });

  for (const delim of ["\r\n", "\n", "\r\n\r\n", "aab", "--boundary--"]) {
    const input = b(
      ["one", "", "two words", "x", "aaa", "\r", "ab", "a", "-boundary-", "last"].join(delim) +
        delim +
        "tail",
      true,
    );
    const expected = reference(input, delim);

    it(`gives the same lines for every chunking, delimiter ${JSON.stringify(delim)}`, () => {
      for (const chunks of standardChunkings(input)) {
        const p = parse(chunks, delim);
        assert.deepEqual(p.texts(), expected.lines, `chunks of ${chunks[0]?.length}`);
        assert.equal(t(p.clearLineBuffer()), expected.rest);
      }
    });

    it(`gives the same lines at random cut points, delimiter ${JSON.stringify(delim)}`, () => {
      fc.assert(
        fc.property(cutPoints(input.length), (points) => {
          const p = parse(cutAt(input, points), delim);
          assert.deepEqual(p.texts(), expected.lines);
          assert.equal(t(p.clearLineBuffer()), expected.rest);
        }),
      );
    });
  }

  it("matches a naive split for random input over a small alphabet (overlapping delimiter)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(..."aab\r\n"), { maxLength: 80 }).map((cs) => b(cs.join(""))),
        fc.constantFrom("aab", "\r\n", "\n", "abab", "\r\n\r\n"),
        fc.array(fc.integer({ min: 0, max: 80 }), { maxLength: 20 }),
        (input, delim, points) => {
          const expected = reference(input, delim);
          const p = parse(cutAt(input, points), delim);
          assert.deepEqual(p.texts(), expected.lines);
          assert.equal(t(p.clearLineBuffer()), expected.rest);
        },
      ),
    );
  });

  it("delivers many lines from one chunk, in order", () => {
    const lines = Array.from({ length: 1000 }, (_, i) => `line ${i}`);
    const p = parse([b(`${lines.join("\r\n")}\r\n`)]);
    assert.deepEqual(p.texts(), lines);
  });

  it("gives lines that stay valid after more data arrives", () => {
    const p = new Recorder();
    connect(p);
    p.dataReceived(b("first\r\nsec"));
    p.dataReceived(b("ond\r\nthird\r"));
    p.dataReceived(b("\nfourth\r\n"));
    p.dataReceived(b("zzzzzzzzzzzzzzzzzzzzzz\r\n"));
    assert.deepEqual(p.texts(), ["first", "second", "third", "fourth", "zzzzzzzzzzzzzzzzzzzzzz"]);
  });

  it("accepts plain Uint8Arrays and Buffers alike", () => {
    const p = parse([Buffer.from("a\r\nb"), new Uint8Array(Buffer.from("c\r\n"))]);
    assert.deepEqual(p.texts(), ["a", "bc"]);
  });

  it("uses a delimiter changed from inside lineReceived for the following lines", () => {
    class Switcher extends Recorder {
      override lineReceived(line: Uint8Array): void {
        super.lineReceived(line);
        if (t(line) === "SWITCH") this.delimiter = "\n";
      }
    }
    const p = new Switcher();
    connect(p);
    p.dataReceived(b("a\r\nSWITCH\r\nb\nc\r"));
    p.dataReceived(b("\nd"));
    assert.deepEqual(p.texts(), ["a", "SWITCH", "b", "c\r"]);
  });

  it("refuses an empty delimiter and copies the one it is given", () => {
    const p = new Recorder();
    assert.throws(() => {
      p.delimiter = "";
    }, RangeError);
    const d = b("|");
    p.delimiter = d;
    d[0] = 0x2c;
    connect(p);
    p.dataReceived(b("x|y,"));
    assert.deepEqual(p.texts(), ["x"]);
    assert.deepEqual([...p.delimiter], [0x7c]);
  });
});

describe("LineReceiver: MAX_LENGTH", () => {
  it("delivers a line of exactly MAX_LENGTH bytes, in any chunking", () => {
    const input = b(`${"x".repeat(10)}\r\n`);
    for (const chunks of standardChunkings(input)) {
      const p = parse(chunks, "\r\n", 10);
      assert.deepEqual(p.texts(), ["x".repeat(10)]);
      assert.equal(p.transport!.disconnecting, false);
    }
  });

  it("calls lineLengthExceeded for MAX_LENGTH + 1 bytes, in any chunking, and disconnects", () => {
    const input = b(`${"x".repeat(11)}\r\nnext\r\n`);
    for (const chunks of standardChunkings(input)) {
      const p = parse(chunks, "\r\n", 10);
      assert.deepEqual(p.texts(), []);
      assert.equal(p.exceeded.length, 1);
      assert.equal(p.transport!.disconnecting, true);
    }
  });

  it("passes everything from the long line on, when the line is complete", () => {
    const p = parse([b("ok\nxxxxxxxxxxxxxx\nmore\nstuff")], "\n", 6);
    assert.deepEqual(p.texts(), ["ok"]);
    assert.deepEqual(p.exceeded.map(t), ["xxxxxxxxxxxxxx\nmore\nstuff"]);
  });

  it("passes an unterminated run of MAX_LENGTH + delimiter bytes", () => {
    const p = parse([b("x".repeat(8))], "\r\n", 6);
    assert.deepEqual(p.exceeded.map(t), ["x".repeat(8)]);
    assert.equal(p.transport!.disconnecting, true);
  });

  it("waits when MAX_LENGTH bytes are followed by part of the delimiter", () => {
    const p = parse([b(`${"x".repeat(6)}\r`)], "\r\n", 6);
    assert.equal(p.exceeded.length, 0);
    assert.equal(p.transport!.disconnecting, false);
    p.dataReceived(b("\n"));
    assert.deepEqual(p.texts(), ["xxxxxx"]);
  });

  it("delivers a full line whose delimiter straddled two chunks (Twisted partial-delimiter case)", () => {
    const p = parse([b("xxx"), b("\r"), b("\nxxx")], "\r\n", 4);
    assert.deepEqual(p.texts(), ["xxx"]);
    assert.equal(p.transport!.disconnecting, false);
  });

  it("with the default lineLengthExceeded, drops what follows and disconnects", () => {
    const p = new LineReceiver();
    const tr = connect(p);
    p.dataReceived(b(`${"x".repeat(p.MAX_LENGTH + 1)}\r\nr`));
    assert.equal(tr.disconnecting, true);
    assert.equal(p.clearLineBuffer().length, 0);
  });

  it("never buffers more than MAX_LENGTH + delimiter - 1 bytes, whatever arrives", () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 30 }),
        fc.constantFrom("\r\n", "\n", "END"),
        (chunks, delim) => {
          const p = new Recorder(delim, 16);
          const tr = connect(p);
          for (const c of chunks) {
            p.dataReceived(c);
            const held = p.clearLineBuffer();
            assert.ok(tr.disconnecting || held.length <= 16 + delim.length - 1);
            p.dataReceived(held); // put it back: nothing changes
          }
          for (const line of p.lines) assert.ok(line.length <= 16);
          if (p.exceeded.length > 0) assert.equal(tr.disconnecting, true);
        },
      ),
    );
  });

  it("a lineLengthExceeded override can resynchronise with setLineMode(rest)", () => {
    class Resync extends Recorder {
      override lineLengthExceeded(line: Uint8Array): void {
        this.exceeded.push(line);
        const i = Buffer.from(line).indexOf("\n");
        if (i >= 0) this.setLineMode(line.subarray(i + 1));
      }
    }
    const p = new Resync("\n", 4);
    connect(p);
    p.dataReceived(b("ab\nTOO LONG\ncd\nef\n"));
    assert.deepEqual(p.texts(), ["ab", "cd", "ef"]);
    assert.equal(p.exceeded.length, 1);
  });
});

describe("LineReceiver: raw mode", () => {
  /** After "len N", the next N bytes are raw, appended to the previous entry (Twisted's LineTester). */
  class LenTester extends LineReceiver {
    received: string[] = [];
    length = 0;
    constructor() {
      super();
      this.delimiter = "\n";
      this.MAX_LENGTH = 64;
    }
    override lineReceived(line: Uint8Array): void {
      const s = t(line);
      this.received.push(s);
      if (s === "") this.setRawMode();
      else if (s.startsWith("len ")) this.length = Number(s.slice(4));
    }
    override rawDataReceived(data: Uint8Array): void {
      const body = data.subarray(0, this.length);
      const rest = data.subarray(this.length);
      this.length -= body.length;
      this.received[this.received.length - 1] += t(body);
      if (this.length === 0) this.setLineMode(rest);
    }
    override lineLengthExceeded(line: Uint8Array): void {
      if (line.length > this.MAX_LENGTH + 1) this.setLineMode(line.subarray(this.MAX_LENGTH + 1));
    }
  }

  const buffer = b(
    "len 10\n\n0123456789len 5\n\n1234\nlen 20\nfoo 123\n\n0123456789\n012345678len 0\nfoo 5\n\nlen 1\n\na",
  );
  const output = [
    "len 10",
    "0123456789",
    "len 5",
    "1234\n",
    "len 20",
    "foo 123",
    "0123456789\n012345678",
    "len 0",
    "foo 5",
    "",
    "len 1",
    "a",
  ];

  it("switches between lines and raw data at the same points for every chunking", () => {
    for (const chunks of standardChunkings(buffer)) {
      const p = new LenTester();
      connect(p);
      feed(p, chunks);
      assert.deepEqual(p.received, output, `chunks of ${chunks[0]?.length}`);
    }
  });

  it("and at random cut points", () => {
    fc.assert(
      fc.property(cutPoints(buffer.length), (points) => {
        const p = new LenTester();
        connect(p);
        feed(p, cutAt(buffer, points));
        assert.deepEqual(p.received, output);
      }),
    );
  });

  it("setRawMode inside lineReceived gives the rest of the chunk to rawDataReceived", () => {
    class Raw extends Recorder {
      override lineReceived(line: Uint8Array): void {
        super.lineReceived(line);
        this.setRawMode();
      }
    }
    const p = new Raw();
    connect(p);
    p.dataReceived(b("HEAD\r\nbody\r\nmore"));
    p.dataReceived(b("tail\r\n"));
    assert.deepEqual(p.texts(), ["HEAD"]);
    assert.deepEqual(p.raw.map(t), ["body\r\nmore", "tail\r\n"]);
    assert.equal(p.lineMode, false);
  });

  it("setRawMode after a line that straddled chunks gives the rest of the chunk as raw", () => {
    class Raw extends Recorder {
      override lineReceived(line: Uint8Array): void {
        super.lineReceived(line);
        this.setRawMode();
      }
    }
    const p = new Raw();
    connect(p);
    p.dataReceived(b("HE"));
    p.dataReceived(b("AD\r\nbody"));
    assert.deepEqual(p.texts(), ["HEAD"]);
    assert.deepEqual(p.raw.map(t), ["body"]);
  });

  it("switching modes many times on one chunk does not recurse", () => {
    class Flipper extends LineReceiver {
      lines: string[] = [];
      constructor() {
        super();
        this.delimiter = "\n";
      }
      override lineReceived(line: Uint8Array): void {
        this.lines.push(t(line));
        this.setRawMode();
      }
      override rawDataReceived(data: Uint8Array): void {
        this.setLineMode(data.subarray(1));
      }
    }
    const p = new Flipper();
    connect(p);
    const n = 20000;
    p.dataReceived(b("x\nx".repeat(n)));
    assert.equal(p.lines.join(""), "x".repeat(n));
  });

  it("setLineMode() from outside with buffered raw-mode data leaves it for the next chunk", () => {
    const p = new Recorder();
    connect(p);
    p.setRawMode();
    p.dataReceived(b("raw"));
    p.setLineMode(b("a\r\nb"));
    p.dataReceived(b("c\r\n"));
    assert.deepEqual(p.raw.map(t), ["raw"]);
    assert.deepEqual(p.texts(), ["a", "bc"]);
  });
});

describe("LineReceiver: clearLineBuffer", () => {
  it("returns what follows the current line when called from lineReceived", () => {
    class Clearing extends LineReceiver {
      line = "";
      rest = "";
      override lineReceived(line: Uint8Array): void {
        this.line = t(line);
        this.rest = t(this.clearLineBuffer());
      }
    }
    const p = new Clearing();
    p.dataReceived(b("foo\r\nbar\r\nbaz"));
    assert.equal(p.line, "foo");
    assert.equal(p.rest, "bar\r\nbaz");
    p.dataReceived(b("quux\r\n"));
    assert.equal(p.line, "quux");
    assert.equal(p.rest, "");
  });

  it("returns the partial line when called from outside, and forgets it", () => {
    const p = parse([b("a\r\npar"), b("tial")]);
    assert.equal(t(p.clearLineBuffer()), "partial");
    assert.equal(p.clearLineBuffer().length, 0);
    p.dataReceived(b("x\r\n"));
    assert.deepEqual(p.texts(), ["a", "x"]);
  });
});

describe("LineReceiver: pausing", () => {
  /** Pauses after "pause" and resumes on the clock; stops after "stop". */
  class Pauser extends LineReceiver {
    received: string[] = [];
    constructor(readonly clock: Clock) {
      super();
      this.delimiter = "\n";
    }
    override lineReceived(line: Uint8Array): void {
      const s = t(line);
      this.received.push(s);
      if (s === "pause") {
        this.pauseProducing();
        this.clock.callLater(0, () => this.resumeProducing());
      } else if (s === "rawpause") {
        this.pauseProducing();
        this.setRawMode();
        this.received.push("");
        this.clock.callLater(0, () => this.resumeProducing());
      } else if (s === "stop") {
        this.stopProducing();
      }
    }
    override rawDataReceived(data: Uint8Array): void {
      const body = data.subarray(0, 5);
      this.received[this.received.length - 1] += t(body);
      this.setLineMode(data.subarray(5));
    }
  }

  it("stops delivering mid-chunk when paused and continues in order on resume", () => {
    const input = b("twiddle1\ntwiddle2\npause\ntwiddle3\n");
    for (const chunks of standardChunkings(input)) {
      const clock = new Clock();
      const p = new Pauser(clock);
      const tr = connect(p);
      feed(p, chunks);
      assert.deepEqual(p.received, ["twiddle1", "twiddle2", "pause"]);
      assert.equal(tr.producerState, "paused");
      clock.advance(0);
      assert.deepEqual(p.received, ["twiddle1", "twiddle2", "pause", "twiddle3"]);
      assert.equal(tr.producerState, "producing");
    }
  });

  it("keeps raw data received while paused for after the resume", () => {
    const input = b("twiddle1\ntwiddle2\nrawpause\n12345twiddle3\n");
    for (const chunks of standardChunkings(input)) {
      const clock = new Clock();
      const p = new Pauser(clock);
      connect(p);
      feed(p, chunks);
      assert.deepEqual(p.received, ["twiddle1", "twiddle2", "rawpause", ""]);
      clock.advance(0);
      assert.deepEqual(p.received, ["twiddle1", "twiddle2", "rawpause", "12345", "twiddle3"]);
    }
  });

  it("delivers nothing after stopProducing", () => {
    const input = b("twiddle1\ntwiddle2\nstop\nmore\nstuff\n");
    for (const chunks of standardChunkings(input)) {
      const p = new Pauser(new Clock());
      const tr = connect(p);
      feed(p, chunks);
      assert.deepEqual(p.received, ["twiddle1", "twiddle2", "stop"]);
      assert.equal(tr.producerState, "stopped");
    }
  });

  it("pausing after each line delivers one buffered line per resume (Twisted ProducerTests)", () => {
    class Consuming extends LineReceiver {
      override lineReceived(line: Uint8Array): void {
        this.transport!.write(line);
        this.pauseProducing();
      }
    }
    const p = new Consuming();
    const tr = connect(p);
    const written = () => tr.io.map(t);

    p.dataReceived(b("hello, "));
    assert.deepEqual(written(), []);
    assert.equal(p.paused, false);

    p.dataReceived(b("world\r\n"));
    assert.deepEqual(written(), ["hello, world"]);
    assert.equal(p.paused, true);
    assert.equal(tr.producerState, "paused");

    p.resumeProducing();
    assert.deepEqual(written(), ["hello, world"]);
    assert.equal(p.paused, false);
    assert.equal(tr.producerState, "producing");

    p.dataReceived(b("hello\r\nworld\r\n"));
    assert.deepEqual(written(), ["hello, world", "hello"]);
    assert.equal(p.paused, true);

    p.resumeProducing();
    assert.deepEqual(written(), ["hello, world", "hello", "world"]);
    assert.equal(p.paused, true);

    p.dataReceived(b("goodbye\r\n"));
    assert.deepEqual(written(), ["hello, world", "hello", "world"]);

    p.resumeProducing();
    assert.deepEqual(written(), ["hello, world", "hello", "world", "goodbye"]);
    assert.equal(p.paused, true);

    p.resumeProducing();
    assert.deepEqual(written(), ["hello, world", "hello", "world", "goodbye"]);
    assert.equal(p.paused, false);
  });

  it("pausing at random points never loses, duplicates or reorders lines", () => {
    const lines = Array.from({ length: 30 }, (_, i) => `l${i}`);
    const input = b(`${lines.join("\n")}\n`);
    fc.assert(
      fc.property(
        cutPoints(input.length),
        fc.array(fc.boolean(), { minLength: 30, maxLength: 30 }),
        (points, pauseAfter) => {
          class RandomPauser extends Recorder {
            override lineReceived(line: Uint8Array): void {
              super.lineReceived(line);
              if (pauseAfter[this.lines.length - 1]) this.pauseProducing();
            }
          }
          const p = new RandomPauser("\n");
          connect(p);
          for (const c of cutAt(input, points)) p.dataReceived(c);
          while (p.paused) p.resumeProducing();
          assert.deepEqual(p.texts(), lines);
        },
      ),
    );
  });

  it("setting the paused flag directly holds lines back too", () => {
    class FlagPauser extends Recorder {
      override lineReceived(line: Uint8Array): void {
        super.lineReceived(line);
        this.paused = true;
      }
    }
    const p = new FlagPauser();
    connect(p);
    p.dataReceived(b("a\r\nb\r\nc\r\n"));
    assert.deepEqual(p.texts(), ["a"]);
    p.resumeProducing();
    assert.deepEqual(p.texts(), ["a", "b"]);
  });
});

describe("LineReceiver: disconnecting, errors and re-entrancy", () => {
  it("delivers no line after the one that called loseConnection", () => {
    class Quitter extends Recorder {
      override lineReceived(line: Uint8Array): void {
        super.lineReceived(line);
        if (t(line) === "QUIT") this.transport!.loseConnection();
      }
    }
    const input = b("a\r\nQUIT\r\nb\r\nc\r\n");
    for (const chunks of standardChunkings(input)) {
      const p = new Quitter();
      connect(p);
      feed(p, chunks);
      assert.deepEqual(p.texts(), ["a", "QUIT"]);
    }
  });

  it("keeps the unparsed bytes when lineReceived throws", () => {
    class Thrower extends Recorder {
      override lineReceived(line: Uint8Array): void {
        super.lineReceived(line);
        if (t(line) === "boom") throw new Error("boom");
      }
    }
    const p = new Thrower();
    connect(p);
    assert.throws(() => p.dataReceived(b("a\r\nboom\r\nb\r\nc")), /boom/);
    p.dataReceived(b("\r\n"));
    assert.deepEqual(p.texts(), ["a", "boom", "b", "c"]);
  });

  it("queues bytes given to dataReceived from inside lineReceived after the current ones", () => {
    class Injector extends Recorder {
      override lineReceived(line: Uint8Array): void {
        super.lineReceived(line);
        if (t(line) === "inject") this.dataReceived(b("X\r\nY\r\n"));
      }
    }
    const p = new Injector();
    connect(p);
    p.dataReceived(b("inject\r\nrest\r\npart"));
    assert.deepEqual(p.texts(), ["inject", "rest", "partX", "Y"]);
  });

  it("never throws on random input with recording callbacks, and stays consistent", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 20 }), (chunks) => {
        const whole = cat(...chunks);
        const expected = reference(whole, "\r\n");
        const p = parse(chunks, "\r\n", 1 << 20);
        assert.deepEqual(p.texts(), expected.lines);
      }),
    );
  });
});

describe("LineReceiver: sending", () => {
  it("sendLine writes bytes and the delimiter as two writes, a string as one", () => {
    const p = new LineReceiver();
    const tr = connect(p);
    const chunks: number[] = [];
    const orig = tr.write.bind(tr);
    tr.write = (data) => {
      chunks.push(data.length);
      orig(data);
    };
    p.sendLine(b("bytes"));
    p.sendLine("héllo");
    assert.deepEqual(chunks, [5, 2, 8]);
    assert.equal(tr.valueText(), "bytes\r\nhéllo\r\n");
    const long = "x".repeat(10_000);
    p.sendLine(b(long));
    assert.deepEqual(chunks.slice(3), [10_000, 2]);
    assert.equal(tr.valueText(), `bytes\r\nhéllo\r\n${long}\r\n`);
  });

  it("sendLine uses the current delimiter", () => {
    const p = new Recorder("\n");
    const tr = connect(p);
    p.sendLine("a");
    assert.equal(tr.valueText(), "a\n");
  });

  it("sendLine before makeConnection throws InvalidStateError", () => {
    assert.throws(() => new LineReceiver().sendLine("x"), { code: "ERR_INVALID_STATE" });
  });

  it("round-trips lines through sendLine and dataReceived", () => {
    const out = new Recorder("\n");
    const tr = connect(out);
    const lines = ["", "a", "b c", "x".repeat(100)];
    for (const l of lines) out.sendLine(l);
    const p = parse(chunksOf(tr.value(), 7), "\n");
    assert.deepEqual(p.texts(), lines);
  });
});
