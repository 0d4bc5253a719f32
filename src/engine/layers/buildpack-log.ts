// The buildpack's own log lines for a layer decision (heroku/buildpacks-python
// v6.5.6, src/layers/*.rs), word for word: "Using cached Python 3.12.13",
// "Discarding cached Python 3.12.1 since:" and its reasons, "Discarding cached
// virtual environment". A build prints them beside pybp's own decision row,
// which keeps its reasons (pybp-only ones included).
//
// The buildpack prints nothing for a new layer here (its "Installing ..." and
// "Creating virtual environment" lines come from the step that fills it), nor
// for uncached layers; and a decision only pybp makes (its metadata would keep
// the layer) has no buildpack line.
import type { LayerDefinition } from './definition.js';
import type { LayerDecision, Reason } from './types.js';

/** Cached layers whose metadata has a tool version: what the buildpack calls the tool, and the key. */
const VERSIONED: Readonly<Record<string, { label: string; field: string }>> = {
  python: { label: 'Python', field: 'python_version' },
  pip: { label: 'pip', field: 'pip_version' },
  poetry: { label: 'Poetry', field: 'poetry_version' },
  uv: { label: 'uv', field: 'uv_version' },
};

/** Cached layers without a version of their own: the buildpack's name for their contents. */
const UNVERSIONED: Readonly<Record<string, string>> = {
  'pip-cache': 'pip download/wheel cache',
  venv: 'virtual environment',
};

export function buildpackDecisionLines(def: LayerDefinition, decision: LayerDecision): string[] {
  if (def.kind !== 'cached') return [];
  if (decision.action !== 'reuse' && decision.action !== 'discard') return [];
  // Discarded for a reason only pybp knows: the buildpack would have kept the layer and said so.
  if (decision.action === 'discard' && decision.reasons.every((r) => r.pybpOnly)) return [];

  const unversioned = UNVERSIONED[def.name];
  if (unversioned) return [`${decision.action === 'reuse' ? 'Using' : 'Discarding'} cached ${unversioned}`];

  const versioned = VERSIONED[def.name];
  if (!versioned) return [];
  const { label, field } = versioned;
  if (decision.cause === 'unparseable') return [`Discarding cached ${label} since its layer metadata can't be parsed`];
  // The cached version: the old value of a changed version, else the same as this build's.
  const cached = decision.reasons.find((r) => r.field === field)?.from ?? def.metadata[field];
  if (decision.action === 'reuse') return [`Using cached ${label} ${cached}`];
  if (def.name !== 'python') return [`Discarding cached ${label} ${cached}`];
  const reasons = decision.reasons.filter((r) => !r.pybpOnly).map(pythonReason).filter((r): r is string => r !== null);
  return [`Discarding cached Python ${cached} since:`, ...reasons.map((r) => ` - ${r}`)];
}

/** The python layer's reasons as the buildpack words them (python.rs, cache_invalidation_reasons). */
function pythonReason(r: Reason): string | null {
  switch (r.field) {
    case 'arch':
      return `The CPU architecture has changed from ${r.from} to ${r.to}`;
    case 'distro':
      return `The OS has changed from ${r.from} to ${r.to}`;
    case 'python_version':
      return `The Python version has changed from ${r.from} to ${r.to}`;
    default:
      return null;
  }
}
