// The read-only status pages: /tsdb-status, /config, /flags and /status.

import { api } from "../api";
import { errorBox, h, replace } from "../dom";

type NameValue = { name: string; value: number };

interface TSDBStatus {
  headStats: {
    numSeries: number;
    numLabelPairs?: number;
    chunkCount: number;
    minTime: number;
    maxTime: number;
  };
  seriesCountByMetricName: NameValue[];
  labelValueCountByLabelName: NameValue[];
  memoryInBytesByLabelName: NameValue[];
  seriesCountByLabelValuePair: NameValue[];
}

function kvTable(rows: [string, string | number][], headers?: [string, string]): HTMLElement {
  return h(
    "table",
    { class: "data kv" },
    headers
      ? h("thead", null, h("tr", null, h("th", null, headers[0]), h("th", null, headers[1])))
      : null,
    h(
      "tbody",
      null,
      rows.map(([k, v]) => h("tr", null, h("th", { scope: "row" }, k), h("td", null, String(v)))),
    ),
  );
}

async function load<T>(
  main: HTMLElement,
  title: string,
  path: string,
  draw: (data: T) => (HTMLElement | null)[],
): Promise<void> {
  const body = h("div", null, h("p", { class: "muted" }, "Loading…"));
  replace(main, h("h1", null, title), body);
  try {
    replace(body, draw((await api<T>(path)).data));
  } catch (err) {
    replace(body, errorBox(err));
  }
}

const isoOrNone = (ms: number, empty: boolean): string =>
  empty ? "–" : new Date(ms).toISOString();

export function renderTSDB(main: HTMLElement): Promise<void> {
  return load<TSDBStatus>(main, "TSDB Status", "status/tsdb", (d) => {
    const hs = d.headStats;
    const empty = hs.minTime > hs.maxTime;
    const section = (title: string, rows: NameValue[], col: string, unit = ""): HTMLElement =>
      h(
        "section",
        { class: "tsdb-section" },
        h("h2", null, title),
        kvTable(
          rows.map((r) => [r.name, `${r.value}${unit}`]),
          ["Name", col],
        ),
      );
    return [
      h("h2", null, "Head Stats"),
      kvTable([
        ["Number of series", hs.numSeries],
        ["Number of chunks", hs.chunkCount],
        ["Number of label pairs", hs.numLabelPairs ?? "–"],
        ["Current min time", isoOrNone(hs.minTime, empty)],
        ["Current max time", isoOrNone(hs.maxTime, empty)],
      ]),
      section("Top 10 series count by metric names", d.seriesCountByMetricName, "Count"),
      section("Top 10 label names with value count", d.labelValueCountByLabelName, "Count"),
      section("Top 10 label names with high memory usage", d.memoryInBytesByLabelName, "Bytes"),
      section("Top 10 series count by label value pairs", d.seriesCountByLabelValuePair, "Count"),
    ];
  });
}

export function renderConfig(main: HTMLElement): Promise<void> {
  return load<{ yaml: string }>(main, "Configuration", "status/config", (d) => [
    h(
      "button",
      { class: "btn small", onclick: () => void navigator.clipboard?.writeText(d.yaml) },
      "Copy to clipboard",
    ),
    h("pre", { class: "config" }, d.yaml),
  ]);
}

export function renderFlags(main: HTMLElement): Promise<void> {
  return load<Record<string, string>>(main, "Command-Line Flags", "status/flags", (d) => {
    const rows = Object.entries(d).sort((a, b) => a[0].localeCompare(b[0]));
    const table = kvTable(rows, ["Flag", "Value"]);
    const filter = h("input", {
      type: "search",
      class: "search",
      placeholder: "Filter flags",
      oninput: (e: Event) => {
        const q = (e.target as HTMLInputElement).value.toLowerCase();
        for (const tr of table.querySelectorAll("tbody tr")) {
          (tr as HTMLElement).hidden = !(tr.textContent ?? "").toLowerCase().includes(q);
        }
      },
    });
    return [filter, table];
  });
}

export async function renderStatus(main: HTMLElement): Promise<void> {
  const body = h("div", null, h("p", { class: "muted" }, "Loading…"));
  replace(main, h("h1", null, "Runtime & Build Information"), body);
  try {
    const [rt, build] = await Promise.all([
      api<Record<string, unknown>>("status/runtimeinfo"),
      api<Record<string, unknown>>("status/buildinfo"),
    ]);
    const rows = (d: Record<string, unknown>): [string, string][] =>
      Object.entries(d).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]);
    replace(
      body,
      h("h2", null, "Runtime Information"),
      kvTable(rows(rt.data)),
      h("h2", null, "Build Information"),
      kvTable(rows(build.data)),
    );
  } catch (err) {
    replace(body, errorBox(err));
  }
}
