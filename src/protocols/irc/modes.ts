/**
 * IRC mode strings (`+o-v alice bob`, `+lk 10 secret`): reading them into the changes they make,
 * given which modes take a parameter (from the server's `RPL_ISUPPORT`), after Twisted's
 * `twisted.words.protocols.irc.parseModes`.
 *
 * @module
 */

import { IRCBadModes } from "../../errors/irc.js";

/** One mode change: the mode letter and its parameter (`null` for a mode that takes none). */
export type ModeChange = readonly [mode: string, param: string | null];

/** Which modes take a parameter when set (`add`) and when unset (`remove`). */
export interface ParamModes {
  /** The mode letters that take a parameter when set (`+`). */
  readonly add: string;
  /** The mode letters that take a parameter when unset (`-`). */
  readonly remove: string;
}

/**
 * Reads `modes` (`+`/`-` runs of mode letters) with their `params`, in order. A letter listed in
 * `paramModes` for its direction takes the next parameter.
 *
 * @returns the modes set and the modes unset, each in the order given.
 * @throws {@link IRCBadModes} for an empty string, one that does not start with `+` or `-`, a
 *   `+` or `-` with no letter after it, or too few or too many parameters.
 *
 * @example
 * ```ts
 * parseModes("+o-v", ["alice", "bob"], { add: "ov", remove: "ov" });
 * // { added: [["o", "alice"]], removed: [["v", "bob"]] }
 * ```
 */
export function parseModes(
  modes: string,
  params: readonly string[],
  paramModes: ParamModes = { add: "", remove: "" },
): { added: ModeChange[]; removed: ModeChange[] } {
  if (modes === "") throw new IRCBadModes("Empty mode string");
  if (modes[0] !== "+" && modes[0] !== "-") {
    throw new IRCBadModes(`Malformed mode string: ${JSON.stringify(modes)}`);
  }
  const added: ModeChange[] = [];
  const removed: ModeChange[] = [];
  let adding = true;
  let count = -1;
  let next = 0;
  for (const ch of modes) {
    if (ch === "+" || ch === "-") {
      if (count === 0) throw new IRCBadModes(`Empty mode sequence: ${JSON.stringify(modes)}`);
      adding = ch === "+";
      count = 0;
      continue;
    }
    let param: string | null = null;
    if ((adding ? paramModes.add : paramModes.remove).includes(ch)) {
      if (next >= params.length) {
        throw new IRCBadModes(`Not enough parameters for mode ${JSON.stringify(ch)}`);
      }
      param = params[next++]!;
    }
    (adding ? added : removed).push([ch, param]);
    count++;
  }
  if (count === 0) throw new IRCBadModes(`Empty mode sequence: ${JSON.stringify(modes)}`);
  if (next < params.length) {
    throw new IRCBadModes(`Too many parameters: ${JSON.stringify(params.slice(next))}`);
  }
  return { added, removed };
}
