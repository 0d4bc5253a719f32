// Heroku's own paths (`--paths heroku`): a tool of the build, and `pybp run`'s
// process, sees the layers directory at /layers/heroku_python and the app at
// /workspace, as in every `pack build` and on Heroku, so what a tool writes
// into a layer (pyvenv.cfg, script shebangs, .pth files) names Heroku's paths
// and the layer is portable: a moved app, another checkout, another machine.
//
// Linux only, through bubblewrap (`bwrap`, the sandbox Flatpak uses; no root,
// no daemon). The layers stay where they are on disk; only the tools' view
// changes. Nothing is written outside pybp's own directories: bwrap builds the
// view in a tmpfs root of its own mount namespace, so no /layers or /workspace
// ever appears on the host.
//
// What a sandboxed process sees:
// - the host's top-level directories (/usr, /etc, /opt, /home, ...) read-only,
//   its symlinks (/bin -> usr/bin) as they are;
// - a fresh /dev and /proc (its own PID namespace), a private /tmp (a tmpfs
//   that goes with the process, so a tool's temp files never outlive it);
// - writable: the layers dir (at its view path), the app (at its view path),
//   and the HOME (and TMPDIR) it is given, at their own paths;
// - the network as it is (PORT stays reachable, the package index too).
//
// Signals: pybp stops a tool by signalling its process group, and bwrap is in
// that group. bwrap itself dies of SIGTERM/SIGINT at once, which would cut a
// tool's own shutdown short (a web server's graceful stop) and hide its exit
// status; so bwrap is started with those signals ignored (coreutils `env
// --ignore-signal`) and the tool gets them back at their defaults (`env
// --default-signal`) just before it runs: the group's SIGTERM reaches the
// tool as it would without the sandbox, bwrap waits for it and exits with its
// status (128+N for a signal, as a shell reports it). SIGKILL reaches
// everything; --die-with-parent and the PID namespace make sure that nothing in
// the sandbox outlives bwrap, or pybp.
import { lstatSync, readdirSync, readlinkSync, realpathSync } from 'node:fs';
import path from 'node:path';

import { HEROKU_APP_PATH, HEROKU_LAYERS_PATH } from '../core/heroku-paths.js';

export { HEROKU_APP_PATH, HEROKU_LAYERS_PATH };

export type PathsMode = 'heroku' | 'host';

/** One directory as pybp sees it (host) and as the build's tools see it (view). */
export interface ViewedDir {
  host: string;
  view: string;
}

/**
 * The two directories a build's tools see, host and view side. In host mode
 * both sides are the same path. pybp does its own file work on the host side;
 * anything a tool is given (argv, cwd, env values, env files) is the view side.
 */
export interface PathView {
  mode: PathsMode;
  layers: ViewedDir;
  app: ViewedDir;
}

export function pathView(mode: PathsMode, appDir: string, layersDir: string): PathView {
  return mode === 'heroku'
    ? { mode, layers: { host: layersDir, view: HEROKU_LAYERS_PATH }, app: { host: appDir, view: HEROKU_APP_PATH } }
    : { mode, layers: { host: layersDir, view: layersDir }, app: { host: appDir, view: appDir } };
}

function within(dir: string, p: string): string | null {
  if (p === dir) return '';
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  return p.startsWith(prefix) ? p.slice(prefix.length) : null;
}

/** A host path as the tools see it (the layers first: by default they live inside the app). */
export function toView(view: PathView, hostPath: string): string {
  for (const d of [view.layers, view.app]) {
    const rest = within(d.host, hostPath);
    if (rest !== null) return rest ? path.join(d.view, rest) : d.view;
  }
  return hostPath;
}

/** A path a tool sees, on the host (for pybp's own checks: does this program exist?). */
export function toHost(view: PathView, viewPath: string): string {
  for (const d of [view.layers, view.app]) {
    const rest = within(d.view, viewPath);
    if (rest !== null) return rest ? path.join(d.host, rest) : d.host;
  }
  return viewPath;
}

/** More links than this in a row is a loop (Linux's own limit is 40). */
const MAX_LINKS = 40;

/**
 * A path a tool sees, on the host, with its links followed as the tool would
 * follow them. A venv made in the sandbox has bin/python ->
 * /layers/heroku_python/python/bin/python3.12: on the host that target is
 * nowhere, so a plain stat of the host path says "missing" and a PATH search
 * would skip the venv's python for the next one (the python layer's, without
 * the app's packages). Each link's target is taken as a view path and mapped
 * to the host. A link loop, or more than 40 links, is returned as it stands
 * (its stat fails as the tool's exec would).
 */
export function hostTarget(view: PathView, viewPath: string): string {
  let current = viewPath;
  for (let i = 0; i < MAX_LINKS; i++) {
    const onHost = toHost(view, current);
    let target: string;
    try {
      if (!lstatSync(onHost).isSymbolicLink()) return onHost;
      target = readlinkSync(onHost);
    } catch {
      return onHost;
    }
    current = path.resolve(path.dirname(current), target);
  }
  return toHost(view, current);
}

