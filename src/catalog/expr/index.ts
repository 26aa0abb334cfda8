// Public face of the series expression algebra: node types, constructors and the PromQL renderer.
export * from './series-expr.js';
export { renderPromQL, formatNumber, type RenderOptions } from './render-promql.js';
