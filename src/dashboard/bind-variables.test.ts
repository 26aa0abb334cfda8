import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  dashboards,
  DEFAULT_MONITORING,
  histogramQuantile,
  interpolate,
  match,
  RATE_INTERVAL,
  rate,
  renderPromQL,
  selector,
  sumBy,
} from '../catalog/index.js';
import { bindVariables, type Bindings } from './bind-variables.js';

const cases: { name: string; bindings: Bindings }[] = [
  {
    name: 'All models, a 5 s step',
    bindings: { intervalSeconds: 5, scrapeSeconds: 5, variables: { model: '.*', replica: '.*' } },
  },
  {
    name: 'one model with regex characters, a 15 s step',
    bindings: {
      intervalSeconds: 15,
      scrapeSeconds: 5,
      variables: { model: ['meta-llama/Llama-3.1-8B-Instruct'], replica: '.*' },
    },
  },
  {
    name: 'two models and a replica',
    bindings: { intervalSeconds: 2, scrapeSeconds: 1, variables: { model: ['a.b', 'c'], replica: ['r1'] } },
  },
];

for (const c of cases) {
  test(`binding variables in the tree renders the query Grafana sends: ${c.name}`, () => {
    // The PromQL text differs only in how the rate window is spelled (20000ms there, 20s here).
    const canonical = (q: string) => q.replace(/\[(\d+)ms\]/g, (_, ms: string) => `[${Number(ms) / 1000}s]`);
    for (const d of dashboards(DEFAULT_MONITORING)) {
      for (const p of d.panels) {
        for (const s of p.series) {
          const grafana = interpolate(renderPromQL(s.expr), c.bindings);
          const bound = renderPromQL(bindVariables(s.expr, c.bindings));
          assert.equal(canonical(bound), canonical(grafana), `${d.uid}/${p.id}`);
          assert.ok(!bound.includes('$'), `${d.uid}/${p.id}: ${bound}`);
        }
      }
    }
  });
}

test('a variable value with a quote stays inside its matcher', () => {
  const e = histogramQuantile(
    0.5,
    sumBy(['le'], rate(selector('x_bucket', [match('model', '=~', '$model')]), RATE_INTERVAL)),
  );
  const text = renderPromQL(
    bindVariables(e, { intervalSeconds: 5, scrapeSeconds: 5, variables: { model: 'a"} or vector(1) #' } }),
  );
  assert.equal(text, 'histogram_quantile(0.5, sum by (le) (rate(x_bucket{model=~"a\\"} or vector(1) #"}[20s])))');
});
