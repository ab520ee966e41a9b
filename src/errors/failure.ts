/**
 * `Failure`: an error travelling through a Deferred's errback chain.
 *
 * JavaScript can throw anything (an `Error`, a string, `undefined`); a Failure wraps whatever was
 * thrown together with the stack at the point it was captured, and gives errbacks a uniform way to
 * inspect it (`check`), to pass on what they do not handle (`trap`), and to report it
 * (`getErrorMessage`, `getTraceback`).
 *
 * @module
 */

// biome-ignore lint/suspicious/noExplicitAny: constructors of any signature can be matched
type ErrorType = abstract new (...args: any[]) => unknown;

const observed = Symbol("braid.failure.observed");

/**
 * A wrapped error value with its stack.
 *
 * @example
 * ```ts
 * d.addErrback((f: Failure) => {
 *   f.trap(ConnectionRefusedError); // anything else continues down the errback chain
 *   return retryLater();
 * });
 * ```
 */
export class Failure {
  /** The thrown value, exactly as thrown. */
  readonly value: unknown;
  /** The constructor of `value` when it is an object, otherwise `null` (a thrown string, number, …). */
  readonly type: Function | null;
  /** The stack trace: the error's own when it has one, otherwise where the Failure was made. */
  readonly stack: string;
  /** @internal set once the failure has been handed to an observer (a rejected Promise). */
  [observed] = false;

  /**
   * Wraps `value`. A Failure given a Failure is not nested: use {@link Failure.from} to get the
   * same object back instead of a copy.
   */
  constructor(value: unknown) {
    if (value instanceof Failure) {
      this.value = value.value;
      this.type = value.type;
      this.stack = value.stack;
      return;
    }
    this.value = value;
    this.type =
      value !== null && (typeof value === "object" || typeof value === "function")
        ? (Object.getPrototypeOf(value)?.constructor ?? null)
        : null;
    const ownStack = value instanceof Error ? value.stack : undefined;
    this.stack = typeof ownStack === "string" ? ownStack : captureStack(describe(value));
  }

  /** Returns `value` itself when it is a Failure, otherwise a new Failure wrapping it. */
  static from(value: unknown): Failure {
    return value instanceof Failure ? value : new Failure(value);
  }

  /**
   * Returns the first of `types` that `value` is an instance of, or `null` when none matches.
   * With no types it returns `null`.
   */
  check<T extends ErrorType[]>(...types: T): T[number] | null {
    for (const t of types) {
      if (this.value instanceof t) return t;
    }
    return null;
  }

  /**
   * Like {@link check}, but throws this Failure when nothing matches, so that an errback can
   * handle the errors it knows and let the rest continue down the chain unchanged.
   *
   * @throws this Failure, when `value` is none of `types`.
   */
  trap<T extends ErrorType[]>(...types: T): T[number] {
    const match = this.check(...types);
    if (match === null) throw this;
    return match;
  }

  /** Throws the original value, as it was thrown. */
  raiseException(): never {
    throw this.value;
  }

  /** The error's message: `value.message` for errors, the value as text otherwise. */
  getErrorMessage(): string {
    const v = this.value;
    if (v instanceof Error) return v.message;
    if (
      v !== null &&
      typeof v === "object" &&
      typeof (v as { message?: unknown }).message === "string"
    ) {
      return (v as { message: string }).message;
    }
    return describe(v);
  }

  /**
   * A printable report: the stack, followed by the chain of `cause`s, each with its own stack.
   * Causes are followed at most 16 deep, so a cyclic chain cannot loop.
   */
  getTraceback(): string {
    let out = this.stack;
    let cause: unknown = this.value instanceof Error ? this.value.cause : undefined;
    for (let depth = 0; cause !== undefined && depth < 16; depth++) {
      const text =
        cause instanceof Error
          ? (cause.stack ?? `${cause.name}: ${cause.message}`)
          : describe(cause);
      out += `\nCaused by: ${text}`;
      cause = cause instanceof Error ? cause.cause : undefined;
    }
    return out;
  }

  /** `"[Failure Type: message]"`, for logs. */
  toString(): string {
    return `[Failure ${this.type?.name ?? typeof this.value}: ${this.getErrorMessage()}]`;
  }
}

/** @internal Marks a failure as delivered somewhere that reports it (so it is not "unhandled"). */
export function markObserved(f: Failure): void {
  f[observed] = true;
}

/** @internal Whether {@link markObserved} was called on `f`. */
export function isObserved(f: Failure): boolean {
  return f[observed];
}

function describe(v: unknown): string {
  if (typeof v === "string") return v;
  if (v instanceof Error) return `${v.name}: ${v.message}`;
  try {
    return String(v);
  } catch {
    return Object.prototype.toString.call(v);
  }
}

function captureStack(message: string): string {
  const holder: { stack?: string } = {};
  Error.captureStackTrace(holder, Failure);
  const frames = (holder.stack ?? "").split("\n").slice(1).join("\n");
  return frames ? `${message}\n${frames}` : message;
}
