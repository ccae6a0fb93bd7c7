import { useEffect, useRef, useState } from 'react';
import { Box, Static, Text, useApp, useInput, useStdin } from 'ink';
import type { Observable } from 'rxjs';
import type { SearchEvent } from '../../search/index.js';
import { metricValue } from '../../search/index.js';
import { formatFixed } from '../format/index.js';
import { FinishedItemLine } from './FinishedItemLine.js';
import { Header } from './Header.js';
import { KeyHelp } from './KeyHelp.js';
import { LeaderboardView } from './LeaderboardView.js';
import { ProgressLine } from './ProgressLine.js';
import { RunningTrialView } from './RunningTrialView.js';
import type { SearchState } from './search-state.js';
import { useSearchState, type SearchStateOptions } from './use-search-state.js';
import { useTerminalSize } from './use-terminal-size.js';

export interface DashboardProps extends SearchStateOptions {
  events$: Observable<SearchEvent>;
  /** `q` (or the first Ctrl+C): ask the search to stop; the CLI aborts the runner's signal. */
  onStop?: () => void;
  /** The second Ctrl+C. */
  onForceQuit?: () => void;
  /** Exit the ink app once the search has finished or the stream ended (default true). */
  exitOnFinish?: boolean;
  /** `sparsenas watch`: the search runs elsewhere, so `q` quits watching instead of stopping it. */
  watching?: boolean;
}

/**
 * The live search view, a pure function of the event stream: finished trials scroll above in
 * `<Static>`; the live region holds the header, progress, running trials and the leaderboard.
 */
export function Dashboard({ events$, onStop, onForceQuit, exitOnFinish = true, watching = false, ...opts }: DashboardProps) {
  const { state, dispatch, closed } = useSearchState(events$, opts);
  const { width, generation } = useTerminalSize();
  const [help, setHelp] = useState(false);
  const { exit } = useApp();
  const { isRawModeSupported } = useStdin();
  const ctrlC = useRef(0);
  // A ref, not `state`: a second key can arrive before the re-render that shows the first.
  const stopSent = useRef(false);

  const requestStop = () => {
    if (state.phase === 'finished' || stopSent.current) return;
    stopSent.current = true;
    dispatch({ type: 'stop.requested', at: opts.now?.() ?? Date.now() });
    onStop?.();
  };
  useInput((input, key) => {
    if (key.ctrl && input === 'c') {
      ctrlC.current += 1;
      if (ctrlC.current > 1 || state.phase === 'finished') onForceQuit?.();
      else requestStop();
    } else if (input === 'q') requestStop();
    else if (input === '?') setHelp((h) => !h);
  }, { isActive: isRawModeSupported === true });

  const done = state.phase === 'finished' || closed;
  useEffect(() => {
    if (done && exitOnFinish) exit();
  }, [done, exitOnFinish, exit]);

  return (
    <>
      <Static key={generation} items={state.staticItems}>{(item) => <FinishedItemLine key={item.key} item={item} />}</Static>
      <Box flexDirection="column">
        <Header state={state} />
        {state.study ? <ProgressLine state={state} width={width} /> : null}
        {state.running.map((r) => <RunningTrialView key={r.trial.id} run={r} now={state.now} width={width} />)}
        <LeaderboardView state={state} width={width} />
        <StatusLine state={state} />
        {state.phase === 'finished' ? null : <KeyHelp open={help} canStop={!state.stopRequested} watching={watching} />}
      </Box>
    </>
  );
}

function StatusLine({ state }: { state: SearchState }) {
  if (state.phase === 'stopping') {
    const running = state.running.map((r) => r.trial.number);
    return (
      <Text color="yellow">
        stopping{state.stopReason && state.stopReason !== 'stopped' ? ` (${state.stopReason})` : ''}
        {running.length ? `: waiting for trial ${running.join(', ')} to end (a stopped trial is recorded as interrupted)` : '…'}
      </Text>
    );
  }
  if (state.phase !== 'finished' || !state.finish) return null;
  const c = state.finish.counts;
  const best = state.best;
  return (
    <Text bold>
      search finished ({state.finish.reason}): {c.completed} completed, {c.pruned} pruned, {c.failed} failed
      {c.interrupted ? `, ${c.interrupted} interrupted` : ''}
      {best ? ` · best trial ${best.number} ${state.objective.metric} ${formatFixed(metricValue(best, state.objective.metric))}` : ''}
    </Text>
  );
}
