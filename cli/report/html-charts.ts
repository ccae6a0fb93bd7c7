import { dimensionImportance, metricValue, paretoFront, type DimensionImportance } from '../../search/index.js';
import { parallelCoordinates } from './svg/parallel-coordinates.js';
import { describeArchitecture, describeTrialArchitecture, formatCount, formatFixed, oneLine, truncate } from '../format/index.js';
import { reportFacts, seriesOf, type ReportData } from './report-data.js';
import { barChart } from './svg/bar-chart.js';
import { lineChart } from './svg/line-chart.js';
import { scatterChart, type ScatterPoint } from './svg/scatter-chart.js';

type Facts = ReturnType<typeof reportFacts>;

const pct = (v: number) => `${Math.round(v * 1000) / 10}%`;

function points(data: ReportData, x: (m: NonNullable<ReportData['trials'][number]['metrics']>) => number): ScatterPoint[] {
  return data.trials.filter((t) => t.state === 'completed' && t.metrics).map((t) => {
    const m = t.metrics!;
    return {
      x: x(m), y: m.valAccuracy, trial: t.number, series: seriesOf(t),
      tooltip: `trial ${t.number} · val_acc ${formatFixed(m.valAccuracy)} · sparse FLOPs ${formatCount(m.sparseFlops)} · sparsity ${formatFixed(m.sparsity, 3)} · ${oneLine(describeTrialArchitecture(t))}`,
    };
  });
}

/** Validation accuracy against sparse FLOPs (log x), Pareto front as a step line. */
export function accuracyVsFlopsChart(data: ReportData, facts: Facts): string {
  return scatterChart({
    id: 'chart-acc-flops', title: 'Validation accuracy vs sparse FLOPs (Pareto front)',
    description: 'Scatter of validation accuracy against sparse forward FLOPs per sample on a log scale; the step line joins the Pareto-optimal trials.',
    xLabel: 'sparse FLOPs per sample (log)', yLabel: 'validation accuracy', xLog: true,
    xFormat: formatCount, yFormat: (v) => v.toFixed(2),
    points: points(data, (m) => m.sparseFlops), front: facts.front.map((t) => t.number),
  });
}

/** Validation accuracy against weight sparsity. */
export function accuracyVsSparsityChart(data: ReportData): string {
  return scatterChart({
    id: 'chart-acc-sparsity', title: 'Validation accuracy vs sparsity',
    description: 'Scatter of validation accuracy against the fraction of zero weights.',
    xLabel: 'sparsity (fraction of zero weights)', yLabel: 'validation accuracy',
    xFormat: (v) => pct(v), yFormat: (v) => v.toFixed(2),
    points: points(data, (m) => m.sparsity),
  });
}

/** Validation accuracy per epoch of the best `top` trials that recorded epochs. */
export function learningCurvesChart(data: ReportData, facts: Facts, top = 5): string | undefined {
  const series = facts.ranked.filter((t) => (data.epochs[t.number]?.length ?? 0) > 0).slice(0, top).map((t) => ({
    trial: t.number,
    label: truncate(`trial ${t.number} ${oneLine(describeTrialArchitecture(t))}`, 80),
    points: data.epochs[t.number]!.map((e) => ({ x: e.epoch, y: e.valAccuracy })),
  }));
  if (!series.length) return undefined;
  return lineChart({
    id: 'chart-curves', title: `Learning curves of the top ${series.length} trials`,
    description: 'Validation accuracy after each epoch for the best trials.',
    xLabel: 'epoch', yLabel: 'validation accuracy', xFormat: (v) => String(v), yFormat: (v) => v.toFixed(2), series, xInteger: true,
  });
}

