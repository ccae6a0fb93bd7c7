import { Text } from 'ink';
import { formatDuration, progressBar } from '../format/index.js';
import { selectProgress, type SearchState } from './search-state.js';

/** `trials ████▌░░░ 7/20  elapsed 4m05s  ETA 7m12s  ✔ 5 ✂ 1 ✖ 1` */
export function ProgressLine({ state, width }: { state: SearchState; width: number }) {
  const p = selectProgress(state);
  const c = state.counts;
  const count = p.total !== undefined ? `${p.done}/${p.total}` : `${p.done}`;
  const barWidth = Math.max(10, Math.min(40, width - 60));
  return (
    <Text wrap="truncate-end">
      trials{' '}
      {p.fraction !== undefined ? <Text color="cyan">{progressBar(p.fraction, barWidth)} </Text> : null}
      <Text bold>{count}</Text>
      {state.timeLimitMinutes !== undefined ? <Text dimColor> (limit {formatDuration(state.timeLimitMinutes * 60_000)})</Text> : null}
      {'  '}elapsed {formatDuration(p.elapsedMs)}{'  '}ETA {p.etaMs === undefined ? '-' : formatDuration(p.etaMs)}{'  '}
      <Text color="green">✔ {c.completed}</Text> <Text color="yellow">✂ {c.pruned}</Text> <Text color="red">✖ {c.failed}</Text>
      {c.interrupted ? <Text color="magenta"> ■ {c.interrupted}</Text> : null}
    </Text>
  );
}
