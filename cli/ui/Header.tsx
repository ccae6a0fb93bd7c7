import { Box, Text } from 'ink';
import { oneLine } from '../format/index.js';
import type { SearchState } from './search-state.js';

/** Study, strategy, space, dataset, seed, and the backend with why it was chosen. */
export function Header({ state }: { state: SearchState }) {
  const s = state.study;
  if (!s) return <Text dimColor>sparsenas: waiting for the search to start…</Text>;
  const d = s.definition;
  const ds = state.dataset;
  const dataset = ds
    ? `${ds.name} ${ds.train}/${ds.validation}/${ds.test} ${ds.shape.join('×')}, ${ds.classes} classes`
    : d.dataset.name;
  const objective = `${state.objective.direction === 'maximize' ? 'max' : 'min'} ${state.objective.metric}`;
  return (
    <Box flexDirection="column">
      <Text wrap="truncate-end">
        <Text bold color="cyan">sparsenas</Text> study <Text bold>{oneLine(s.name)}</Text>
        {state.resumed ? <Text color="yellow"> (resumed)</Text> : null}
        <Text dimColor>  {objective}</Text>
      </Text>
      <Text wrap="truncate-end">
        strategy <Text bold>{oneLine(d.strategy.name)}</Text> · space <Text bold>{oneLine(d.space.name)}</Text> · dataset {oneLine(dataset)} · seed {d.seed}
      </Text>
      <Text wrap="truncate-end">
        backend <Text bold color="green">{oneLine(state.backend ?? '?')}</Text>
        {state.backendReason ? <Text dimColor> — {oneLine(state.backendReason)}</Text> : null}
      </Text>
    </Box>
  );
}
