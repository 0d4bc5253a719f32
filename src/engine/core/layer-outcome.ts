// What really happened to each layer of a build, for its report: a successful
// build kept what it did; a failed or interrupted one was rolled back, so a
// layer it started is `rolled-back` and one it never got to is `not-reached`
// (its action is only what was planned).

export type LayerOutcome = 'done' | 'rolled-back' | 'not-reached';

export function layerOutcome(status: 'succeeded' | 'failed' | 'interrupted', started: boolean): LayerOutcome {
  if (status === 'succeeded') return 'done';
  return started ? 'rolled-back' : 'not-reached';
}

export const OUTCOME_LABEL: Record<Exclude<LayerOutcome, 'done'>, string> = {
  'rolled-back': 'rolled back',
  'not-reached': 'not reached',
};
