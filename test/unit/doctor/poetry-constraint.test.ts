import { satisfies } from '@renovatebot/pep440';
import { describe, expect, it } from 'vitest';
import { isBarePoetryVersion, translatePoetryConstraint } from '../../../src/engine/doctor/wheels/poetry-constraint.js';

// Poetry constraint → PEP 440 alternatives, following poetry-core's parser.
const TABLE: Array<[string, string[]]> = [
  ['^3.12', ['>=3.12,<4.0']],
  ['^3', ['>=3,<4.0']],
  ['^3.12.1', ['>=3.12.1,<4.0']],
  ['^0.2.3', ['>=0.2.3,<0.3']],
  ['^0.0.3', ['>=0.0.3,<0.0.4']],
  ['^0.0', ['>=0.0,<0.1']],
  ['~3.12', ['>=3.12,<3.13']],
  ['~3.12.1', ['>=3.12.1,<3.13']],
  ['~3', ['>=3,<4.0']],
  ['~ 3.12', ['>=3.12,<3.13']],
  ['~=3.12', ['>=3.12,<4.0']],
  ['~=3.12.1', ['>=3.12.1,<3.13']],
  ['3.12.*', ['==3.12.*']],
  ['3.*', ['==3.*']],
  ['3.x', ['==3.*']],
  ['!=3.11.*', ['!=3.11.*']],
  ['==3.12.*', ['==3.12.*']],
  ['*', ['']],
  ['3.12', ['==3.12']],
  ['3.12.4', ['==3.12.4']],
  ['==3.12', ['==3.12']],
  ['=3.12', ['==3.12']],
  ['>=3.10,<4.0', ['>=3.10,<4.0']],
  ['>=3.10, <4.0', ['>=3.10,<4.0']],
  ['>=3.10 <4.0', ['>=3.10,<4.0']],
  ['>= 3.10, < 4.0', ['>=3.10,<4.0']],
  ['>=3.10,<4.0,', ['>=3.10,<4.0']],
  ['<>3.11', ['!=3.11']],
  ['>3.9', ['>3.9']],
  ['<=3.13', ['<=3.13']],
  ['>=3.13.0a1', ['>=3.13.0a1']],
  ['^3.10 || ^4.0', ['>=3.10,<4.0', '>=4.0,<5.0']],
  ['3.11.* | 3.13.*', ['==3.11.*', '==3.13.*']],
  ['>=3.10,<3.12 || >=3.13', ['>=3.10,<3.12', '>=3.13']],
  ['  ^3.12  ', ['>=3.12,<4.0']],
];

describe('translatePoetryConstraint', () => {
  it.each(TABLE)('translates %j', (poetry, pep440) => {
    expect(translatePoetryConstraint(poetry)).toEqual(pep440);
  });

  it.each(['', 'python3', '^', '>=', 'latest', '3.12 ||', '>=3.10,,<4'])('rejects %j', (text) => {
    expect(translatePoetryConstraint(text)).toBeNull();
  });

  // What the translation means for the versions the buildpack installs.
  const ADMITS: Array<[string, string, boolean]> = [
    ['^3.12', '3.12.13', true],
    ['^3.12', '3.14.7', true],
    ['^3.12', '3.11.15', false],
    ['~3.12', '3.12.13', true],
    ['~3.12', '3.13.15', false],
    ['3.12', '3.12.13', false], // a bare version is exact: 3.12.0 only
    ['3.12', '3.12.0', true],
    ['3.12.*', '3.12.13', true],
    ['>=3.10,<3.13', '3.13.15', false],
    ['>=3.10,<3.13', '3.10.20', true],
    ['^3.10 || ^4.0', '3.14.7', true],
    ['3.11.* || 3.13.*', '3.12.13', false],
    ['3.11.* || 3.13.*', '3.13.15', true],
    ['!=3.11.*', '3.11.15', false],
    ['*', '3.14.7', true],
  ];
  it.each(ADMITS)('%j admits %s: %s', (poetry, version, admitted) => {
    const alternatives = translatePoetryConstraint(poetry);
    expect(alternatives).not.toBeNull();
    expect(alternatives!.some((a) => satisfies(version, a))).toBe(admitted);
  });
});

describe('isBarePoetryVersion', () => {
  it.each([
    ['3.12', true],
    ['3.12.4', true],
    ['==3.12', true],
    ['^3.12', false],
    ['3.12.*', false],
    ['>=3.12', false],
  ])('%j → %s', (text, bare) => {
    expect(isBarePoetryVersion(text as string)).toBe(bare);
  });
});
