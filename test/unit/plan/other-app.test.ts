// One app per layers directory (plan/other-app.ts): when a layers directory is
// another app's, and when it is the same app (or a moved one).
import { describe, expect, it } from 'vitest';
import { otherAppProblem } from '../../../src/engine/plan/other-app.js';
import type { SidecarRead } from '../../../src/engine/store/sidecar.js';

const sidecar = (fields: { app?: string; layersDir?: string }): SidecarRead => ({ ok: true, sidecar: { version: 1, python: null, lastBuild: null, ...fields } });

describe('otherAppProblem', () => {
  it('refuses another app in the same layers directory, naming both and the way out', () => {
    const problem = otherAppProblem('/apps/second', '/shared', sidecar({ app: '/apps/first', layersDir: '/shared' }));
    expect(problem?.code).toBe('layers-dir-other-app');
    expect(problem?.message).toContain('/apps/first');
    expect(problem?.message).toContain('/apps/second');
    expect(problem?.fix).toContain('--layers-dir');
    expect(problem?.fix).toContain('--clear-cache');
  });

  it('an older sidecar without a layers path: the app alone decides', () => {
    expect(otherAppProblem('/apps/second', '/shared', sidecar({ app: '/apps/first' }))?.code).toBe('layers-dir-other-app');
  });

  it('is no problem for the same app, a moved app whose layers moved with it, no record of the app, or no sidecar', () => {
    expect(otherAppProblem('/apps/first', '/shared', sidecar({ app: '/apps/first', layersDir: '/shared' }))).toBeNull();
    expect(otherAppProblem('/apps/after', '/apps/after/.pybp/layers', sidecar({ app: '/apps/before', layersDir: '/apps/before/.pybp/layers' }))).toBeNull();
    expect(otherAppProblem('/apps/second', '/shared', sidecar({ layersDir: '/shared' }))).toBeNull();
    expect(otherAppProblem('/apps/second', '/shared', { ok: true, sidecar: null })).toBeNull();
    expect(otherAppProblem('/apps/second', '/shared', { ok: false, problem: 'unreadable' })).toBeNull();
  });
});
