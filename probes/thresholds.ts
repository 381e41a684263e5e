// successThreshold / failureThreshold: the result changes only after that many consecutive
// probes agree (upstream worker.doProbe). Pure.
import type { ProbeResult } from "./types.ts";

export interface ThresholdState {
  /** The worker's current result; undefined until a threshold has been reached once. */
  result: ProbeResult | undefined;
  /** The last probe's own result and how many probes in a row returned it. */
  last: ProbeResult | undefined;
  run: number;
}

export const initialThresholdState = (): ThresholdState => ({ result: undefined, last: undefined, run: 0 });

export interface Observation {
  state: ThresholdState;
  /** The threshold for this probe's result is reached: the result is (re)asserted. */
  reached: boolean;
  /** `reached` and the result differs from the previous one (or is the first). */
  changed: boolean;
  previous: ProbeResult | undefined;
}

export function observe(
  state: ThresholdState,
  probe: ProbeResult,
  thresholds: { successThreshold: number; failureThreshold: number },
): Observation {
  const run = state.last === probe ? state.run + 1 : 1;
  const need = probe === "success" ? thresholds.successThreshold : thresholds.failureThreshold;
  if (run < need) {
    return { state: { ...state, last: probe, run }, reached: false, changed: false, previous: state.result };
  }
  return {
    state: { result: probe, last: probe, run },
    reached: true,
    changed: state.result !== probe,
    previous: state.result,
  };
}
