/**
 * Errors across threads: what a worker sends back when a task throws, and how the main thread
 * turns it into an error again.
 *
 * Structured clone keeps an error's message and stack but drops its class (beyond the built-in
 * ones), its `code` and its other properties. A thrown error is therefore sent as a plain record
 * (name, message, stack, own properties, cause), and rebuilt as the built-in class it was
 * (`TypeError`, `RangeError`, …) or, for any other class, as a {@link ThreadTaskError} carrying
 * the original name. The stack is always the worker's. A thrown non-error (a string, an object)
 * comes back as itself when it can be cloned, as its text otherwise.
 *
 * @module
 */

import { ThreadTaskError } from "../errors/threads.js";

/** A thrown value, as sent between threads. */
export type SerializedThrown =
  | {
      readonly kind: "error";
      readonly name: string;
      readonly message: string;
      readonly stack: string | undefined;
      readonly props: Record<string, unknown>;
      readonly cause?: SerializedThrown;
    }
  | { readonly kind: "value"; readonly value: unknown };

const BUILTIN: Readonly<Record<string, new (message?: string) => Error>> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

function cloneable(v: unknown): boolean {
  try {
    structuredClone(v);
    return true;
  } catch {
    return false;
  }
}

/** Turns a thrown value into a record that survives structured clone. */
export function serializeThrown(e: unknown, depth = 0): SerializedThrown {
  if (e instanceof Error) {
    const props: Record<string, unknown> = {};
    for (const key of Object.keys(e)) {
      if (key === "name" || key === "message" || key === "stack" || key === "cause") continue;
      const v = (e as unknown as Record<string, unknown>)[key];
      if (cloneable(v)) props[key] = v;
    }
    // `code` on a BraidError lives on the prototype: keep it.
    const code = (e as { code?: unknown }).code;
    if (props.code === undefined && typeof code === "string") props.code = code;
    const out = {
      kind: "error" as const,
      name: String(e.name),
      message: String(e.message),
      stack: typeof e.stack === "string" ? e.stack : undefined,
      props,
    };
    return e.cause !== undefined && depth < 8
      ? { ...out, cause: serializeThrown(e.cause, depth + 1) }
      : out;
  }
  return { kind: "value", value: cloneable(e) ? e : String(e) };
}

/** Rebuilds a thrown value from {@link serializeThrown}'s record. */
export function deserializeThrown(s: SerializedThrown): unknown {
  if (s.kind === "value") return s.value;
  const options = s.cause === undefined ? undefined : { cause: deserializeThrown(s.cause) };
  const Builtin = Object.hasOwn(BUILTIN, s.name) ? BUILTIN[s.name] : undefined;
  let error: Error;
  if (Builtin !== undefined) {
    error = new Builtin(s.message);
    if (options !== undefined) error.cause = options.cause;
    for (const [k, v] of Object.entries(s.props)) {
      Object.defineProperty(error, k, {
        value: v,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
  } else {
    const { code, ...data } = s.props;
    error = new ThreadTaskError(s.name, s.message, {
      ...options,
      ...(typeof code === "string" ? { remoteCode: code } : {}),
      data,
    });
  }
  if (s.stack !== undefined) {
    Object.defineProperty(error, "stack", {
      value: s.stack,
      enumerable: false,
      writable: true,
      configurable: true,
    });
  }
  return error;
}
