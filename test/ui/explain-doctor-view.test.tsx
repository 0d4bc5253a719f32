// The explain and doctor views: complete reports, drawn once.
import { stripVTControlCharacters } from 'node:util';
import { cleanup, render } from 'ink-testing-library';
import type { ReactElement } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import type { DoctorReport } from '../../src/engine/doctor/types.js';
import type { ExplainReport } from '../../src/engine/explain/report.js';
import { DoctorView } from '../../src/ui/ink/DoctorView.js';
import { ExplainView } from '../../src/ui/ink/ExplainView.js';
import { printExplain } from '../../src/ui/plain/explain.js';
import { interpreterChanged, plan, poetryDrop, pythonChanged, screen, venvReason } from './fixtures.js';

afterEach(() => cleanup());

const types = { build: true, launch: true, cache: true };
const made = (ms: number) => ({ lastMs: ms, basis: 'same-inputs' as const, fromBuild: 3, note: 'build 3 made it from the same inputs' });

function explain(overrides: Partial<ExplainReport> = {}): ExplainReport {
  return {
    app: '/tmp/shop',
    layersDir: '/tmp/shop/.pybp/layers',
    packageManager: 'pip',
    python: { requested: '3.13', resolved: '3.13.15', origin: '.python-version' },
    source: { kind: 'local', interpreter: 'local 3.13.0 at /py/3.13.0', substituted: true, reason: '' },
    target: { ...plan.target },
    environment: { ...plan.environment },
    assumed: [],
    since: null,
    layers: [
      { name: 'python', types, action: 'discard', reasons: [pythonChanged, interpreterChanged], lastBuildMs: 2100, estimatedMs: 2100, estimate: made(2100) },
      { name: 'pip', types, action: 'reuse', reasons: [{ field: 'metadata', from: null, to: null, message: 'pip 26.1.2 unchanged' }], lastBuildMs: 6400, estimatedMs: null, estimate: null },
      { name: 'pip-cache', types, action: 'create', reasons: [], lastBuildMs: null, estimatedMs: null, estimate: { lastMs: null, basis: 'none', fromBuild: null, note: 'no estimate: no build in the history made pip-cache from comparable inputs' } },
      { name: 'venv', types, action: 'rebuild-always', reasons: [venvReason], lastBuildMs: 900, estimatedMs: 900, estimate: made(900) },
      { name: 'poetry', types, action: 'drop', reasons: [poetryDrop], lastBuildMs: null, estimatedMs: null, estimate: null },
    ],
    cost: { estimatedMs: 3000, lastMs: 3000, unestimated: ['pip-cache'] },
    warnings: [{ code: 'python-patch-substituted', message: 'Heroku would install Python 3.13.15; the local 3.13.0 stands in.' }],
    notes: ['An earlier build was interrupted; the next build first puts the layers back.'],
    error: null,
    ...overrides,
  };
}

const view = (node: ReactElement) => screen(render(node).frames);

