// One buildpack section: a spinner while it runs, then ✓ or ✗ and its time;
// under it, its layers (badge, reasons), messages, warnings and tool output.
import { Box } from 'ink';
import { Text } from './Text.js';
import Spinner from 'ink-spinner';
import { formatDuration } from '../format.js';
import type { StepState } from './build-state.js';
import { LayerRow } from './LayerRow.js';
import { OutputBox } from './OutputBox.js';
import { WarningLine } from './WarningLine.js';

export interface StepRowProps {
  step: StepState;
  /** The clock, for the running step's elapsed time. */
  now?: number;
}

export function StepRow({ step, now }: StepRowProps) {
  const elapsed = step.durationMs ?? (now !== undefined ? Math.max(0, now - step.startedAt) : null);
  return (
    <Box flexDirection="column">
      <Text>
        <StatusMark status={step.status} /> <Text bold>{step.title}</Text>
        {elapsed != null ? <Text dimColor>  {formatDuration(elapsed)}</Text> : null}
        {step.status === 'interrupted' ? <Text color="yellow">  interrupted</Text> : null}
        {step.status === 'failed' ? <Text color="red">  failed</Text> : null}
      </Text>
      {step.entries.map((entry, i) => {
        switch (entry.kind) {
          case 'layer':
            return <LayerRow key={i} indent={2} {...entry.layer} />;
          case 'info':
            return (
              <Box key={i} paddingLeft={2}>
                <Text dimColor>{entry.message}</Text>
              </Box>
            );
          case 'warning':
            return <WarningLine key={i} indent={2} warning={entry.warning} />;
        }
      })}
      {step.status === 'running' ? <OutputBox lines={step.output} mode="live" /> : null}
      {step.status === 'failed' || step.status === 'interrupted' ? <OutputBox lines={step.output} mode="full" /> : null}
      {step.status === 'succeeded' && step.outputCount > 0 ? (
        <Box paddingLeft={2}>
          <Text dimColor>
            {step.outputCount} line{step.outputCount === 1 ? '' : 's'} of output hidden (the step succeeded)
          </Text>
        </Box>
      ) : null}
    </Box>
  );
}

function StatusMark({ status }: { status: StepState['status'] }) {
  switch (status) {
    case 'running':
      return (
        <Text color="cyan">
          <Spinner type="dots" />
        </Text>
      );
    case 'succeeded':
      return <Text color="green">✓</Text>;
    case 'failed':
      return <Text color="red">✗</Text>;
    case 'interrupted':
      return <Text color="yellow">✗</Text>;
  }
}
