// grafana/dashboards/*.json: the catalog's dashboards built with @grafana/grafana-foundation-sdk in Grafana's
// classic dashboard schema (the v2 schema needs a feature toggle and fails to import on current Grafana).
// Each catalog panel becomes one timeseries panel with one Prometheus target per series; latency panels of the
// gateway ask for exemplars, so a spike links to its trace.
import {
  DashboardBuilder,
  DatasourceVariableBuilder,
  QueryVariableBuilder,
  RowBuilder,
  ThresholdsConfigBuilder,
  ThresholdsMode,
  VariableRefresh,
  VariableSort,
} from '@grafana/grafana-foundation-sdk/dashboard';
import {
  GraphThresholdsStyleConfigBuilder,
  GraphThresholdsStyleMode,
  LegendDisplayMode,
  LegendPlacement,
  SortOrder,
  TooltipDisplayMode,
  VizLegendOptionsBuilder,
  VizTooltipOptionsBuilder,
} from '@grafana/grafana-foundation-sdk/common';
import { DataqueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder } from '@grafana/grafana-foundation-sdk/timeseries';
import {
  dashboards,
  renderPromQL,
  type DashboardDefinition,
  type MonitoringSettings,
  type PanelDefinition,
} from '../catalog/index.js';

/** Every panel's data source: the dashboard's `datasource` variable. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's data source variable, filled in by Grafana
const DATASOURCE = { type: 'prometheus', uid: '${datasource}' };

function panel(p: PanelDefinition, id: number): PanelBuilder {
  const b = new PanelBuilder()
    .id(id)
    .title(p.title)
    .description(p.description)
    .unit(p.unit)
    .datasource(DATASOURCE)
    .height(8)
    .span(12)
    .legend(
      new VizLegendOptionsBuilder()
        .showLegend(true)
        .displayMode(LegendDisplayMode.List)
        .placement(LegendPlacement.Bottom),
    )
    .tooltip(new VizTooltipOptionsBuilder().mode(TooltipDisplayMode.Multi).sort(SortOrder.Descending));
  if (p.min !== undefined) b.min(p.min);
  if (p.max !== undefined) b.max(p.max);
  if (p.thresholds && p.thresholds.length > 0) {
    b.thresholds(
      new ThresholdsConfigBuilder()
        .mode(ThresholdsMode.Absolute)
        .steps([{ value: null, color: 'green' }, ...p.thresholds.map((t) => ({ value: t.value, color: t.color }))]),
    );
    b.thresholdsStyle(new GraphThresholdsStyleConfigBuilder().mode(GraphThresholdsStyleMode.Line));
  }
  p.series.forEach((s, i) => {
    const q = new DataqueryBuilder()
      .refId(String.fromCharCode(65 + i))
      .expr(renderPromQL(s.expr))
      .legendFormat(s.legend)
      .range();
    if (s.exemplar) q.exemplar(true);
    b.withTarget(q);
  });
  return b;
}

/** The classic-schema JSON model of one dashboard. */
export function dashboardJson(d: DashboardDefinition): Record<string, unknown> {
  const b = new DashboardBuilder(d.title)
    .uid(d.uid)
    .description(d.description)
    .tags(['inferwatch', 'llm'])
    .refresh('30s')
    .time({ from: 'now-1h', to: 'now' })
    .withVariable(new DatasourceVariableBuilder('datasource').label('Data source').type('prometheus'));
  for (const v of d.variables) {
    const query = `label_values(${v.match}, ${v.valuesOf})`;
    b.withVariable(
      new QueryVariableBuilder(v.name)
        .label(v.label)
        .datasource(DATASOURCE)
        .query(query)
        .definition(query)
        .includeAll(true)
        .allValue('.*')
        .multi(true)
        .refresh(VariableRefresh.OnTimeRangeChanged)
        .sort(VariableSort.AlphabeticalAsc),
    );
  }
  let row: string | undefined;
  let id = 1;
  for (const p of d.panels) {
    if (p.row !== row) {
      row = p.row;
      b.withRow(new RowBuilder(p.row).id(id++));
    }
    b.withPanel(panel(p, id++));
  }
  return b.build() as unknown as Record<string, unknown>;
}

/** grafana/dashboards/<uid>.json for each dashboard. */
export function dashboardFiles(s: MonitoringSettings): Map<string, string> {
  const out = new Map<string, string>();
  for (const d of dashboards(s))
    out.set(`grafana/dashboards/${d.uid}.json`, `${JSON.stringify(dashboardJson(d), null, 2)}\n`);
  return out;
}
