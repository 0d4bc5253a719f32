// The dependency wheels end-to-end tests install, and a Django-shaped app that
// uses the fake Django. All deterministic: the same bytes (and sha256) every run.
//
//   tinydep 0.1.0     a leaf dependency. `tinydep.describe()` -> "tinydep 0.1.0".
//                     Proves transitive dependencies get installed.
//   tinyweb 1.0.0     the app's direct dependency: requires tinydep>=0.1.
//                     `tinyweb.hello()` -> "hello from tinyweb 1.0.0 (tinydep 0.1.0)";
//                     console script `tinyweb` prints the same (for launch/PATH tests).
//   tinyweb 1.1.0     the same at a newer version, for "dependencies changed" rebuilds
//                     and for checking that a lock file (not "latest") decides.
//   tinydev 0.1.0     a development-only dependency (uv's `dev` group, Poetry's `dev`
//                     group): must NOT be installed, since the buildpack runs
//                     `uv sync --no-default-groups` / `poetry sync --only main`.
//   fakedjango 5.0    a stand-in for Django (import name `django`) with a
//                     `django-admin` console script, so the buildpack's collectstatic
//                     step (spec §11) runs for real: `<venv>/bin/django-admin` exists,
//                     `python manage.py help collectstatic` exits 0 only when
//                     `django.contrib.staticfiles` is in INSTALLED_APPS (else "Unknown
//                     command" on stderr, exit 1, as Django does), and
//                     `python manage.py collectstatic --noinput` copies STATICFILES_DIRS
//                     into STATIC_ROOT (fails, like Django, without STATIC_ROOT, and
//                     prompts, failing on closed stdin, without --noinput).
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { buildWheel, type WheelSpec } from './wheels.js';

export interface TestWheels {
  dir: string;
  /** Paths of the wheels written, by `name==version`. */
  wheels: Record<string, string>;
}

export async function makeTestWheels(dir: string): Promise<TestWheels> {
  const specs: WheelSpec[] = [
    {
      name: 'tinydep',
      version: '0.1.0',
      files: { 'tinydep/__init__.py': pyModule('0.1.0', ['def describe():', '    return f"tinydep {__version__}"']) },
    },
    tinyweb('1.0.0'),
    tinyweb('1.1.0'),
    { name: 'tinydev', version: '0.1.0' },
    {
      name: 'fakedjango',
      version: '5.0',
      requiresPython: '>=3.10',
      files: {
        'django/__init__.py': DJANGO_INIT,
        'django/core/__init__.py': '',
        'django/core/management/__init__.py': DJANGO_MANAGEMENT,
        'django/contrib/__init__.py': '',
        'django/contrib/staticfiles/__init__.py': '',
      },
      scripts: { 'django-admin': 'django.core.management:execute_from_command_line' },
    },
  ];
  const wheels: Record<string, string> = {};
  for (const spec of specs) wheels[`${spec.name}==${spec.version}`] = await buildWheel(dir, spec);
  return { dir, wheels };
}

function tinyweb(version: string): WheelSpec {
  return {
    name: 'tinyweb',
    version,
    requires: ['tinydep>=0.1'],
    files: {
      'tinyweb/__init__.py': pyModule(version, [
        'from tinydep import describe',
        '',
        '',
        'def hello():',
        '    return f"hello from tinyweb {__version__} ({describe()})"',
        '',
        '',
        'def main():',
        '    print(hello())',
      ]),
    },
    scripts: { tinyweb: 'tinyweb:main' },
  };
}

function pyModule(version: string, body: string[]): string {
  return [`__version__ = ${JSON.stringify(version)}`, '', '', ...body, ''].join('\n');
}

const DJANGO_INIT = `"""Not Django: a stand-in with just what the buildpack's collectstatic step touches."""
VERSION = (5, 0, 0, "final", 0)
__version__ = "5.0"


def get_version():
    return __version__
`;

