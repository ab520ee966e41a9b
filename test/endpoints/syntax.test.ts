import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { Params, parseDescription, quoteStringArgument } from "../../src/endpoints/syntax.js";
import { EndpointParseError } from "../../src/errors/errors.js";

function parts(description: string) {
  const p = parseDescription(description);
  return { type: p.type, args: [...p.args], params: Object.fromEntries(p.params), rest: p.rest };
}

describe("parseDescription", () => {
  const table: Array<[string, ReturnType<typeof parts>]> = [
    ["tcp", { type: "tcp", args: [], params: {}, rest: "" }],
    ["tcp:80", { type: "tcp", args: ["80"], params: {}, rest: "80" }],
    ["TCP:80", { type: "tcp", args: ["80"], params: {}, rest: "80" }],
    [
      "tcp:80:interface=127.0.0.1:backlog=5",
      {
        type: "tcp",
        args: ["80"],
        params: { interface: "127.0.0.1", backlog: "5" },
        rest: "80:interface=127.0.0.1:backlog=5",
      },
    ],
    [
      "tcp6:80:interface=\\:\\:1",
      { type: "tcp6", args: ["80"], params: { interface: "::1" }, rest: "80:interface=\\:\\:1" },
    ],
    ["x:a=b=c", { type: "x", args: [], params: { a: "b=c" }, rest: "a=b=c" }],
    ["x:a\\=b", { type: "x", args: ["a=b"], params: {}, rest: "a\\=b" }],
    ["x:C\\\\dir", { type: "x", args: ["C\\dir"], params: {}, rest: "C\\\\dir" }],
    ["x:\\q", { type: "x", args: ["q"], params: {}, rest: "\\q" }],
    ["x::", { type: "x", args: ["", ""], params: {}, rest: ":" }],
    ["x:k=", { type: "x", args: [], params: { k: "" }, rest: "k=" }],
    ["x:k\\:1=v", { type: "x", args: [], params: { "k:1": "v" }, rest: "k\\:1=v" }],
    [
      "haproxy:tcp:80:interface=\\:\\:1",
      {
        type: "haproxy",
        args: ["tcp", "80"],
        params: { interface: "::1" },
        rest: "tcp:80:interface=\\:\\:1",
      },
    ],
  ];
  for (const [description, expected] of table) {
    it(`reads ${JSON.stringify(description)}`, () => {
      assert.deepEqual(parts(description), expected);
    });
  }

  const bad: Array<[string, RegExp]> = [
    ["", /it is empty/],
    ["   ", /it is empty/],
    ["port=80", /must start with the endpoint type/],
    ["tcp:80\\", /lone backslash/],
    ["tcp:=5", /a parameter has no name \(in "=5"\)/],
    ["tcp:a=1:a=2", /parameter "a" is given twice/],
  ];
  for (const [description, message] of bad) {
    it(`rejects ${JSON.stringify(description)}`, () => {
      assert.throws(
        () => parseDescription(description),
        (e: unknown) =>
          e instanceof EndpointParseError &&
          e.code === "ERR_ENDPOINT_SYNTAX" &&
          e.description === description &&
          message.test(e.message),
      );
    });
  }

  it("keeps the order of parameters", () => {
    const p = parseDescription("t:z=1:a=2:m=3");
    assert.deepEqual([...p.params.keys()], ["z", "a", "m"]);
  });
});

describe("quoteStringArgument", () => {
  it("escapes backslash, colon and equals", () => {
    assert.equal(quoteStringArgument("a:b=c\\d"), "a\\:b\\=c\\\\d");
    assert.equal(quoteStringArgument("plain"), "plain");
  });

  const tricky = fc.string({ unit: fc.constantFrom(":", "=", "\\", "a", "é", " ", "😀") });
  const anyString = fc.oneof(fc.string({ unit: "binary" }), tricky);

  it("round-trips any positional argument (property)", () => {
    fc.assert(
      fc.property(anyString, anyString, (a, b) => {
        const p = parseDescription(`x:${quoteStringArgument(a)}:${quoteStringArgument(b)}`);
        assert.deepEqual(p.args, [a, b]);
      }),
    );
  });

  it("round-trips any parameter name and value (property)", () => {
    fc.assert(
      fc.property(
        anyString.filter((s) => s !== ""),
        anyString,
        (k, v) => {
          const p = parseDescription(`x:${quoteStringArgument(k)}=${quoteStringArgument(v)}`);
          assert.deepEqual([...p.params], [[k, v]]);
          assert.deepEqual(p.args, []);
        },
      ),
    );
  });
});

describe("Params", () => {
  const make = (description: string, positional = ["a", "b"], named = ["a", "b", "n"]) =>
    new Params(parseDescription(description), "test", positional, named);

  it("fills positional names that were not given by name, in order", () => {
    assert.equal(make("t:1:2").string("b"), "2");
    const p = make("t:a=x:9");
    assert.deepEqual([p.string("a"), p.string("b")], ["x", "9"]);
  });

  it("converts integers, seconds, octal and flags", () => {
    const p = new Params(
      parseDescription("t:i=42:s=0.5:o=0o640:f=yes:g=0:t=.25"),
      "test",
      [],
      ["i", "s", "o", "f", "g", "t"],
    );
    assert.equal(p.int("i", { min: 0, max: 100 }), 42);
    assert.equal(p.seconds("s"), 0.5);
    assert.equal(p.seconds("t"), 0.25);
    assert.equal(p.octal("o"), 0o640);
    assert.equal(p.bool("f"), true);
    assert.equal(p.bool("g"), false);
    assert.equal(p.int("missing"), undefined);
  });

  const bad: Array<[() => unknown, RegExp]> = [
    [() => make("t:n=1.5").int("n"), /n must be an integer, not "1\.5"/],
    [() => make("t:n=1e3").int("n"), /n must be an integer, not "1e3"/],
    [() => make("t:n=").int("n"), /n must be an integer, not ""/],
    [() => make("t:n=5").int("n", { max: 4 }), /n must be between -∞ and 4, not 5/],
    [() => make("t:n=-2").seconds("n"), /positive number of seconds, not "-2"/],
    [() => make("t:n=0").seconds("n"), /positive number of seconds, not "0"/],
    [() => make("t:n=8").octal("n"), /n must be octal, like 660, not "8"/],
    [() => make("t:n=on").bool("n"), /n must be 1 or 0, not "on"/],
    [() => make("t").string("a", { required: true }), /missing a/],
    [() => make("t:1:2:3"), /unexpected argument "3"/],
    [() => make("t:1:2:3:4"), /unexpected arguments "3", "4"/],
    [() => make("t:zz=1"), /unknown parameter "zz" for test endpoints \(accepted: a, b, n\)/],
  ];
  for (const [f, message] of bad) {
    it(`rejects with ${message}`, () => {
      assert.throws(f, (e: unknown) => e instanceof EndpointParseError && message.test(e.message));
    });
  }
});
