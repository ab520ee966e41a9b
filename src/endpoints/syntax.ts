/**
 * The syntax of endpoint description strings, with no knowledge of endpoint types: a pure
 * tokenizer ({@link parseDescription}), its inverse for one argument ({@link quoteStringArgument}),
 * and {@link Params}, which checks and converts the arguments of one description.
 *
 * A description is `type:arg:arg:name=value:…`. Segments are separated by `:`; a segment with an
 * `=` is a named parameter (its value may contain further `=`), the others are positional
 * arguments. A backslash makes the next character literal: `\:` is a colon, `\=` an equals sign,
 * `\\` a backslash. This is Twisted's syntax.
 *
 * @module
 */

import { EndpointParseError } from "../errors/errors.js";

/** A description string split into its parts. */
export interface ParsedDescription {
  /** The whole description, as given. */
  readonly description: string;
  /** The endpoint type: the first segment, lower-cased (`"tcp"`, `"unix"`, …). */
  readonly type: string;
  /** The positional arguments after the type, unescaped. */
  readonly args: readonly string[];
  /** The named parameters, unescaped, in order of appearance. */
  readonly params: ReadonlyMap<string, string>;
  /**
   * The raw (still escaped) text after the type and its colon, for types that wrap another
   * description (`"haproxy:tcp:80"` has rest `"tcp:80"`).
   */
  readonly rest: string;
}

/**
 * Splits `description` into type, positional arguments and named parameters.
 *
 * @throws {@link EndpointParseError} for an empty description, a description that starts with a
 *   named parameter, a trailing lone backslash, an empty or repeated parameter name.
 *
 * @example
 * ```ts
 * parseDescription("tcp:80:interface=\\:\\:1");
 * // { type: "tcp", args: ["80"], params: Map { "interface" => "::1" }, rest: "80:interface=\\:\\:1" }
 * ```
 */
export function parseDescription(description: string): ParsedDescription {
  const bad = (problem: string) => new EndpointParseError(description, problem);
  if (description.trim() === "") throw bad("it is empty");
  const segments: string[][] = [];
  let segment: string[] = [];
  let current = "";
  let afterEquals = false;
  let rest: string | null = null;
  for (let i = 0; i < description.length; i++) {
    const c = description[i] as string;
    if (c === "\\") {
      i++;
      if (i >= description.length) throw bad("it ends with a lone backslash");
      current += description[i];
    } else if (c === ":") {
      segment.push(current);
      segments.push(segment);
      if (rest === null) rest = description.slice(i + 1);
      segment = [];
      current = "";
      afterEquals = false;
    } else if (c === "=" && !afterEquals) {
      segment.push(current);
      current = "";
      afterEquals = true;
    } else {
      current += c;
    }
  }
  segment.push(current);
  segments.push(segment);

  const [first, ...others] = segments;
  if (first === undefined || first.length !== 1) {
    throw bad('it must start with the endpoint type (as in "tcp:8080")');
  }
  const args: string[] = [];
  const params = new Map<string, string>();
  for (const seg of others) {
    if (seg.length === 1) {
      args.push(seg[0] as string);
      continue;
    }
    const [name, value] = seg as [string, string];
    if (name === "") throw bad(`a parameter has no name (in "=${value}")`);
    if (params.has(name)) throw bad(`parameter "${name}" is given twice`);
    params.set(name, value);
  }
  return { description, type: (first[0] as string).toLowerCase(), args, params, rest: rest ?? "" };
}

/**
 * Escapes `value` so that it is read back as one argument or parameter value, whatever it
 * contains: backslashes, colons and equals signs get a backslash.
 *
 * @example
 * ```ts
 * `unix:${quoteStringArgument("/tmp/a:b.sock")}` // "unix:/tmp/a\\:b.sock"
 * ```
 */
export function quoteStringArgument(value: string): string {
  return value.replace(/[\\:=]/g, (c) => `\\${c}`);
}

/** Limits for {@link Params.int}. */
export interface IntRange {
  min?: number;
  max?: number;
}

/**
 * The arguments of one description, checked against what its endpoint type accepts. Builders
 * read values through it; every conversion error names the parameter and the bad value.
 *
 * @example
 * ```ts
 * const p = new Params(parsed, "tcp server", ["port"], ["port", "interface", "backlog"]);
 * const port = p.int("port", { min: 0, max: 65535 }, { required: true });
 * ```
 */
