// Small charts drawn as SVG, without libraries: every value also goes into the chart's accessible
// name and a caption, so the numbers are there for screen readers and for copying.
import { h } from './dom.js';

const SVG = 'http://www.w3.org/2000/svg';

function svg(tag, attributes, text) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  if (text !== undefined) element.textContent = text;
  return element;
}

/**
 * A bar chart of a few named values.
 * @param {string} title the chart's name, e.g. "Latency"
 * @param {{label: string, value: number|null, tone?: string}[]} bars a missing value draws no bar and reads "n/a"
 * @param {(value: number) => string} format how a value is written
 */
export function barChart(title, bars, format = String) {
  const width = 320, height = 120, top = 16, bottom = 22, gap = 12;
  const max = Math.max(...bars.map((bar) => bar.value || 0), 0) || 1;
  const slot = (width - gap) / bars.length;
  const chart = svg('svg', { viewBox: `0 0 ${width} ${height}`, class: 'chart bars', role: 'img', preserveAspectRatio: 'xMidYMid meet' });
  const words = bars.map((bar) => `${bar.label} ${bar.value === null || bar.value === undefined ? 'n/a' : format(bar.value)}`).join(', ');
  chart.setAttribute('aria-label', `${title}: ${words}`);
  chart.append(svg('line', { x1: 0, x2: width, y1: height - bottom, y2: height - bottom, class: 'axis' }));
  bars.forEach((bar, index) => {
    const x = gap + index * slot, barWidth = slot - gap;
    const known = bar.value !== null && bar.value !== undefined;
    const barHeight = known ? Math.max(((bar.value || 0) / max) * (height - top - bottom), bar.value > 0 ? 2 : 0) : 0;
    const y = height - bottom - barHeight;
    chart.append(svg('rect', { x, y, width: barWidth, height: barHeight, class: `bar ${bar.tone || ''}`.trim() }));
    chart.append(svg('text', { x: x + barWidth / 2, y: y - 4, class: 'value' }, known ? format(bar.value) : 'n/a'));
    chart.append(svg('text', { x: x + barWidth / 2, y: height - 6, class: 'label' }, bar.label));
  });
  return h('figure', { class: 'chart-figure', 'data-chart': title }, chart, h('figcaption', {}, h('strong', {}, title), ' ', h('span', { class: 'muted' }, words)));
}

/** Seconds as milliseconds in words (`12.5 ms`), for latencies. */
export const milliseconds = (seconds) => {
  const value = seconds * 1000;
  return `${value >= 100 ? Math.round(value) : value >= 10 ? value.toFixed(1) : value.toFixed(2)} ms`;
};
