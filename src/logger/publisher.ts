/**
 * `LogPublisher`: fans one stream of log events out to many observers, and keeps going when one
 * of them throws.
 *
 * @module
 */
import { Failure } from "../errors/index.js";
import type { ILogObserver, LogEvent } from "./interfaces.js";

/** The namespace of the events the logging system itself emits. */
export const LOGGER_NAMESPACE = "braid.logger";

/**
 * Delivers each event to every observer added to it, in the order they were added.
 *
 * An observer that throws stays subscribed (a transient failure such as a full disk should not
 * silence it forever), but the error is reported as a new `"critical"` event in the
 * `"braid.logger"` namespace, carrying the error as its `failure`, to the *other* observers.
 * Observers that fail while handling a report are left out of further reports about it, so a
 * chain of failing observers always ends.
 *
 * A publisher is not itself a function: pass {@link LogPublisher.publish} where an
 * {@link ILogObserver} is wanted (`Logger` accepts a publisher directly).
 *
 * @example
 * ```ts
 * const publisher = new LogPublisher(textFileLogObserver(process.stdout));
 * publisher.addObserver(jsonFileLogObserver(auditStream));
 * const log = new Logger("braid.app", publisher);
 * log.info("started"); // written to both
 * ```
 */
export class LogPublisher {
  readonly #observers: ILogObserver[] = [];

  /** Creates a publisher delivering to `observers`. */
  constructor(...observers: ILogObserver[]) {
    for (const observer of observers) this.addObserver(observer);
  }

  /** Adds `observer` at the end of the list. Adding an observer already present does nothing. */
  addObserver(observer: ILogObserver): void {
    if (!this.#observers.includes(observer)) this.#observers.push(observer);
  }

  /** Removes `observer`. Removing an observer that is not present does nothing. */
  removeObserver(observer: ILogObserver): void {
    const index = this.#observers.indexOf(observer);
    if (index !== -1) this.#observers.splice(index, 1);
  }

  /** A copy of the current observers, in delivery order. */
  get observers(): readonly ILogObserver[] {
    return [...this.#observers];
  }

  /**
   * Delivers `event` to every observer present when the call starts (an observer added or
   * removed during delivery takes effect from the next event). Never throws.
   */
  readonly publish: ILogObserver = (event) => {
    deliver(event, [...this.#observers], new Set(), 0);
  };
}

const MAX_REPORT_DEPTH = 8;

function deliver(
  event: LogEvent,
  observers: readonly ILogObserver[],
  excluded: ReadonlySet<ILogObserver>,
  depth: number,
): void {
  let broken: Array<[ILogObserver, unknown]> | undefined;
  for (const observer of observers) {
    if (excluded.has(observer)) continue;
    try {
      observer(event);
    } catch (error) {
      (broken ??= []).push([observer, error]);
    }
  }
  if (broken === undefined || depth >= MAX_REPORT_DEPTH) return;
  const stillExcluded = new Set(excluded);
  for (const [observer] of broken) stillExcluded.add(observer);
  for (const [observer, error] of broken) {
    const report = observerFailureEvent(observer, error, event);
    if (report !== undefined) deliver(report, observers, stillExcluded, depth + 1);
  }
}

function observerFailureEvent(
  observer: ILogObserver,
  error: unknown,
  event: LogEvent,
): LogEvent | undefined {
  try {
    return {
      namespace: LOGGER_NAMESPACE,
      level: "critical",
      format: "Log observer {observer} threw while handling an event from {eventNamespace}",
      time: Date.now(),
      failure: Failure.from(error),
      fields: Object.freeze({
        observer: observer.name || "<anonymous>",
        eventNamespace: event.namespace,
        event,
      }),
    };
  } catch {
    return undefined;
  }
}
