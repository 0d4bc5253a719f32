// Each Ink component on its own, in every state it can be in.
import { Text } from 'ink';
import { cleanup, render } from 'ink-testing-library';
import type { ReactElement } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import type { DoctorCheck } from '../../src/engine/doctor/types.js';
import type { StepState } from '../../src/ui/ink/build-state.js';
import { CheckRow } from '../../src/ui/ink/CheckRow.js';
import { ErrorBlock } from '../../src/ui/ink/ErrorBlock.js';
import { Header } from '../../src/ui/ink/Header.js';
import { HerokuDifferences } from '../../src/ui/ink/HerokuDifferences.js';
import { InterruptedNotice } from '../../src/ui/ink/InterruptedNotice.js';
import { LayerBadge } from '../../src/ui/ink/LayerBadge.js';
import { LayerRow } from '../../src/ui/ink/LayerRow.js';
import { OutputBox } from '../../src/ui/ink/OutputBox.js';
import { ReasonLine } from '../../src/ui/ink/ReasonLine.js';
import { StepRow } from '../../src/ui/ink/StepRow.js';
import { SummaryTable } from '../../src/ui/ink/SummaryTable.js';
import { herokuDifferences } from '../../src/ui/format.js';
import { interpreterChanged, pipFailed, plan, poetryDrop, pythonChanged, screen, substituted, venvReason } from './fixtures.js';

afterEach(() => cleanup());

function text(node: ReactElement): string {
  return screen(render(node).frames);
}

const lines = (n: number) => Array.from({ length: n }, (_, i) => ({ text: `out ${i + 1}` }));

function step(overrides: Partial<StepState>): StepState {
  return {
    id: 'pip-deps',
    title: 'Installing dependencies using pip',
    status: 'running',
    startedAt: 0,
    durationMs: null,
    entries: [],
    output: [],
    outputCount: 0,
    ...overrides,
  };
}

describe('LayerBadge', () => {
  it.each([
    ['reuse', 'REUSED', 'REUSE'],
    ['create', 'CREATED', 'CREATE'],
    ['discard', 'DISCARDED', 'DISCARD'],
    ['rebuild-always', 'ALWAYS REBUILT', 'REBUILD'],
    ['drop', 'DROPPED', 'DROP'],
  ] as const)('labels %s as %s (build) and %s (explain)', (action, done, planned) => {
    expect(text(<LayerBadge action={action} />)).toBe(done);
    expect(text(<LayerBadge action={action} tense="plan" />)).toBe(planned);
  });

  it('pads to a width so rows line up', () => {
    expect(
      text(
        <Text>
          <LayerBadge action="reuse" width={14} />|
        </Text>,
      ),
    ).toBe('REUSED        |');
  });
});

describe('ReasonLine', () => {
  it('shows field: old → new with its sentence', () => {
    expect(text(<ReasonLine reason={pythonChanged} />)).toBe(
      '↳ python_version: 3.12.13 → 3.13.15 — Python version changed from 3.12.13 to 3.13.15',
    );
  });

  it('shows only the sentence for a reason without values', () => {
    // A long sentence wraps at the terminal's width (100 columns here).
    expect(text(<ReasonLine reason={venvReason} />).replace(/\s*\n\s*/g, ' ')).toBe(`↳ ${venvReason.message}`);
  });

  it('writes (none) for a missing side and tags pybp-only reasons', () => {
    expect(text(<ReasonLine reason={poetryDrop} />)).toContain('layer: poetry (heroku/python) → (none) — not used by this build');
    expect(text(<ReasonLine reason={interpreterChanged} />)).toMatch(/\[pybp only\]$/);
  });
});

