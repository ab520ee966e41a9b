/**
 * `braid/logger`: structured logging. Code logs events (namespace, level, format string,
 * fields) through a {@link Logger}; observers attached to the {@link globalLogPublisher} turn
 * them into text, JSON, or anything else.
 *
 * @example
 * ```ts
 * import { globalLogBeginner, Logger, textFileLogObserver } from "braid/logger";
 *
 * globalLogBeginner.beginLoggingTo([textFileLogObserver(process.stdout)]);
 * const log = new Logger("braid.app");
 * log.info("listening on port {port}", { port: 8080 });
 * ```
 *
 * @module
 */
export { captureLogEvents, collectEvents, type EventCollector } from "./capture.js";
export {
  type FilterResult,
  filteringLogObserver,
  type ILogFilterPredicate,
  LogLevelFilterPredicate,
} from "./filter.js";
export { formatEvent, formatWithFields } from "./format.js";
export {
  type BeginLoggingOptions,
  globalLogBeginner,
  globalLogPublisher,
  LogBeginner,
  type LogBeginnerOptions,
} from "./global.js";
export {
  type ILogObserver,
  isLogLevel,
  type LogEvent,
  type LogFields,
  type LogLevel,
  LogLevels,
  type LogStream,
  levelAtLeast,
} from "./interfaces.js";
export { Logger } from "./logger.js";
export {
  eventAsJSON,
  formatEventAsText,
  jsonFileLogObserver,
  type TextObserverOptions,
  textFileLogObserver,
} from "./observers.js";
export { LOGGER_NAMESPACE, LogPublisher } from "./publisher.js";
