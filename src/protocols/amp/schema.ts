/**
 * Schemas: the named arguments of a command, or the named values of its response, each with
 * its argument type. This module turns a schema into the TypeScript type of the values it
 * describes ({@link ValuesOf}), encodes values into box pairs and decodes boxes back, and
 * provides `AmpList`, the argument type whose value is a list of boxes described by a schema.
 *
 * @module
 */

import { AmpValueError, InvalidSignature } from "../../errors/amp.js";
import type { AnyArgument, Argument, ValueOf } from "./argtypes.js";
import { type AmpBox, BoxWriter, keyBytes, parseBoxes } from "./box.js";

/**
 * Names (the keys on the wire, ASCII in practice) to argument types.
 *
 * @example
 * ```ts
 * const schema = { a: Integer, note: optional(Unicode) } satisfies Schema;
 * ```
 */
export type Schema = { readonly [name: string]: AnyArgument };

/** Flattens an intersection of object types into one, for readable inferred types. */
export type Simplify<T> = { [K in keyof T]: T[K] } & {};

type OptionalKeys<S> = {
  // biome-ignore lint/suspicious/noExplicitAny: matches any value type
  [K in keyof S]-?: S[K] extends Argument<any, true> ? K : never;
}[keyof S];
type RequiredKeys<S> = Exclude<keyof S, OptionalKeys<S>>;

/**
 * The values a schema describes: a required property for each required argument, an optional
 * one (`?: T | undefined`) for each {@link optional} argument.
 *
 * @example
 * ```ts
 * type V = ValuesOf<{ a: typeof Integer; note: Argument<string, true> }>;
 * // { a: number; note?: string | undefined }
 * ```
 */
export type ValuesOf<S extends Schema> = Simplify<
  { [K in RequiredKeys<S>]: ValueOf<S[K]> } & { [K in OptionalKeys<S>]?: ValueOf<S[K]> | undefined }
>;

/** One entry of a {@link CompiledSchema}. */
export interface SchemaEntry {
  /** The name, as the values object's property. */
  readonly name: string;
  /** The name as key bytes (latin1). */
  readonly key: Buffer;
  readonly type: AnyArgument;
}

/** A schema prepared for encoding and decoding: its entries in order, with their key bytes. */
export interface CompiledSchema {
  readonly entries: readonly SchemaEntry[];
  readonly names: ReadonlySet<string>;
}

/**
 * Checks a schema and prepares it.
 *
 * @throws TooLong when a name is empty or longer than 255 bytes.
 * @throws TypeError when a name starts with `_` (reserved for the protocol: `_ask`,
 *   `_command`, …) or is `__proto__`, or an entry is not an argument type.
 */
export function compileSchema(schema: Schema, what: string): CompiledSchema {
  const entries: SchemaEntry[] = [];
  for (const [name, type] of Object.entries(schema)) {
    if (name.startsWith("_")) {
      throw new TypeError(`${what}: names starting with "_" are reserved by AMP: ${name}`);
    }
    if (
      type === null ||
      typeof type !== "object" ||
      typeof type.toBytes !== "function" ||
      typeof type.fromBytes !== "function"
    ) {
      throw new TypeError(`${what}: ${name} is not an AMP argument type`);
    }
    entries.push({ name, key: keyBytes(name), type });
  }
  return { entries, names: new Set(entries.map((e) => e.name)) };
}

/**
 * Encodes `values` into `writer` following `schema`. Optional entries whose value is
 * `undefined` or `null` are left out.
 *
 * @param strict - refuse properties the schema does not name (arguments are checked this way;
 *   responses, as in Twisted, are not).
 * @throws InvalidSignature when a required value is missing, or (strict) a property is unknown.
 * @throws AmpValueError when a value cannot be encoded by its type; TooLong when it is longer
 *   than 65535 bytes once encoded.
 */
export function encodeValues(
  schema: CompiledSchema,
  values: object,
  writer: BoxWriter,
  what: string,
  strict: boolean,
): void {
  if (values === null || typeof values !== "object") {
    throw new InvalidSignature(`${what}: expected an object of values`);
  }
  const v = values as Record<string, unknown>;
  const entries = schema.entries;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    const value = v[e.name];
    if (value === undefined || value === null) {
      if (e.type.optional) continue;
      throw new InvalidSignature(`${what}: missing ${e.name}`);
    }
    let bytes: Uint8Array;
    try {
      bytes = e.type.toBytes(value);
    } catch (err) {
      if (err instanceof AmpValueError) {
        throw new AmpValueError(`${what}: ${e.name}: ${err.message}`, { cause: err });
      }
      throw err;
    }
    writer.add(e.key, bytes);
  }
  if (strict) {
    for (const name in v) {
      if (!schema.names.has(name) && v[name] !== undefined) {
        throw new InvalidSignature(`${what}: ${name} is not a valid argument`);
      }
    }
  }
}

/**
 * Decodes the values `schema` names from `box`; other keys are ignored. An absent optional
 * value is left out of the result.
 *
 * @throws AmpValueError when a required key is absent or a value cannot be decoded.
 */
export function decodeValues(
  schema: CompiledSchema,
  box: AmpBox,
  what: string,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const entries = schema.entries;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    const bytes = box.get(e.name);
    if (bytes === undefined) {
      if (e.type.optional) continue;
      throw new AmpValueError(`${what}: missing ${e.name}`);
    }
    try {
      out[e.name] = e.type.fromBytes(bytes);
    } catch (err) {
      if (err instanceof AmpValueError) {
        throw new AmpValueError(`${what}: ${e.name}: ${err.message}`, { cause: err });
      }
      throw new AmpValueError(`${what}: ${e.name}: ${String(err)}`, { cause: err });
    }
  }
  return out;
}

/**
 * A list of records, each sent as a complete box (its pairs and the terminator), the boxes
 * concatenated in one value (Twisted's `AmpList`). The whole list must fit in 65535 bytes.
 *
 * @example
 * ```ts
 * const People = AmpList({ name: Unicode, age: optional(Integer) });
 * const Register = command("Register", { arguments: { people: People } });
 * amp.callRemote(Register, { people: [{ name: "Ada", age: 36 }, { name: "Alan" }] });
 * ```
 */
export function AmpList<const S extends Schema>(schema: S): Argument<ValuesOf<S>[], false> {
  const compiled = compileSchema(schema, "AmpList");
  return {
    typeName: "AmpList",
    optional: false,
    toBytes(values) {
      if (!Array.isArray(values)) throw new AmpValueError("Bad AmpList value: not an array");
      const parts: Buffer[] = [];
      for (const v of values) {
        const w = new BoxWriter();
        encodeValues(compiled, v, w, "AmpList element", false);
        parts.push(w.finish());
      }
      return Buffer.concat(parts);
    },
    fromBytes(bytes) {
      let boxes: AmpBox[];
      try {
        boxes = parseBoxes(bytes);
      } catch (e) {
        throw new AmpValueError(`Bad AmpList value: ${e instanceof Error ? e.message : e}`, {
          cause: e,
        });
      }
      return boxes.map((box) => decodeValues(compiled, box, "AmpList element") as ValuesOf<S>);
    },
  };
}
