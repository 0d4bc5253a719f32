import { readFileSync } from 'node:fs';
import os from 'node:os';
import { PybpError } from './errors.js';

/** The CNB target the layer metadata is written for (spec §1). */
export interface Target {
  arch: string; // Go/OCI style: amd64, arm64
  distro_name: string; // ubuntu, debian, macos...
  distro_version: string; // 24.04
  /** Where the values came from, for messages. */
  origin: 'host' | 'config' | 'flag';
}

/** Targets the real buildpack supports: linux/amd64 on 22.04/24.04/26.04, linux/arm64 on 24.04/26.04. */
export function isBuildpackTarget(t: Pick<Target, 'arch' | 'distro_name' | 'distro_version'>): boolean {
  if (t.distro_name !== 'ubuntu') return false;
  if (t.arch === 'amd64') return ['22.04', '24.04', '26.04'].includes(t.distro_version);
  if (t.arch === 'arm64') return ['24.04', '26.04'].includes(t.distro_version);
  return false;
}

export function mapNodeArch(arch: string): string {
  switch (arch) {
    case 'x64':
      return 'amd64';
    case 'arm64':
      return 'arm64';
    case 'ia32':
      return '386';
    default:
      return arch;
  }
}

/** The uname-style arch used in uv's release archive names. */
export function unameArch(arch: string): string {
  return arch === 'arm64' ? 'aarch64' : arch === 'amd64' ? 'x86_64' : arch;
}

function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (!m) continue;
    let v = m[2];
    if ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'"))) v = v.slice(1, -1);
    out[m[1]] = v;
  }
  return out;
}

export function hostTarget(): Target {
  const arch = mapNodeArch(process.arch);
  if (process.platform === 'darwin') {
    const release = os.release(); // Darwin kernel version; the product version needs sw_vers
    let version = release;
    try {
      const plist = readFileSync('/System/Library/CoreServices/SystemVersion.plist', 'utf8');
      const m = /<key>ProductVersion<\/key>\s*<string>([^<]+)<\/string>/.exec(plist);
      if (m) version = m[1];
    } catch {
      // keep the kernel version
    }
    return { arch, distro_name: 'macos', distro_version: version, origin: 'host' };
  }
  try {
    const rel = parseOsRelease(readFileSync('/etc/os-release', 'utf8'));
    return { arch, distro_name: rel.ID ?? process.platform, distro_version: rel.VERSION_ID ?? 'unknown', origin: 'host' };
  } catch {
    return { arch, distro_name: process.platform, distro_version: os.release(), origin: 'host' };
  }
}

/** Heroku's stacks and the arches each one runs (the buildpack's targets). */
export const HEROKU_STACKS: Readonly<Record<string, { distroVersion: string; arches: readonly string[] }>> = {
  'heroku-22': { distroVersion: '22.04', arches: ['amd64'] },
  'heroku-24': { distroVersion: '24.04', arches: ['amd64', 'arm64'] },
  'heroku-26': { distroVersion: '26.04', arches: ['amd64', 'arm64'] },
};

/** CNB/OCI arch names (Go's GOARCH) a `distro-version/arch` target may use. */
export const KNOWN_ARCHES = ['amd64', 'arm64', '386', 'arm', 'ppc64le', 's390x', 'riscv64'] as const;

/**
 * Parses a target given by the user: a Heroku stack name (`heroku-22`, `heroku-24`, `heroku-26`,
 * optionally with `/arm64`), or `distro_name-distro_version[/arch]` such as `ubuntu-24.04/arm64`.
 * Only known stacks and arch names are accepted: `heroku-99` or `heroku-24/..` would otherwise end
 * up in layer metadata as a target no machine has.
 */
export function parseTarget(spec: string, origin: 'config' | 'flag'): Target {
  const slash = spec.indexOf('/');
  const left = slash === -1 ? spec : spec.slice(0, slash);
  const arch = slash === -1 ? 'amd64' : spec.slice(slash + 1);
  const fail = (why: string, fix: string) =>
    new PybpError({
      code: origin === 'flag' ? 'usage' : 'config-invalid',
      title: 'Unknown build target',
      message: `The target ${JSON.stringify(spec)} ${why}`,
      fix,
    });
  const stackNames = Object.keys(HEROKU_STACKS).join(', ');
  if (/^heroku-/.test(left)) {
    const stack = HEROKU_STACKS[left];
    if (!stack) {
      throw fail(`names no Heroku stack the buildpack supports (${stackNames}).`, 'Use e.g. --target heroku-24 or --target heroku-24/arm64, or leave it out to use this machine.');
    }
    if (!stack.arches.includes(arch)) {
      throw fail(
        `asks for arch ${JSON.stringify(arch)}, but ${left} runs only on ${stack.arches.join(' and ')}.`,
        `Use ${stack.arches.map((a) => `--target ${left}/${a}`).join(' or ')}.`,
      );
    }
    return { arch, distro_name: 'ubuntu', distro_version: stack.distroVersion, origin };
  }
  const m = /^([a-z][a-z0-9]*)-([0-9][0-9A-Za-z.]*)$/.exec(left);
  if (!m) {
    throw fail(
      `is neither a Heroku stack (${stackNames}) nor of the form distro-version[/arch].`,
      'Use e.g. --target heroku-24, --target heroku-24/arm64 or --target ubuntu-24.04/amd64, or leave it out to use this machine.',
    );
  }
  if (!(KNOWN_ARCHES as readonly string[]).includes(arch)) {
    throw fail(`asks for arch ${JSON.stringify(arch)}, which is not one of ${KNOWN_ARCHES.join(', ')}.`, `Use e.g. --target ${left}/amd64 or --target ${left}/arm64.`);
  }
  return { arch, distro_name: m[1], distro_version: m[2], origin };
}

export function describeTarget(t: Pick<Target, 'arch' | 'distro_name' | 'distro_version'>): string {
  return `${t.distro_name} ${t.distro_version} ${t.arch}`;
}