describe('ExplainView', () => {
  it('shows the header and a table of layers with the predicted action', () => {
    const out = view(<ExplainView report={explain()} />);
    expect(out).toContain('pybp explain /tmp/shop');
    expect(out).toContain('pip · Python 3.13 → 3.13.15 (.python-version) · ubuntu 24.04 amd64');
    expect(out).toContain('layer      next      cost');
    expect(out).toMatch(/^python     DISCARD   about 2\.1 s \(last: 2\.1 s\)$/m);
    expect(out).toMatch(/^pip        REUSE$/m);
    expect(out).toMatch(/^pip-cache  CREATE    no estimate$/m);
    expect(out).toContain('(no estimate: no build in the history made pip-cache from comparable inputs)');
    expect(out).toMatch(/^venv       REBUILD   about 0\.9 s \(last: 0\.9 s\)$/m);
    expect(out).toMatch(/^poetry     DROP$/m);
  });

  it('gives every reason as field: old → new with its sentence', () => {
    const out = view(<ExplainView report={explain()} />);
    expect(out).toContain('           ↳ python_version: 3.12.13 → 3.13.15 — Python version changed from 3.12.13 to 3.13.15');
    expect(out).toContain('↳ interpreter: local 3.12.1 at /py/3.12.1 → local 3.13.0 at /py/3.13.0');
    expect(out).toContain('[pybp only]');
    expect(out).toContain('↳ pip 26.1.2 unchanged');
    expect(out).toContain('↳ layer: poetry (heroku/python) → (none) — not used by this build');
  });

  it('adds up what the rebuilds would cost and says what is dropped', () => {
    const out = view(<ExplainView report={explain()} />).replace(/\s*\n\s*/g, ' ');
    expect(out).toContain('python, pip-cache, venv rebuilt — about 3.0 s (last: 3.0 s); no estimate for pip-cache');
    expect(out).toContain('It drops poetry: left by an earlier build, not used now, not cached again.');
  });

  it('says when every layer is reused', () => {
    const layers = explain().layers.filter((l) => l.name === 'pip').map((l) => ({ ...l }));
    const out = view(<ExplainView report={explain({ layers, cost: { estimatedMs: 0, lastMs: 0, unestimated: [] } })} />);
    expect(out).toContain('The next build reuses every layer.');
    expect(out).not.toContain('It drops');
  });

  it("says what a kept venv's sync will change, or why that is not known", () => {
    const venv = { name: 'venv', types, action: 'reuse' as const, reasons: [], lastBuildMs: 900, estimatedMs: null, estimate: null };
    const changes = { add: [{ name: 'requests', version: '2.32.3' }], remove: [], change: [{ name: 'flask', from: '3.0.0', to: '3.1.2' }] };
    const known = view(<ExplainView report={explain({ layers: [{ ...venv, packages: changes }] })} />);
    expect(known).toContain('packages: +1 package (requests 2.32.3), ~1 package (flask 3.0.0 → 3.1.2)');
    const unknown = view(<ExplainView report={explain({ layers: [{ ...venv, packagesNote: 'uv itself is reinstalled first, so pybp did not ask it' }] })} />);
    expect(unknown).toContain('packages: not known (uv itself is reinstalled first, so pybp did not ask it)');
  });

  it('shows warnings and notes', () => {
    const out = view(<ExplainView report={explain()} />);
    expect(out).toContain('! python-patch-substituted\n');
    expect(out).toContain('Heroku would install Python 3.13.15; the local 3.13.0 stands in.');
    expect(out).toContain('note: An earlier build was interrupted');
  });

  it('shows an error as a framed block', () => {
    const error = {
      code: 'python-version-eol' as const,
      title: 'Python 3.8 is no longer supported',
      message: '.python-version asks for 3.8, which reached its end of life.',
      fix: 'Ask for 3.13 in .python-version.',
    };
    const out = view(<ExplainView report={explain({ layers: [], warnings: [], notes: [], error, python: null, packageManager: null, source: null })} />);
    expect(out).toContain('pybp explain /tmp/shop');
    expect(out).toContain('│ ✗ Python 3.8 is no longer supported (python-version-eol)');
    expect(out).toContain('│ fix: Ask for 3.13 in .python-version.');
    expect(out).not.toContain('(no layers)');
  });

  it('what-if and --since: the same assumptions, costs and verdict in Ink and in plain lines', () => {
    const since = {
      ref: 'main',
      commit: '0123456789abcdef0123',
      refBuild: { packageManager: 'pip', python: '3.12.13', layers: ['python', 'pip', 'pip-cache'] },
      refError: null,
      cacheBusted: true,
      notes: [],
    };
    const report = explain({ assumed: ['.python-version says 3.13'], since });
    const ink = view(<ExplainView report={report} />).replace(/\s*\n\s*/g, ' ');
    const chunks: string[] = [];
    printExplain(report, { write: (c: string) => chunks.push(c) > 0 } as unknown as NodeJS.WritableStream);
    const plain = stripVTControlCharacters(chunks.join('')).replace(/\s*\n\s*/g, ' ');
    for (const out of [ink, plain]) {
      expect(out).toContain('what if: .python-version says 3.13 (no file is changed)');
      expect(out).toContain('since main (0123456789ab): decided against the layers a build of main would have left (pip, Python 3.12.13), not the local ones');
      expect(out).toContain('python, pip-cache, venv rebuilt — about 3.0 s (last: 3.0 s); no estimate for pip-cache');
      expect(out).toContain('Cache busted: python, poetry from a build of main would not be reused.');
    }
    expect(ink).toContain('It drops poetry: left by a build of main');
  });

  it('says when there are no layers at all', () => {
    expect(view(<ExplainView report={explain({ layers: [], warnings: [], notes: [] })} />)).toContain('(no layers)');
  });
});

