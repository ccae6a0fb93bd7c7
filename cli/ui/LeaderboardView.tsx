import { Box, Text } from 'ink';
import { metricValue } from '../../search/index.js';
import { leaderboardColumns, textRows, textTable } from '../leaderboard/index.js';
import { formatFixed, truncate } from '../format/index.js';
import type { SearchState } from './search-state.js';

const DASHBOARD_COLUMNS = ['rank', 'trial', 'val_acc', 'sparsity', 'nonzeros', 'sparse_flops', 'time', 'tag', 'architecture'];

/** Best so far and the top-N completed trials, re-ranked as trials finish. */
export function LeaderboardView({ state, width }: { state: SearchState; width: number }) {
  const { best, leaderboard, objective } = state;
  if (!best && !leaderboard.length) return null;
  const cols = leaderboardColumns(objective.metric, DASHBOARD_COLUMNS);
  const table = textTable(cols.map((c) => c.header), textRows(leaderboard.map((trial, i) => ({ rank: i + 1, trial })), cols), cols.map((c) => c.align));
  const [head, rule, ...rows] = table.split('\n');
  const bestValue = best ? metricValue(best, objective.metric) : undefined;
  return (
    <Box flexDirection="column" marginTop={1}>
      {best ? (
        <Text wrap="truncate-end">
          best <Text bold color="green">trial {best.number}</Text> {objective.metric} <Text bold>{formatFixed(bestValue)}</Text>
        </Text>
      ) : null}
      {leaderboard.length ? <Text dimColor>{truncate(head ?? '', width)}</Text> : null}
      {leaderboard.length ? <Text dimColor>{truncate(rule ?? '', width)}</Text> : null}
      {rows.map((r, i) => <Text key={leaderboard[i]!.id} color={i === 0 ? 'green' : undefined}>{truncate(r, width)}</Text>)}
    </Box>
  );
}
