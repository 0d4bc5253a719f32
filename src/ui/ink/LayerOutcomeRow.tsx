// One layer's line in a build's summary, shared by the build's closing table
// and `explain --last`: its action (dimmed when the build did not keep the
// layer), time, size (only for a kept layer: a rolled-back one has none) and
// what became of it.
import { Text } from './Text.js';
import type { LayerAction } from '../../engine/index.js';
import { OUTCOME_LABEL, type LayerOutcome } from '../../engine/index.js';
import { ACTION_LABEL, formatDuration, formatSize } from '../format.js';
import { BADGE_WIDTH, LayerBadge } from './LayerBadge.js';

export const TIME_WIDTH = 8;
export const SIZE_WIDTH = 8;

export interface LayerSummary {
  name: string;
  action: LayerAction;
  durationMs: number | null;
  sizeBytes: number | null;
  outcome: LayerOutcome;
}

export function LayerOutcomeRow({ layer, nameWidth }: { layer: LayerSummary; nameWidth: number }) {
  const kept = layer.outcome === 'done';
  return (
    <Text>
      {layer.name.padEnd(nameWidth)}{'  '}
      {kept ? <LayerBadge action={layer.action} width={BADGE_WIDTH} /> : <Text dimColor>{ACTION_LABEL[layer.action].padEnd(BADGE_WIDTH)}</Text>}
      {'  '}
      {cell(formatDuration(layer.durationMs), TIME_WIDTH)}  {cell(kept ? formatSize(layer.sizeBytes) : '', SIZE_WIDTH)}
      {layer.outcome === 'done' ? null : <Text dimColor>  {OUTCOME_LABEL[layer.outcome]}</Text>}
    </Text>
  );
}

function cell(text: string, width: number): string {
  return (text || '—').padStart(width);
}
