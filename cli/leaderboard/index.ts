// Leaderboards: select (filter, Pareto, rank, top) and render as table, JSON, CSV or Markdown.
export * from './csv.js';
export * from './format-leaderboard.js';
export * from './leaderboard-columns.js';
export * from './markdown.js';
export * from './select-trials.js';
export * from './text-table.js';
