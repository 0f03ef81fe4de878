// One expression-browser panel: editor, Table/Graph tabs, time controls and the result.

import { api } from "./api";
import { Chart, type RangeSeries } from "./chart";
import { h, replace } from "./dom";
import { createEditor, type Editor } from "./editor";
import { formatDuration, formatSeries, formatTime, parseDuration, parseTime } from "./format";
import type { PanelOptions, Tab } from "./urlstate";

/** Rows beyond this are not drawn in the table (the browser would crawl); the count is shown. */
const MAX_TABLE_ROWS = 10_000;
/** Series beyond this are not graphed: thousands of lines are unreadable and slow to draw. */
const MAX_GRAPH_SERIES = 1_000;
/** Range steps Prometheus's UI offers for the -/+ buttons. */
const RANGE_STEPS_MS = [
  1, 10, 60, 300, 900, 1800, 3600, 7200, 21600, 43200, 86400, 172800, 604800, 1209600, 2419200,
  4838400, 7257600, 14515200, 31449600,
].map((s) => s * 1000);

type QueryResult =
  | { resultType: "vector"; result: { metric: Record<string, string>; value?: [number, string] }[] }
  | { resultType: "matrix"; result: RangeSeries[] }
  | { resultType: "scalar" | "string"; result: [number, string] };

/** Prometheus's automatic resolution: range / 250 points, at least 1 s. */
export const autoStepS = (rangeMs: number): number => Math.max(Math.floor(rangeMs / 250_000), 1);

export class Panel {
  readonly el: HTMLElement;
  private readonly editor: Editor;
  private readonly result = h("div", { class: "result" });
  private readonly status = h("div", { class: "status-line" });
  private readonly stats = h("span", { class: "stats" });
  private readonly tableControls: HTMLElement;
  private readonly graphControls: HTMLElement;
  private readonly tabButtons: Record<Tab, HTMLButtonElement>;
  private readonly rangeInput: HTMLInputElement;
  private readonly endInputs: HTMLInputElement[];
  private readonly stepInput: HTMLInputElement;
  private chart: Chart | null = null;
  private inflight: AbortController | null = null;

  constructor(
    readonly opts: PanelOptions,
    private readonly changed: () => void,
    private readonly remove: () => void,
  ) {
    const editorHost = h("div", { class: "editor" });
    this.editor = createEditor(
      editorHost,
      opts.expr,
      () => void this.execute(),
      (text) => {
        this.opts.expr = text;
      },
    );
    const endValue = (): string => (opts.endMs === null ? "" : formatTime(opts.endMs));
    const endInput = (): HTMLInputElement =>
      h("input", {
        class: "end-input",
        type: "text",
        placeholder: "now (UTC)",
        value: endValue(),
        onchange: (e: Event) => this.setEnd((e.target as HTMLInputElement).value),
      });
    this.endInputs = [endInput(), endInput()];
    this.rangeInput = h("input", {
      class: "range-input",
      type: "text",
      value: formatDuration(opts.rangeMs),
      size: 6,
      onchange: () => this.setRange(this.rangeInput.value),
    });
    this.stepInput = h("input", {
      class: "step-input",
      type: "text",
      placeholder: "Res. (s)",
      size: 8,
      value: opts.stepS === null ? "" : String(opts.stepS),
      onchange: () => {
        const s = Number(this.stepInput.value);
        this.opts.stepS = this.stepInput.value.trim() !== "" && s > 0 ? s : null;
        this.stepInput.value = this.opts.stepS === null ? "" : String(this.opts.stepS);
        void this.execute();
      },
    });
    const stackedBox = h("input", {
      class: "stacked-input",
      type: "checkbox",
      checked: opts.stacked,
      onchange: (e: Event) => {
        this.opts.stacked = (e.target as HTMLInputElement).checked;
        void this.execute();
      },
    });
    this.tableControls = h(
      "div",
      { class: "controls" },
      h("label", null, "Evaluation time ", this.endInputs[0]),
    );
    this.graphControls = h(
      "div",
      { class: "controls" },
      h(
        "button",
        { class: "btn small", title: "Shorter range", onclick: () => this.stepRange(-1) },
        "−",
      ),
      this.rangeInput,
      h(
        "button",
        { class: "btn small", title: "Longer range", onclick: () => this.stepRange(1) },
        "+",
      ),
      h("button", { class: "btn small", title: "Earlier", onclick: () => this.shiftEnd(-1) }, "«"),
      this.endInputs[1],
      h("button", { class: "btn small", title: "Later", onclick: () => this.shiftEnd(1) }, "»"),
      this.stepInput,
      h("label", { class: "check" }, stackedBox, " stacked"),
    );
    const tab = (t: Tab, text: string): HTMLButtonElement =>
      h("button", { class: "tab", "data-tab": t, onclick: () => this.setTab(t) }, text);
    this.tabButtons = { table: tab("table", "Table"), graph: tab("graph", "Graph") };
    this.el = h(
      "section",
      { class: "panel" },
      h(
        "div",
        { class: "expr-row" },
        editorHost,
        h(
          "button",
          { class: "btn primary execute", onclick: () => void this.execute() },
          "Execute",
        ),
      ),
      h("div", { class: "tabs" }, this.tabButtons.table, this.tabButtons.graph, this.stats),
      this.tableControls,
      this.graphControls,
      this.status,
      this.result,
      h("button", { class: "btn link remove-panel", onclick: () => this.remove() }, "Remove panel"),
    );
    this.showTab();
  }

