// The plain renderer (CI, pipes): a fixed event sequence in, fixed text out.
// Colour codes are stripped, and the padding spaces at line ends trimmed.
import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { BuildReport } from '../../src/engine/executor/build.js';
import type { EngineEvent } from '../../src/engine/core/events.js';
import { PlainBuildPrinter } from '../../src/ui/plain/build.js';
import {
  failureEvents,
  firstBuild,
  interruptedError,
  interruptedEvents,
  pipFailed,
  report,
  secondBuild,
  successEvents,
  versionChange,
} from './fixtures.js';

function print(events: EngineEvent[], final: BuildReport, pybp?: string[]): { out: string; err: string } {
  const sink = () => {
    const chunks: string[] = [];
    const stream = { write: (chunk: string) => chunks.push(chunk) > 0 } as unknown as NodeJS.WritableStream;
    const text = () =>
      stripVTControlCharacters(chunks.join(''))
        .split('\n')
        .map((line) => line.trimEnd())
        .join('\n');
    return { stream, text };
  };
  const out = sink();
  const err = sink();
  const printer = new PlainBuildPrinter(out.stream, err.stream, pybp);
  for (const e of events) printer.onEvent(e);
  printer.finish(final);
  return { out: out.text(), err: err.text() };
}

const header = `pybp build /tmp/shop
package manager: pip; Python 3.12 → 3.12.13 (.python-version)
interpreter: local 3.12.1 at /py/3.12.1
target: ubuntu 24.04 amd64; layers: /tmp/shop/.pybp/layers
environment: Heroku-clean (a fresh HOME; no pip, uv or Poetry config of yours or the machine's)

[Determining Python version]
Using Python version 3.12 specified in .python-version
`;

const substitutedWarning = `
[Warning: Local Python 3.12.1 stands in for 3.12.13] (python-patch-substituted)
Heroku would install Python 3.12.13; this machine has no 3.12.13, so pybp uses the local 3.12.1.
`;

