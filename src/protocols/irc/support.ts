/**
 * What an IRC server says it supports, from its `RPL_ISUPPORT` (005) tokens: `NICKLEN=30`,
 * `CHANTYPES=#&`, `PREFIX=(ov)@+`, … kept as raw strings with typed accessors for the few the
 * client uses.
 *
 * @module
 */

/** A server's channel modes by kind, from `CHANMODES=A,B,C,D`. */
export interface ChannelModes {
  /** Modes on a list of addresses (`b`, `e`, `I`): a parameter to set and to unset. */
  readonly addressModes: string;
  /** Modes that always take a parameter (`k`). */
  readonly param: string;
  /** Modes that take a parameter only when set (`l`). */
  readonly setParam: string;
  /** Modes that never take one (`imnpst`). */
  readonly noParam: string;
}

/** What is assumed of a server that does not announce `CHANMODES` (as Twisted does). */
const DEFAULT_CHANMODES: ChannelModes = {
  addressModes: "b",
  param: "k",
  setParam: "l",
  noParam: "imnpst",
};
/** What is assumed of a server that does not announce `PREFIX`: op, voice and half-op. */
const DEFAULT_PREFIX = "(ovh)@+%";

/**
 * The features a server announced with `RPL_ISUPPORT`. Each `KEY=VALUE` token sets a feature,
 * `KEY` alone sets it to `""`, and `-KEY` removes it.
 *
 * @example
 * ```ts
 * const s = new ServerSupportedFeatures();
 * s.parse(["NICKLEN=30", "CHANTYPES=#"]);
 * s.getInt("NICKLEN", 9); // 30
 * ```
 */
export class ServerSupportedFeatures {
  readonly #features = new Map<string, string>();

  /** Records the tokens of one `RPL_ISUPPORT` message. */
  parse(tokens: readonly string[]): void {
    for (const token of tokens) {
      if (token === "") continue;
      if (token.startsWith("-")) {
        this.#features.delete(token.slice(1).toUpperCase());
        continue;
      }
      const eq = token.indexOf("=");
      const key = (eq < 0 ? token : token.slice(0, eq)).toUpperCase();
      this.#features.set(key, eq < 0 ? "" : token.slice(eq + 1));
    }
  }

  /** Whether the server announced `name`. */
  has(name: string): boolean {
    return this.#features.has(name.toUpperCase());
  }

  /** The raw value of `name` (`""` for a flag), or `fallback` when it was not announced. */
  getFeature(name: string, fallback?: string): string | undefined {
    return this.#features.get(name.toUpperCase()) ?? fallback;
  }

  /** The value of `name` as a positive integer, or `fallback` when absent or not a number. */
  getInt(name: string, fallback: number): number {
    const v = this.#features.get(name.toUpperCase());
    if (v === undefined || !/^\d+$/.test(v)) return fallback;
    const n = Number(v);
    return n > 0 ? n : fallback;
  }

  /** The channel modes by kind (`CHANMODES`), or Twisted's defaults when not announced. */
  channelModes(): ChannelModes {
    const v = this.#features.get("CHANMODES");
    if (v === undefined) return DEFAULT_CHANMODES;
    const [addressModes = "", param = "", setParam = "", noParam = ""] = v.split(",");
    return { addressModes, param, setParam, noParam };
  }

  /**
   * The modes that give a user a rank on a channel (`PREFIX=(ov)@+`: `"ov"`), each taking a
   * nickname as its parameter; `"ovh"` when not announced.
   */
  prefixModes(): string {
    const v = this.#features.get("PREFIX") ?? DEFAULT_PREFIX;
    const m = /^\(([^)]*)\)/.exec(v);
    return m === null ? "" : m[1]!;
  }
}
