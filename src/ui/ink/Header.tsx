// What is being built: app, package manager, the Python version asked for and
// the one it resolves to (and where the interpreter comes from), the target.
import { Box } from 'ink';
import { Text } from './Text.js';
import { formatBuildEnv, formatPaths, formatTarget } from '../format.js';

export interface HeaderProps {
  command: 'build' | 'explain';
  app: string;
  packageManager: string | null;
  python: { requested: string; resolved: string; origin: string } | null;
  source: { kind: string; interpreter: string | null; substituted: boolean } | null;
  target: { arch: string; distro_name: string; distro_version: string; origin?: string } | null;
  layersDir: string | null;
  /** The environment a build runs tools in; shown when it is the user's config. Absent where it is not known (a past build's record). */
  environment?: { kind: 'heroku-clean' | 'host-config'; origin: 'default' | 'config' | 'flag' };
  /** Which paths the build's tools see; absent where it is not known. */
  paths?: { mode: 'heroku' | 'host'; origin: 'default' | 'config' | 'flag'; layers: string; app: string };
}

export function Header({ command, app, packageManager, python, source, target, layersDir, environment, paths }: HeaderProps) {
  return (
    <Box flexDirection="column">
      <Text>
        <Text bold>pybp {command}</Text> {app}
      </Text>
      <Box paddingLeft={2} flexDirection="column">
        <Text>
          {packageManager ? <Text color="cyan">{packageManager}</Text> : <Text dimColor>package manager unknown</Text>}
          {python ? (
            <>
              <Text dimColor> · </Text>
              Python {python.requested} → <Text bold>{python.resolved}</Text>
              <Text dimColor> ({python.origin})</Text>
            </>
          ) : null}
          {target ? (
            <>
              <Text dimColor> · </Text>
              {formatTarget(target)}
              {target.origin && target.origin !== 'host' ? <Text dimColor> ({target.origin})</Text> : null}
            </>
          ) : null}
        </Text>
        {source ? (
          <Text>
            <Text dimColor>interpreter: </Text>
            {source.interpreter ?? source.kind}
            {source.substituted && python ? <Text color="yellow"> (stands in for {python.resolved})</Text> : null}
          </Text>
        ) : null}
        {layersDir ? (
          <Text>
            <Text dimColor>layers: </Text>
            {layersDir}
          </Text>
        ) : null}
        {/* As the environment: Heroku's paths go unsaid, the host's are a difference from Heroku (explain's plain lines and JSON always say). */}
        {paths?.mode === 'host' ? (
          <Text>
            <Text dimColor>paths: </Text>
            {formatPaths(paths)}
          </Text>
        ) : null}
        {/* The Heroku-clean environment is the default and goes unsaid here (plain and JSON always say it); the user's config is a difference from Heroku. */}
        {environment?.kind === 'host-config' ? (
          <Text>
            <Text dimColor>environment: </Text>
            <Text color="yellow">{formatBuildEnv(environment)}</Text>
          </Text>
        ) : null}
      </Box>
    </Box>
  );
}