describe('PlainBuildPrinter', () => {
  it('prints a second build with reused layers', () => {
    const { out, err } = print(successEvents(secondBuild), report(secondBuild, 'succeeded'));
    expect(out).toBe(`${header}
[Installing Python]
python: REUSED
 - Python 3.12.13 (ubuntu 24.04, amd64) unchanged
python: reused in 0.9 s, 274 MB

[Installing pip]
pip: REUSED
 - pip 26.1.2 unchanged
pip: reused in 6.4 s, 10 MB

[Installing dependencies using pip]
pip-cache: REUSED
 - pip's download and wheel cache unchanged
pip-cache: reused in 0.0 s, 0 B
venv: ALWAYS REBUILT
 - uncached for pip: pip never removes packages dropped from requirements.txt, so the venv is made fresh
Running 'pip install -r requirements.txt'
$ pip install --requirement requirements.txt
  Collecting tinyweb==1.0.0
  Successfully installed tinyweb-1.0.0
venv: always rebuilt in 0.9 s, 14 KB

Summary
  python     REUSED             0.9 s   274 MB
  pip        REUSED             6.4 s    10 MB
  pip-cache  REUSED             0.0 s      0 B
  venv       ALWAYS REBUILT     0.9 s    14 KB

Build succeeded in 8.5 s.
next: pybp run /tmp/shop -- <command> runs a command with this build's environment
`);
    expect(err).toBe('');
  });

  it('prints discarded layers with their reasons, and the dropped layer in the summary', () => {
    const { out, err } = print(successEvents(versionChange), report(versionChange, 'succeeded'));
    expect(out).toBe(`${header}
[Installing Python]
python: DISCARDED
 - Python version changed from 3.12.13 to 3.13.15
 - interpreter: local 3.12.1 at /py/3.12.1 → local 3.13.0 at /py/3.13.0 — the interpreter behind the layer changed (pybp only: Heroku always downloads its own build) [pybp only]
python: discarded in 0.9 s, 274 MB

[Installing pip]
pip: DISCARDED
 - Python version changed from 3.12.13 to 3.13.15
Installing pip 26.1.2
$ python pip install pip==26.1.2
  Collecting pip==26.1.2
pip: discarded in 6.4 s, 10 MB

[Installing dependencies using pip]
pip-cache: DISCARDED
 - Python version changed from 3.12.13 to 3.13.15
pip-cache: discarded in 0.0 s, 0 B
venv: ALWAYS REBUILT
 - uncached for pip: pip never removes packages dropped from requirements.txt, so the venv is made fresh
Running 'pip install -r requirements.txt'
$ pip install --requirement requirements.txt
  Collecting tinyweb==1.0.0
  Successfully installed tinyweb-1.0.0
venv: always rebuilt in 0.9 s, 14 KB

Summary
  python     DISCARDED          0.9 s   274 MB
  pip        DISCARDED          6.4 s    10 MB
  pip-cache  DISCARDED          0.0 s      0 B
  venv       ALWAYS REBUILT     0.9 s    14 KB
  poetry     DROPPED

Build succeeded in 8.5 s.
next: pybp run /tmp/shop -- <command> runs a command with this build's environment
`);
    expect(err).toBe(substitutedWarning);
  });

  it("ends a successful build with a next: line naming pybp as it runs here, with the app's path quoted", () => {
    const spaced = { ...report(versionChange, 'succeeded'), app: '/tmp/my shop', layersDir: '/tmp/my shop/.pybp/layers' };
    const { out } = print(successEvents(versionChange), spaced, ['node', '/opt/pybp/dist/cli.js']);
    expect(out.trimEnd().split('\n').at(-1)).toBe("next: node /opt/pybp/dist/cli.js run '/tmp/my shop' -- <command> runs a command with this build's environment");
    const failed = print(failureEvents(), report(firstBuild, 'failed', pipFailed)).out;
    expect(failed).not.toContain('next:');
  });

  it('prints a failed build: all the tool output, then the error on stderr', () => {
    const { out, err } = print(failureEvents(), report(firstBuild, 'failed', pipFailed));
    expect(out).toBe(`${header}
[Installing Python]
python: CREATED
python: created in 0.9 s, 274 MB

[Installing pip]
pip: CREATED
Installing pip 26.1.2
$ python pip install pip==26.1.2
  Collecting pip==26.1.2
pip: created in 6.4 s, 10 MB

[Installing dependencies using pip]
pip-cache: CREATED
pip-cache: created in 0.0 s, 0 B
venv: ALWAYS REBUILT
 - uncached for pip: pip never removes packages dropped from requirements.txt, so the venv is made fresh
Running 'pip install -r requirements.txt'
$ pip install --requirement requirements.txt
  pip line 1
  pip line 2
  pip line 3
  pip line 4
  pip line 5
  pip line 6
  pip line 7
  pip line 8
  pip line 9
  pip line 10
  pip line 11
  pip line 12

Summary
  python     CREATED            0.9 s           rolled back
  pip        CREATED                            not reached
  pip-cache  CREATED                            not reached
  venv       ALWAYS REBUILT                     not reached

Build failed in 8.5 s.
`);
    expect(err).toBe(`${substitutedWarning}
[Error: Dependencies could not be installed with pip] (pip-dependencies-failed)
\`pip install -r requirements.txt\` failed (exit status: 1). pip's output above says why.
fix: Fix requirements.txt (or the package it names) and build again.
`);
  });

  it('prints an interrupted build', () => {
    const { out, err } = print(interruptedEvents(), report(firstBuild, 'interrupted', interruptedError, ['python', 'pip']));
    expect(out).toBe(`${header}
[Installing Python]
python: CREATED
python: created in 0.9 s, 274 MB

[Installing pip]
pip: CREATED
Installing pip 26.1.2
$ python pip install pip==26.1.2
  Collecting pip==26.1.2

Summary
  python     CREATED            0.9 s           rolled back
  pip        CREATED                            rolled back
  pip-cache  CREATED                            not reached
  venv       ALWAYS REBUILT                     not reached

Build interrupted in 8.5 s.
`);
    expect(err).toBe(`${substitutedWarning}
[Error: The build was interrupted] (interrupted)
The build was stopped before it finished. The layers were put back as the last successful build left them.
fix: Run the build again when you are ready.
`);
  });
});