  focus(): void {
    this.editor.view.focus();
  }

  private setTab(t: Tab): void {
    if (this.opts.tab === t) return;
    this.opts.tab = t;
    this.showTab();
    void this.execute();
  }

  private showTab(): void {
    for (const [t, b] of Object.entries(this.tabButtons)) {
      b.classList.toggle("active", t === this.opts.tab);
    }
    this.tableControls.hidden = this.opts.tab !== "table";
    this.graphControls.hidden = this.opts.tab !== "graph";
  }

  private setEnd(text: string): void {
    const t = parseTime(text);
    this.opts.endMs = text.trim() === "" ? null : (t ?? this.opts.endMs);
    this.syncEnd();
    void this.execute();
  }

  private syncEnd(): void {
    for (const input of this.endInputs) {
      input.value = this.opts.endMs === null ? "" : formatTime(this.opts.endMs);
    }
  }

  private shiftEnd(dir: number): void {
    const end = this.opts.endMs ?? Date.now();
    this.opts.endMs = Math.round(end + (dir * this.opts.rangeMs) / 2);
    this.syncEnd();
    void this.execute();
  }

  private setRange(text: string): void {
    const ms = parseDuration(text);
    if (ms !== null && ms > 0) this.opts.rangeMs = ms;
    this.rangeInput.value = formatDuration(this.opts.rangeMs);
    void this.execute();
  }

  private stepRange(dir: number): void {
    const r = this.opts.rangeMs;
    const next =
      dir > 0
        ? (RANGE_STEPS_MS.find((s) => s > r) ?? r)
        : ([...RANGE_STEPS_MS].reverse().find((s) => s < r) ?? r);
    this.opts.rangeMs = next;
    this.rangeInput.value = formatDuration(next);
    void this.execute();
  }

  /** Runs the expression for the current tab; a newer run aborts an older one. */
  async execute(): Promise<void> {
    this.opts.expr = this.editor.value();
    this.changed();
    this.inflight?.abort();
    if (this.opts.expr.trim() === "") {
      replace(this.result);
      replace(this.status);
      replace(this.stats);
      return;
    }
    const ctl = new AbortController();
    this.inflight = ctl;
    const started = performance.now();
    replace(this.stats, "Loading…");
    this.el.dataset.state = "loading";
    try {
      if (this.opts.tab === "graph") await this.runRange(ctl.signal, started);
      else await this.runInstant(ctl.signal, started);
      this.el.dataset.state = "done";
    } catch (err) {
      if (err instanceof DOMException && err.name === "AbortError") return;
      replace(this.stats);
      replace(this.result);
      replace(
        this.status,
        h(
          "div",
          { class: "alert error", role: "alert" },
          String(err instanceof Error ? err.message : err),
        ),
      );
      this.el.dataset.state = "error";
    }
  }