describe('LayerRow', () => {
  it('shows a reused layer with its time and size', () => {
    const out = text(
      <LayerRow name="pip" action="reuse" reasons={[{ field: 'metadata', from: null, to: null, message: 'pip 26.1.2 unchanged' }]} durationMs={12} sizeBytes={10 * 1024 * 1024} />,
    );
    expect(out).toBe('pip        REUSED          0.0 s · 10 MB\n           ↳ pip 26.1.2 unchanged');
  });

  it('shows every reason of a discarded layer', () => {
    const out = text(<LayerRow name="python" action="discard" reasons={[pythonChanged, interpreterChanged]} />);
    expect(out.split('\n')).toEqual([
      'python     DISCARDED',
      '           ↳ python_version: 3.12.13 → 3.13.15 — Python version changed from 3.12.13 to 3.13.15',
      expect.stringContaining('↳ interpreter: local 3.12.1 at /py/3.12.1 → local 3.13.0 at /py/3.13.0'),
      expect.stringContaining('[pybp only]'),
    ]);
  });

  it('shows created, always rebuilt and dropped layers', () => {
    expect(text(<LayerRow name="pip-cache" action="create" reasons={[]} durationMs={0} sizeBytes={0} />)).toBe('pip-cache  CREATED         0.0 s · 0 B');
    expect(text(<LayerRow name="venv" action="rebuild-always" reasons={[venvReason]} />)).toMatch(/^venv {7}ALWAYS REBUILT\n {11}↳ uncached for pip/);
    expect(text(<LayerRow name="poetry" action="drop" reasons={[poetryDrop]} />)).toMatch(/^poetry {5}DROPPED\n {11}↳ layer: poetry/);
  });
});

describe('OutputBox', () => {
  it('shows the last 8 lines while live, and how many came before', () => {
    const out = text(<OutputBox lines={lines(20)} mode="live" />);
    expect(out.split('\n')).toEqual([
      '  │ … 12 earlier lines',
      ...Array.from({ length: 8 }, (_, i) => `  │ out ${i + 13}`),
    ]);
  });

  it('keeps a live line to one row', () => {
    const out = text(<OutputBox lines={[{ text: 'x'.repeat(300) }]} mode="live" />);
    expect(out.split('\n')).toHaveLength(1);
    expect(out).toMatch(/x…$/);
  });

  it('shows every line in full mode', () => {
    const out = text(<OutputBox lines={lines(20)} mode="full" />);
    expect(out.split('\n')).toHaveLength(20);
    expect(out).toContain('│ out 1\n');
    expect(out).toMatch(/│ out 20$/);
  });

  it('draws nothing without output', () => {
    expect(text(<OutputBox lines={[]} mode="live" />)).toBe('');
  });
});

describe('StepRow', () => {
  it('spins while running, with the layers so far and the live output', () => {
    const out = text(
      <StepRow
        now={3400}
        step={step({
          entries: [{ kind: 'layer', layer: { name: 'venv', action: 'rebuild-always', reasons: [venvReason], durationMs: null, sizeBytes: null, finished: false } }],
          output: lines(10),
          outputCount: 10,
        })}
      />,
    );
    const rows = out.split('\n');
    expect(rows[0]).toMatch(/^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] Installing dependencies using pip {2}3\.4 s$/);
    expect(rows[1]).toBe('  venv       ALWAYS REBUILT');
    expect(out).toContain('│ … 2 earlier lines');
    expect(out).toContain('│ out 10');
    expect(out).not.toContain('│ out 2\n');
  });

  it('collapses the output of a step that succeeded', () => {
    const out = text(
      <StepRow
        step={step({
          status: 'succeeded',
          durationMs: 2100,
          entries: [{ kind: 'info', message: "Running 'pip install -r requirements.txt'" }],
          outputCount: 14,
        })}
      />,
    );
    expect(out).toBe(
      "✓ Installing dependencies using pip  2.1 s\n  Running 'pip install -r requirements.txt'\n  14 lines of output hidden (the step succeeded)",
    );
  });

  it('shows all the output of a step that failed', () => {
    const out = text(<StepRow step={step({ status: 'failed', durationMs: 1500, output: lines(12), outputCount: 12 })} />);
    expect(out.split('\n')[0]).toBe('✗ Installing dependencies using pip  1.5 s  failed');
    for (let i = 1; i <= 12; i++) expect(out).toContain(`│ out ${i}`);
    expect(out).not.toContain('earlier line');
  });

  it('says a step was interrupted', () => {
    const out = text(<StepRow step={step({ title: 'Installing pip', status: 'interrupted', durationMs: 2000, output: lines(1), outputCount: 1 })} />);
    expect(out).toBe('✗ Installing pip  2.0 s  interrupted\n  │ out 1');
  });

  it('shows warnings said during the step', () => {
    const out = text(<StepRow step={step({ status: 'succeeded', durationMs: 0, entries: [{ kind: 'warning', warning: substituted }] })} />);
    expect(out).toContain('! Local Python 3.12.1 stands in for 3.12.13 (python-patch-substituted)');
    expect(out).toContain('Heroku would install Python 3.12.13');
  });
});

