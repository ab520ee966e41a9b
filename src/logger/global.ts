/**
 * Process-wide logging: the global publisher every default `Logger` writes to, and the
 * "beginner" that decides what happens to events before the application has configured
 * logging.
 *
 * Until `globalLogBeginner.beginLoggingTo(...)` is called:
 * - every event at `"warn"` or above is printed as text to `process.stderr`, so an unhandled
 *   error is never lost silently;
 * - the last 200 events (all levels) are kept in memory, and replayed to the observers given to
 *   `beginLoggingTo`, so startup messages logged before configuration still reach the log file.
 *
 * @module
 */

import { type ILogObserver, type LogEvent, type LogStream, levelAtLeast } from "./interfaces.js";
import { formatEventAsText } from "./observers.js";
import { LOGGER_NAMESPACE, LogPublisher } from "./publisher.js";

/** Options of {@link LogBeginner.beginLoggingTo}. */
export interface BeginLoggingOptions {
  /**
   * Whether to stop the default printing of `"warn"`+ events to stderr. Defaults to `true`:
   * the new observers take over. Pass `false` to keep the stderr output as well.
   */
  redirectDefault?: boolean;
}

/** Options of the {@link LogBeginner} constructor. */
export interface LogBeginnerOptions {
  /** Where the default output goes. Defaults to `process.stderr`, looked up at each write. */
  stream?: LogStream;
  /** How many events to keep for replay. Defaults to 200. */
  bufferSize?: number;
}

/**
 * Manages the time before logging is configured, for one publisher: prints `"warn"`+ events to
 * a stream, keeps a bounded history, and on {@link beginLoggingTo} hands both over to the
 * application's observers. Braid uses the single {@link globalLogBeginner}; other instances are
 * for tests.
 *
 * @example
 * ```ts
 * globalLogBeginner.beginLoggingTo([
 *   filteringLogObserver(textFileLogObserver(process.stdout), [new LogLevelFilterPredicate("info")]),
 * ]);
 * ```
 */
export class LogBeginner {
  readonly #publisher: LogPublisher;
  readonly #bufferSize: number;
  #stream: LogStream | undefined;
  #buffer: LogEvent[] | undefined = [];
  #bufferStart = 0;
  #begun = false;
  #suppressed = 0;

  /** Starts buffering and printing the events of `publisher`. */
  constructor(publisher: LogPublisher, options: LogBeginnerOptions = {}) {
    this.#publisher = publisher;
    this.#stream = options.stream;
    this.#bufferSize = Math.max(0, Math.floor(options.bufferSize ?? 200));
    publisher.addObserver(this.#beforeBegin);
  }

  /**
   * Hands logging over to `observers`: replays the buffered events to them (oldest first), adds
   * them to the publisher, drops the buffer, and (unless `redirectDefault` is `false`) stops the
   * default stderr output. Calling it again only adds the new observers (no replay) and logs a
   * warning, since two places each believing they configure logging is usually a mistake.
   */
  beginLoggingTo(observers: Iterable<ILogObserver>, options: BeginLoggingOptions = {}): void {
    const list = [...observers];
    if (this.#begun) {
      for (const observer of list) this.#publisher.addObserver(observer);
      this.#publisher.publish({
        namespace: LOGGER_NAMESPACE,
        level: "warn",
        format: "beginLoggingTo() was called more than once; later observers get no replay",
        time: Date.now(),
        fields: {},
      });
    } else {
      this.#begun = true;
      const replay = new LogPublisher(...list);
      for (const event of this.#drain()) replay.publish(event);
      for (const observer of list) this.#publisher.addObserver(observer);
    }
    if (options.redirectDefault ?? true) this.#publisher.removeObserver(this.#beforeBegin);
  }

  /**
   * @internal Replaces the default output stream (`undefined` restores `process.stderr`) and
   * returns the previous override. For Braid's own tests.
   */
  setDefaultStream(stream: LogStream | undefined): LogStream | undefined {
    const previous = this.#stream;
    this.#stream = stream;
    return previous;
  }

  /**
   * @internal Until the returned function is called, events are neither printed nor buffered
   * (they are being captured by a test). Calls nest.
   */
  suppressDefault(): () => void {
    this.#suppressed++;
    let released = false;
    return () => {
      if (!released) {
        released = true;
        this.#suppressed--;
      }
    };
  }

  readonly #beforeBegin: ILogObserver = (event) => {
    if (this.#suppressed > 0) return;
    this.#remember(event);
    if (levelAtLeast(event.level, "warn")) {
      const text = formatEventAsText(event);
      if (text !== undefined) (this.#stream ?? process.stderr).write(text);
    }
  };

  #remember(event: LogEvent): void {
    const buffer = this.#buffer;
    if (buffer === undefined || this.#bufferSize === 0) return;
    if (buffer.length < this.#bufferSize) {
      buffer.push(event);
    } else {
      buffer[this.#bufferStart] = event;
      this.#bufferStart = (this.#bufferStart + 1) % this.#bufferSize;
    }
  }

  #drain(): LogEvent[] {
    const buffer = this.#buffer ?? [];
    const ordered = [...buffer.slice(this.#bufferStart), ...buffer.slice(0, this.#bufferStart)];
    this.#buffer = undefined;
    this.#bufferStart = 0;
    return ordered;
  }
}

/**
 * The publisher every `Logger` writes to unless given another observer. Applications attach
 * their observers through {@link globalLogBeginner}; tests capture from it with
 * `captureLogEvents`.
 */
export const globalLogPublisher: LogPublisher = new LogPublisher();

/** The {@link LogBeginner} of {@link globalLogPublisher}: call `beginLoggingTo` on it once. */
export const globalLogBeginner: LogBeginner = new LogBeginner(globalLogPublisher);

/**
 * @internal Points the default stderr output of the global beginner at `stream` (`undefined`
 * restores `process.stderr`); returns the previous override. For tests only.
 */
export function setDefaultStream(stream: LogStream | undefined): LogStream | undefined {
  return globalLogBeginner.setDefaultStream(stream);
}
