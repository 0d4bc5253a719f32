// Loaded before every test file (vitest setupFiles): each test runs in a
// scope of its own, and what it started is killed when it ends; what a file
// started outside its tests (beforeAll) is killed after its last test.
import { afterAll, aroundEach } from 'vitest';
import { closeFileScope, withChildScope } from './children.js';

aroundEach(async (runTest, context) => {
  await withChildScope(context.task.name, runTest);
});

afterAll(closeFileScope);
