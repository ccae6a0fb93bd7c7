// How a search is shown: the dashboard, plain lines or NDJSON, all listening to the same events.
export * from './dashboard-reporter.js';
export * from './json-reporter.js';
export * from './plain-reporter.js';
export * from './reporter.js';
export * from './select-reporter.js';
