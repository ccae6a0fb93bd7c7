// The live Ink dashboard: a pure view of the search's event stream.
export * from './Dashboard.js';
export * from './render-dashboard.js';
export * from './search-state.js';
export * from './use-search-state.js';
