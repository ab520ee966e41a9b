/**
 * The package as users get it: `dist/` imported by plain Node (no loader), through the `exports`
 * map, root and every subpath.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
  name: string;
  exports: Record<string, unknown>;
};

/** The names a specifier exports, read by a plain `node` child process (no TypeScript loader). */
function exportedNames(specifier: string): string[] {
  const out = execFileSync(
    process.execPath,
    [
      "--input-type=module",
      "-e",
      `const m = await import(${JSON.stringify(specifier)}); console.log(JSON.stringify(Object.keys(m)));`,
    ],
    { cwd: root, encoding: "utf8" },
  );
  return JSON.parse(out) as string[];
}

describe("package exports", () => {
  before(() => {
    // `npm test` builds first; a lone run of this file builds what it needs.
    if (!existsSync(join(root, "dist", "index.js"))) {
      execFileSync(
        process.execPath,
        [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json"],
        {
          cwd: root,
        },
      );
    }
  });

  const subpaths = Object.keys(pkg.exports).filter((k) => k !== "." && k !== "./package.json");

  it("the root exports the core API", () => {
    const names = exportedNames(pkg.name);
    for (const name of [
      "Deferred",
      "Failure",
      "Clock",
      "Logger",
      "LoopingCall",
      "Protocol",
      "Factory",
      "inlineCallbacks",
    ]) {
      assert.ok(names.includes(name), `root export ${name}`);
    }
  });

  it("every subpath imports, and its names are also exported from the root", () => {
    const rootNames = new Set(exportedNames(pkg.name));
    assert.ok(subpaths.length >= 6);
    for (const sub of subpaths) {
      const names = exportedNames(`${pkg.name}/${sub.slice(2)}`);
      assert.ok(names.length > 0 || sub === "./producers", `${sub} exports something`);
      for (const name of names)
        assert.ok(rootNames.has(name), `${name} from ${sub} is missing from the root`);
    }
  });

  it("every subpath has declarations", () => {
    for (const [sub, target] of Object.entries(pkg.exports)) {
      if (typeof target !== "object" || target === null) continue;
      const types = (target as { types: string }).types;
      assert.ok(existsSync(join(root, types)), `${sub}: ${types}`);
    }
  });
});
