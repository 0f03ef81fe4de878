// Range-query results drawn with uPlot: one x grid (the query's steps) and one y array per
// series with gaps where a series has no sample, optionally stacked.

import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { formatSeries } from "./format";

export interface RangeSeries {
  metric: Record<string, string>;
  values?: [number, string][];
}

/** Above this many series the legend lists labels only (no values under the cursor). */
const LIVE_LEGEND_MAX = 100;

const PALETTE = [
  "#1f77b4",
  "#ff7f0e",
  "#2ca02c",
  "#d62728",
  "#9467bd",
  "#8c564b",
  "#e377c2",
  "#7f7f7f",
  "#bcbd22",
  "#17becf",
  "#393b79",
  "#637939",
  "#8c6d31",
  "#843c39",
  "#7b4173",
  "#3182bd",
];

function sampleValue(v: string): number | null {
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

/** Aligns samples to the step grid `start..end`; a sample off the grid goes to its nearest slot. */
export function alignSeries(
  series: RangeSeries[],
  startS: number,
  endS: number,
  stepS: number,
): { xs: number[]; ys: (number | null)[][] } {
  const n = Math.floor((endS - startS) / stepS) + 1;
  const xs = Array.from({ length: n }, (_, i) => startS + i * stepS);
  const ys = series.map((s) => {
    const y: (number | null)[] = new Array<number | null>(n).fill(null);
    for (const [t, v] of s.values ?? []) {
      const i = Math.round((t - startS) / stepS);
      if (i >= 0 && i < n) y[i] = sampleValue(v);
    }
    return y;
  });
  return { xs, ys };
}

/** Indices of samples with no neighbour: a line cannot show them, so they get a dot. */
function isolated(y: (number | null)[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < y.length; i++) {
    if (
      y[i] !== null &&
      (i === 0 || y[i - 1] === null) &&
      (i === y.length - 1 || y[i + 1] === null)
    ) {
      out.push(i);
    }
  }
  return out;
}

/** Running sums per x (nulls count as 0 but stay gaps in their own series). */
function stack(ys: (number | null)[][]): (number | null)[][] {
  const acc = new Array<number>(ys[0]?.length ?? 0).fill(0);
  return ys.map((y) =>
    y.map((v, i) => {
      if (v === null) return null;
      acc[i] += v;
      return acc[i];
    }),
  );
}

export class Chart {
  private plot: uPlot | null = null;
  private readonly onResize = (): void => {
    if (this.plot) this.plot.setSize({ width: this.width(), height: 320 });
  };

  constructor(private readonly el: HTMLElement) {
    window.addEventListener("resize", this.onResize);
  }

  private width(): number {
    return Math.max(300, this.el.clientWidth - 4);
  }

  render(
    series: RangeSeries[],
    startS: number,
    endS: number,
    stepS: number,
    stacked: boolean,
  ): void {
    this.destroyPlot();
    const { xs, ys } = alignSeries(series, startS, endS, stepS);
    const plotted = stacked ? stack(ys) : ys;
    const lonely = ys.map(isolated);
    const opts: uPlot.Options = {
      width: this.width(),
      height: 320,
      scales: { x: { time: true, range: [startS, endS] } },
      // Live legend values redraw every row on each mouse move: only for readable counts.
      legend: { live: series.length <= LIVE_LEGEND_MAX },
      cursor: { points: { size: 6 } },
      series: [
        {},
        ...series.map((s, i) => {
          const color = PALETTE[i % PALETTE.length];
          return {
            label: formatSeries(s.metric),
            stroke: color,
            fill: stacked ? color + "55" : undefined,
            width: 1.5,
            spanGaps: false,
            points: { show: true, size: 5, fill: color, filter: () => lonely[i] },
            // The legend shows each series' own value, not the stacked sum.
            value: (_u: uPlot, _v: number | null, _si: number, di: number | null) => {
              const raw = di === null ? null : ys[i][di];
              return raw === null ? "–" : String(raw);
            },
          } satisfies uPlot.Series;
        }),
      ],
      axes: [{}, { size: 70 }],
    };
    this.plot = new uPlot(opts, [xs, ...plotted] as uPlot.AlignedData, this.el);
    this.el.dataset.seriesCount = String(series.length);
  }

  private destroyPlot(): void {
    this.plot?.destroy();
    this.plot = null;
  }

  destroy(): void {
    this.destroyPlot();
    window.removeEventListener("resize", this.onResize);
  }
}
