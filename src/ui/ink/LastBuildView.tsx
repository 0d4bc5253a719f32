// `pybp explain --last` / `--build N` in a terminal: a recorded build's
// decisions, reasons, times and sizes, like the build's own summary.
import { Box } from 'ink';
import { Text } from './Text.js';
import type { LastBuildReport } from '../../engine/index.js';
import { formatDuration, formatWhen } from '../format.js';
import { Header } from './Header.js';
import { STATUS_COLOR } from './HistoryView.js';
import { LayerOutcomeRow } from './LayerOutcomeRow.js';
import { ReasonLine } from './ReasonLine.js';
import { NoteLines } from './NoteLines.js';

export function LastBuildView({ report }: { report: LastBuildReport }) {
  const b = report.build;
  const nameWidth = Math.max(8, ...b.layers.map((l) => l.name.length));
  return (
    <Box flexDirection="column">
      <Header
        command="explain"
        app={`${report.app} — build #${b.id}${b.id === report.newestId ? ' (the last one)' : ''}`}
        packageManager={b.packageManager}
        python={b.python}
        source={b.python?.interpreter ? { kind: 'local', interpreter: b.python.interpreter, substituted: false } : null}
        target={b.target}
        layersDir={report.layersDir}
        environment={b.environment ?? undefined}
      />
      <Box paddingLeft={2}>
        <Text>
          <Text dimColor>started </Text>
          {formatWhen(b.startedAt)}
          <Text dimColor>; </Text>
          <Text color={STATUS_COLOR[b.status]}>{b.status}</Text> after <Text bold>{formatDuration(b.durationMs)}</Text>
          {b.error ? <Text color="red">  {b.error.code}: {b.error.title}</Text> : null}
        </Text>
      </Box>
      <Box marginTop={1} flexDirection="column">
        {b.layers.length === 0 ? <Text dimColor>(the build stopped before deciding on any layer)</Text> : null}
        {b.layers.map((l) => {
          return (
            <Box key={l.name} flexDirection="column">
              <LayerOutcomeRow layer={l} nameWidth={nameWidth} />
              {l.reasons.map((r, i) => (
                <ReasonLine key={i} reason={r} indent={nameWidth + 2} />
              ))}
            </Box>
          );
        })}
      </Box>
      <NoteLines notes={report.notes} />
    </Box>
  );
}