const DJANGO_MANAGEMENT = `"""Not Django's management: \`help\`, \`collectstatic\` and \`--version\`, with Django's
exit codes and messages where the buildpack looks at them."""
import importlib
import os
import shutil
import sys


class CommandError(Exception):
    pass


def _settings():
    name = os.environ.get("DJANGO_SETTINGS_MODULE")
    if not name:
        raise CommandError(
            "Requested settings, but settings are not configured. You must either define the "
            "environment variable DJANGO_SETTINGS_MODULE or call settings.configure() before "
            "accessing settings."
        )
    # Like Django, a broken settings module is a traceback and exit status 1.
    return importlib.import_module(name)


def _commands(settings):
    commands = ["check", "help", "migrate", "runserver", "shell"]
    if "django.contrib.staticfiles" in getattr(settings, "INSTALLED_APPS", []):
        commands += ["collectstatic", "findstatic"]
    return sorted(commands)


def _unknown(prog, name):
    sys.stderr.write(f"Unknown command: {name!r}\\nType '{prog} help' for usage.\\n")
    sys.exit(1)


def _collectstatic(settings, args):
    root = getattr(settings, "STATIC_ROOT", None)
    if not root:
        raise CommandError(
            "You're using the staticfiles app without having set the STATIC_ROOT setting to a "
            "filesystem path."
        )
    root = str(root)
    if "--noinput" not in args and "--no-input" not in args:
        answer = input(
            f"\\nYou have requested to collect static files at the destination\\nlocation as "
            f"specified in your settings:\\n\\n    {root}\\n\\nThis will overwrite existing files!\\n"
            "Are you sure you want to do this?\\n\\nType 'yes' to continue, or 'no' to cancel: "
        )
        if answer != "yes":
            raise CommandError("Collecting static files cancelled.")
    copied = 0
    for source in getattr(settings, "STATICFILES_DIRS", []):
        source = str(source)
        for folder, _, names in os.walk(source):
            for name in sorted(names):
                src = os.path.join(folder, name)
                dst = os.path.join(root, os.path.relpath(src, source))
                os.makedirs(os.path.dirname(dst), exist_ok=True)
                shutil.copy2(src, dst)
                copied += 1
    print(f"\\n{copied} static file{'' if copied == 1 else 's'} copied to '{root}'.")


def execute_from_command_line(argv=None):
    argv = list(sys.argv if argv is None else argv)
    prog = os.path.basename(argv[0]) if argv else "django-admin"
    args = argv[1:]
    if args[:1] == ["--version"]:
        print("5.0")
        return
    try:
        settings = _settings()
        commands = _commands(settings)
        if not args or args[0] in ("help", "--help", "-h"):
            if len(args) > 1:
                if args[1] not in commands:
                    _unknown(prog, args[1])
                print(f"usage: {prog} {args[1]} [options]")
            else:
                print(f"Type '{prog} help <subcommand>' for help on a specific subcommand.\\n")
                print("Available subcommands:\\n")
                print("\\n".join(f"    {c}" for c in commands))
            return
        if args[0] not in commands:
            _unknown(prog, args[0])
        if args[0] == "collectstatic":
            _collectstatic(settings, args[1:])
        else:
            print(f"{args[0]}: nothing to do (fakedjango)")
    except CommandError as error:
        sys.stderr.write(f"CommandError: {error}\\n")
        sys.exit(1)
`;

export interface DjangoProjectOptions {
  /** Put `django.contrib.staticfiles` in INSTALLED_APPS (default true). */
  staticfiles?: boolean;
  /** Set STATIC_ROOT (default true); without it collectstatic fails, as Django's does. */
  staticRoot?: boolean;
  /** Extra Python appended to settings.py, e.g. `raise RuntimeError("boom")`. */
  settingsExtra?: string;
}

/**
 * Writes a Django-shaped project into `appDir`: Django's own `manage.py`
 * template, `mysite/settings.py`, and one static file (`static/site.css`), so
 * collectstatic copies it to `staticfiles/site.css`.
 */
export async function writeDjangoProject(appDir: string, options: DjangoProjectOptions = {}): Promise<void> {
  const apps = ['django.contrib.contenttypes', ...(options.staticfiles === false ? [] : ['django.contrib.staticfiles'])];
  const files: Record<string, string> = {
    'manage.py': MANAGE_PY,
    'mysite/__init__.py': '',
    'mysite/settings.py': [
      'from pathlib import Path',
      '',
      'BASE_DIR = Path(__file__).resolve().parent.parent',
      `INSTALLED_APPS = ${JSON.stringify(apps)}`,
      'STATIC_URL = "static/"',
      'STATICFILES_DIRS = [BASE_DIR / "static"]',
      ...(options.staticRoot === false ? [] : ['STATIC_ROOT = BASE_DIR / "staticfiles"']),
      ...(options.settingsExtra ? [options.settingsExtra] : []),
      '',
    ].join('\n'),
    'static/site.css': 'body { color: rebeccapurple; }\n',
  };
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(appDir, path)), { recursive: true });
    await writeFile(join(appDir, path), text);
  }
}

const MANAGE_PY = `#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""
import os
import sys


def main():
    """Run administrative tasks."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")
    try:
        from django.core.management import execute_from_command_line
    except ImportError as exc:
        raise ImportError(
            "Couldn't import Django. Are you sure it's installed and "
            "available on your PYTHONPATH environment variable? Did you "
            "forget to activate a virtual environment?"
        ) from exc
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
`;
