// Fault injection (src/engine/fault.ts): `name#N` fires on the Nth pass only,
// and PYBP_FAULT_ERRNO turns the signal into the error a failing write throws.
import { afterEach, describe, expect, it } from 'vitest';
import { faultPoint } from '../../src/engine/core/fault.js';

const saved = { at: process.env.PYBP_FAULT_AT, errno: process.env.PYBP_FAULT_ERRNO };
afterEach(() => {
  for (const [name, value] of [['PYBP_FAULT_AT', saved.at], ['PYBP_FAULT_ERRNO', saved.errno]] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

describe('faultPoint', () => {
  it('does nothing at other points, or with PYBP_FAULT_AT unset', () => {
    delete process.env.PYBP_FAULT_AT;
    process.env.PYBP_FAULT_ERRNO = 'ENOSPC';
    expect(() => faultPoint('unit:unset')).not.toThrow();
    process.env.PYBP_FAULT_AT = 'unit:elsewhere';
    expect(() => faultPoint('unit:here')).not.toThrow();
  });

  it('with PYBP_FAULT_ERRNO, throws an error with that errno code on the Nth pass, and only then', () => {
    process.env.PYBP_FAULT_AT = 'unit:write#3';
    process.env.PYBP_FAULT_ERRNO = 'ENOSPC';
    expect(() => faultPoint('unit:write')).not.toThrow();
    expect(() => faultPoint('unit:write')).not.toThrow();
    let thrown: NodeJS.ErrnoException | undefined;
    try {
      faultPoint('unit:write');
    } catch (error) {
      thrown = error as NodeJS.ErrnoException;
    }
    expect(thrown?.code).toBe('ENOSPC');
    expect(thrown?.message).toBe('ENOSPC: injected at fault point unit:write');
    expect(() => faultPoint('unit:write')).not.toThrow();
  });

  it('without #N, fires on the first pass', () => {
    process.env.PYBP_FAULT_AT = 'unit:first';
    process.env.PYBP_FAULT_ERRNO = 'EROFS';
    expect(() => faultPoint('unit:first')).toThrow(expect.objectContaining({ code: 'EROFS' }));
  });
});
