// The graph page's state in the query string, in Prometheus's `g<N>.<option>=` scheme, so
// links copied from Prometheus open here and links from here open in Prometheus.
//
// Read: `expr`, `tab` (0 or `graph` = graph, 1 or `table` = table), `stacked` (1/0) or
// Prometheus 3's `display_mode=stacked`, `range_input` (duration), `end_input` /
// `moment_input` (UTC `YYYY-MM-DD HH:mm:ss`, RFC 3339 or Unix seconds), `step_input` or
// Prometheus 3's `res_step` (seconds; its `res_type=auto` is our automatic step). Written:
// Prometheus 2's form of the same keys, which Prometheus 3 still reads.

import { formatDuration, formatTime, parseDuration, parseTime } from "./format";

export type Tab = "graph" | "table";

export interface PanelOptions {
  expr: string;
  tab: Tab;
  stacked: boolean;
  rangeMs: number;
  /** Ms since the epoch; null means "now" (the range ends when the query runs). */
  endMs: number | null;
  /** Seconds; null means the automatic resolution (range / 250, as Prometheus). */
  stepS: number | null;
}

export const defaultPanel = (): PanelOptions => ({
  expr: "",
  tab: "table",
  stacked: false,
  rangeMs: 3600_000,
  endMs: null,
  stepS: null,
});

function apply(opts: PanelOptions, key: string, value: string): void {
  switch (key) {
    case "expr":
      opts.expr = value;
      break;
    case "tab":
      opts.tab = value === "0" || value === "graph" ? "graph" : "table";
      break;
    case "stacked":
      opts.stacked = value === "1";
      break;
    case "display_mode":
      opts.stacked = value === "stacked";
      break;
    case "range_input": {
      const ms = parseDuration(value);
      if (ms !== null && ms > 0) opts.rangeMs = ms;
      break;
    }
    case "end_input":
    case "moment_input": {
      const t = parseTime(value);
      if (t !== null) opts.endMs = t;
      break;
    }
    case "step_input":
    case "res_step": {
      const s = Number(value);
      if (Number.isFinite(s) && s > 0) opts.stepS = s;
      break;
    }
  }
}

/** Panels from a query string such as `?g0.expr=up&g0.tab=0`; keys are read in index order. */
export function parsePanels(search: string): PanelOptions[] {
  const byIndex = new Map<number, PanelOptions>();
  for (const [key, value] of new URLSearchParams(search)) {
    const m = /^g(\d+)\.(\w+)$/.exec(key);
    if (!m) continue;
    const idx = Number(m[1]);
    let opts = byIndex.get(idx);
    if (!opts) {
      opts = defaultPanel();
      byIndex.set(idx, opts);
    }
    apply(opts, m[2], value);
  }
  return [...byIndex.entries()].sort((a, b) => a[0] - b[0]).map(([, o]) => o);
}

/** The query string (without `?`) for `panels`. */
export function serializePanels(panels: PanelOptions[]): string {
  const params = new URLSearchParams();
  panels.forEach((p, i) => {
    const g = `g${i}.`;
    params.set(g + "expr", p.expr);
    params.set(g + "tab", p.tab === "graph" ? "0" : "1");
    params.set(g + "stacked", p.stacked ? "1" : "0");
    params.set(g + "range_input", formatDuration(p.rangeMs));
    if (p.endMs !== null) {
      params.set(g + "end_input", formatTime(p.endMs));
      params.set(g + "moment_input", formatTime(p.endMs));
    }
    if (p.stepS !== null) params.set(g + "step_input", String(p.stepS));
  });
  return params.toString();
}
