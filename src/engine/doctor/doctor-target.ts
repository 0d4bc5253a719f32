// The machine doctor judges installs for: the configured build target when it
// is one of the buildpack's (heroku-22/24/26, amd64/arm64), else heroku-24 on
// amd64, Heroku's default. The host never counts: doctor answers "will this
// install on Heroku", from a Mac too.
import { isBuildpackTarget, parseTarget, type Target } from '../core/target.js';

export function doctorTarget(configured: string | undefined): Pick<Target, 'arch' | 'distro_name' | 'distro_version'> {
  if (configured) {
    try {
      const t = parseTarget(configured, 'config');
      if (isBuildpackTarget(t)) return t;
    } catch {
      // A bad target is the config loader's error to report.
    }
  }
  return { arch: 'amd64', distro_name: 'ubuntu', distro_version: '24.04' };
}
