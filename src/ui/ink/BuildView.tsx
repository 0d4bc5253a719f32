// `pybp build` in a terminal. Finished things (header, finished steps, the
// closing summary) are printed once through <Static> and scroll like normal
// output; only the running step and its live output are redrawn.
import { Box, Static, useApp } from 'ink';
import { Text } from './Text.js';
import Spinner from 'ink-spinner';
import { useEffect, useState, useSyncExternalStore } from 'react';
import { formatDuration, herokuDifferences, nextRunCommand } from '../format.js';
import type { BuildEnd, DoneItem } from './build-state.js';
import type { BuildStore } from './build-store.js';
import { ErrorBlock } from './ErrorBlock.js';
import { FullWidth } from './FullWidth.js';
import { Header } from './Header.js';
import { HerokuDifferences } from './HerokuDifferences.js';
import { InterruptedNotice } from './InterruptedNotice.js';
import { LayerRow } from './LayerRow.js';
import { StepRow } from './StepRow.js';
import { SummaryTable } from './SummaryTable.js';
import { TransferSection } from './TransferSection.js';
import { WarningLine } from './WarningLine.js';

export interface BuildViewProps {
  store: BuildStore;
  debug?: boolean;
  /** How often the running step's clock moves. */
  tickMs?: number;
  /** The words that run this pybp on the user's PATH (commands/self-command.ts), for the next: hint. */
  pybp?: readonly string[];
}

export function BuildView({ store, debug = false, tickMs = 1000, pybp = ['pybp'] }: BuildViewProps) {
  const state = useSyncExternalStore(store.subscribe, store.getState);
  const { exit } = useApp();
  const now = useClock(state.report ? 0 : tickMs);
  useEffect(() => {
    if (!state.report) return;
    // Exit once the frame with the summary is committed and <Static> has taken
    // in its last items; exiting in the same commit would print them twice.
    const timer = setTimeout(exit, 0);
    return () => clearTimeout(timer);
  }, [state.report, exit]);
  const waiting = !state.current && !state.transfer && !state.report && !state.error && state.done.length === 0;
  return (
    <>
      <Static items={state.done}>
        {(item) => (
          <FullWidth key={item.key}>
            <DoneBlock item={item} debug={debug} pybp={pybp} />
          </FullWidth>
        )}
      </Static>
      {waiting ? (
        <Text>
          <Text color="cyan">
            <Spinner type="dots" />
          </Text>{' '}
          Reading the app
        </Text>
      ) : null}
      {state.current ? (
        <Box marginTop={1}>
          <StepRow step={state.current} now={now} />
        </Box>
      ) : null}
      {state.transfer ? (
        <Box marginTop={1}>
          <TransferSection transfer={state.transfer} now={now} />
        </Box>
      ) : null}
    </>
  );
}

function DoneBlock({ item, debug, pybp }: { item: DoneItem; debug: boolean; pybp: readonly string[] }) {
  switch (item.kind) {
    case 'header': {
      const p = item.plan;
      return (
        <Box flexDirection="column">
          <Header
            command="build"
            app={p.app}
            packageManager={p.packageManager}
            python={p.python}
            source={p.source}
            target={p.target}
            layersDir={p.layersDir}
            environment={p.environment}
            paths={p.paths}
          />
          {item.drops.length > 0 ? (
            <Box flexDirection="column" marginTop={1}>
              <Text bold>Left by an earlier build, not used by this one:</Text>
              {item.drops.map((d) => (
                <LayerRow key={String(d.name)} indent={2} name={String(d.name)} action={d.action} reasons={d.reasons} />
              ))}
            </Box>
          ) : null}
        </Box>
      );
    }
    case 'recovered':
      return (
        <Text color="yellow">
          {item.what === 'rolled-back'
            ? 'An earlier build was interrupted: its changes were undone and the layers are as the last successful build left them.'
            : 'An earlier build was interrupted while committing: its commit was completed.'}
        </Text>
      );
    case 'step':
      return (
        <Box marginTop={1}>
          <StepRow step={item.step} />
        </Box>
      );
    case 'info':
      return <Text dimColor>{item.message}</Text>;
    case 'warning':
      return <WarningLine warning={item.warning} />;
    case 'transfer':
      // The restore comes before the build's header: a blank line between them.
      return (
        <Box marginTop={1} marginBottom={item.transfer.direction === 'restore' ? 1 : 0}>
          <TransferSection transfer={item.transfer} />
        </Box>
      );
    case 'end':
      return <BuildSummary end={item.end} debug={debug} pybp={pybp} />;
  }
}

function BuildSummary({ end, debug, pybp }: { end: BuildEnd; debug: boolean; pybp: readonly string[] }) {
  const { report, error } = end;
  const differences = herokuDifferences(report.warnings, report.layers);
  return (
    <Box flexDirection="column" marginTop={1}>
      {report.layers.length > 0 ? <SummaryTable layers={report.layers} durationMs={report.durationMs} /> : null}
      {differences.length > 0 ? (
        <Box marginTop={1}>
          <HerokuDifferences items={differences} />
        </Box>
      ) : null}
      {report.status === 'interrupted' ? (
        <Box marginTop={1}>
          <InterruptedNotice step={end.interruptedStep} fix={error?.fix} />
        </Box>
      ) : error ? (
        <Box marginTop={1} flexDirection="column">
          <ErrorBlock error={error} debug={debug} />
          {end.touchedLayers ? (
            <Text dimColor>Nothing from this build was kept: the layers are as the last successful build left them.</Text>
          ) : null}
        </Box>
      ) : null}
      <Box marginTop={1} flexDirection="column">
        {report.status === 'succeeded' ? (
          <>
            <Text color="green" bold>
              ✓ Build succeeded in {formatDuration(report.durationMs)}.
            </Text>
            <Text>
              <Text dimColor>next: </Text>{nextRunCommand(pybp, report)} -- {'<command>'}
              <Text dimColor> runs a command with this build's environment</Text>
            </Text>
          </>
        ) : report.status === 'interrupted' ? (
          <Text color="yellow" bold>
            Build interrupted after {formatDuration(report.durationMs)}.
          </Text>
        ) : (
          <Text color="red" bold>
            ✗ Build failed{end.failedStep ? ` during “${end.failedStep}”` : ''} after {formatDuration(report.durationMs)}.
          </Text>
        )}
      </Box>
    </Box>
  );
}

/** The time, moving every `tickMs` (0 stops it). */
function useClock(tickMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (tickMs <= 0) return;
    const timer = setInterval(() => setNow(Date.now()), tickMs);
    return () => clearInterval(timer);
  }, [tickMs]);
  return now;
}
