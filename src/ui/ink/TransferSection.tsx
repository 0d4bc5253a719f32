// A shared cache's restore (before the build) or save (after it): while it
// runs, one row per blob with a bar, bytes done of the total and the rate;
// once it is done, a line per blob moved or skipped and the totals.
import { Box } from 'ink';
import Spinner from 'ink-spinner';
import { Text } from './Text.js';
import { formatDuration } from '../format.js';
import type { TransferBlob, TransferState } from './build-state.js';
import { blobDoneText, blobFailedText, blobName, formatBytes, formatProgress, formatRate, progressBar, skippedText, totalsText, transferTitle } from '../transfer-text.js';

export interface TransferSectionProps {
  transfer: TransferState;
  /** The clock, for a running transfer's elapsed time. */
  now?: number;
}

export function TransferSection({ transfer: t, now }: TransferSectionProps) {
  const running = t.end === null;
  const elapsed = t.end?.durationMs ?? (now !== undefined ? Math.max(0, now - t.startedAt) : null);
  const width = Math.max(4, ...t.blobs.map((b) => blobName(b.name).length), ...t.skipped.map((s) => blobName(s.name).length));
  const blobs = running ? t.blobs : t.blobs.filter((b) => b.status === 'done' || b.status === 'failed');
  return (
    <Box flexDirection="column">
      <Text>
        <Mark transfer={t} /> <Text bold>{transferTitle(t.direction, t.cache, !t.end?.ok, !t.blobs.some((b) => b.status === 'done'))}</Text>
        {elapsed != null ? <Text dimColor>  {formatDuration(elapsed)}</Text> : null}
        {t.end?.interrupted ? <Text color="yellow">  interrupted</Text> : t.end && !t.end.ok ? <Text color="red">  failed</Text> : null}
      </Text>
      {blobs.map((b) => (
        <Box key={`b-${blobName(b.name)}`} paddingLeft={2}>
          <Text>
            <Text bold>{blobName(b.name).padEnd(width)}</Text>  <BlobFacts blob={b} direction={t.direction} />
          </Text>
        </Box>
      ))}
      {t.skipped.map((s) => (
        <Box key={`s-${blobName(s.name)}`} paddingLeft={2}>
          <Text dimColor>
            {blobName(s.name).padEnd(width)}  {skippedText({ direction: t.direction, ...s })}
          </Text>
        </Box>
      ))}
      {t.end ? (
        <Box paddingLeft={2}>
          <Text dimColor>{totalsText(t.end)}</Text>
        </Box>
      ) : null}
    </Box>
  );
}

function BlobFacts({ blob: b, direction }: { blob: TransferBlob; direction: TransferState['direction'] }) {
  switch (b.status) {
    case 'waiting':
      if (direction === 'save' && b.phase === 'moving') return <Text dimColor>packed, waiting to upload</Text>;
      return <Text dimColor>waiting{b.bytesTotal != null ? ` · ${formatBytes(b.bytesTotal)}` : ''}</Text>;
    case 'running':
      if (b.phase === 'packing') return <Text>packing  {formatBytes(b.bytesDone)}</Text>;
      return (
        <Text>
          {b.bytesTotal != null ? <Text color="cyan">{progressBar(b.bytesDone / Math.max(b.bytesTotal, 1))}  </Text> : null}
          {formatProgress(b.bytesDone, b.bytesTotal)}
          <Text dimColor>  {formatRate(b.bytesDone, b.elapsedMs)}</Text>
        </Text>
      );
    case 'done':
      return <Text>{blobDoneText({ bytes: b.bytesDone, durationMs: b.elapsedMs })}</Text>;
    case 'failed':
      return <Text color="yellow">{blobFailedText(direction, b.bytesDone, b.phase)}</Text>;
  }
}

function Mark({ transfer: t }: { transfer: TransferState }) {
  if (!t.end) {
    return (
      <Text color="cyan">
        <Spinner type="dots" />
      </Text>
    );
  }
  if (t.end.ok) return <Text color="green">✓</Text>;
  return <Text color={t.end.interrupted ? 'yellow' : 'red'}>✗</Text>;
}