describe('SummaryTable', () => {
  const layers = [
    { name: 'python', action: 'create' as const, durationMs: 900, sizeBytes: 274 * 1024 * 1024, outcome: 'done' as const },
    { name: 'pip', action: 'reuse' as const, durationMs: 10, sizeBytes: 10 * 1024 * 1024, outcome: 'done' as const },
    { name: 'venv', action: 'rebuild-always' as const, durationMs: 900, sizeBytes: 14 * 1024, outcome: 'done' as const },
    { name: 'poetry', action: 'drop' as const, durationMs: null, sizeBytes: null, outcome: 'done' as const },
  ];

  it('lists every layer with action, time and size, and the totals', () => {
    expect(text(<SummaryTable layers={layers} durationMs={8500} />)).toBe(
      [
        'layer   action              time      size',
        'python  CREATED            0.9 s    274 MB',
        'pip     REUSED             0.0 s     10 MB',
        'venv    ALWAYS REBUILT     0.9 s     14 KB',
        'poetry  DROPPED                —         —',
        'total                      8.5 s    284 MB',
      ].join('\n'),
    );
  });

  it('says what a build changed in the venv under its row', () => {
    const venv = { ...layers[2], packages: { add: [{ name: 'requests', version: '2.32.3' }], remove: [], change: [] } };
    expect(text(<SummaryTable layers={[venv]} durationMs={900} />)).toContain('venv   ALWAYS REBUILT     0.9 s     14 KB\n       +1 package (requests 2.32.3)');
  });

  it('marks layers a stopped build rolled back or never reached, without their size', () => {
    const out = text(
      <SummaryTable
        layers={[{ ...layers[0], outcome: 'rolled-back' }, { ...layers[2], durationMs: null, sizeBytes: null, outcome: 'not-reached' }]}
        durationMs={3000}
      />,
    );
    expect(out).toContain('python  CREATED            0.9 s         —  rolled back');
    expect(out).toContain('venv    ALWAYS REBUILT         —         —  not reached');
    expect(out).not.toContain('274 MB');
  });
});

describe('HerokuDifferences', () => {
  it('lists substitution warnings and pybp-only reasons', () => {
    const items = herokuDifferences(
      [
        { code: 'python-patch-substituted', message: 'local 3.12.1 stands in for 3.12.13' },
        { code: 'uv-python-override', message: 'UV_PYTHON was set' },
        { code: 'python-3.10-deprecated', message: 'not a difference' },
      ],
      [{ name: 'python', reasons: [pythonChanged, interpreterChanged] }],
    );
    const out = text(<HerokuDifferences items={items} />);
    expect(out.split('\n')[0]).toBe('Differs from Heroku');
    expect(out).toContain('! python-patch-substituted: local 3.12.1 stands in for 3.12.13');
    expect(out).toContain('! uv-python-override: UV_PYTHON was set');
    expect(out).toContain('! python: interpreter: local 3.12.1 at /py/3.12.1 → local 3.13.0 at /py/3.13.0');
    expect(out).not.toContain('not a difference');
    expect(out).not.toContain('python_version');
  });

  it('draws nothing when the build is what Heroku would do', () => {
    expect(text(<HerokuDifferences items={[]} />)).toBe('');
  });
});

