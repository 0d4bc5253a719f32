// Where this local build is not what Heroku would build: a stand-in
// interpreter, uv pointed at it, and reasons only pybp knows about.
import { Box } from 'ink';
import { Text } from './Text.js';
import type { HerokuDifference } from '../format.js';

export function HerokuDifferences({ items }: { items: HerokuDifference[] }) {
  if (items.length === 0) return null;
  return (
    <Box flexDirection="column">
      <Text color="yellow" bold>
        Differs from Heroku
      </Text>
      {items.map((d, i) => (
        <Box key={i} paddingLeft={2}>
          <Box width={2} flexShrink={0}>
            <Text color="yellow">!</Text>
          </Box>
          <Text>
            <Text dimColor>{d.source}: </Text>
            {d.text}
          </Text>
        </Box>
      ))}
    </Box>
  );
}
