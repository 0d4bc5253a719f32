// The vocabulary of the buildpack's layer metadata: every key a layer of this
// buildpack writes into `[metadata]`, with the label reasons use for it. A
// layer declares its fields once, as a list of these keys; its metadata type
// is derived from that list, so a missing or foreign key is a compile error.
import type { Target } from '../core/target.js';

export const METADATA_LABELS = {
  arch: 'CPU architecture',
  distro_name: 'OS name',
  distro_version: 'OS version',
  python_version: 'Python version',
  pip_version: 'pip version',
  poetry_version: 'Poetry version',
  uv_version: 'uv version',
} as const;

export type MetadataField = keyof typeof METADATA_LABELS;

/** A layer's metadata, from its list of fields: each a TOML string. */
export type MetadataOf<F extends readonly MetadataField[]> = { [K in F[number]]: string };

/** The target block: the CPU and OS that compiled contents are built for (compared as arch, then the OS as one pair). */
export const TARGET_FIELDS = ['arch', 'distro_name', 'distro_version'] as const;

export type TargetFields = Pick<Target, 'arch' | 'distro_name' | 'distro_version'>;

export function targetMetadata(target: TargetFields): MetadataOf<typeof TARGET_FIELDS> {
  return { arch: target.arch, distro_name: target.distro_name, distro_version: target.distro_version };
}

/** The metadata with its keys in the order of `fields`: the order the toml is written in, as the buildpack's structs do. */
export function inFieldOrder<F extends readonly MetadataField[]>(fields: F, values: MetadataOf<F>): MetadataOf<F> {
  const ordered: Record<string, string> = {};
  for (const field of fields) ordered[field] = (values as Record<string, string>)[field];
  return ordered as MetadataOf<F>;
}

export function fieldLabel(field: string): string {
  return (METADATA_LABELS as Record<string, string>)[field] ?? field;
}

/**
 * Which kind of build wrote a layer, from the tool-version key in its metadata
 * (for messages). A key among the layer's own `fields` says nothing.
 */
export function guessWriter(metadataKeys: Iterable<string>, fields: readonly string[] = []): string | null {
  const keys = new Set(metadataKeys);
  const tools: Array<[MetadataField, string]> = [
    ['uv_version', 'a uv build'],
    ['poetry_version', 'a Poetry build'],
    ['pip_version', 'a pip build'],
  ];
  for (const [key, writer] of tools) {
    if (keys.has(key) && !fields.includes(key)) return writer;
  }
  return null;
}