/** Per-layer sparsity of the best trial (Metrics.layers). */
export function layerSparsityChart(facts: Facts): string | undefined {
  const layers = facts.best?.metrics?.layers ?? [];
  if (!layers.length) return undefined;
  return barChart({
    id: 'chart-layers', title: `Per-layer sparsity of trial ${facts.best!.number} (${facts.objective.metric} ${formatFixed(metricValue(facts.best!, facts.objective.metric))})`,
    description: 'Fraction of zero weights in each layer of the best trial.',
    bars: layers.map((l) => ({
      label: truncate(`${oneLine(l.name)} (${oneLine(l.type)})`, 28), value: l.sparsity,
      note: `${pct(l.sparsity)} · ${formatCount(l.nonZeros)} / ${formatCount(l.params)}`,
    })),
  });
}

/** Trials that rank and have a batch-1 latency: accuracy against latency, with their own Pareto front. */
export function accuracyVsLatencyChart(data: ReportData, facts: Facts): string | undefined {
  const measured = facts.ranked.filter((t) => t.metrics?.latencyMsB1 !== undefined);
  if (!measured.length) return undefined;
  const front = paretoFront(measured, [{ metric: 'valAccuracy', direction: 'maximize' }, { metric: 'latencyMsB1', direction: 'minimize' }]);
  const ms = (v: number) => `${Number(v.toPrecision(3))} ms`;
  return scatterChart({
    id: 'chart-acc-latency', title: 'Validation accuracy vs inference latency, batch 1 (Pareto front)',
    description: 'Scatter of validation accuracy against the median inference latency at batch 1 in milliseconds (log scale), measured on the backend that evaluated each trial; the step line joins the Pareto-optimal trials.',
    xLabel: 'latency at batch 1, ms (log)', yLabel: 'validation accuracy', xLog: true, xFormat: ms, yFormat: (v) => v.toFixed(2),
    points: measured.map((t) => {
      const m = t.metrics!;
      return {
        x: m.latencyMsB1!, y: m.valAccuracy, trial: t.number, series: seriesOf(t),
        tooltip: `trial ${t.number} · val_acc ${formatFixed(m.valAccuracy)} · latency ${ms(m.latencyMsB1!)} (batch 1), ${m.latencyMsB128 !== undefined ? ms(m.latencyMsB128) : '-'} (batch 128) on ${m.backend} · ${oneLine(describeTrialArchitecture(t))}`,
      };
    }),
    front: front.map((t) => t.number),
  });
}

/**
 * The searched dimensions (the keys of the trials' samples) of the ranked trials, as parallel
 * coordinates coloured by validation accuracy; undefined with fewer than two such trials.
 */
export function parallelCoordinatesChart(facts: Facts): string | undefined {
  const trials = facts.ranked.filter((t) => t.metrics && Object.keys(t.sample).length);
  if (trials.length < 2) return undefined;
  const axes = [...new Set(trials.flatMap((t) => Object.keys(t.sample)))].sort()
    .filter((a) => new Set(trials.map((t) => JSON.stringify(t.sample[a] ?? null))).size > 1);
  if (!axes.length) return undefined;
  return parallelCoordinates({
    id: 'chart-parallel', title: 'Searched dimensions (parallel coordinates, coloured by validation accuracy)',
    description: 'One vertical axis per searched dimension and one for validation accuracy; each line is a completed trial, darker is more accurate.',
    axes, metricLabel: 'val_acc',
    lines: trials.map((t) => ({
      trial: t.number, values: t.sample, metric: t.metrics!.valAccuracy,
      tooltip: `trial ${t.number} · val_acc ${formatFixed(t.metrics!.valAccuracy)} · ${axes.map((a) => `${a}=${JSON.stringify(t.sample[a])}`).join(' ')}`,
    })),
  });
}

/** Per-dimension importance of the ranked trials for validation accuracy (search/importance.ts). */
export function importanceOf(facts: Facts): DimensionImportance[] {
  const trials = facts.ranked.filter((t) => t.metrics);
  return dimensionImportance(trials.map((t) => t.sample), trials.map((t) => t.metrics!.valAccuracy));
}
