/**
 * Waiting on several Deferreds at once: {@link DeferredList} and {@link gatherResults}.
 *
 * A `DeferredList` is itself a Deferred. It fires once every input has fired, with one
 * `[success, value]` pair per input in the order the inputs were given (not the order they
 * fired), or earlier, on the first success or the first failure, when asked to. `gatherResults`
 * is the common case on top of it: the plain values in input order, or the first failure.
 *
 * Cancelling either cancels every input that has not fired yet; the list then fires with what
 * those cancellations produced (normally {@link CancelledError} failures).
 *
 * @module
 */

import { FirstError } from "../errors/errors.js";
import type { Failure } from "../errors/failure.js";
import { Logger } from "../logger/logger.js";
import { Deferred } from "./deferred.js";

const log = new Logger("braid.defer");

/** One entry of a {@link DeferredList}'s result: `[true, value]` or `[false, failure]`. */
export type DeferredListEntry<T> = [success: true, value: T] | [success: false, failure: Failure];

/** What a {@link DeferredList} fires with once every input has fired: one entry per input, in input order. */
export type DeferredListResult<T> = DeferredListEntry<T>[];

/**
 * What a {@link DeferredList} fires with. With `fireOnOneCallback: true` it is `[value, index]`
 * of the first input that succeeded, or the full {@link DeferredListResult} when none succeeded
 * (or the list was empty).
 */
export type DeferredListFired<T, F extends boolean> = F extends true
  ? [value: T, index: number] | DeferredListResult<T>
  : DeferredListResult<T>;

/** Options of a {@link DeferredList}; all default to `false`. */
export interface DeferredListOptions<F extends boolean = boolean> {
  /** Fire with `[value, index]` as soon as one input succeeds. */
  fireOnOneCallback?: F;
  /** Fail with {@link FirstError} `(failure, index)` as soon as one input fails. */
  fireOnOneErrback?: boolean;
  /**
   * Stop failures of the inputs at the list: each failed input's own chain continues with
   * `undefined` instead of the failure, so nothing is reported as an unhandled error. The list
   * still sees the failure.
   */
  consumeErrors?: boolean;
}

/**
 * A Deferred that fires when all of the given Deferreds have fired (or, on request, on the first
 * success or the first failure among them).
 *
 * Once every input has fired, the list fires with a {@link DeferredListResult}: `[true, value]`
 * or `[false, failure]` for each input, in input order. An empty list fires at once with `[]`.
 * The list never fails on its own, except with {@link FirstError} under `fireOnOneErrback` (or a
 * {@link CancelledError} if it is cancelled and the cancelled inputs still do not fire).
 *
 * The list adds a callback to each input; unless `consumeErrors` is set, the input's result
 * passes on unchanged, so a failure still travels down the input's own chain (and is reported if
 * nobody handles it).
 *
 * {@link cancel} cancels every input that has not fired; the list then fires with the results
 * those cancellations produce (and if some input still has not reached the list, it fails with
 * {@link CancelledError}). Cancelling a list that has already fired cancels none of the inputs.
 *
 * @typeParam T - what the inputs fire with. Inputs of different types need it spelled out
 *   (`new DeferredList<number | string>([dn, ds])`): TypeScript does not infer the union.
 *   {@link gatherResults} types each position separately.
 * @typeParam F - `true` when `fireOnOneCallback` is `true`, which widens the result type to
 *   include `[value, index]`; inferred from the options.
 *
 * @example
 * ```ts
 * const dl = new DeferredList([fetchUser(1), fetchUser(2)], { consumeErrors: true });
 * dl.addCallback((results) => {
 *   for (const [ok, value] of results) {
 *     if (ok) console.log("user", value.name);
 *     else console.log("failed:", value.getErrorMessage());
 *   }
 * });
 *
 * // The first mirror to answer wins:
 * new DeferredList(mirrors.map(download), { fireOnOneCallback: true, consumeErrors: true })
 *   .addCallback((r) => r);  // [body, index], or every failure if none answered
 * ```
 */
