// The one word that says what happened (or will happen) to a layer.
import { Text } from './Text.js';
import type { LayerAction } from '../../engine/index.js';
import { ACTION_LABEL, ACTION_PLAN } from '../format.js';

export const BADGE_COLOR: Record<LayerAction, string> = {
  reuse: 'green',
  create: 'cyan',
  discard: 'yellow',
  'rebuild-always': 'magenta',
  drop: 'gray',
};

/** Wide enough for the longest label, ALWAYS REBUILT. */
export const BADGE_WIDTH = Math.max(...Object.values(ACTION_LABEL).map((l) => l.length));

export interface LayerBadgeProps {
  action: LayerAction;
  /** `done` for build (REUSED), `plan` for explain (REUSE). */
  tense?: 'done' | 'plan';
  /** Pad to this many columns so rows line up. */
  width?: number;
}

export function LayerBadge({ action, tense = 'done', width }: LayerBadgeProps) {
  const label = tense === 'done' ? ACTION_LABEL[action] : ACTION_PLAN[action].toUpperCase();
  return (
    <Text bold color={BADGE_COLOR[action]}>
      {width ? label.padEnd(width) : label}
    </Text>
  );
}
