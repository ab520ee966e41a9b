/**
 * Command declarations: a command's name, its arguments, its response and the errors it may
 * answer with, declared once with {@link command}. TypeScript infers from the declaration the
 * type of `callRemote`'s arguments and result and of a responder's arguments and return value.
 *
 * @module
 */

import type { Deferred } from "../../defer/deferred.js";
import { type CompiledSchema, compileSchema, type Schema, type ValuesOf } from "./schema.js";

/**
 * An error class a command declares. A responder that throws an instance is answered with the
 * class's code and the error's message; the caller gets `new Class(description)` back.
 */
export type ErrorClass = new (description: string) => Error;

/** Error codes (ASCII, sent as `_error_code`) to the error classes they stand for. */
export type ErrorMap = { readonly [code: string]: ErrorClass };

/** What {@link command} takes. */
export interface CommandDeclaration<A extends Schema, R extends Schema, RA extends boolean> {
  /** The named arguments and their types. Default: none. */
  readonly arguments?: A;
  /** The named values of the answer and their types. Default: none. */
  readonly response?: R;
  /** Declared errors: code → class. */
  readonly errors?: ErrorMap;
  /** Like `errors`, but sending one closes the connection. */
  readonly fatalErrors?: ErrorMap;
  /**
   * `false`: `callRemote` sends no `_ask`, returns `undefined`, and the peer sends no answer.
   * Default `true`.
   */
  readonly requiresAnswer?: RA;
}

/**
 * A declared command. Make one with {@link command}; its type parameters carry the schemas that
 * `callRemote` and `responder` are typed from.
 */
export interface Command<
  A extends Schema = Schema,
  R extends Schema = Schema,
  RA extends boolean = boolean,
> {
  /** The name on the wire (`_command`). */
  readonly commandName: string;
  readonly arguments: A;
  readonly response: R;
  readonly errors: ErrorMap;
  readonly fatalErrors: ErrorMap;
  readonly requiresAnswer: RA;
  /** @internal the command name as bytes. */
  readonly nameBytes: Buffer;
  /** @internal prepared argument schema. */
  readonly compiledArguments: CompiledSchema;
  /** @internal prepared response schema. */
  readonly compiledResponse: CompiledSchema;
  /** @internal declared codes, in order: `errors` then `fatalErrors`. */
  readonly errorTable: readonly (readonly [code: string, cls: ErrorClass, fatal: boolean])[];
}

/** Any command. */
// biome-ignore lint/suspicious/noExplicitAny: any schemas
export type AnyCommand = Command<any, any, boolean>;

/** The argument values of a command, as `callRemote` takes them and a responder receives them. */
export type ArgumentsOf<C extends AnyCommand> = ValuesOf<C["arguments"]>;

/** The response values of a command, as a responder returns them and `callRemote` gives them. */
export type ResponseOf<C extends AnyCommand> = ValuesOf<C["response"]>;

/**
 * What `callRemote` returns: `undefined` for a command declared with `requiresAnswer: false`,
 * otherwise a Deferred of the response.
 */
export type CallResult<C extends AnyCommand> = C["requiresAnswer"] extends false
  ? undefined
  : Deferred<ResponseOf<C>>;

/**
 * `callRemote`'s argument list after the command: the values object, which may be left out
 * when the command has no required argument.
 */
export type CallArgs<C extends AnyCommand> =
  Record<never, never> extends ArgumentsOf<C> ? [args?: ArgumentsOf<C>] : [args: ArgumentsOf<C>];

/**
 * Declares a command.
 *
 * @param name - the command name on the wire (Twisted uses the class name by default).
 * @throws TypeError for a reserved (`_`-prefixed) or non-argument schema entry, or a bad error
 *   map. @throws TooLong for a name longer than 255 bytes.
 *
 * @example
 * ```ts
 * class DivideByZero extends Error {}
 *
 * const Divide = command("Divide", {
 *   arguments: { numerator: Integer, denominator: Integer },
 *   response: { result: Float },
 *   errors: { ZERO_DIVISION: DivideByZero },
 * });
 *
 * amp.responder(Divide, ({ numerator, denominator }) => {
 *   if (denominator === 0) throw new DivideByZero("divide by zero");
 *   return { result: numerator / denominator };
 * });
 *
 * const { result } = await peer.callRemote(Divide, { numerator: 1, denominator: 4 }); // number
 * ```
 */
export function command<
  const A extends Schema = Record<never, never>,
  const R extends Schema = Record<never, never>,
  const RA extends boolean = true,
>(name: string, declaration: CommandDeclaration<A, R, RA> = {}): Command<A, R, RA> {
  const nameBytes = Buffer.from(name, "latin1");
  if (nameBytes.length === 0 || nameBytes.length > 0xffff) {
    throw new TypeError(`Bad AMP command name: ${JSON.stringify(name)}`);
  }
  const args = (declaration.arguments ?? {}) as A;
  const response = (declaration.response ?? {}) as R;
  const errors = declaration.errors ?? {};
  const fatalErrors = declaration.fatalErrors ?? {};
  const errorTable: [string, ErrorClass, boolean][] = [];
  for (const [map, fatal] of [
    [errors, false],
    [fatalErrors, true],
  ] as const) {
    for (const [code, cls] of Object.entries(map)) {
      if (typeof cls !== "function" || code.length === 0) {
        throw new TypeError(`${name}: bad error declaration for ${JSON.stringify(code)}`);
      }
      errorTable.push([code, cls, fatal]);
    }
  }
  return {
    commandName: name,
    arguments: args,
    response,
    errors,
    fatalErrors,
    requiresAnswer: (declaration.requiresAnswer ?? true) as RA,
    nameBytes,
    compiledArguments: compileSchema(args, `${name} arguments`),
    compiledResponse: compileSchema(response, `${name} response`),
    errorTable,
  };
}
