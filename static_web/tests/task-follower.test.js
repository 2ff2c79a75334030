import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { createTaskFollower } from '../js/task-follower.js';
import { ManualTimers, settle } from './fakes.js';

function setup(answers) {
  const timers = new ManualTimers();
  const seen = [];
  const gone = [];
  const reads = [];
  const follower = createTaskFollower({
    getTask: async (taskId) => {
      reads.push(taskId);
      const next = answers.shift();
      if (next instanceof Error) throw next;
      return next;
    },
    onTask: (task) => seen.push(task.status),
    onGone: (taskId) => gone.push(taskId),
    setTimer: timers.setTimer,
    clearTimer: timers.clearTimer,
  });
  return { timers, seen, gone, reads, follower };
}
const task = (status) => ({ task_id: 'T', status });

describe('task follower', () => {
  test('reads at once, then about every 2 s until the task finishes, then never again', async () => {
    const { timers, seen, follower } = setup([task('queued'), task('running'), task('succeeded')]);
    follower.follow('T');
    await settle();
    assert.equal(timers.count, 1);
    timers.runNext();
    await settle();
    timers.runNext();
    await settle();
    assert.deepEqual(seen, ['queued', 'running', 'succeeded']);
    assert.equal(timers.count, 0);
    assert.equal(follower.isFollowing('T'), false);
  });

  test('a task another tab just reported is read only after one interval, not twice', async () => {
    const { timers, reads, follower } = setup([task('running')]);
    follower.follow('T', { wait: true });
    follower.follow('T', { wait: true });
    await settle();
    assert.deepEqual(reads, []);
    assert.equal(timers.count, 1);
  });

  test('a failed read is retried; a 404 ends following and says the task is gone', async () => {
    const { timers, gone, follower } = setup([Object.assign(new Error('down'), { status: 503 }), Object.assign(new Error('nope'), { status: 404 })]);
    follower.follow('T');
    await settle();
    assert.equal(timers.count, 1);
    timers.runNext();
    await settle();
    assert.deepEqual(gone, ['T']);
    assert.equal(timers.count, 0);
  });

  test('forgetting a task stops its reads', async () => {
    const { timers, follower } = setup([task('running')]);
    follower.follow('T');
    await settle();
    follower.forget('T');
    assert.equal(timers.count, 0);
  });
});
