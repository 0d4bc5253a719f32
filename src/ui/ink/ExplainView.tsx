// `pybp explain` in a terminal: the same plan `build` would carry out, as a
// table, with what it would drop, what the rebuilds would cost, and for
// what-if and --since what the answer assumes.
import { Box } from 'ink';
import { Text } from './Text.js';
import type { ExplainReport } from '../../engine/index.js';
import { costSummary, sinceHeadline, sinceVerdict } from '../format.js';
import { ErrorBlock } from './ErrorBlock.js';
import { ExplainTable } from './ExplainTable.js';
import { Header } from './Header.js';
import { NoteLines } from './NoteLines.js';
import { WarningLine } from './WarningLine.js';

export function ExplainView({ report, debug = false }: { report: ExplainReport; debug?: boolean }) {
  const drops = report.layers.filter((l) => l.action === 'drop');
  return (
    <Box flexDirection="column">
      <Header
        command="explain"
        app={report.app}
        packageManager={report.packageManager}
        python={report.python}
        source={report.source}
        target={report.target}
        layersDir={report.layersDir}
        environment={report.environment}
        paths={report.paths}
      />
      {report.assumed.length > 0 ? (
        <Box paddingLeft={2}>
          <Text color="cyan">what if: {report.assumed.join('; ')} (no file is changed)</Text>
        </Box>
      ) : null}
      {report.since ? (
        <Box paddingLeft={2}>
          <Text color="cyan">{sinceHeadline(report.since)}</Text>
        </Box>
      ) : null}
      <Box marginTop={1} flexDirection="column">
        {report.layers.length > 0 ? <ExplainTable layers={report.layers} /> : report.error ? null : <Text dimColor>(no layers)</Text>}
      </Box>
      {report.layers.length > 0 ? (
        <Box marginTop={1} flexDirection="column">
          <Text color={report.layers.some((l) => l.estimate) ? undefined : 'green'}>{costSummary(report)}</Text>
          {drops.length > 0 ? (
            <Text>
              It drops {drops.map((l) => l.name).join(', ')}: left by {report.since ? `a build of ${report.since.ref}` : 'an earlier build'}, not used now, not cached again.
            </Text>
          ) : null}
          {report.since ? <Text bold color={report.since.cacheBusted ? 'yellow' : 'green'}>{sinceVerdict(report.since, report)}</Text> : null}
        </Box>
      ) : null}
      {report.warnings.length > 0 ? (
        <Box marginTop={1} flexDirection="column">
          {report.warnings.map((w, i) => (
            <WarningLine key={i} warning={w} />
          ))}
        </Box>
      ) : null}
      {report.notes.length > 0 ? (
        <Box marginTop={1} flexDirection="column">
          <NoteLines notes={report.notes} />
        </Box>
      ) : null}
      {report.error ? (
        <Box marginTop={1}>
          <ErrorBlock error={report.error} debug={debug} />
        </Box>
      ) : null}
    </Box>
  );
}