/** The programs the sandbox needs, as the probe found them (absolute paths). */
export interface SandboxTools {
  bwrap: string;
  /** coreutils env (8.31+: --ignore-signal, --default-signal). */
  env: string;
}

/** How one process is sandboxed. */
export interface SandboxSpec {
  tools: SandboxTools;
  view: PathView;
  /** Host directories the process may write besides the two views (its HOME, TMPDIR), bound at their own paths. */
  writable?: readonly string[];
  /** Host files shown read-only at a path of the view (linkedFileBinds). */
  readOnly?: readonly ViewedDir[];
}

/**
 * The app files a tool reads by name (requirements.txt, pyproject.toml, the
 * lock files, .python-version, manage.py) that are symlinks to a file the tool
 * would not find in its view: a link into /tmp (private in the sandbox), or a
 * relative link out of the app (`../common/requirements.txt` leads out of
 * /workspace). pybp detected and read the file on the host, so the tool must
 * see the same file: each is bound read-only where the tool's view resolves
 * the link. Targets the view already shows (in the app, the layers, the host's
 * read-only dirs at their own paths) need nothing.
 */
export function linkedFileBinds(view: PathView, names: readonly string[]): ViewedDir[] {
  if (view.mode === 'host') return [];
  const binds: ViewedDir[] = [];
  const hostTop = new Set(readdirSync('/'));
  for (const name of names) {
    const link = path.join(view.app.host, name);
    let host: string;
    let seen: string;
    try {
      if (!lstatSync(link).isSymbolicLink()) continue;
      host = realpathSync(link);
      if (!lstatSync(host).isFile()) continue;
      seen = path.resolve(path.dirname(toView(view, link)), readlinkSync(link));
    } catch {
      continue; // broken or unreadable: absent for pybp too
    }
    // In the app or the layers, the view shows what is there; in a host dir bound at its own path,
    // the host's file (nothing can be added there). Only /tmp (the sandbox's own) and names the
    // sandbox's root does not have are empty in the view.
    if (within(view.app.view, seen) !== null || within(view.layers.view, seen) !== null) continue;
    const top = seen.split('/')[1] ?? '';
    if (top !== 'tmp' && (OWN_TOP.has(top) || hostTop.has(top))) continue;
    binds.push({ host, view: seen });
  }
  return binds;
}

/** Signals bwrap must survive so that the tool inside gets them (see the top of this file). */
const PASSED_SIGNALS = 'INT,TERM,HUP,QUIT';

/** What the sandbox makes itself, never copied from the host's root. */
const OWN_TOP = new Set(['dev', 'proc', 'tmp']);

/** The host root's entries, as bwrap arguments: directories and files read-only, symlinks as they are. */
function hostRootArgs(view: PathView): string[] {
  const reserved = new Set([view.layers.view, view.app.view].map((p) => p.split('/')[1]));
  const args: string[] = [];
  for (const name of readdirSync('/').sort()) {
    if (OWN_TOP.has(name) || reserved.has(name)) continue;
    const p = `/${name}`;
    let st;
    try {
      st = lstatSync(p);
    } catch {
      continue;
    }
    if (st.isSymbolicLink()) args.push('--symlink', readlinkSync(p), p);
    else if (st.isDirectory() || st.isFile()) args.push('--ro-bind', p, p);
  }
  return args;
}

/**
 * The argv that runs `argv` in the sandbox with `cwd` (a view path) as its
 * working directory. The environment is the spawn's: bwrap passes it on.
 */
export function sandboxArgv(spec: SandboxSpec, argv: readonly string[], cwd: string): string[] {
  const { tools, view } = spec;
  const binds: string[] = [];
  for (const dir of spec.writable ?? []) if (dir) binds.push('--bind-try', dir, dir);
  // Not inside a writable bind: there the file is seen already, and its mount point would be made on the host.
  for (const file of spec.readOnly ?? []) if (!(spec.writable ?? []).some((dir) => dir && within(dir, file.view) !== null)) binds.push('--ro-bind-try', file.host, file.view);
  return [
    tools.env,
    `--ignore-signal=${PASSED_SIGNALS}`,
    tools.bwrap,
    '--die-with-parent',
    '--unshare-pid',
    ...hostRootArgs(view),
    '--dev',
    '/dev',
    '--proc',
    '/proc',
    '--tmpfs',
    '/tmp',
    ...binds,
    '--bind',
    view.app.host,
    view.app.view,
    '--bind',
    view.layers.host,
    view.layers.view,
    '--chdir',
    cwd,
    '--',
    tools.env,
    `--default-signal=${PASSED_SIGNALS}`,
    '--',
    ...argv,
  ];
}
