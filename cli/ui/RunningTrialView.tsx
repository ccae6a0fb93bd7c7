import { Box, Text } from 'ink';
import { dassDashboardLines, dassEpochView, describeArchitecture, describeTrialArchitecture, formatDuration, formatFixed, oneLine, progressBar, sparkline, trialTag } from '../format/index.js';
import type { RunningTrial } from './search-state.js';

/**
 * A running trial: architecture, epoch progress, and sparklines of loss and validation accuracy;
 * a DASS trial adds its phase, α entropy per cell type and current genotype (`dassDashboardLines`).
 */
export function RunningTrialView({ run, now, width }: { run: RunningTrial; now: number; width: number }) {
  const { trial, epochs, totalEpochs } = run;
  // Inside an epoch, the bar also counts the batches done of the epoch under way.
  const inEpoch = run.batch && run.batch.epoch === epochs.length + 1 ? run.batch : undefined;
  const done = epochs.length + (inEpoch ? inEpoch.batch / inEpoch.batches : 0);
  const last = epochs[epochs.length - 1];
  const tag = trialTag(trial);
  const spark = Math.max(8, Math.min(30, Math.floor((width - 40) / 2)));
  return (
    <Box flexDirection="column">
      <Text wrap="truncate-end">
        <Text color="cyan">▶ trial {trial.number}</Text>  {oneLine(describeTrialArchitecture(trial))}
        {tag ? <Text dimColor>  {tag}</Text> : null}
      </Text>
      <Text wrap="truncate-end">
        {'  '}epoch <Text color="cyan">{progressBar(totalEpochs ? done / totalEpochs : 0, Math.max(10, Math.min(30, width - 40)))}</Text>{' '}
        {epochs.length}/{totalEpochs}{inEpoch ? `  batch ${inEpoch.batch}/${inEpoch.batches}` : ''}  {formatDuration(Math.max(0, now - run.startedAt))}
      </Text>
      {last ? (
        <Text wrap="truncate-end">
          {'  '}loss <Text color="yellow">{sparkline(epochs.map((e) => e.trainLoss), spark)}</Text> {formatFixed(last.trainLoss)}
          {'   '}val_acc <Text color="green">{sparkline(epochs.map((e) => e.valAccuracy), spark)}</Text> {formatFixed(last.valAccuracy)}
        </Text>
      ) : null}
      {dassDashboardLines(epochs.map((e) => dassEpochView(e.outputs)), width).map((line, i) => (
        <Text key={`dass-${i}`} wrap="truncate-end">{line}</Text>
      ))}
    </Box>
  );
}
