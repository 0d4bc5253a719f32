// Would pip or uv on a Heroku dyno install this wheel? Judged from the file
// name's compatibility tags (PEP 425, manylinux PEP 600): the CPython version,
// the ABI and the platform (glibc Linux of the target's Ubuntu and CPU).

/** glibc of each Ubuntu release the buildpack supports. */
const UBUNTU_GLIBC: Readonly<Record<string, [number, number]>> = {
  '22.04': [2, 35],
  '24.04': [2, 39],
  '26.04': [2, 42],
};

// The legacy manylinux names and the glibc they stand for.
const LEGACY_MANYLINUX: Readonly<Record<string, [number, number]>> = {
  manylinux1: [2, 5],
  manylinux2010: [2, 12],
  manylinux2014: [2, 17],
};

export interface WheelTarget {
  /** CPython `3.12.13`. */
  pythonVersion: string;
  /** `amd64` or `arm64`. */
  arch: string;
  /** Ubuntu release, e.g. `24.04`. */
  distroVersion: string;
}

export function glibcOf(distroVersion: string): [number, number] {
  return UBUNTU_GLIBC[distroVersion] ?? UBUNTU_GLIBC['24.04'];
}

export function describeWheelTarget(t: WheelTarget): string {
  const [gmaj, gmin] = glibcOf(t.distroVersion);
  return `CPython ${t.pythonVersion.split('.').slice(0, 2).join('.')} on Ubuntu ${t.distroVersion} (glibc ${gmaj}.${gmin}, ${t.arch})`;
}

/** `{python tags, abi tags, platform tags}` of a wheel file name, or null when it isn't one. */
export function wheelTags(filename: string): { python: string[]; abi: string[]; platform: string[] } | null {
  const base = filename.split('/').pop() ?? filename;
  if (!base.endsWith('.whl')) return null;
  const parts = base.slice(0, -'.whl'.length).split('-');
  if (parts.length !== 5 && parts.length !== 6) return null;
  const [python, abi, platform] = parts.slice(-3);
  return { python: python.split('.'), abi: abi.split('.'), platform: platform.split('.') };
}

export function wheelFitsTarget(filename: string, target: WheelTarget): boolean {
  const tags = wheelTags(filename);
  if (!tags) return false;
  const minor = Number(target.pythonVersion.split('.')[1]);
  const machine = target.arch === 'arm64' ? 'aarch64' : 'x86_64';
  const [gmaj, gmin] = glibcOf(target.distroVersion);

  const platformOk = tags.platform.some((p) => {
    if (p === 'any') return true;
    if (p === `linux_${machine}`) return true;
    const legacy = /^(manylinux1|manylinux2010|manylinux2014)_(.+)$/.exec(p);
    if (legacy) return legacy[2] === machine && glibcAtMost(LEGACY_MANYLINUX[legacy[1]], [gmaj, gmin]);
    const modern = /^manylinux_(\d+)_(\d+)_(.+)$/.exec(p);
    if (modern) return modern[3] === machine && glibcAtMost([Number(modern[1]), Number(modern[2])], [gmaj, gmin]);
    return false;
  });
  if (!platformOk) return false;

  // Interpreter and ABI are judged together, as pip's tag list pairs them.
  return tags.python.some((py) =>
    tags.abi.some((abi) => {
      const cp = /^cp3(\d+)$/.exec(py);
      if (abi === 'none') return py === 'py3' || /^py3\d*$/.test(py) ? pyTagOk(py, minor) : cp ? Number(cp[1]) === minor : false;
      if (abi === 'abi3') return cp !== null && Number(cp[1]) <= minor;
      const abiCp = /^cp3(\d+)$/.exec(abi);
      return cp !== null && abiCp !== null && Number(cp[1]) === minor && Number(abiCp[1]) === minor;
    }),
  );
}

function pyTagOk(py: string, minor: number): boolean {
  if (py === 'py3') return true;
  const m = /^py3(\d+)$/.exec(py);
  return m !== null && Number(m[1]) <= minor;
}

function glibcAtMost(needed: [number, number], have: [number, number]): boolean {
  return needed[0] < have[0] || (needed[0] === have[0] && needed[1] <= have[1]);
}
