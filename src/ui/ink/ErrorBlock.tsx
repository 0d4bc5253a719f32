// A failure the user can act on, framed: what went wrong, its code, the
// values involved, and what to do about it.
import { Box } from 'ink';
import { Text } from './Text.js';
import type { ErrorData } from '../../engine/index.js';
import { forTerminal } from '../terminal-view.js';

export interface ErrorBlockProps {
  error: ErrorData;
  /** --debug: keep stack frames that reached the details. */
  debug?: boolean;
}

const STACK_FRAME = /^\s*at\s/;

export function ErrorBlock({ error: untrusted, debug = false }: ErrorBlockProps) {
  const error = forTerminal(untrusted);
  const details = (error.details ?? [])
    .flatMap((d) => d.split('\n'))
    .filter((line) => debug || !STACK_FRAME.test(line));
  return (
    <Box flexDirection="column" borderStyle="round" borderColor="red" paddingX={1}>
      <Text>
        <Text color="red" bold>
          ✗ {error.title}
        </Text>
        <Text dimColor> ({error.code})</Text>
      </Text>
      <Text>{error.message}</Text>
      {details.length > 0 ? (
        <Box flexDirection="column" paddingLeft={2}>
          {details.map((d, i) => (
            <Text key={i} dimColor>
              {d}
            </Text>
          ))}
        </Box>
      ) : null}
      {error.output ? (
        <Box flexDirection="column" marginTop={1}>
          <Text dimColor>last output lines:</Text>
          {error.output.map((line, i) => (
            <Text key={i} dimColor wrap="truncate-end">
              {'  │ '}
              {line}
            </Text>
          ))}
        </Box>
      ) : null}
      <Box marginTop={1}>
        <Text>
          <Text bold color="green">
            fix:
          </Text>{' '}
          {error.fix}
        </Text>
      </Box>
    </Box>
  );
}