export class Params {
  private readonly values = new Map<string, string>();

  /**
   * @param parsed - the parsed description.
   * @param kind - what is being built, for messages (`"tcp server"`).
   * @param positional - the names the positional arguments stand for, in order.
   * @param named - every parameter name accepted.
   * @throws {@link EndpointParseError} for too many positional arguments, an unknown parameter
   *   name, or a value given both by position and by name.
   */
  constructor(
    readonly parsed: ParsedDescription,
    readonly kind: string,
    positional: readonly string[],
    readonly named: readonly string[],
  ) {
    for (const [name, value] of parsed.params) {
      if (!named.includes(name)) {
        throw this.error(
          `unknown parameter "${name}" for ${kind} endpoints (accepted: ${named.join(", ")})`,
        );
      }
      this.values.set(name, value);
    }
    // Positional arguments fill, in order, the positional names not given by name.
    const open = positional.filter((n) => !this.values.has(n));
    if (parsed.args.length > open.length) {
      const extra = parsed.args.slice(open.length).map((a) => JSON.stringify(a));
      throw this.error(`unexpected argument${extra.length > 1 ? "s" : ""} ${extra.join(", ")}`);
    }
    parsed.args.forEach((value, i) => {
      this.values.set(open[i] as string, value);
    });
  }

  /** An {@link EndpointParseError} for this description. */
  error(problem: string, options?: ErrorOptions): EndpointParseError {
    return new EndpointParseError(this.parsed.description, problem, options);
  }

  /** Whether `name` was given. */
  has(name: string): boolean {
    return this.values.has(name);
  }

  /** The text of `name`, or `undefined`. */
  string(name: string): string | undefined;
  /** The text of `name`; throws when missing. */
  string(name: string, options: { required: true }): string;
  /** The text of `name`; throws when missing and `required`. */
  string(name: string, options?: { required?: boolean }): string | undefined;
  string(name: string, options?: { required?: boolean }): string | undefined {
    const v = this.values.get(name);
    if (v === undefined && options?.required) throw this.error(`missing ${name}`);
    return v;
  }

  /** An integer (decimal digits only) in `range`. */
  int(name: string, range?: IntRange): number | undefined;
  int(name: string, range: IntRange, options: { required: true }): number;
  int(name: string, range: IntRange = {}, options?: { required?: boolean }): number | undefined {
    const v = this.string(name, { required: options?.required === true });
    if (v === undefined) return undefined;
    const n = /^\d+$/.test(v) ? Number(v) : Number.NaN;
    if (!Number.isSafeInteger(n)) throw this.error(`${name} must be an integer, not "${v}"`);
    if ((range.min !== undefined && n < range.min) || (range.max !== undefined && n > range.max)) {
      throw this.error(
        `${name} must be between ${range.min ?? "-∞"} and ${range.max ?? "∞"}, not ${n}`,
      );
    }
    return n;
  }

  /** A TCP port number, 0 to 65535. */
  port(name = "port"): number {
    return this.int(name, { min: 0, max: 65535 }, { required: true });
  }

  /** A positive number of seconds (decimals allowed). */
  seconds(name: string): number | undefined {
    const v = this.string(name);
    if (v === undefined) return undefined;
    const n = /^(\d+(\.\d*)?|\.\d+)$/.test(v) ? Number(v) : Number.NaN;
    if (!(n > 0)) throw this.error(`${name} must be a positive number of seconds, not "${v}"`);
    return n;
  }

  /** An octal number, such as a file mode (`660`, `0o660` or `0660`). */
  octal(name: string): number | undefined {
    const v = this.string(name);
    if (v === undefined) return undefined;
    const digits = v.replace(/^0o/i, "");
    if (!/^[0-7]{1,4}$/.test(digits))
      throw this.error(`${name} must be octal, like 660, not "${v}"`);
    return Number.parseInt(digits, 8);
  }

  /** A flag: `1`/`0`, `true`/`false`, `yes`/`no`. */
  bool(name: string): boolean | undefined {
    const v = this.string(name);
    if (v === undefined) return undefined;
    const t = v.toLowerCase();
    if (t === "1" || t === "true" || t === "yes") return true;
    if (t === "0" || t === "false" || t === "no") return false;
    throw this.error(`${name} must be 1 or 0, not "${v}"`);
  }
}
