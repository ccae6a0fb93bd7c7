import { Text } from 'ink';
import type { Trial } from '../../search/index.js';
import { oneLine, trialOutcomeParts } from '../format/index.js';
import type { StaticItem } from './search-state.js';

const STYLE: Record<Trial['state'], { mark: string; color: string }> = {
  completed: { mark: '✔', color: 'green' },
  pruned: { mark: '✂', color: 'yellow' },
  failed: { mark: '✖', color: 'red' },
  interrupted: { mark: '■', color: 'magenta' },
  running: { mark: '▶', color: 'cyan' },
  waiting: { mark: '…', color: 'cyan' },
};

/** One line that scrolls above the live region: a finished trial, or a warning/error log. */
export function FinishedItemLine({ item }: { item: StaticItem }) {
  if (item.kind === 'log') {
    if (item.level === 'info') return <Text>{oneLine(item.message)}</Text>;
    return <Text color={item.level === 'error' ? 'red' : 'yellow'}>{item.level}: {oneLine(item.message)}</Text>;
  }
  const p = trialOutcomeParts(item.trial);
  const { mark, color } = STYLE[p.state];
  return (
    <Text>
      <Text color={color}>{mark} {p.head} {p.state}</Text>
      {p.details ? `  ${p.details}` : ''}
      {p.tag ? <Text dimColor>  {p.tag}</Text> : null}
      {`  ${p.architecture}`}
      {p.reason ? <Text color={color}>  — {p.reason}</Text> : null}
    </Text>
  );
}
