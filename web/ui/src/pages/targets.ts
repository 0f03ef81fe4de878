// /targets: active targets grouped by scrape pool, with health, last scrape, duration,
// error and circuit-breaker state; filter by health and by text.

import { api } from "../api";
import { badge, errorBox, h, labelBadges, replace } from "../dom";
import { ago, formatSeconds } from "../format";

export interface Target {
  discoveredLabels: Record<string, string>;
  labels: Record<string, string>;
  scrapePool: string;
  scrapeUrl: string;
  lastError: string;
  lastScrape: string;
  lastScrapeDuration: number;
  health: "up" | "down" | "unknown";
  scrapeInterval: string;
  scrapeTimeout: string;
  circuitBreaker?: {
    state: string;
    windowRequests: number;
    windowFailures: number;
    rejectedTotal: number;
  };
}

export interface TargetsDoc {
  activeTargets: Target[];
  droppedTargets: { discoveredLabels: Record<string, string>; scrapePool?: string }[];
  droppedTargetCounts?: Record<string, number> | null;
}

const HEALTH_CLASS: Record<string, string> = { up: "ok", down: "bad", unknown: "muted" };

export function groupBy<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return new Map([...out.entries()].sort((a, b) => a[0].localeCompare(b[0])));
}

function breakerCell(t: Target): HTMLElement {
  const cb = t.circuitBreaker;
  if (!cb) return h("td", null, "–");
  const kind = cb.state === "closed" ? "ok" : cb.state === "open" ? "bad" : "warn";
  return h(
    "td",
    {
      title: `window: ${cb.windowFailures}/${cb.windowRequests} failed; rejected ${cb.rejectedTotal}`,
    },
    badge(cb.state, kind),
  );
}

function targetRow(t: Target): HTMLElement {
  return h(
    "tr",
    { class: `target health-${t.health}` },
    h("td", null, h("a", { href: t.scrapeUrl }, t.scrapeUrl)),
    h("td", null, badge(t.health.toUpperCase(), HEALTH_CLASS[t.health] ?? "muted")),
    h("td", null, labelBadges(t.labels)),
    h("td", { title: t.lastScrape }, ago(t.lastScrape)),
    h("td", null, formatSeconds(t.lastScrapeDuration)),
    breakerCell(t),
    h("td", { class: "error-text" }, t.lastError),
  );
}

export async function render(main: HTMLElement): Promise<void> {
  const body = h("div", null, h("p", { class: "muted" }, "Loading…"));
  const filters = { health: "all", text: "" };
  let doc: TargetsDoc | null = null;

  const draw = (): void => {
    if (!doc) return;
    const text = filters.text.toLowerCase();
    const pools = groupBy(doc.activeTargets, (t) => t.scrapePool);
    const sections: HTMLElement[] = [];
    for (const [pool, all] of pools) {
      const up = all.filter((t) => t.health === "up").length;
      const shown = all.filter(
        (t) =>
          (filters.health === "all" ||
            (filters.health === "unhealthy" ? t.health !== "up" : t.health === filters.health)) &&
          (text === "" ||
            JSON.stringify(t.labels).toLowerCase().includes(text) ||
            t.scrapeUrl.toLowerCase().includes(text)),
      );
      if (shown.length === 0 && filters.health !== "all") continue;
      sections.push(
        h(
          "details",
          { class: "pool", open: true, "data-pool": pool },
          h("summary", null, h("strong", null, pool), ` (${up}/${all.length} up)`),
          h(
            "table",
            { class: "data" },
            h(
              "thead",
              null,
              h(
                "tr",
                null,
                [
                  "Endpoint",
                  "State",
                  "Labels",
                  "Last scrape",
                  "Scrape duration",
                  "Circuit",
                  "Error",
                ].map((c) => h("th", null, c)),
              ),
            ),
            h("tbody", null, shown.map(targetRow)),
          ),
        ),
      );
    }
    replace(body, sections.length ? sections : h("p", { class: "muted" }, "No targets match."));
  };

  const healthButton = (value: string, text: string): HTMLButtonElement =>
    h(
      "button",
      {
        class: `btn small filter${value === filters.health ? " active" : ""}`,
        "data-filter": value,
        onclick: (e: Event) => {
          filters.health = value;
          for (const b of (e.currentTarget as HTMLElement).parentElement!.querySelectorAll(
            "button",
          )) {
            b.classList.toggle("active", b.dataset.filter === value);
          }
          draw();
        },
      },
      text,
    );

  replace(
    main,
    h("h1", null, "Targets"),
    h(
      "div",
      { class: "toolbar" },
      h(
        "span",
        { class: "btn-group" },
        healthButton("all", "All"),
        healthButton("unhealthy", "Unhealthy"),
        healthButton("up", "Up"),
        healthButton("down", "Down"),
        healthButton("unknown", "Unknown"),
      ),
      h("input", {
        type: "search",
        class: "search",
        placeholder: "Filter by endpoint or labels",
        oninput: (e: Event) => {
          filters.text = (e.target as HTMLInputElement).value;
          draw();
        },
      }),
    ),
    body,
  );
  try {
    doc = (await api<TargetsDoc>("targets?state=active")).data;
    draw();
  } catch (err) {
    replace(body, errorBox(err));
  }
}
