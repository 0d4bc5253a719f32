// `pybp history` in a terminal: one row per build, newest first, with what it rebuilt.
import { Box } from 'ink';
import { Text } from './Text.js';
import { type HistoryReport, madeLayers } from '../../engine/index.js';
import type { BuildStatus } from '../../engine/index.js';
import { formatDuration, formatWhen } from '../format.js';
import { NoteLines } from './NoteLines.js';

export const STATUS_COLOR: Record<BuildStatus, string> = { succeeded: 'green', failed: 'red', interrupted: 'yellow' };

export function HistoryView({ report }: { report: HistoryReport }) {
  const idWidth = Math.max(2, ...report.builds.map((b) => String(b.id).length + 1));
  return (
    <Box flexDirection="column">
      <Text>
        <Text bold>pybp history</Text> {report.app}
      </Text>
      <Box paddingLeft={2}>
        <Text>
          <Text dimColor>layers: </Text>
          {report.layersDir}
        </Text>
      </Box>
      <Box marginTop={1} flexDirection="column">
        {report.builds.length === 0 ? <Text dimColor>(no builds recorded yet)</Text> : null}
        {report.builds.map((b) => {
          const made = madeLayers(b);
          return (
            <Box key={b.id} flexDirection="column">
              <Text>
                <Text bold>{`#${b.id}`.padStart(idWidth)}</Text>  <Text dimColor>{formatWhen(b.startedAt)}</Text>{'  '}
                <Text color={STATUS_COLOR[b.status]}>{b.status.padEnd(11)}</Text> {formatDuration(b.durationMs).padStart(7)}{'  '}
                <Text color="cyan">{b.packageManager ? `${b.packageManager}${b.python ? `, Python ${b.python.resolved}` : ''}` : '—'}</Text>
              </Text>
              <Box paddingLeft={idWidth + 2}>
                <Text>
                  {made.length > 0 ? <Text color="yellow">rebuilt: {made.join(', ')}</Text> : b.status === 'succeeded' ? <Text color="green">all reused</Text> : null}
                  {b.error ? <Text color="red">{made.length > 0 || b.status === 'succeeded' ? ' · ' : ''}{b.error.code}</Text> : null}
                </Text>
              </Box>
            </Box>
          );
        })}
      </Box>
      <NoteLines notes={report.notes} />
    </Box>
  );
}