export class DeferredList<T, F extends boolean = false> extends Deferred<DeferredListFired<T, F>> {
  /**
   * The results so far, by input position: `undefined` for an input that has not fired yet. Once
   * the list has fired with the full result, this is that same array.
   */
  readonly resultList: (DeferredListEntry<T> | undefined)[];
  /** How many inputs have fired so far. */
  finishedCount = 0;
  /** Whether the list fires on the first success. */
  readonly fireOnOneCallback: boolean;
  /** Whether the list fails on the first failure. */
  readonly fireOnOneErrback: boolean;
  /** Whether input failures stop at the list instead of continuing down the inputs' chains. */
  readonly consumeErrors: boolean;

  /**
   * @param deferreds - the inputs; iterated once, right away.
   * @param options - see {@link DeferredListOptions}.
   */
  constructor(deferreds: Iterable<Deferred<T>>, options: DeferredListOptions<F> = {}) {
    const inputs = Array.from(deferreds);
    super(() => cancelAll(inputs));
    this.fireOnOneCallback = options.fireOnOneCallback === true;
    this.fireOnOneErrback = options.fireOnOneErrback === true;
    this.consumeErrors = options.consumeErrors === true;
    this.resultList = new Array<DeferredListEntry<T> | undefined>(inputs.length).fill(undefined);
    if (inputs.length === 0) {
      this.callback([]);
      return;
    }
    const onResult = this._onResult.bind(this);
    for (let i = 0; i < inputs.length; i++) {
      inputs[i]!.addCallbacks(onResult, onResult, [i, true], [i, false]);
    }
  }

  /** Records one input's result, fires the list when it is time, and says what the input's chain continues with. */
  private _onResult(result: unknown, index: number, succeeded: boolean): unknown {
    this.resultList[index] = succeeded ? [true, result as T] : [false, result as Failure];
    this.finishedCount++;
    if (!this.called) {
      if (succeeded && this.fireOnOneCallback) {
        this.callback([result as T, index] as DeferredListFired<T, F>);
      } else if (!succeeded && this.fireOnOneErrback) {
        this.errback(new FirstError(result as Failure, index));
      } else if (this.finishedCount === this.resultList.length) {
        this.callback(this.resultList as DeferredListResult<T> as DeferredListFired<T, F>);
      }
    }
    if (!succeeded && this.consumeErrors) return undefined;
    return result;
  }
}

/** Cancels each input that may still be cancelled; an input whose canceller throws is logged, and the rest are still cancelled. */
function cancelAll(inputs: readonly Deferred<unknown>[]): void {
  for (const d of inputs) {
    try {
      d.cancel();
    } catch (e) {
      log.failure("Exception raised by the canceller of a Deferred in a DeferredList", e);
    }
  }
}

/** The values a tuple or array of Deferreds fires with, position by position. */
export type GatheredResults<D extends readonly unknown[]> = {
  -readonly [K in keyof D]: D[K] extends Deferred<infer V> ? V : never;
};

/**
 * A Deferred for the values of all `deferreds`, in input order; it fails with
 * {@link FirstError} (`failure`, `index`) on the first input that fails. Cancelling it cancels
 * every input that has not fired.
 *
 * The types follow the input: a tuple of Deferreds gives a tuple of values, an array gives an
 * array.
 *
 * @param consumeErrors - stop input failures at the gatherer: each failed input's chain continues
 *   with `undefined`, so the failures are not reported as unhandled (the first one is still
 *   delivered, inside the `FirstError`).
 *
 * @example
 * ```ts
 * const d: Deferred<[User, Settings]> = gatherResults([getUser(id), getSettings(id)]);
 * d.addCallback(([user, settings]) => render(user, settings));
 * d.addErrback((f) => {
 *   const first = f.value as FirstError; // which one failed, and why
 *   console.log(`input ${first.index} failed: ${first.failure.getErrorMessage()}`);
 * });
 * ```
 */
export function gatherResults<const D extends readonly Deferred<unknown>[]>(
  deferreds: D,
  consumeErrors?: boolean,
): Deferred<GatheredResults<D>>;
export function gatherResults<T>(
  deferreds: Iterable<Deferred<T>>,
  consumeErrors?: boolean,
): Deferred<T[]>;
export function gatherResults<T>(
  deferreds: Iterable<Deferred<T>>,
  consumeErrors = false,
): Deferred<T[]> {
  return new DeferredList(deferreds, { fireOnOneErrback: true, consumeErrors }).addCallback(
    (results) => results.map((entry) => entry[1] as T),
  );
}
