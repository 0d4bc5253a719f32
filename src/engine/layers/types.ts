// The vocabulary of layer decisions, shared by `build` and `explain`.

export type LayerName = 'python' | 'pip' | 'pip-cache' | 'poetry' | 'uv' | 'uv-cache' | 'venv';

export interface LayerTypes {
  build: boolean;
  launch: boolean;
  cache: boolean;
}

/**
 * What the next build does with a layer:
 * - reuse: restored metadata matches, contents kept;
 * - create: nothing usable was restored, the layer is made from scratch;
 * - discard: a restored layer is thrown away (reasons say why) and made again;
 * - rebuild-always: an uncached layer, made fresh on every build;
 * - drop: a restored layer this build does not use; lifecycle does not cache it again.
 */
export type LayerAction = 'reuse' | 'create' | 'discard' | 'rebuild-always' | 'drop';

/** One changed (or missing) field, old → new, with a sentence for humans. */
export interface Reason {
  field: string;
  from: string | null;
  to: string | null;
  message: string;
  /** True for reasons the real buildpack does not know about (pybp's own bookkeeping). */
  pybpOnly?: boolean;
}

export type DecisionCause =
  | 'new' // nothing restored
  | 'contents-missing' // a toml without its directory (libcnb: delete the toml, start new)
  | 'unchanged' // metadata equal
  | 'changed' // metadata differs
  | 'unparseable' // metadata does not fit the layer's metadata type
  | 'uncached' // uncached layers are never restored
  | 'unused'; // restored, but this build does not touch it

export interface LayerDecision {
  name: LayerName | string;
  types: LayerTypes;
  action: LayerAction;
  cause: DecisionCause;
  reasons: Reason[];
}

/** Metadata of every layer of this buildpack: a flat table of strings. */
export type LayerMetadata = Record<string, string>;
