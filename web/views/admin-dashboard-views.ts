import type { AdminDashboard } from '#core';
import { formatDateTime, formatMoney } from '#web/html/format';
import { html, type SafeHtml } from '#web/html/html';
import { barGroupChart, lineChart, stackedColumnChart } from '#web/html/svg-chart';
import type { ViewContext } from '#web/views/view-context';

/** Money of one currency in its minor unit, as the locale writes it (whole Stars for XTR). */
function moneyFormat(view: ViewContext, currency: string): (minor: number) => string {
  return currency === 'XTR'
    ? (stars) => `${Math.round(stars)} ⭐`
    : (minor) => formatMoney(view.locale, Math.round(minor), currency);
}

function seconds(ms: number | null): string {
  return ms === null ? '-' : `${(ms / 1000).toFixed(1)} s`;
}

function revenueCharts(view: ViewContext, dashboard: AdminDashboard): SafeHtml {
  const { t } = view;
  const currencies = [...new Set(dashboard.revenue.map((line) => line.key.currency))];
  if (currencies.length === 0) return html`<p class="muted">${t('web.admin.dash.revenue_none')}</p>`;
  return html`${currencies.map((currency) =>
    stackedColumnChart({
      title: t('web.admin.dash.revenue', { currency }),
      columns: dashboard.days.map((day) => day.slice(5)),
      series: dashboard.revenue
        .filter((line) => line.key.currency === currency)
        .map((line) => ({
          label: view.tx(`web.admin.provider.${line.key.provider}`, line.key.provider),
          values: line.values,
        })),
      format: moneyFormat(view, currency),
    }),
  )}`;
}

function modelsPart(view: ViewContext, dashboard: AdminDashboard): SafeHtml {
  const { t } = view;
  if (dashboard.models.length === 0) return html`<p class="muted">${t('web.admin.dash.models_none')}</p>`;
  const rows = dashboard.models.map((model) => `${model.provider} ${model.model}`);
  return html`${barGroupChart({
    title: t('web.admin.dash.latency'),
    rows,
    series: [
      { label: 'p50', values: dashboard.models.map((model) => model.p50Ms ?? 0) },
      { label: 'p95', values: dashboard.models.map((model) => model.p95Ms ?? 0) },
    ],
    format: (ms) => seconds(ms),
  })}${barGroupChart({
    title: t('web.admin.dash.error_rate'),
    rows,
    series: [
      {
        label: t('web.admin.dash.col.error_rate'),
        values: dashboard.models.map((model) => (model.ended === 0 ? 0 : (100 * model.failed) / model.ended)),
      },
    ],
    format: (percent) => `${percent.toFixed(1)} %`,
  })}
<div class="table-wrap"><table data-testid="models"><thead><tr><th scope="col">${t('web.admin.dash.col.model')}</th><th scope="col" class="num">${t('web.admin.dash.col.ended')}</th><th scope="col" class="num">${t('web.admin.dash.col.failed')}</th><th scope="col" class="num">${t('web.admin.dash.col.error_rate')}</th><th scope="col" class="num">p50</th><th scope="col" class="num">p95</th></tr></thead><tbody>
${dashboard.models.map((model) => html`<tr><td>${model.provider} <code>${model.model}</code></td><td class="num">${model.ended}</td><td class="num">${model.failed}</td><td class="num">${model.ended === 0 ? '-' : `${((100 * model.failed) / model.ended).toFixed(1)} %`}</td><td class="num">${seconds(model.p50Ms)}</td><td class="num">${seconds(model.p95Ms)}</td></tr>`)}
</tbody></table></div>`;
}

function dailyTable(view: ViewContext, dashboard: AdminDashboard): SafeHtml {
  const { t } = view;
  const total = (index: number) =>
    dashboard.generationsByStatus.reduce((sum, line) => sum + (line.values[index] ?? 0), 0);
  const statusOf = (status: string, index: number) =>
    dashboard.generationsByStatus.find((line) => line.key === status)?.values[index] ?? 0;
  const credit = (key: string, index: number) => dashboard.credits.find((line) => line.key === key)?.values[index] ?? 0;
  const revenueCell = (index: number) => {
    const parts = dashboard.revenue
      .filter((line) => (line.values[index] ?? 0) > 0)
      .map(
        (line) =>
          `${view.tx(`web.admin.provider.${line.key.provider}`, line.key.provider)} ${moneyFormat(view, line.key.currency)(line.values[index] ?? 0)}`,
      );
    return parts.length === 0 ? '' : parts.join(', ');
  };
  const newestFirst = dashboard.days.map((day, index) => ({ day, index })).reverse();
  return html`<details><summary>${t('web.admin.dash.exact')}</summary><div class="table-wrap"><table data-testid="daily"><thead><tr><th scope="col">${t('web.admin.dash.col.day')}</th><th scope="col" class="num">${t('web.admin.dash.col.generations')}</th><th scope="col" class="num">${view.tx('status.succeeded', 'succeeded')}</th><th scope="col" class="num">${view.tx('status.failed', 'failed')}</th><th scope="col" class="num">${t('web.admin.dash.credits.granted')}</th><th scope="col" class="num">${t('web.admin.dash.credits.spent')}</th><th scope="col" class="num">${t('web.admin.dash.credits.refunded')}</th><th scope="col">${t('web.admin.dash.col.revenue')}</th></tr></thead><tbody>
${newestFirst.map(({ day, index }) => html`<tr><th scope="row">${day}</th><td class="num">${total(index)}</td><td class="num">${statusOf('succeeded', index)}</td><td class="num">${statusOf('failed', index)}</td><td class="num">${credit('granted', index)}</td><td class="num">${credit('spent', index)}</td><td class="num">${credit('refunded', index)}</td><td>${revenueCell(index)}</td></tr>`)}
</tbody></table></div></details>`;
}

/** The admin home's dashboard: the queue now, then the last 30 days as charts with the exact figures below. */
export function adminDashboardSection(view: ViewContext, dashboard: AdminDashboard): SafeHtml {
  const { t, locale } = view;
  const columns = dashboard.days.map((day) => day.slice(5));
  const { queue } = dashboard;
  return html`<section aria-labelledby="dashboard-h"><h2 id="dashboard-h">${t('web.admin.dash.title')}</h2>
<p data-testid="queue">${t('web.admin.dash.queue', { queued: queue.queued, running: queue.running, uploading: queue.uploading })}${queue.oldestQueuedAt ? ` ${t('web.admin.dash.queue_oldest', { date: formatDateTime(locale, queue.oldestQueuedAt) })}` : ''}</p>
${stackedColumnChart({ title: t('web.admin.dash.generations_status'), columns, series: dashboard.generationsByStatus.filter((line) => line.values.some((value) => value > 0)).map((line) => ({ label: view.tx(`status.${line.key}`, line.key), values: line.values })) })}
${stackedColumnChart({ title: t('web.admin.dash.generations_kind'), columns, series: dashboard.generationsByKind.map((line) => ({ label: view.tx(`web.admin.dash.kind.${line.key}`, line.key), values: line.values })) })}
${revenueCharts(view, dashboard)}
${lineChart({ title: t('web.admin.dash.credits'), columns, series: dashboard.credits.map((line) => ({ label: t(`web.admin.dash.credits.${line.key}`), values: line.values })) })}
<h3>${t('web.admin.dash.models')}</h3>
${modelsPart(view, dashboard)}
${dailyTable(view, dashboard)}
<p class="muted">${t('web.admin.dash.at', { date: formatDateTime(locale, dashboard.at) })}</p></section>`;
}
