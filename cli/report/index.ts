// Study reports: self-contained HTML with inline SVG charts, and Markdown.
export * from './escape-html.js';
export * from './group-summary.js';
export * from './render-html-report.js';
export * from './render-markdown-report.js';
export * from './report-data.js';
export * from './dass-views.js';
