export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
/** `pybp doctor` only: no check failed, but some could not answer (verdict `cannot-tell`). */
export const EXIT_CANNOT_TELL = 3;
export const EXIT_INTERRUPTED = 130;
