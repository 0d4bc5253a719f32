// Fault injection for pybp's reliability tests: with PYBP_FAULT_AT set to a
// point's name, pybp sends itself PYBP_FAULT_SIGNAL (default SIGKILL) there.
// These are the moments no output line marks (between two renames, right
// before metadata is written), where a kill is most likely to leave a layer
// half-made. Unset, it costs one property read.

export function faultPoint(name: string): void {
  const at = process.env.PYBP_FAULT_AT;
  if (!at || at !== name) return;
  const signal = (process.env.PYBP_FAULT_SIGNAL ?? 'SIGKILL') as NodeJS.Signals;
  process.kill(process.pid, signal);
}
