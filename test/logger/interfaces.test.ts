import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isLogLevel, LogLevels, levelAtLeast } from "../../src/logger/interfaces.js";

describe("log levels", () => {
  it("are listed least to most severe", () => {
    assert.deepEqual([...LogLevels], ["debug", "info", "warn", "error", "critical"]);
    assert.ok(Object.isFrozen(LogLevels));
  });

  it("levelAtLeast compares by severity", () => {
    for (const [i, a] of LogLevels.entries()) {
      for (const [j, b] of LogLevels.entries()) {
        assert.equal(levelAtLeast(a, b), i >= j, `${a} >= ${b}`);
      }
    }
  });

  it("isLogLevel accepts the levels only", () => {
    for (const level of LogLevels) assert.ok(isLogLevel(level));
    for (const other of ["warning", "INFO", "", "toString", 3, undefined, null]) {
      assert.equal(isLogLevel(other), false, String(other));
    }
  });
});
