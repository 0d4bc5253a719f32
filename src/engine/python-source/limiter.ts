// A counting semaphore for file-system fan-out. Node runs fs promises on the
// libuv thread pool; a few dozen operations in flight keep that pool busy
// without piling up tens of thousands of pending requests and open handles.

export type Limiter = <T>(task: () => Promise<T>) => Promise<T>;

export function createLimiter(maxInFlight: number): Limiter {
  if (!Number.isInteger(maxInFlight) || maxInFlight < 1) throw new RangeError(`maxInFlight must be a positive integer, got ${maxInFlight}`);
  let active = 0;
  const waiting: Array<() => void> = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (active < maxInFlight) active++;
    // A finishing task hands its slot straight to the next waiter, so a new
    // caller can never slip in between and push the count over the limit.
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else active--;
    }
  };
}
