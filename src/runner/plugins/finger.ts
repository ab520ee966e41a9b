/**
 * `braid finger`: a finger server answering from a file of `user:info` lines.
 *
 * The protocol is `FingerFactory` from `braid/protocols`, answering from a `DictFingerService`
 * filled from the file, read once at start-up (so that a missing file is a start-up error).
 *
 * @module
 */

import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { StartupError } from "../../errors/application.js";
import { DictFingerService, FingerFactory, parseFingerUsers } from "../../protocols/finger.js";
import type { BraidPlugin } from "../plugin.js";
import { stringValue } from "../plugin.js";
import { listenHelp, listenOption, listenServices } from "./common.js";

const DEFAULT_LISTEN = "tcp:8079:interface=127.0.0.1";

/**
 * The users of the file at `path`.
 *
 * @throws StartupError when it cannot be read.
 */
export function readUsers(path: string, cwd: string): Map<string, string> {
  try {
    return parseFingerUsers(readFileSync(resolve(cwd, path), "utf8"));
  } catch (e) {
    const why = (e as { code?: string }).code === "ENOENT" ? "no such file" : String(e);
    throw new StartupError(`cannot read the users file ${path}: ${why}`, { cause: e });
  }
}

/** A quiet `FingerFactory` answering from `users`. */
export function fingerFactory(users: ReadonlyMap<string, string>): FingerFactory {
  const factory = new FingerFactory(new DictFingerService(users));
  factory.noisy = false;
  return factory;
}

/** `braid finger [--users FILE] [--listen ENDPOINT]...` */
export const fingerPlugin: BraidPlugin = {
  name: "finger",
  summary: "a finger server answering from a file of user:info lines",
  usage: "[--users FILE] [--listen ENDPOINT]...",
  help: `  --users FILE         the users, one "user:info" line each (default: no users)
${listenHelp(DEFAULT_LISTEN)}`,
  options: { ...listenOption, users: { type: "string" } },
  makeService: ({ values }, context) => {
    const file = stringValue(values, "users");
    const users = file === undefined ? new Map<string, string>() : readUsers(file, context.cwd);
    return listenServices(values, DEFAULT_LISTEN, fingerFactory(users), context, "finger");
  },
};
