#!/usr/bin/env node
// The `braid` command: a plain-JavaScript launcher for the built package (run `npm run build`
// first when working from a checkout). See dist/runner/cli.js for the exit codes.
import { main } from "../dist/runner/cli.js";

const code = await main(process.argv.slice(2));
process.exitCode = code;
// Everything is closed once main() returns; if a stray handle still keeps the process alive,
// do not hang on it.
setTimeout(() => process.exit(code), 2000).unref();
