/**
 * The commands of fixtures/amp_commands.py declared for Braid, and a protocol that answers them
 * as fixtures/twisted_amp_server.py does; shared by the AMP tests.
 */
import { Logger } from "../../../src/logger/logger.js";
import {
  AMP,
  type AMPOptions,
  AmpList,
  BigInteger,
  Bool,
  Bytes,
  command,
  DateTime,
  Decimal,
  Float,
  Integer,
  ListOf,
  optional,
  Path,
  Unicode,
} from "../../../src/protocols/amp/index.js";

export class DivideByZero extends Error {}
export class FatalProblem extends Error {}

export const Sum = command("Sum", {
  arguments: { a: Integer, b: Integer },
  response: { total: Integer },
});

export const Divide = command("Divide", {
  arguments: { numerator: Integer, denominator: Integer },
  response: { result: Float },
  errors: { ZERO_DIVISION: DivideByZero },
});

const ALL_TYPES = {
  i: Integer,
  big: BigInteger,
  s: Bytes,
  u: Unicode,
  yes: Bool,
  no: Bool,
  floats: ListOf(Float),
  dec: Decimal,
  when: DateTime,
  ints: ListOf(Integer),
  words: ListOf(Unicode),
  records: AmpList({ x: Integer, y: optional(Unicode) }),
  path: Path,
  maybe: optional(Unicode),
  absent: optional(Unicode),
};

export const EchoAll = command("EchoAll", { arguments: ALL_TYPES, response: ALL_TYPES });
export const Fatal = command("Fatal", { fatalErrors: { FATAL: FatalProblem } });
export const Boom = command("Boom");
export const Notify = command("Notify", {
  arguments: { message: Unicode },
  requiresAnswer: false,
});
export const Notes = command("Notes", { response: { notes: ListOf(Unicode) } });
export const NoSuchCommand = command("NoSuchCommand");

/** The values of fixtures/amp_commands.py's SAMPLE. */
export const SAMPLE = {
  i: -42,
  big: 2n ** 53n - 1n,
  s: new Uint8Array(Array.from({ length: 256 }, (_, i) => i)),
  u: "h\u00e9llo \u2603 \u{1F600}",
  yes: true,
  no: false,
  floats: [0.1, 1.0, -0.0, 1e16, 1.5e-7, 123456.789, Infinity, -Infinity, Number.NaN],
  dec: "-1.50E+3",
  when: new Date(Date.UTC(2024, 1, 29, 21, 29, 58, 123)), // 23:59:58.123 at +02:30
  ints: [1, -2, 3, 0],
  words: ["a", "", "\u00fc"],
  records: [{ x: 1, y: "one" }, { x: 2 }],
  path: "/tmp/caf\u00e9",
  maybe: "here",
};

/** Answers the commands as the Twisted fixture server does. */
export class TestServer extends AMP {
  readonly notes: string[] = [];

  constructor(options: AMPOptions = { logger: new Logger("test.amp", () => {}) }) {
    super(options);
    this.responder(Sum, ({ a, b }) => ({ total: a + b }))
      .responder(Divide, ({ numerator, denominator }) => {
        if (denominator === 0) throw new DivideByZero("cannot divide by zero");
        return { result: numerator / denominator };
      })
      .responder(EchoAll, (args) => args)
      .responder(Fatal, () => {
        throw new FatalProblem("this is fatal");
      })
      .responder(Boom, () => {
        throw new Error("boom");
      })
      .responder(Notify, ({ message }) => {
        this.notes.push(message);
        return {};
      })
      .responder(Notes, () => ({ notes: this.notes }));
  }
}