  private showWarnings(warnings: string[]): void {
    replace(
      this.status,
      warnings.map((w) => h("div", { class: "alert warning" }, w)),
    );
  }

  private async runInstant(signal: AbortSignal, started: number): Promise<void> {
    const time = (this.opts.endMs ?? Date.now()) / 1000;
    const { data, warnings } = await api<QueryResult>(
      "query",
      { query: this.opts.expr, time: String(time) },
      signal,
    );
    this.showWarnings(warnings);
    this.chart?.destroy();
    this.chart = null;
    const table = h("table", { class: "data result-table" });
    const body = h("tbody");
    let count = 0;
    if (data.resultType === "vector") {
      count = data.result.length;
      for (const s of data.result.slice(0, MAX_TABLE_ROWS)) {
        body.append(
          h(
            "tr",
            null,
            h("td", { class: "series" }, formatSeries(s.metric)),
            h("td", { class: "value" }, s.value?.[1] ?? "(histogram)"),
          ),
        );
      }
    } else if (data.resultType === "matrix") {
      count = data.result.length;
      for (const s of data.result.slice(0, MAX_TABLE_ROWS)) {
        const vals = (s.values ?? []).map(([t, v]) => `${v} @${t}`);
        body.append(
          h(
            "tr",
            null,
            h("td", { class: "series" }, formatSeries(s.metric)),
            h(
              "td",
              { class: "value" },
              vals.map((v) => h("div", null, v)),
            ),
          ),
        );
      }
    } else {
      count = 1;
      body.append(
        h(
          "tr",
          null,
          h("td", { class: "series" }, data.resultType),
          h("td", { class: "value" }, data.result[1]),
        ),
      );
    }
    if (count === 0)
      body.append(h("tr", null, h("td", { colspan: 2, class: "empty" }, "Empty query result")));
    table.append(body);
    const note =
      count > MAX_TABLE_ROWS
        ? h("div", { class: "alert warning" }, `Showing ${MAX_TABLE_ROWS} of ${count} series.`)
        : null;
    replace(this.result, note, table);
    this.result.dataset.seriesCount = String(count);
    replace(
      this.stats,
      `Load time: ${Math.round(performance.now() - started)}ms · Result series: ${count}`,
    );
  }

  private async runRange(signal: AbortSignal, started: number): Promise<void> {
    const endS = (this.opts.endMs ?? Date.now()) / 1000;
    const startS = endS - this.opts.rangeMs / 1000;
    const stepS = this.opts.stepS ?? autoStepS(this.opts.rangeMs);
    const { data, warnings } = await api<QueryResult>(
      "query_range",
      { query: this.opts.expr, start: String(startS), end: String(endS), step: String(stepS) },
      signal,
    );
    this.showWarnings(warnings);
    if (data.resultType !== "matrix") {
      throw new Error(
        `query_range returned ${data.resultType}, a graph needs a range vector result`,
      );
    }
    const host = h("div", { class: "graph" });
    const total = data.result.length;
    const note =
      total > MAX_GRAPH_SERIES
        ? h(
            "div",
            { class: "alert warning" },
            `Graphing the first ${MAX_GRAPH_SERIES} of ${total} series.`,
          )
        : null;
    replace(this.result, note, host);
    this.chart?.destroy();
    this.chart = new Chart(host);
    this.chart.render(
      data.result.slice(0, MAX_GRAPH_SERIES),
      startS,
      endS,
      stepS,
      this.opts.stacked,
    );
    this.result.dataset.seriesCount = String(data.result.length);
    replace(
      this.stats,
      `Load time: ${Math.round(performance.now() - started)}ms · Resolution: ${stepS}s · Result series: ${data.result.length}`,
    );
  }

  destroy(): void {
    this.inflight?.abort();
    this.chart?.destroy();
    this.editor.view.destroy();
    this.el.remove();
  }
}
