import { Box, Text } from 'ink';
import { metricValue } from '../../search/index.js';
import { leaderboardColumns, textRows, textTable } from '../leaderboard/index.js';
import { formatFixed, truncate } from '../format/index.js';
import type { SearchState } from './search-state.js';

const DASHBOARD_COLUMNS = ['rank', 'trial', 'val_acc', 'sparsity', 'nonzeros', 'sparse_flops', 'time', 'tag', 'architecture'];
/** Dropped in this order when the terminal is too narrow to show the architecture. */
const NARROW_DROPS = ['sparse_flops', 'time', 'tag', 'nonzeros', 'sparsity'];
/** The architecture column keeps at least this many characters (then it is cut with …). */
const MIN_ARCHITECTURE = 24;

/**
 * The dashboard's leaderboard lines at `width` columns: when the architecture would get fewer
 * than MIN_ARCHITECTURE characters, the less telling columns go first (sparse FLOPs, time,
 * group/label, non-zeros, sparsity), so a narrow terminal still shows what each trial is.
 */
export function dashboardLeaderboardLines(leaderboard: SearchState['leaderboard'], metric: string, width: number): string[] {
  const entries = leaderboard.map((trial, i) => ({ rank: i + 1, trial }));
  let keys = DASHBOARD_COLUMNS.slice();
  for (let drop = 0; ; drop++) {
    const cols = leaderboardColumns(metric, keys);
    const table = textTable(cols.map((c) => c.header), textRows(entries, cols), cols.map((c) => c.align));
    const lines = table.split('\n');
    const archAt = lines[0]!.lastIndexOf('architecture');
    if (archAt < 0 || width - archAt >= MIN_ARCHITECTURE || drop >= NARROW_DROPS.length) return lines.map((l) => truncate(l, width));
    keys = keys.filter((k) => k !== NARROW_DROPS[drop]);
  }
}

/** Best so far and the top-N completed trials, re-ranked as trials finish. */
export function LeaderboardView({ state, width }: { state: SearchState; width: number }) {
  const { best, leaderboard, objective } = state;
  if (!best && !leaderboard.length) return null;
  const [head, rule, ...rows] = dashboardLeaderboardLines(leaderboard, objective.metric, width);
  const bestValue = best ? metricValue(best, objective.metric) : undefined;
  return (
    <Box flexDirection="column" marginTop={1}>
      {best ? (
        <Text wrap="truncate-end">
          best <Text bold color="green">trial {best.number}</Text> {objective.metric} <Text bold>{formatFixed(bestValue)}</Text>
        </Text>
      ) : null}
      {leaderboard.length ? <Text dimColor>{head ?? ''}</Text> : null}
      {leaderboard.length ? <Text dimColor>{rule ?? ''}</Text> : null}
      {rows.map((r, i) => <Text key={leaderboard[i]!.id} color={i === 0 ? 'green' : undefined}>{r}</Text>)}
    </Box>
  );
}