describe('ErrorBlock', () => {
  it('frames title, code, message, details and the fix', () => {
    const out = text(<ErrorBlock error={{ ...pipFailed, details: ['requirements.txt line 3'] }} />);
    const rows = out.split('\n');
    expect(rows[0]).toMatch(/^╭─+╮$/);
    expect(rows.at(-1)).toMatch(/^╰─+╯$/);
    expect(out).toContain('│ ✗ Dependencies could not be installed with pip (pip-dependencies-failed)');
    expect(out).toContain("│ `pip install -r requirements.txt` failed (exit status: 1). pip's output above says why.");
    expect(out).toContain('│   requirements.txt line 3');
    expect(out).toContain('│ fix: Fix requirements.txt (or the package it names) and build again.');
  });

  const bug = {
    code: 'internal-error' as const,
    title: 'pybp hit an unexpected error',
    message: 'boom',
    fix: 'Run again with --debug.',
    details: ['Error: boom\n    at run (/src/x.ts:1:2)\n    at main (/src/y.ts:3:4)'],
  };

  it('hides stack frames unless --debug', () => {
    const out = text(<ErrorBlock error={bug} />);
    expect(out).toContain('Error: boom');
    expect(out).not.toContain('at run');
    expect(text(<ErrorBlock error={bug} debug />)).toContain('at run (/src/x.ts:1:2)');
  });
});

describe('InterruptedNotice', () => {
  it('names the step and says the layers were rolled back', () => {
    const out = text(<InterruptedNotice step="Installing pip" fix="Run the build again when you are ready." />);
    expect(out).toContain('Build interrupted during “Installing pip”');
    expect(out).toContain('The layers were rolled back');
    expect(out).toContain('Run the build again when you are ready.');
    expect(out.split('\n')[0]).toMatch(/^╭/);
  });
});

describe('Header', () => {
  it('shows app, package manager, Python requested → resolved, the interpreter and the target', () => {
    const out = text(<Header command="build" {...plan} />);
    expect(out).toBe(
      [
        'pybp build /tmp/shop',
        '  pip · Python 3.12 → 3.12.13 (.python-version) · ubuntu 24.04 amd64',
        '  interpreter: local 3.12.1 at /py/3.12.1 (stands in for 3.12.13)',
        '  layers: /tmp/shop/.pybp/layers',
      ].join('\n'),
    );
  });

  it('says when the build uses the user\'s HOME and tool config, and where that choice came from', () => {
    const flag = text(<Header command="build" {...plan} environment={{ kind: 'host-config', origin: 'flag' }} />);
    expect(flag).toContain("environment: your HOME and pip/uv/Poetry config (--host-config); Heroku's build sees none of it");
    const config = text(<Header command="build" {...plan} environment={{ kind: 'host-config', origin: 'config' }} />);
    expect(config).toContain('(build.hostConfig in the config)');
  });

  it('copes with an app that could not be analysed, and says where a target came from', () => {
    const out = text(
      <Header
        command="explain"
        app="/tmp/x"
        packageManager={null}
        python={null}
        source={null}
        target={{ arch: 'arm64', distro_name: 'ubuntu', distro_version: '22.04', origin: 'flag' }}
        layersDir={null}
      />,
    );
    expect(out).toBe('pybp explain /tmp/x\n  package manager unknown · ubuntu 22.04 arm64 (flag)');
  });
});

describe('CheckRow', () => {
  const base = { id: 'x', area: 'project files' as const };

  it('marks a pass with ✓ and no fix', () => {
    const check: DoctorCheck = { ...base, status: 'pass', message: 'one package manager: uv (uv.lock)', fix: 'unused' };
    expect(text(<CheckRow check={check} />)).toBe('  ✓ one package manager: uv (uv.lock)');
  });

  it('marks a warning with ! and its fix', () => {
    const check: DoctorCheck = { ...base, status: 'warn', message: 'no local Python 3.13.15', fix: 'pyenv install 3.13' };
    expect(text(<CheckRow check={check} />)).toBe('  ! no local Python 3.13.15\n      fix: pyenv install 3.13');
  });

  it('marks a failure with ✗, its code and its fix', () => {
    const check: DoctorCheck = {
      ...base,
      status: 'fail',
      message: 'requirements.txt is also present',
      fix: 'git rm requirements.txt',
      code: 'multiple-package-managers',
    };
    expect(text(<CheckRow check={check} />)).toBe(
      '  ✗ requirements.txt is also present (multiple-package-managers)\n      fix: git rm requirements.txt',
    );
  });
});
