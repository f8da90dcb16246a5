import { html, type SafeHtml } from '#web/html/html';

/**
 * Charts drawn on the server as inline SVG: no script, no style sheet, no third-party origin, so
 * the site's strict Content-Security-Policy stays as it is. Colours are SVG presentation
 * attributes. Every chart carries a title for screen readers and a tooltip per mark; the exact
 * figures are in the table the page puts under it.
 */

/** A chart over columns (days): its title, the column labels, the series and how to write a value. */
export type ColumnChartInput = {
  title: string;
  columns: string[];
  series: ChartSeries[];
  /** Writes a value for the axis and the tooltips; whole numbers by default. */
  format?: (value: number) => string;
  /** Label every n-th column, counted from the last (default 7). */
  labelEvery?: number;
};

const wholeNumber = (value: number) => String(Math.round(value));

/** One coloured part of a chart: a name and a value per column. */
export type ChartSeries = { label: string; values: number[] };

/** Colours for series, in order: distinct for the colour-blind as far as eight go (Okabe–Ito). */
const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#F0E442', '#000000'];

const WIDTH = 720;
const HEIGHT = 220;
const LEFT = 56;
const RIGHT = 8;
const TOP = 8;
const BOTTOM = 24;
const PLOT_WIDTH = WIDTH - LEFT - RIGHT;
const PLOT_HEIGHT = HEIGHT - TOP - BOTTOM;

/** A round upper bound for the axis: 1, 2 or 5 times a power of ten, at least `value`. */
function niceMax(value: number): number {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 5, 10].map((step) => step * power).find((candidate) => candidate >= value) ?? 10 * power;
}

function colorOf(index: number): string {
  return PALETTE[index % PALETTE.length] ?? '#000000';
}

function legend(series: ChartSeries[]): SafeHtml {
  return html`<p class="legend">${series.map((line, index) => html`<span><svg width="12" height="12" aria-hidden="true"><rect width="12" height="12" fill="${colorOf(index)}"/></svg> ${line.label}</span> `)}</p>`;
}

/** The frame every chart shares: caption, the SVG (with how many marks it drew, for tests) and the legend. */
function figure(
  input: { title: string; series: ChartSeries[] },
  height: number,
  marks: number,
  body: SafeHtml,
): SafeHtml {
  return html`<figure class="chart"><figcaption>${input.title}</figcaption>
<svg viewBox="0 0 ${WIDTH} ${height}" width="100%" role="img" aria-label="${input.title}" data-marks="${marks}">
${body}
</svg>${legend(input.series)}</figure>`;
}

