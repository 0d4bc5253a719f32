// Reasons are computed from the metadata fields, never written per case, so no
// changed field can be forgotten (the idea of heroku/buildpacks-ruby's CacheDiff).
import { fieldLabel } from './metadata.js';
import type { LayerMetadata, Reason } from './types.js';

export { fieldLabel };

/**
 * Lists every changed field in a fixed order: architecture, OS (name and version
 * compared as a pair, as the buildpack does), then the remaining fields in the
 * order of `fields`.
 */
export function diffMetadata(fields: readonly string[], old: LayerMetadata, next: LayerMetadata): Reason[] {
  const reasons: Reason[] = [];
  const has = (f: string) => fields.includes(f);
  if (has('arch') && old.arch !== next.arch) {
    reasons.push(changed('arch', old.arch, next.arch));
  }
  if (has('distro_name') && has('distro_version')) {
    const before = `${old.distro_name}-${old.distro_version}`;
    const after = `${next.distro_name}-${next.distro_version}`;
    if (before !== after) {
      reasons.push({ field: 'distro', from: before, to: after, message: `OS changed from ${before} to ${after}` });
    }
  }
  for (const field of fields) {
    if (field === 'arch' || field === 'distro_name' || field === 'distro_version') continue;
    if (old[field] !== next[field]) reasons.push(changed(field, old[field], next[field]));
  }
  return reasons;
}

function changed(field: string, from: string, to: string): Reason {
  return { field, from, to, message: `${fieldLabel(field)} changed from ${from} to ${to}` };
}
