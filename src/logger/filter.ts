/**
 * Filtering observers: pass on only the events that a list of predicates lets through, with a
 * ready-made predicate for "at least this level, per namespace".
 *
 * @module
 */
import type { ILogObserver, LogEvent, LogLevel } from "./interfaces.js";
import { levelAtLeast } from "./interfaces.js";

/**
 * A predicate's verdict on an event: `"yes"` delivers it without asking later predicates,
 * `"no"` drops it, `"maybe"` leaves the decision to the next predicate (delivered if all say
 * `"maybe"`).
 */
export type FilterResult = "yes" | "no" | "maybe";

/** Decides whether a filtering observer passes an event on. */
export interface ILogFilterPredicate {
  /** The verdict on `event`. Should not throw; if it does, the filtering observer throws. */
  check(event: LogEvent): FilterResult;
}

/**
 * An observer that passes to `observer` only the events the `predicates` let through (asked in
 * order, see {@link FilterResult}); dropped events go to `onDrop` when given.
 *
 * @example
 * ```ts
 * const levels = new LogLevelFilterPredicate("info");
 * levels.setLogLevelForNamespace("braid.tcp", "debug");
 * globalLogBeginner.beginLoggingTo([
 *   filteringLogObserver(textFileLogObserver(process.stdout), [levels]),
 * ]);
 * ```
 */
export function filteringLogObserver(
  observer: ILogObserver,
  predicates: Iterable<ILogFilterPredicate>,
  onDrop?: ILogObserver,
): ILogObserver {
  const list = [...predicates];
  return (event) => {
    for (const predicate of list) {
      const verdict = predicate.check(event);
      if (verdict === "yes") break;
      if (verdict === "no") {
        onDrop?.(event);
        return;
      }
    }
    observer(event);
  };
}

/**
 * Lets through events at or above a minimum level, which can be set per namespace. A level set
 * for a namespace also applies below it: `"braid"` covers `"braid.tcp"` and
 * `"braid.tcp.server"`, unless a more specific namespace has its own level. It answers `"maybe"`
 * for events that pass (so later predicates still get a say) and `"no"` for the others.
 *
 * @example
 * ```ts
 * const levels = new LogLevelFilterPredicate("warn");
 * levels.setLogLevelForNamespace("braid", "info");
 * levels.setLogLevelForNamespace("braid.tcp", "debug");
 * levels.logLevelForNamespace("braid.tcp.server"); // "debug"
 * levels.logLevelForNamespace("braid.udp"); // "info"
 * levels.logLevelForNamespace("app"); // "warn"
 * ```
 */
export class LogLevelFilterPredicate implements ILogFilterPredicate {
  #defaultLevel: LogLevel;
  readonly #levels = new Map<string, LogLevel>();

  /** @param defaultLevel - the minimum level for namespaces with no level of their own. */
  constructor(defaultLevel: LogLevel = "info") {
    this.#defaultLevel = defaultLevel;
  }

  /** Sets the minimum level for `namespace` and the namespaces below it; `""` sets the default. */
  setLogLevelForNamespace(namespace: string, level: LogLevel): void {
    if (namespace === "") this.#defaultLevel = level;
    else this.#levels.set(namespace, level);
  }

  /** The minimum level in force for `namespace`: its own, its nearest parent's, or the default. */
  logLevelForNamespace(namespace: string): LogLevel {
    let current = namespace;
    while (current !== "") {
      const level = this.#levels.get(current);
      if (level !== undefined) return level;
      const dot = current.lastIndexOf(".");
      current = dot === -1 ? "" : current.slice(0, dot);
    }
    return this.#defaultLevel;
  }

  /** Forgets every per-namespace level (the default level stays). */
  clearLogLevels(): void {
    this.#levels.clear();
  }

  /** `"maybe"` when `event` is at or above its namespace's level, `"no"` otherwise. */
  check(event: LogEvent): FilterResult {
    return levelAtLeast(event.level, this.logLevelForNamespace(event.namespace)) ? "maybe" : "no";
  }
}
