// Plain-text formatting shared by the dashboard, reporters, leaderboards and reports (no ink).
export * from './describe-architecture.js';
export * from './describe-trial.js';
export * from './format-numbers.js';
export * from './glyphs.js';
export * from './describe-dass.js';
