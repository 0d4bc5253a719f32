// <Static> lays its items out in an absolutely positioned box with no width
// of its own; rows with a fixed-width column (a ✓, a ↳) then wrap one column
// too late and spill past the terminal's edge. Static items get the
// terminal's width explicitly.
import { Box, useStdout } from 'ink';
import type { ReactNode } from 'react';

export function FullWidth({ children }: { children: ReactNode }) {
  const { stdout } = useStdout();
  return (
    <Box width={stdout.columns || 80} flexDirection="column">
      {children}
    </Box>
  );
}