function yAxis(max: number, format: (value: number) => string): SafeHtml {
  const ticks = [0, max / 2, max];
  return html`${ticks.map((tick) => {
    const y = TOP + PLOT_HEIGHT - (tick / max) * PLOT_HEIGHT;
    return html`<line x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${y}" y2="${y}" stroke="#ddd"/><text x="${LEFT - 4}" y="${y + 4}" text-anchor="end" font-size="11">${format(tick)}</text>`;
  })}`;
}

function xLabels(columns: string[], every: number): SafeHtml {
  const step = PLOT_WIDTH / Math.max(columns.length, 1);
  // Counted from the last column, so the newest day is always labelled and labels never crowd.
  return html`${columns.map((column, index) =>
    (columns.length - 1 - index) % every === 0
      ? html`<text x="${LEFT + step * (index + 0.5)}" y="${HEIGHT - 6}" text-anchor="middle" font-size="11">${column}</text>`
      : '',
  )}`;
}

/**
 * Stacked columns, one per entry of `columns` (days), each split by series. `format` writes the
 * axis and tooltip values (e.g. money). Empty data draws the axes and says so in its title.
 */
export function stackedColumnChart(input: ColumnChartInput): SafeHtml {
  const format = input.format ?? wholeNumber;
  const totals = input.columns.map((_, column) =>
    input.series.reduce((sum, line) => sum + (line.values[column] ?? 0), 0),
  );
  const max = niceMax(Math.max(0, ...totals));
  const step = PLOT_WIDTH / Math.max(input.columns.length, 1);
  const barWidth = Math.max(step * 0.75, 1);
  const bars = input.columns.map((column, columnIndex) => {
    let base = TOP + PLOT_HEIGHT;
    return input.series.map((line, seriesIndex) => {
      const value = line.values[columnIndex] ?? 0;
      if (value <= 0) return '';
      const height = (value / max) * PLOT_HEIGHT;
      base -= height;
      return html`<rect x="${LEFT + step * columnIndex + (step - barWidth) / 2}" y="${base}" width="${barWidth}" height="${height}" fill="${colorOf(seriesIndex)}"><title>${column} · ${line.label}: ${format(value)}</title></rect>`;
    });
  });
  const marks = bars.flat().filter((bar) => bar !== '').length;
  return figure(
    input,
    HEIGHT,
    marks,
    html`${yAxis(max, format)}${bars}${xLabels(input.columns, input.labelEvery ?? 7)}`,
  );
}

/** Lines over the columns (days), one per series, with a dot per value. */
export function lineChart(input: ColumnChartInput): SafeHtml {
  const format = input.format ?? wholeNumber;
  const max = niceMax(Math.max(0, ...input.series.flatMap((line) => line.values)));
  const step = PLOT_WIDTH / Math.max(input.columns.length, 1);
  const x = (index: number) => LEFT + step * (index + 0.5);
  const y = (value: number) => TOP + PLOT_HEIGHT - (value / max) * PLOT_HEIGHT;
  let marks = 0;
  const lines = input.series.map((line, seriesIndex) => {
    const points = line.values.map((value, index) => `${x(index).toFixed(1)},${y(value).toFixed(1)}`).join(' ');
    const dots = line.values.map((value, index) => {
      if (value === 0) return '';
      marks += 1;
      return html`<circle cx="${x(index)}" cy="${y(value)}" r="3" fill="${colorOf(seriesIndex)}"><title>${input.columns[index] ?? ''} · ${line.label}: ${format(value)}</title></circle>`;
    });
    return html`<polyline points="${points}" fill="none" stroke="${colorOf(seriesIndex)}" stroke-width="2"/>${dots}`;
  });
  return figure(
    input,
    HEIGHT,
    marks,
    html`${yAxis(max, format)}${lines}${xLabels(input.columns, input.labelEvery ?? 7)}`,
  );
}

/** Horizontal bars, one group per row (e.g. a model), one bar per series (e.g. p50, p95). */
export function barGroupChart(input: {
  title: string;
  rows: string[];
  series: ChartSeries[];
  format?: (value: number) => string;
}): SafeHtml {
  const format = input.format ?? wholeNumber;
  const labelWidth = 200;
  const rowHeight = 14 * Math.max(input.series.length, 1) + 10;
  const height = TOP + rowHeight * Math.max(input.rows.length, 1) + 4;
  const max = niceMax(Math.max(0, ...input.series.flatMap((line) => line.values)));
  const scale = (WIDTH - labelWidth - RIGHT - 60) / max;
  let marks = 0;
  const groups = input.rows.map((row, rowIndex) => {
    const top = TOP + rowHeight * rowIndex;
    return html`<text x="${labelWidth - 6}" y="${top + rowHeight / 2}" text-anchor="end" font-size="11">${row}</text>${input.series.map(
      (line, seriesIndex) => {
        const value = line.values[rowIndex] ?? 0;
        if (value > 0) marks += 1;
        const barY = top + 4 + seriesIndex * 14;
        return html`<rect x="${labelWidth}" y="${barY}" width="${Math.max(value * scale, 0)}" height="12" fill="${colorOf(seriesIndex)}"><title>${row} · ${line.label}: ${format(value)}</title></rect><text x="${labelWidth + value * scale + 4}" y="${barY + 10}" font-size="11">${format(value)}</text>`;
      },
    )}`;
  });
  return figure(input, height, marks, html`${groups}`);
}
