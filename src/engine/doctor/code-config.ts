// A config file that is code (buildpack.config.js, .buildpackrc.mjs, ...) is
// never loaded, by any command: doctor says so, since its settings silently
// not applying would otherwise surprise whoever wrote it.

import { ignoredCodeConfigMessage, type LoadedConfig } from '../project/config.js';
import { warn } from './check.js';
import type { DoctorCheck } from './types.js';

export function checkCodeConfig(config: LoadedConfig): DoctorCheck[] {
  if (config.ignoredCodeFiles.length === 0) return [];
  const { title, message, fix } = ignoredCodeConfigMessage(config.ignoredCodeFiles);
  return [warn('config-code-ignored', 'project files', `${title}. ${message}`, fix)];
}
