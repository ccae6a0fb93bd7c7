// Imported first by tests that drive the real dashboard: Ink renders only the final frame when it
// detects CI (is-in-ci reads CI / CONTINUOUS_INTEGRATION once, at import), and these tests are
// about the live frames a user sees in a terminal. Must run before ink is first imported.
process.env['CI'] = 'false';
process.env['CONTINUOUS_INTEGRATION'] = 'false';
export {};
