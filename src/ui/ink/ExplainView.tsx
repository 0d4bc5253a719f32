// `pybp explain` in a terminal: the same plan `build` would carry out, as a
// table, with what it would drop and what the rebuilds cost.
import { Box, Text } from 'ink';
import type { ExplainReport } from '../../engine/explain.js';
import { formatDuration } from '../format.js';
import { ErrorBlock } from './ErrorBlock.js';
import { ExplainTable, rebuilds } from './ExplainTable.js';
import { Header } from './Header.js';
import { WarningLine } from './WarningLine.js';

export function ExplainView({ report, debug = false }: { report: ExplainReport; debug?: boolean }) {
  const drops = report.layers.filter((l) => l.action === 'drop');
  const remade = rebuilds(report.layers);
  const timed = remade.filter((l) => l.lastBuildMs != null);
  const untimed = remade.filter((l) => l.lastBuildMs == null);
  const cost = timed.reduce((sum, l) => sum + (l.lastBuildMs ?? 0), 0);
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
      />
      <Box marginTop={1} flexDirection="column">
        {report.layers.length > 0 ? <ExplainTable layers={report.layers} /> : report.error ? null : <Text dimColor>(no layers)</Text>}
      </Box>
      {report.layers.length > 0 ? (
        <Box marginTop={1} flexDirection="column">
          {remade.length === 0 ? (
            <Text color="green">The next build reuses every layer.</Text>
          ) : (
            <Text>
              The next build makes {remade.length} layer{remade.length === 1 ? '' : 's'} again ({remade.map((l) => l.name).join(', ')})
              {timed.length > 0 ? (
                <>
                  {untimed.length > 0 ? `; the ${timed.length} with a recorded time ` : remade.length === 1 ? '; it ' : '; together they '}
                  <Text bold>took {formatDuration(cost)}</Text> when last made
                </>
              ) : null}
              .
            </Text>
          )}
          {drops.length > 0 ? (
            <Text>
              It drops {drops.map((l) => l.name).join(', ')}: left by an earlier build, not used now, not cached again.
            </Text>
          ) : null}
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
          {report.notes.map((n, i) => (
            <Text key={i} dimColor>
              note: {n}
            </Text>
          ))}
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
