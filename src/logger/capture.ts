/**
 * Test support: collecting the events published to the global publisher while some code runs,
 * instead of letting them reach stderr. Re-exported from `braid/testing`.
 *
 * @module
 */
import { globalLogBeginner, globalLogPublisher } from "./global.js";
import type { LogEvent } from "./interfaces.js";

/** A running collection of global log events, from {@link collectEvents}. */
export interface EventCollector {
  /** The events collected so far, oldest first. The same array keeps growing until `stop()`. */
  readonly events: LogEvent[];
  /** Stops collecting and restores the default output; returns `events`. Safe to call twice. */
  stop(): LogEvent[];
}

/**
 * Starts collecting every event published to the global publisher. Until `stop()`, the default
 * stderr output (and the pre-configuration history) skips those events; observers the
 * application installed with `beginLoggingTo` still see them.
 *
 * @example
 * ```ts
 * const collector = collectEvents();
 * try {
 *   connection.dataReceived(garbage);
 * } finally {
 *   collector.stop();
 * }
 * assert.equal(collector.events[0]?.level, "error");
 * ```
 */
export function collectEvents(): EventCollector {
  const events: LogEvent[] = [];
  const observer = (event: LogEvent): void => {
    events.push(event);
  };
  globalLogPublisher.addObserver(observer);
  const release = globalLogBeginner.suppressDefault();
  let stopped = false;
  return {
    events,
    stop() {
      if (!stopped) {
        stopped = true;
        globalLogPublisher.removeObserver(observer);
        release();
      }
      return events;
    },
  };
}

/**
 * Runs `fn` and returns the events published to the global publisher while it ran. When `fn`
 * returns a promise or other thenable (a Deferred), collecting lasts until it settles and the
 * result is a Promise of the events; if `fn` throws or its result rejects, collecting stops and
 * the error is passed on. Collection is global: events logged by unrelated code running at the
 * same time are collected too.
 *
 * @example
 * ```ts
 * const events = captureLogEvents(() => new Logger("t").warn("careful"));
 * assert.equal(events[0]?.format, "careful");
 *
 * const later = await captureLogEvents(async () => {
 *   await somethingThatLogs();
 * });
 * ```
 */
export function captureLogEvents(fn: () => PromiseLike<unknown>): Promise<LogEvent[]>;
export function captureLogEvents(fn: () => void): LogEvent[];
export function captureLogEvents(fn: () => unknown): LogEvent[] | Promise<LogEvent[]> {
  const collector = collectEvents();
  let thenable: PromiseLike<unknown> | undefined;
  try {
    const result = fn();
    if (isThenable(result)) thenable = result;
  } catch (error) {
    collector.stop();
    throw error;
  }
  if (thenable === undefined) return collector.stop();
  const pending = thenable;
  return new Promise<LogEvent[]>((resolve, reject) => {
    const fail = (error: unknown): void => {
      collector.stop();
      reject(error);
    };
    try {
      pending.then(() => resolve(collector.stop()), fail);
    } catch (error) {
      fail(error);
    }
  });
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === "object" || typeof value === "function") &&
    typeof (value as { then?: unknown }).then === "function"
  );
}