describe('DoctorView', () => {
  const report: DoctorReport = {
    app: '/tmp/shop',
    verdict: 'would-fail',
    ok: false,
    unchecked: [],
    checks: [
      { id: 'git', area: 'git', status: 'pass', message: 'uv.lock is committed' },
      { id: 'pm', area: 'project files', status: 'pass', message: 'one package manager: uv (uv.lock)' },
      {
        id: 'two-pms',
        area: 'project files',
        status: 'fail',
        message: 'requirements.txt is also present',
        fix: 'git rm requirements.txt',
        code: 'multiple-package-managers',
      },
      { id: 'pv', area: 'python version', status: 'pass', message: '.python-version asks for 3.13 → Heroku installs 3.13.15' },
      { id: 'local', area: 'python version', status: 'warn', message: 'no local Python 3.13.15; 3.13.0 will stand in', fix: 'pyenv install 3.13' },
    ],
  };

  it('groups checks by area in the order a build meets them', () => {
    const out = view(<DoctorView report={report} />);
    expect(out.split('\n')).toEqual([
      'pybp doctor /tmp/shop',
      '',
      'Project files',
      '  ✓ one package manager: uv (uv.lock)',
      '  ✗ requirements.txt is also present (multiple-package-managers)',
      '      fix: git rm requirements.txt',
      '',
      'Python version',
      '  ✓ .python-version asks for 3.13 → Heroku installs 3.13.15',
      '  ! no local Python 3.13.15; 3.13.0 will stand in',
      '      fix: pyenv install 3.13',
      '',
      'Git',
      '  ✓ uv.lock is committed',
      '',
      '1 problem, 1 warning. Verdict: would fail: Heroku would fail this build (multiple-package-managers).',
    ]);
  });

  it('says cannot tell, naming each check that could not answer and what would settle it', () => {
    const unsure: DoctorReport = {
      app: '/tmp/shop',
      verdict: 'cannot-tell',
      ok: true,
      unchecked: [{ check: 'no-linux-wheel', why: 'Heroku would compile from source: greenlet 3.0.1', settle: 'pin greenlet>=3.1' }],
      checks: [
        { id: 'pm', area: 'project files', status: 'pass', message: 'one package manager' },
        {
          id: 'no-linux-wheel',
          area: 'heroku readiness',
          status: 'warn',
          message: 'greenlet 3.0.1 has no wheel',
          fix: 'pin greenlet>=3.1',
          unchecked: { why: 'Heroku would compile from source: greenlet 3.0.1', settle: 'pin greenlet>=3.1' },
        },
      ],
    };
    const lines = view(<DoctorView report={unsure} />).split('\n');
    expect(lines).toContain('  ? greenlet 3.0.1 has no wheel');
    expect(lines.slice(-3)).toEqual([
      '0 problems, 1 warning. Verdict: cannot tell: 1 check could not answer, none failed:',
      '  ? no-linux-wheel: Heroku would compile from source: greenlet 3.0.1',
      '    settle: pin greenlet>=3.1',
    ]);
  });

  it('says when everything passed', () => {
    const fine: DoctorReport = { app: '/tmp/shop', verdict: 'would-build', ok: true, unchecked: [], checks: report.checks.filter((c) => c.status === 'pass') };
    const out = view(<DoctorView report={fine} />);
    expect(out).not.toContain('fix:');
    expect(out.split('\n').at(-1)).toBe('No problems, no warnings. Verdict: would build: every check ran, none failed.');
  });
});
