// The `note:` lines closing explain, history and explain --last: facts that
// bound the answer (what was left out, what could not be read), dimmed.
import { Text } from './Text.js';

export function NoteLines({ notes }: { notes: readonly string[] }) {
  return (
    <>
      {notes.map((n, i) => (
        <Text key={i} dimColor>
          note: {n}
        </Text>
      ))}
    </>
  );
}
