// The one place that knows which versions the buildpack (heroku/python v6.5.6) uses.
// Change these together with a buildpack upgrade; the layer decisions follow from them.

export const BUILDPACK_ID = 'heroku/python';
export const BUILDPACK_VERSION = '6.5.6';

/** Oldest and newest supported minor of Python 3, and the first unreleased one. */
export const OLDEST_SUPPORTED_MINOR = 10;
export const NEWEST_SUPPORTED_MINOR = 14;
export const NEXT_UNRELEASED_MINOR = 15;

/** The patch each `3.Y` alias resolves to (spec §5.3). */
export const LATEST_PATCH: Readonly<Record<number, number>> = {
  10: 20,
  11: 15,
  12: 13,
  13: 15,
  14: 7,
};

/** The minor used when the app has no `.python-version` (spec §5.1). */
export const DEFAULT_PYTHON = { major: 3, minor: 14 } as const;

/** Minors that still build but warn on every build (spec §5.4). */
export const DEPRECATED_MINORS: Readonly<Record<number, { eol: string; removal: string }>> = {
  10: { eol: 'October 2026', removal: '6th January 2027' },
};

/** Pinned tool versions (spec §9). */
export const PIP_VERSION = '26.1.2';
export const POETRY_VERSION = '2.4.1';
export const UV_VERSION = '0.11.33';

export const PYTHON_ARCHIVE_URL_TEMPLATE =
  'https://heroku-buildpack-python.s3.dualstack.us-east-1.amazonaws.com/python-{version}-{distro_name}-{distro_version}-{arch}.tar.zst';
export const UV_ARCHIVE_URL_TEMPLATE =
  'https://releases.astral.sh/github/uv/releases/download/{version}/uv-{uname_arch}-unknown-linux-gnu.tar.gz';

export const SOURCE_DATE_EPOCH = '315532801';
