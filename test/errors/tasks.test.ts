import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  NotPaused,
  SchedulerStopped,
  TaskDone,
  TaskFailed,
  TaskFinished,
  TaskStopped,
} from "../../src/errors/errors.js";
import { BraidError } from "../../src/errors/index.js";

describe("time errors", () => {
  const cases = [
    [TaskDone, "ERR_TASK_DONE"],
    [TaskFinished, "ERR_TASK_FINISHED"],
    [TaskStopped, "ERR_TASK_STOPPED"],
    [TaskFailed, "ERR_TASK_FAILED"],
    [SchedulerStopped, "ERR_SCHEDULER_STOPPED"],
    [NotPaused, "ERR_NOT_PAUSED"],
  ] as const;

  for (const [cls, code] of cases) {
    it(`${cls.name} is a BraidError with code ${code}`, () => {
      const e = new cls();
      assert.ok(e instanceof BraidError);
      assert.ok(e instanceof Error);
      assert.equal(e.code, code);
      assert.equal(e.name, cls.name);
    });
  }

  it("the task-completion errors are TaskDone", () => {
    for (const cls of [TaskFinished, TaskStopped, TaskFailed])
      assert.ok(new cls() instanceof TaskDone);
    assert.ok(!(new SchedulerStopped() instanceof TaskDone));
    assert.ok(!(new NotPaused() instanceof TaskDone));
  });

  it("have default messages and keep a cause", () => {
    assert.equal(new TaskStopped().message, "The task was stopped");
    const cause = new Error("root");
    assert.equal(new TaskFailed("failed", { cause }).cause, cause);
  });
});
