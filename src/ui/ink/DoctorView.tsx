// `pybp doctor` in a terminal: every check, grouped by area in the order a
// build meets them, and one line that says whether Heroku would build the app.
import { Box } from 'ink';
import { Text } from './Text.js';
import { CHECK_AREAS, countChecks, type CheckArea, type DoctorReport } from '../../engine/index.js';
import { doctorSummary, UNCHECKED_MARK, uncheckedLines } from '../plain/doctor.js';
import { CheckRow } from './CheckRow.js';

export function DoctorView({ report }: { report: DoctorReport }) {
  const areas: CheckArea[] = [...CHECK_AREAS];
  for (const c of report.checks) if (!areas.includes(c.area)) areas.push(c.area);
  const groups = areas
    .map((area) => ({ area, checks: report.checks.filter((c) => c.area === area) }))
    .filter((g) => g.checks.length > 0);
  return (
    <Box flexDirection="column">
      <Text>
        <Text bold>pybp doctor</Text> {report.app}
      </Text>
      {groups.map((g) => (
        <Box key={g.area} flexDirection="column" marginTop={1}>
          <Text bold>{areaTitle(g.area)}</Text>
          {g.checks.map((c) => (
            <CheckRow key={c.id} check={c} />
          ))}
        </Box>
      ))}
      <Box marginTop={1} flexDirection="column">
        <DoctorSummary report={report} />
        {uncheckedLines(report).map((u) => (
          <Box key={u.check} flexDirection="column" paddingLeft={2}>
            <Text>
              <Text color="yellow" bold>
                {UNCHECKED_MARK}
              </Text>{' '}
              {u.check}: {u.why}
            </Text>
            <Box paddingLeft={2}>
              <Text>
                <Text bold>settle:</Text> {u.settle}
              </Text>
            </Box>
          </Box>
        ))}
      </Box>
    </Box>
  );
}

/** The plain renderer's closing line, coloured by how bad it is. */
export function DoctorSummary({ report }: { report: DoctorReport }) {
  const n = countChecks(report.checks);
  const color = report.verdict === 'would-fail' || n.fail > 0 ? 'red' : report.verdict === 'cannot-tell' || n.warn > 0 ? 'yellow' : 'green';
  return (
    <Text color={color} bold>
      {doctorSummary(report)}
    </Text>
  );
}

function areaTitle(area: string): string {
  return area.charAt(0).toUpperCase() + area.slice(1);
}
