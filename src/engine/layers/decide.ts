// libcnb's cached/uncached layer algorithm (spec §8.2, §8.3) as pure
// functions: restored state in, decision out. `build` applies the decision,
// `explain` prints it; neither has its own copy of these rules.
import type { LayerDefinition } from './definition.js';
import { compareMetadata, INTACT, type LayerContents, parseStrictMetadata } from './definition.js';
import { guessWriter } from './metadata.js';
import { parseLayerToml } from '../store/layer-toml.js';
import type { PreviousLayer } from '../store/previous-state.js';
import type { LayerDecision, Reason } from './types.js';

/** `contents`: what the restored layer's directory lacks (an input, found by the caller, so this stays pure). */
export function decideLayer(def: LayerDefinition, prev: PreviousLayer | undefined, contents: LayerContents = INTACT): LayerDecision {
  const base = { name: def.name, types: def.types };
  const restored = prev && prev.restored ? prev : undefined;

  if (def.kind === 'uncached') {
    // Any existing layer is deleted and made again. libcnb reads its toml first
    // (an unreadable one is a framework error), except when the directory is
    // gone: then it deletes the toml unread, and the layer starts new.
    const reasons: Reason[] = [{ field: 'cache', from: null, to: null, message: def.why }];
    if (restored && !restored.hasDir) {
      reasons.push({
        field: 'contents',
        from: null,
        to: null,
        message: `${def.name}.toml was left without its directory: it is deleted unread and the layer starts new, as libcnb does`,
      });
      return { ...base, action: 'rebuild-always', cause: 'uncached', reasons };
    }
    if (restored?.tomlText != null) parseLayerToml(restored.tomlText, restored.tomlPath);
    if (restored) {
      reasons.push({
        field: 'previous',
        from: describePrevious(restored),
        to: null,
        message: `replaces the restored ${def.name} layer${writerOf(restored) ? ` of ${writerOf(restored)}` : ''} without a message, as the buildpack does`,
      });
    }
    return { ...base, action: 'rebuild-always', cause: 'uncached', reasons };
  }

  if (!restored) return { ...base, action: 'create', cause: 'new', reasons: [] };

  if (restored.tomlText == null) {
    // libcnb: a directory without its toml gets an empty toml, which has no metadata.
    return {
      ...base,
      action: 'discard',
      cause: 'unparseable',
      reasons: [{ field: 'metadata', from: null, to: null, message: `the layer directory has no ${def.name}.toml, so its metadata is missing` }],
    };
  }
  if (!restored.hasDir) {
    // libcnb: a toml without its directory is deleted and the layer starts new, silently.
    return {
      ...base,
      action: 'create',
      cause: 'contents-missing',
      reasons: [{ field: 'contents', from: null, to: null, message: `${def.name}.toml was left without its directory, so the layer starts new` }],
    };
  }

  const toml = parseLayerToml(restored.tomlText, restored.tomlPath);
  const parsed = parseStrictMetadata(def.name, def.fields, toml.metadata);
  if (!parsed.ok) return { ...base, action: 'discard', cause: 'unparseable', reasons: parsed.reasons };

  const reasons = compareMetadata(def, parsed.metadata, contents);
  if (reasons.length === 0) {
    return {
      ...base,
      action: 'reuse',
      cause: 'unchanged',
      reasons: [{ field: 'metadata', from: null, to: null, message: `${def.describe(parsed.metadata)} unchanged` }],
    };
  }
  return { ...base, action: 'discard', cause: 'changed', reasons };
}

/** Restored layers the build does not touch: lifecycle does not cache them again. */
export function decideDrops(used: ReadonlySet<string>, previous: ReadonlyMap<string, PreviousLayer>): LayerDecision[] {
  const drops: LayerDecision[] = [];
  for (const prev of previous.values()) {
    if (!prev.restored || used.has(prev.name)) continue;
    drops.push({
      name: prev.name,
      types: prev.types ?? { build: false, launch: false, cache: false },
      action: 'drop',
      cause: 'unused',
      reasons: [
        {
          field: 'layer',
          from: describePrevious(prev),
          to: null,
          message: `not used by this build${writerOf(prev) ? ` (left over from ${writerOf(prev)})` : ''}; it is not cached again`,
        },
      ],
    });
  }
  return drops.sort((a, b) => String(a.name).localeCompare(String(b.name)));
}

function describePrevious(prev: PreviousLayer): string {
  const writer = writerOf(prev);
  return writer ? `${prev.name} (${writer})` : prev.name;
}

function writerOf(prev: PreviousLayer): string | null {
  return guessWriter(prev.metadataKeys);
}
